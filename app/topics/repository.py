"""The topics' statements that react to posts: the counters."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.topics.models import Topic


async def adjust_counts(session: AsyncSession, topic_ids: Collection[int], delta: int) -> None:
    if topic_ids:
        await session.execute(
            update(Topic).where(Topic.id.in_(topic_ids)).values(post_count=Topic.post_count + delta)
        )
