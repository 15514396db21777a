"""How the home feed's fan-out rows stay exact: a post's rows are written when it is created
or re-tagged and dropped when it is deleted; a user's rows are rebuilt (on their next read)
after their follows or memberships change."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import events
from app.feeds import repository
from app.follows.events import Followed, Unfollowed
from app.groups.events import MembershipChanged
from app.posts.events import PostCreated, PostDeleted, PostPlace, PostUpdated

on = events.Handlers()


async def _fan_out(session: AsyncSession, place: PostPlace) -> None:
    await repository.fan_out(
        session,
        post_id=place.post_id,
        author_id=place.author_id,
        account_ids=place.account_ids,
        topic_ids=place.topic_ids,
        group_id=place.group_id,
    )


@on(PostCreated)
async def post_created(session: AsyncSession, event: PostCreated) -> None:
    await _fan_out(session, event.place)


@on(PostUpdated)
async def post_updated(session: AsyncSession, event: PostUpdated) -> None:
    if event.relinked:
        await repository.forget_post(session, event.place.post_id)
        await _fan_out(session, event.place)


@on(PostDeleted)
async def post_deleted(session: AsyncSession, event: PostDeleted) -> None:
    # feed_item has no foreign key to cascade.
    await repository.forget_post(session, event.place.post_id)


@on(Followed, Unfollowed)
async def follows_changed(session: AsyncSession, event: Followed | Unfollowed) -> None:
    await repository.forget_user(session, event.follower_id)


@on(MembershipChanged)
async def membership_changed(session: AsyncSession, event: MembershipChanged) -> None:
    await repository.forget_user(session, event.user_id)
