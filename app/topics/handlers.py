"""Topic counters: how many posts carry each topic, kept in the post's own transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import events
from app.posts.events import PostCreated, PostDeleted, PostUpdated
from app.topics.repository import adjust_counts

on = events.Handlers()


@on(PostCreated)
async def post_created(session: AsyncSession, event: PostCreated) -> None:
    await adjust_counts(session, event.place.topic_ids, +1)


@on(PostUpdated)
async def post_updated(session: AsyncSession, event: PostUpdated) -> None:
    now, before = event.place.topic_ids, event.previous.topic_ids
    await adjust_counts(session, before - now, -1)
    await adjust_counts(session, now - before, +1)


@on(PostDeleted)
async def post_deleted(session: AsyncSession, event: PostDeleted) -> None:
    await adjust_counts(session, event.place.topic_ids, -1)
