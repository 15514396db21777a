"""Stories' part of post writes: a win story post gets its story (and marketing's leads
told), an edit may change its fields."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import events
from app.posts.events import PostCreated, PostUpdated
from app.posts.models import PostKind
from app.stories import repository, service

on = events.Handlers()
# What stories add to every read of posts (`app.posts.extensions`): the story read in the
# posts' own statement, then shaped for the viewer.
readers = (service.add_details,)
columns = {"story": repository.details_column}


@on(PostCreated)
async def post_created(session: AsyncSession, event: PostCreated) -> None:
    if event.post.kind is PostKind.win_story:
        await service.submitted(session, place=event.place, post=event.post, details=event.story)


@on(PostUpdated)
async def post_updated(session: AsyncSession, event: PostUpdated) -> None:
    if event.post.kind is PostKind.win_story and event.story is not None:
        await service.edited(session, post_id=event.place.post_id, details=event.story)
