"""The outbox events: their types, the channels live events are published on, and the
emitters that write them (the live and search handlers call these; nothing else does).

A post is published once, on the channels of what it is about: its author, its accounts, its
topics and its group. A connection listens on the channels of what its user follows and
belongs to (`app.live.service.subscriptions`), so routing is a set intersection, not one
message per recipient. Personal events (notifications, activity on your posts, changes to
your own subscriptions or sessions) go on `user:<id>`.

The search indexer reads the post and comment events too; users, accounts and glossary terms
have events of their own (`search.*`, no channels: the live dispatcher publishes nothing for
them).
Visibility keys live in the search documents (a post's private group, its confidential
accounts), so they change only when a post is re-tagged (a `post.updated`) or an account's
confidentiality changes: then `posts` asks the indexer to rebuild the documents of every post
of that account. A membership change needs nothing: the viewer's deny keys are computed per
query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.outbox import service as outbox

POST_CREATED = "post.created"
POST_UPDATED = "post.updated"
POST_DELETED = "post.deleted"
COMMENT_CREATED = "comment.created"
REACTION_CHANGED = "reaction.changed"
# A collateral post's verdicts, status or version changed: open pages re-read its stats
# (which count what each reader may see, so they are not in the event).
COLLATERAL_CHANGED = "collateral.changed"
# A win story moved a step: open pages re-read its panel (the steps offered are the reader's).
STORY_CHANGED = "story.changed"
NOTIFICATION_CREATED = "notification.created"
# Internal: they change what open connections listen to, and are never sent to a client.
SUBSCRIPTIONS_CHANGED = "subscriptions.changed"
SESSION_REVOKED = "session.revoked"

CLIENT_TYPES = frozenset(
    {
        POST_CREATED,
        POST_UPDATED,
        POST_DELETED,
        COMMENT_CREATED,
        REACTION_CHANGED,
        COLLATERAL_CHANGED,
        STORY_CHANGED,
        NOTIFICATION_CREATED,
    }
)


# Every post event is also published here; a socket listens only while a page showing the
# company feed (or a feed of something the user does not follow) asks for it.
COMPANY = "company"


def user(user_id: int) -> str:
    return f"user:{user_id}"


def author(user_id: int) -> str:
    return f"author:{user_id}"


def account(account_id: int) -> str:
    return f"account:{account_id}"


def topic(topic_id: int) -> str:
    return f"topic:{topic_id}"


def group(group_id: int) -> str:
    return f"group:{group_id}"


def post(post_id: int) -> str:
    return f"post:{post_id}"


async def post_changed(
    session: AsyncSession,
    type: str,
    *,
    data: dict[str, Any],
    post_id: int,
    author_id: int,
    account_ids: Iterable[int],
    topic_ids: Iterable[int],
    group_id: int | None,
    seen_by: dict[str, Any] | None,
) -> None:
    """A post was created, edited or deleted: published where its home-feed readers listen,
    and to whoever has it open."""
    channels = [
        COMPANY,
        author(author_id),
        post(post_id),
        *(account(a) for a in account_ids),
        *(topic(t) for t in topic_ids),
        *([group(group_id)] if group_id is not None else []),
    ]
    await outbox.emit(session, type=type, data=data, channels=channels, visibility=seen_by)


async def thread_activity(
    session: AsyncSession,
    type: str,
    *,
    data: dict[str, Any],
    post_id: int,
    participant_ids: Iterable[int],
    seen_by: dict[str, Any] | None,
) -> None:
    """A comment or a reaction: to the post's author and commenters, and whoever has it open."""
    channels = [post(post_id), *(user(u) for u in participant_ids)]
    await outbox.emit(session, type=type, data=data, channels=channels, visibility=seen_by)


async def collateral_changed(
    session: AsyncSession, *, post_id: int, seen_by: dict[str, Any] | None
) -> None:
    """To whoever has the collateral post open."""
    await outbox.emit(
        session,
        type=COLLATERAL_CHANGED,
        data={"post_id": post_id},
        channels=[post(post_id)],
        visibility=seen_by,
    )


async def story_changed(
    session: AsyncSession, *, post_id: int, status: str, seen_by: dict[str, Any] | None
) -> None:
    """To whoever has the win story open: it moved a step (its panel is the reader's own)."""
    await outbox.emit(
        session,
        type=STORY_CHANGED,
        data={"post_id": post_id, "status": status},
        channels=[post(post_id)],
        visibility=seen_by,
    )


async def notification_created(
    session: AsyncSession, *, user_id: int, data: dict[str, Any], seen_by: dict[str, Any] | None
) -> None:
    await outbox.emit(
        session, type=NOTIFICATION_CREATED, data=data, channels=[user(user_id)], visibility=seen_by
    )


async def subscriptions_changed(session: AsyncSession, *, user_ids: Iterable[int]) -> None:
    """The users' follows, groups, teams or account changed: their open connections reload
    what they may see and listen to."""
    ids = sorted(set(user_ids))
    if ids:
        await outbox.emit(
            session,
            type=SUBSCRIPTIONS_CHANGED,
            data={"user_ids": ids},
            channels=[user(i) for i in ids],
        )


async def session_revoked(session: AsyncSession, *, user_id: int, token_hash: str) -> None:
    """A token was revoked: the sockets it opened are closed."""
    await outbox.emit(
        session,
        type=SESSION_REVOKED,
        data={"token_hash": token_hash},
        channels=[user(user_id)],
    )


SEARCH_USER = "search.user"
SEARCH_ACCOUNT = "search.account"
SEARCH_TERM = "search.term"
# A question's accepted answer changed: every comment of the question is re-read, so the
# answer accepted before loses its flag as the new one gains it (the row holds the new one).
SEARCH_ANSWER = "search.answer"


async def user_changed(session: AsyncSession, *, user_id: int) -> None:
    await outbox.emit(session, type=SEARCH_USER, data={"id": user_id})


async def account_changed(session: AsyncSession, *, account_id: int, posts: bool = False) -> None:
    """An account was created or edited; `posts` when its confidentiality changed."""
    await outbox.emit(session, type=SEARCH_ACCOUNT, data={"id": account_id, "posts": posts})


async def term_changed(session: AsyncSession, *, signable_id: int) -> None:
    """A glossary term was proposed, edited or signed (its status may have changed)."""
    await outbox.emit(session, type=SEARCH_TERM, data={"id": signable_id})


async def answer_accepted(session: AsyncSession, *, question_id: int) -> None:
    await outbox.emit(session, type=SEARCH_ANSWER, data={"id": question_id})
