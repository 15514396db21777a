"""The one visibility rule, in its Python form and its SQL form.

A post is visible to a viewer unless
  - it is in a private group the viewer is not a member of, or
  - it is tagged with a confidential account whose team (owner + members) the viewer is not
    on; admins see confidential accounts.
Accounts and groups follow the same rule: a confidential account is seen by its team and
admins, a private group by its members. Every read path (REST, feeds, notifications,
contributors, search, live fan-out, pages) goes through the functions below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    ScalarSelect,
    String,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.accounts.models import Account, AccountMember
from app.core.db import dialect_name, rows
from app.groups.models import Group, GroupMember
from app.posts.models import Post, PostAccount
from app.users.models import User


def _post_rule(
    group_ids: Any, team_account_ids: Any, is_admin: ColumnElement[bool]
) -> ColumnElement[bool]:
    """The SQL form of `Viewer.can_see_post`, over values or over bound parameters."""
    return and_(
        or_(Post.group_private.is_(False), Post.group_id.in_(group_ids)),
        or_(
            Post.confidential.is_(False),
            is_admin,
            not_(
                exists(
                    select(PostAccount.post_id)
                    .join(Account, Account.id == PostAccount.account_id)
                    .where(
                        PostAccount.post_id == Post.id,
                        Account.confidential.is_(True),
                        Account.id.not_in(team_account_ids),
                    )
                )
            ),
        ),
    )


# The rule with the viewer as parameters, so hot statements can be built once;
# `Viewer.params()` gives the values.
VISIBLE_POST = _post_rule(
    bindparam("viewer_group_ids", expanding=True),
    bindparam("viewer_team_ids", expanding=True),
    bindparam("viewer_is_admin", type_=Boolean),
)


@dataclass(frozen=True, slots=True)
class Viewer:
    id: int
    is_admin: bool
    group_ids: frozenset[int]
    team_account_ids: frozenset[int]

    def can_see_group(self, *, group_id: int, private: bool) -> bool:
        return not private or group_id in self.group_ids

    def can_see_account(self, *, account_id: int, confidential: bool) -> bool:
        return not confidential or self.is_admin or account_id in self.team_account_ids

    def can_see_post(
        self,
        *,
        group_id: int | None,
        group_private: bool,
        confidential_account_ids: Iterable[int],
    ) -> bool:
        if group_private and group_id not in self.group_ids:
            return False
        return self.is_admin or all(a in self.team_account_ids for a in confidential_account_ids)

    # SQL forms of the same rule.

    def params(self) -> dict[str, object]:
        """Values for the `viewer_*` parameters of `VISIBLE_POST` in a prebuilt statement."""
        return {
            "viewer_group_ids": sorted(self.group_ids),
            "viewer_team_ids": sorted(self.team_account_ids),
            "viewer_is_admin": self.is_admin,
        }

    def post_clause(self) -> ColumnElement[bool]:
        return _post_rule(
            sorted(self.group_ids),
            sorted(self.team_account_ids),
            true() if self.is_admin else false(),
        )

    def account_clause(self) -> ColumnElement[bool]:
        if self.is_admin:
            return true()
        return or_(Account.confidential.is_(False), Account.id.in_(self.team_account_ids))

    def group_clause(self) -> ColumnElement[bool]:
        return or_(Group.private.is_(False), Group.id.in_(self.group_ids))


def membership_columns(
    user_id: InstrumentedAttribute[int], dialect: str
) -> list[ScalarSelect[str]]:
    """The user's group ids, team memberships and owned accounts as comma-separated
    strings, to be selected with the user row so a request learns its viewer in one query."""

    def ids(column: InstrumentedAttribute[int], where: ColumnElement[bool]) -> ScalarSelect[str]:
        if dialect == "postgresql":
            joined = func.string_agg(cast(column, String), ",")
        else:
            joined = func.group_concat(column, ",")
        return select(joined).where(where).scalar_subquery()

    return [
        ids(GroupMember.group_id, GroupMember.user_id == user_id),
        ids(AccountMember.account_id, AccountMember.user_id == user_id),
        ids(Account.id, Account.owner_id == user_id),
    ]


def viewer_from_columns(user: User, groups: str | None, *accounts: str | None) -> Viewer:
    def parse(text: str | None) -> set[int]:
        return {int(part) for part in text.split(",")} if text else set()

    return Viewer(
        id=user.id,
        is_admin=user.is_admin,
        group_ids=frozenset(parse(groups)),
        team_account_ids=frozenset(set().union(*(parse(a) for a in accounts))),
    )


async def load_viewer(session: AsyncSession, user: User) -> Viewer:
    """The viewer's groups and account teams, in one round trip."""
    return (await load_viewers(session, [user]))[user.id]


async def load_viewers(session: AsyncSession, users: list[User]) -> dict[int, Viewer]:
    """Viewers for several users at once (notification recipients), by the same membership
    columns the request's token lookup uses."""
    columns = membership_columns(User.id, dialect_name(session))
    rows = await session.execute(
        select(User.id, *columns).where(User.id.in_([u.id for u in users]))
    )
    memberships = {user_id: rest for user_id, *rest in rows}
    return {u.id: viewer_from_columns(u, *memberships.get(u.id, ())) for u in users}


# The rule's search-filter form. Search documents carry the keys of what restricts them
# ("g<id>" private group, "a<id>" confidential account); a viewer is denied the keys of the
# private groups it is not a member of and the confidential accounts whose team it is not on
# (none for admins), so a document is visible iff it carries none of them: the same rule as
# `Viewer.can_see_post`, evaluated inside the engine.


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
