"""Groups: public ones anyone may join, private ones whose members add members."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import insert_ignore
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.pagination import PageParams, page_of
from app.core.text import slugify
from app.core.visibility import Viewer
from app.feeds import service as feeds
from app.groups.models import Group, GroupMember
from app.groups.schemas import GroupCreate
from app.live import events as live
from app.users import repository as users_repo
from app.users.models import User


async def create(session: AsyncSession, *, creator: User, data: GroupCreate) -> Group:
    """Create a group with its creator as the first member."""
    slug = data.slug or slugify(data.name)
    if await session.scalar(select(Group.id).where(Group.slug == slug)):
        raise Conflict(f"A group with the slug {slug!r} already exists.", code="slug_taken")
    group = Group(slug=slug, name=data.name, private=data.private, created_by_id=creator.id)
    session.add(group)
    await session.flush()
    session.add(GroupMember(group_id=group.id, user_id=creator.id))
    await session.flush()
    await live.subscriptions_changed(session, user_id=creator.id)
    return group


async def get_visible(session: AsyncSession, viewer: Viewer, *, slug: str) -> Group:
    group = await visible_by_slug(session, viewer, slug)
    if group is None:
        raise NotFound("No such group.")
    return group


async def visible_by_slug(session: AsyncSession, viewer: Viewer, slug: str) -> Group | None:
    group = await session.scalar(select(Group).where(Group.slug == slug.lower()))
    if group is None or not viewer.can_see_group(group_id=group.id, private=group.private):
        return None
    return group


async def list_groups(
    session: AsyncSession, viewer: Viewer, *, page: PageParams
) -> tuple[list[Group], str | None]:
    stmt = select(Group).where(viewer.group_clause())
    after = page.after_id()
    if after is not None:
        stmt = stmt.where(Group.id < after)
    rows = list(await session.scalars(stmt.order_by(Group.id.desc()).limit(page.limit + 1)))
    return page_of(rows, page.limit, key=lambda g: g.id)


async def member_counts(session: AsyncSession, group_ids: list[int]) -> dict[int, int]:
    if not group_ids:
        return {}
    rows = await session.execute(
        select(GroupMember.group_id, func.count())
        .where(GroupMember.group_id.in_(group_ids))
        .group_by(GroupMember.group_id)
    )
    return {group_id: int(count) for group_id, count in rows}


async def members(
    session: AsyncSession, group: Group, *, page: PageParams
) -> tuple[list[User], str | None]:
    stmt = (
        select(User)
        .join(GroupMember, GroupMember.user_id == User.id)
        .where(GroupMember.group_id == group.id)
    )
    after = page.after_id()
    if after is not None:
        stmt = stmt.where(User.id < after)
    rows = list(await session.scalars(stmt.order_by(User.id.desc()).limit(page.limit + 1)))
    return page_of(rows, page.limit, key=lambda u: u.id)


async def add_member(
    session: AsyncSession, *, actor: User, viewer: Viewer, group: Group, handle: str
) -> None:
    """Anyone joins a public group; adding someone else takes a member (or an admin)."""
    user = await users_repo.by_handle(session, handle)
    if user is None:
        raise NotFound("No such user.")
    if user.id != actor.id or group.private:
        if group.id not in viewer.group_ids and not (actor.is_admin and not group.private):
            raise Forbidden("Only members can add people to this group.")
    await insert_ignore(session, GroupMember, {"group_id": group.id, "user_id": user.id})
    await feeds.invalidate(session, user_id=user.id)
    await live.subscriptions_changed(session, user_id=user.id)


async def remove_member(session: AsyncSession, *, actor: User, group: Group, handle: str) -> None:
    """Members leave by themselves; the group's creator or an admin may remove others."""
    user = await users_repo.by_handle(session, handle)
    if user is None:
        raise NotFound("No such user.")
    if user.id != actor.id and not (actor.is_admin or group.created_by_id == actor.id):
        raise Forbidden("Only the group's creator or an admin can remove other members.")
    await session.execute(
        delete(GroupMember).where(GroupMember.group_id == group.id, GroupMember.user_id == user.id)
    )
    await feeds.invalidate(session, user_id=user.id)
    await live.subscriptions_changed(session, user_id=user.id)
