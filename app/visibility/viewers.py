"""Loading a viewer: the user's groups and account teams, in the same round trip as the user."""

from __future__ import annotations

from sqlalchemy import ColumnElement, ScalarSelect, String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.accounts.models import Account, AccountMember
from app.core.db import dialect_name
from app.groups.models import GroupMember
from app.users.models import User
from app.visibility.rule import Viewer


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
