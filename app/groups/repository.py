"""The groups' statements: groups and their members."""

from __future__ import annotations

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import insert_ignore
from app.groups.models import Group, GroupMember
from app.users.models import User
from app.visibility import Viewer


async def by_slug(session: AsyncSession, slug: str) -> Group | None:
    return await session.scalar(select(Group).where(Group.slug == slug.lower()))


def visible(viewer: Viewer) -> Select[Group]:
    return select(Group).where(viewer.group_clause())


def members(group_id: int) -> Select[User]:
    return (
        select(User)
        .join(GroupMember, GroupMember.user_id == User.id)
        .where(GroupMember.group_id == group_id)
    )


async def member_counts(session: AsyncSession, group_ids: list[int]) -> dict[int, int]:
    if not group_ids:
        return {}
    found = await session.execute(
        select(GroupMember.group_id, func.count())
        .where(GroupMember.group_id.in_(group_ids))
        .group_by(GroupMember.group_id)
    )
    return {group_id: int(count) for group_id, count in found}


async def add_member(session: AsyncSession, group_id: int, user_id: int) -> None:
    await insert_ignore(session, GroupMember, {"group_id": group_id, "user_id": user_id})


async def remove_member(session: AsyncSession, group_id: int, user_id: int) -> None:
    await session.execute(
        delete(GroupMember).where(GroupMember.group_id == group_id, GroupMember.user_id == user_id)
    )
