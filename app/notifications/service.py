"""Notifications: written in the same transaction as the event that causes them, only for
people who may see the post, never for the person who acted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import utcnow
from app.core.pagination import PageParams, page_of
from app.core.visibility import Viewer, load_viewers
from app.live import events as live
from app.notifications.models import Notification, NotificationKind
from app.notifications.schemas import NotificationRead
from app.posts.models import Post
from app.users.models import User


@dataclass(frozen=True, slots=True)
class PostContext:
    """What the visibility rule needs to know about the post a notification points at."""

    post_id: int
    group_id: int | None
    group_private: bool
    confidential_account_ids: tuple[int, ...]

    @property
    def restricted(self) -> bool:
        """Whether anyone may be unable to see the post (else everyone can)."""
        return self.group_private or bool(self.confidential_account_ids)

    def visibility(self) -> dict[str, object]:
        return live.visibility(
            group_id=self.group_id,
            group_private=self.group_private,
            confidential_account_ids=self.confidential_account_ids,
        )


async def notify(
    session: AsyncSession,
    *,
    actor_id: int,
    targets: Iterable[tuple[int, NotificationKind]],
    post: PostContext | None = None,
    comment_id: int | None = None,
) -> list[Notification]:
    """One notification per recipient (the first kind given wins)."""
    kinds: dict[int, NotificationKind] = {}
    for user_id, kind in targets:
        if user_id != actor_id:
            kinds.setdefault(user_id, kind)
    if not kinds:
        return []
    users = list(
        await session.scalars(select(User).where(User.id.in_(kinds), User.is_active.is_(True)))
    )
    if post is not None and post.restricted:
        viewers = await load_viewers(session, users)
        users = [
            u
            for u in users
            if viewers[u.id].can_see_post(
                group_id=post.group_id,
                group_private=post.group_private,
                confidential_account_ids=post.confidential_account_ids,
            )
        ]
    created = [
        Notification(
            user_id=u.id,
            kind=kinds[u.id].value,
            actor_id=actor_id,
            post_id=post.post_id if post else None,
            comment_id=comment_id,
        )
        for u in users
    ]
    session.add_all(created)
    await session.flush()
    if created:
        actor = await session.get(User, actor_id)
        assert actor is not None  # the actor is the signed-in user
        seen_by = post.visibility() if post else None
        for notification in created:
            await live.notification_created(
                session,
                user_id=notification.user_id,
                data=NotificationRead.of(notification, actor).model_dump(mode="json"),
                seen_by=seen_by,
            )
    return created


def _visible(viewer: Viewer) -> ColumnElement[bool]:
    return or_(
        Notification.post_id.is_(None),
        exists(select(Post.id).where(Post.id == Notification.post_id, viewer.post_clause())),
    )


async def list_for(
    session: AsyncSession, viewer: Viewer, *, unread_only: bool, page: PageParams
) -> tuple[list[tuple[Notification, User]], str | None]:
    stmt = (
        select(Notification, User)
        .join(User, User.id == Notification.actor_id)
        .where(Notification.user_id == viewer.id, _visible(viewer))
    )
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    after = page.after_id()
    if after is not None:
        stmt = stmt.where(Notification.id < after)
    rows = [
        (n, u)
        for n, u in await session.execute(
            stmt.order_by(Notification.id.desc()).limit(page.limit + 1)
        )
    ]
    return page_of(rows, page.limit, key=lambda row: row[0].id)


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
