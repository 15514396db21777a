"""Topic counters: how many posts carry each topic, and how many of them everyone may see,
kept in the post's own transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import events
from app.posts.events import PostCreated, PostDeleted, PostPlace, PostUpdated
from app.topics.repository import add_to

on = events.Handlers()


@on(PostCreated)
async def post_created(session: AsyncSession, event: PostCreated) -> None:
    await _count(session, event.place, +1)


@on(PostUpdated)
async def post_updated(session: AsyncSession, event: PostUpdated) -> None:
    # An edit may re-tag the post and change who may see it: each counter moves for the
    # topics the post left or joined in it.
    before, now = event.previous, event.place
    await add_to(session, before.topic_ids - now.topic_ids, total=-1)
    await add_to(session, now.topic_ids - before.topic_ids, total=+1)
    await add_to(session, _public(before) - _public(now), public=-1)
    await add_to(session, _public(now) - _public(before), public=+1)


@on(PostDeleted)
async def post_deleted(session: AsyncSession, event: PostDeleted) -> None:
    await _count(session, event.place, -1)


def _public(place: PostPlace) -> frozenset[int]:
    """The topics the post counts in for everyone (none while someone may not see it)."""
    return frozenset() if place.visibility.restricted else place.topic_ids


async def _count(session: AsyncSession, place: PostPlace, delta: int) -> None:
    public = delta if not place.visibility.restricted else 0
    await add_to(session, place.topic_ids, total=delta, public=public)
