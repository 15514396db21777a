"""Notifications: written in the same transaction as the event that causes them, only for
people who may see the post, never for the person who acted."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import events
from app.core.pagination import PageParams
from app.notifications import repository
from app.notifications.events import NotificationCreated
from app.notifications.models import Notification, NotificationKind
from app.notifications.schemas import NotificationRead
from app.users.models import User
from app.visibility import PostVisibility, Viewer, load_viewers


async def notify(
    session: AsyncSession,
    *,
    actor_id: int,
    targets: Iterable[tuple[int, NotificationKind]],
    post_id: int | None = None,
    visibility: PostVisibility | None = None,
    comment_id: int | None = None,
    path: str | None = None,
    summary: str | None = None,
) -> list[Notification]:
    """One notification per recipient (the first kind given wins); a recipient who may not
    see the post (`visibility`) gets none. A notification about something other than a post
    says where it is (`path`) and what happened (`summary`)."""
    kinds: dict[int, NotificationKind] = {}
    for user_id, kind in targets:
        if user_id != actor_id:
            kinds.setdefault(user_id, kind)
    if not kinds:
        return []
    users = await repository.active_users(session, kinds)
    if visibility is not None and visibility.restricted:
        viewers = await load_viewers(session, users)
        users = [u for u in users if viewers[u.id].can_see(visibility)]
    created = [
        Notification(
            user_id=u.id,
            kind=kinds[u.id],
            actor_id=actor_id,
            post_id=post_id,
            comment_id=comment_id,
            path=path,
            summary=summary,
        )
        for u in users
    ]
    if not created:
        return []
    session.add_all(created)
    await session.flush()
    # The actor is the signed-in user, in the session's identity map: no query.
    actor = await session.get_one(User, actor_id)
    for notification in created:
        await events.publish(
            session,
            NotificationCreated(
                notification=NotificationRead.of(notification, actor),
                user_id=notification.user_id,
                visibility=visibility,
            ),
        )
    return created


async def list_for(
    session: AsyncSession, viewer: Viewer, *, unread_only: bool, page: PageParams
) -> tuple[list[tuple[Notification, User]], str | None]:
    """The viewer's notifications about what they may still see, newest first."""
    return await repository.page_for(session, viewer, unread_only=unread_only, page=page)


async def unread_count(session: AsyncSession, viewer: Viewer) -> int:
    return await repository.unread_count(session, viewer)


async def mark_read(
    session: AsyncSession, *, user_id: int, ids: list[int] | None, all_: bool
) -> None:
    await repository.mark_read(session, user_id=user_id, ids=ids, all_=all_)
