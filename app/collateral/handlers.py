"""Collateral's part of a post write: a collateral post's catalogue data is written with it,
and an edit of what it says starts a new version. Also its reader of post shapes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.collateral import service
from app.core import events
from app.posts.events import PostCreated, PostUpdated
from app.posts.models import PostKind

on = events.Handlers()
# What collateral adds to every read of posts (`app.posts.extensions`).
readers = (service.add_details,)


@on(PostCreated)
async def post_created(session: AsyncSession, event: PostCreated) -> None:
    if event.post.kind is PostKind.collateral:
        await service.describe(session, post_id=event.place.post_id, details=event.collateral)


@on(PostUpdated)
async def post_updated(session: AsyncSession, event: PostUpdated) -> None:
    if event.post.kind is PostKind.collateral:
        await service.edited(
            session,
            post_id=event.place.post_id,
            actor_id=event.actor_id,
            details=event.collateral,
            content_changed=event.content_changed,
            visibility=event.place.visibility,
        )
