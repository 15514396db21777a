"""The live domain's part of every write: the outbox rows that sockets (and the search
indexer) read, written in the write's transaction and published once it commits."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.events import SessionRevoked
from app.collateral.events import CollateralFlagged, CollateralRevised, VerdictGiven
from app.core import events
from app.follows.events import Followed, Unfollowed
from app.notifications.events import NotificationCreated
from app.outbox import events as outbox
from app.outbox import service as outbox_service
from app.posts import service as posts
from app.posts.events import (
    CommentAdded,
    PostCreated,
    PostDeleted,
    PostPlace,
    PostUpdated,
    ReactionChanged,
)
from app.posts.schemas import PostRead
from app.stories.events import StoryMoved
from app.visibility.events import AccessChanged

on = events.Handlers()

# A post event larger than this carries the post without its text (`truncated: true`):
# clients read the card by id, and no socket queue or outbox row holds megabytes.
LIVE_EVENT_LIMIT = 256 * 1024


def _post_data(post: PostRead) -> dict[str, Any]:
    # A collateral post's stats are the reader's own (they count the verdicts each may see):
    # a client reads them with the card, they are not broadcast.
    data: dict[str, Any] = post.model_dump(mode="json", exclude={"collateral"})
    if len(orjson.dumps(data)) > LIVE_EVENT_LIMIT:
        data = {k: v for k, v in data.items() if k not in {"body", "body_html"}}
        data["truncated"] = True
    return data


async def _post_changed(
    session: AsyncSession, type: str, place: PostPlace, data: dict[str, Any]
) -> None:
    await outbox.post_changed(
        session,
        type,
        data=data,
        post_id=place.post_id,
        author_id=place.author_id,
        account_ids=place.account_ids,
        topic_ids=place.topic_ids,
        group_id=place.group_id,
        seen_by=place.visibility.as_dict(),
    )


@on(PostCreated)
async def post_created(session: AsyncSession, event: PostCreated) -> None:
    await _post_changed(session, outbox.POST_CREATED, event.place, _post_data(event.post))


@on(PostUpdated)
async def post_updated(session: AsyncSession, event: PostUpdated) -> None:
    if event.place.visibility != event.previous.visibility:
        # Who may see the post changed: what it said before is replayed to nobody, and its
        # earlier events are judged by who may see it now.
        await _scrub(session, event.place, visibility=event.place.visibility.as_dict())
    await _post_changed(session, outbox.POST_UPDATED, event.place, _post_data(event.post))


@on(PostDeleted)
async def post_deleted(session: AsyncSession, event: PostDeleted) -> None:
    await _scrub(session, event.place)
    await _post_changed(session, outbox.POST_DELETED, event.place, {"id": event.place.post_id})


async def _scrub(
    session: AsyncSession, place: PostPlace, *, visibility: dict[str, Any] | None = None
) -> None:
    """A `resume` replays events for a week: the post's earlier ones keep their ids, not
    their text."""
    await outbox_service.scrub(
        session,
        channel=outbox.post(place.post_id),
        keep=("id", "post_id", "kind", "added"),
        visibility=visibility,
    )


@on(CommentAdded)
async def comment_added(session: AsyncSession, event: CommentAdded) -> None:
    post_id = event.comment.post_id
    await outbox.thread_activity(
        session,
        outbox.COMMENT_CREATED,
        data=event.comment.model_dump(mode="json"),
        post_id=post_id,
        participant_ids=await posts.participant_ids(
            session, post_id=post_id, author_id=event.post_author_id
        ),
        seen_by=event.visibility.as_dict(),
    )


@on(ReactionChanged)
async def reaction_changed(session: AsyncSession, event: ReactionChanged) -> None:
    await outbox.thread_activity(
        session,
        outbox.REACTION_CHANGED,
        data={
            "post_id": event.post_id,
            "user_id": event.user_id,
            "kind": event.kind.value,
            "added": event.added,
            "reactions": event.reactions,
        },
        post_id=event.post_id,
        participant_ids=await posts.participant_ids(
            session, post_id=event.post_id, author_id=event.post_author_id
        ),
        seen_by=event.visibility.as_dict(),
    )


@on(VerdictGiven, CollateralFlagged, CollateralRevised)
async def collateral_changed(
    session: AsyncSession, event: VerdictGiven | CollateralFlagged | CollateralRevised
) -> None:
    await outbox.collateral_changed(
        session, post_id=event.post_id, seen_by=event.visibility.as_dict()
    )


@on(StoryMoved)
async def story_moved(session: AsyncSession, event: StoryMoved) -> None:
    await outbox.story_changed(
        session, post_id=event.post_id, status=event.status, seen_by=event.visibility.as_dict()
    )


@on(NotificationCreated)
async def notification_created(session: AsyncSession, event: NotificationCreated) -> None:
    await outbox.notification_created(
        session,
        user_id=event.user_id,
        data=event.notification.model_dump(mode="json"),
        seen_by=None if event.visibility is None else event.visibility.as_dict(),
    )


@on(Followed, Unfollowed)
async def follows_changed(session: AsyncSession, event: Followed | Unfollowed) -> None:
    await outbox.subscriptions_changed(session, user_ids=[event.follower_id])


@on(AccessChanged)
async def access_changed(session: AsyncSession, event: AccessChanged) -> None:
    """What the users may see changed: their open sockets, on every process, reload their
    viewer and channels before anything else reaches them."""
    await outbox.subscriptions_changed(session, user_ids=sorted(event.user_ids))


@on(SessionRevoked)
async def session_revoked(session: AsyncSession, event: SessionRevoked) -> None:
    await outbox.session_revoked(session, user_id=event.user_id, token_hash=event.token_hash)
