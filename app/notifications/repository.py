"""The notifications' statements."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import utcnow
from app.core.pagination import PageParams, keyset, page_of
from app.notifications.models import Notification
from app.posts.models import Post
from app.users.models import User
from app.visibility import Viewer


def _visible(viewer: Viewer) -> ColumnElement[bool]:
    return or_(
        Notification.post_id.is_(None),
        exists(select(Post.id).where(Post.id == Notification.post_id, viewer.post_clause())),
    )


async def active_users(session: AsyncSession, ids: Collection[int]) -> list[User]:
    return list(
        await session.scalars(select(User).where(User.id.in_(ids), User.is_active.is_(True)))
    )


async def page_for(
    session: AsyncSession, viewer: Viewer, *, unread_only: bool, page: PageParams
) -> tuple[list[tuple[Notification, User]], str | None]:
    stmt = (
        select(Notification, User)
        .join(User, User.id == Notification.actor_id)
        .where(Notification.user_id == viewer.id, _visible(viewer))
    )
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    stmt = keyset(stmt, Notification.id, after=page.after_id(), limit=page.limit + 1)
    found = [(n, u) for n, u in await session.execute(stmt)]
    return page_of(found, page.limit, key=lambda row: row[0].id)


async def unread_count(session: AsyncSession, viewer: Viewer) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == viewer.id,
            Notification.read_at.is_(None),
            _visible(viewer),
        )
    )
    return int(count or 0)


async def mark_read(
    session: AsyncSession, *, user_id: int, ids: list[int] | None, all_: bool
) -> None:
    stmt = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if not all_:
        stmt = stmt.where(Notification.id.in_(ids or []))
    await session.execute(stmt.values(read_at=utcnow()))
