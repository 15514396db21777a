"""Questions' part of post writes: a question post gets its row (and its people told), and a
comment on it may be its first answer."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import events
from app.posts.events import CommentAdded, PostCreated
from app.posts.models import PostKind
from app.questions import service

on = events.Handlers()
# What questions add to every read of posts (`app.posts.extensions`): the question read in
# the posts' own statement, then shaped.
readers = (service.add_details,)
columns = {"question": service.details_column}


@on(PostCreated)
async def post_created(session: AsyncSession, event: PostCreated) -> None:
    if event.post.kind is PostKind.question:
        await service.asked(
            session, place=event.place, post=event.post, to_department=event.to_department
        )


@on(CommentAdded)
async def comment_added(session: AsyncSession, event: CommentAdded) -> None:
    await service.commented(session, event)
