"""The rule's search-filter form.

Search documents carry the keys of what restricts them ("g<id>" private group, "a<id>"
confidential account); a viewer is denied the keys of the private groups it is not a member
of and the confidential accounts whose team it is not on (none for admins), so a document is
visible iff it carries none of them: the same rule as `Viewer.can_see`, evaluated inside the
engine.
"""

from __future__ import annotations

from sqlalchemy import Boolean, bindparam, literal, not_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Account
from app.core.db import rows
from app.groups.models import Group
from app.visibility.rule import Viewer


def group_key(group_id: int) -> str:
    return f"g{group_id}"


def account_key(account_id: int) -> str:
    return f"a{account_id}"


# Private groups and confidential accounts a viewer is not in, with the viewer as the same
# parameters `VISIBLE_POST` takes: one prebuilt statement per query.
_DENIED = union_all(
    select(literal("g"), Group.id).where(
        Group.private.is_(True),
        Group.id.not_in(bindparam("viewer_group_ids", expanding=True)),
    ),
    select(literal("a"), Account.id).where(
        Account.confidential.is_(True),
        Account.id.not_in(bindparam("viewer_team_ids", expanding=True)),
        not_(bindparam("viewer_is_admin", type_=Boolean)),
    ),
)


async def search_deny_keys(session: AsyncSession, viewer: Viewer) -> list[str]:
    """The visibility keys `viewer` lacks, for `search.SearchQuery.deny`."""
    key_of = {"g": group_key, "a": account_key}
    denied = await rows(session, _DENIED, viewer.params())
    return sorted(key_of[row[0]](row[1]) for row in denied)
