"""Groups: public ones anyone may join, private ones whose members add members."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import events
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.pagination import PageParams, paginate
from app.core.slugs import free_variant
from app.core.text import slugify
from app.groups import repository
from app.groups.events import MembershipChanged
from app.groups.models import Group
from app.groups.schemas import GroupCreate
from app.users import service as users
from app.users.models import User
from app.visibility import Viewer
from app.visibility.events import AccessChanged


async def create(
    session: AsyncSession, *, creator: User, data: GroupCreate, viewer: Viewer | None = None
) -> Group:
    """Create a group with its creator as the first member. A slug used by a private group
    the caller is not in is never confirmed: the new group gets a free variant of it."""
    slug = data.slug or slugify(data.name)
    existing = await repository.by_slug(session, slug)
    if existing is not None:
        if viewer is None or viewer.can_see_group(group_id=existing.id, private=existing.private):
            raise Conflict(f"A group with the slug {slug!r} already exists.", code="slug_taken")
        slug = await free_variant(slug, lambda s: repository.by_slug(session, s))
    group = Group(slug=slug, name=data.name, private=data.private, created_by_id=creator.id)
    session.add(group)
    await session.flush()
    await repository.add_member(session, group.id, creator.id)
    await _membership_changed(session, group, creator.id, member=True)
    return group


async def get_visible(session: AsyncSession, viewer: Viewer, *, slug: str) -> Group:
    group = await visible_by_slug(session, viewer, slug)
    if group is None:
        raise NotFound("No such group.")
    return group


async def visible_by_slug(session: AsyncSession, viewer: Viewer, slug: str) -> Group | None:
    group = await repository.by_slug(session, slug)
    if group is None or not viewer.can_see_group(group_id=group.id, private=group.private):
        return None
    return group


async def list_groups(
    session: AsyncSession, viewer: Viewer, *, page: PageParams
) -> tuple[list[Group], str | None]:
    return await paginate(session, repository.visible(viewer), Group.id, page)


async def member_counts(session: AsyncSession, group_ids: list[int]) -> dict[int, int]:
    return await repository.member_counts(session, group_ids)


async def members(
    session: AsyncSession, group: Group, *, page: PageParams
) -> tuple[list[User], str | None]:
    return await paginate(session, repository.members(group.id), User.id, page)


async def add_member(
    session: AsyncSession, *, actor: User, viewer: Viewer, group: Group, handle: str
) -> None:
    """Anyone joins a public group; adding someone else takes a member (or an admin)."""
    user = await users.by_handle(session, handle)
    if user is None:
        raise NotFound("No such user.")
    if user.id != actor.id or group.private:
        if group.id not in viewer.group_ids and not (actor.is_admin and not group.private):
            raise Forbidden("Only members can add people to this group.")
    await repository.add_member(session, group.id, user.id)
    await _membership_changed(session, group, user.id, member=True)


async def remove_member(session: AsyncSession, *, actor: User, group: Group, handle: str) -> None:
    """Members leave by themselves; the group's creator or an admin may remove others."""
    user = await users.by_handle(session, handle)
    if user is None:
        raise NotFound("No such user.")
    if user.id != actor.id and not (actor.is_admin or group.created_by_id == actor.id):
        raise Forbidden("Only the group's creator or an admin can remove other members.")
    await repository.remove_member(session, group.id, user.id)
    await _membership_changed(session, group, user.id, member=False)


async def _membership_changed(
    session: AsyncSession, group: Group, user_id: int, *, member: bool
) -> None:
    """The member's feed follows the group (or not) and what they may see changed."""
    await events.publish(
        session, MembershipChanged(group_id=group.id, user_id=user_id, member=member)
    )
    await events.publish(session, AccessChanged(frozenset({user_id})))
