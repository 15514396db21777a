"""The feeds' statements: a page of post ids per feed, built once with the viewer and the
cursor as parameters; the home feed's fan-out rows (`feed_item`, `feed_state`)."""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    bindparam,
    delete,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import insert_ignore, insert_ignore_all, insert_ignore_select
from app.core.pagination import keyset
from app.core.types import MAX_ID
from app.feeds.models import FeedItem, FeedState
from app.follows import repository as follows
from app.posts import service as posts
from app.posts.models import Post, PostAccount, PostTopic
from app.posts.repository import PostRows
from app.users.models import User
from app.visibility import VISIBLE_POST, Viewer

# The page size is written into the SQL, not sent as a parameter: asyncpg prepares every
# statement, and PostgreSQL re-plans a prepared statement on every run (0.6 ms for a feed
# page, more than running it) until a generic plan costs about what the custom ones did.
# With `LIMIT $n` the generic plan expects a tenth of the table and never qualifies (and
# would scan the table if forced); with `LIMIT 21` it qualifies after five runs.
_PAGE_SIZE: BindParameter[int] = bindparam("limit", type_=Integer, literal_execute=True)
_AFTER: BindParameter[int] = bindparam("after")


def _prebuilt(stmt: Select[int]) -> Select[int]:
    """A feed's ids with the viewer and the cursor as parameters, so a request only binds
    values (building statements per request dominated the CPU)."""
    return keyset(stmt.where(VISIBLE_POST), Post.id, after=_AFTER, limit=_PAGE_SIZE)


_BY_ACCOUNT = select(Post.id).join(PostAccount, PostAccount.post_id == Post.id)
_FEEDS: dict[str, Select[int]] = {
    "company": _prebuilt(select(Post.id)),
    "author": _prebuilt(select(Post.id).where(Post.author_id == bindparam("key"))),
    "group": _prebuilt(select(Post.id).where(Post.group_id == bindparam("key"))),
    "topic": _prebuilt(
        select(Post.id)
        .join(PostTopic, PostTopic.post_id == Post.id)
        .where(PostTopic.topic_id == bindparam("key"))
    ),
    "account": _prebuilt(_BY_ACCOUNT.where(PostAccount.account_id == bindparam("key"))),
    "account_department": _prebuilt(
        _BY_ACCOUNT.join(User, User.id == Post.author_id).where(
            PostAccount.account_id == bindparam("key"),
            User.department == bindparam("department"),
        )
    ),
    # The home feed's fan-out rows above the user's floor (none until the rows are built).
    "home": keyset(
        select(FeedItem.post_id)
        .join(FeedState, FeedState.user_id == FeedItem.user_id)
        .join(Post, Post.id == FeedItem.post_id)
        .where(
            FeedItem.user_id == bindparam("user_id"),
            FeedItem.post_id > FeedState.floor_post_id,
            VISIBLE_POST,
        ),
        FeedItem.post_id,
        after=_AFTER,
        limit=_PAGE_SIZE,
    ),
}
FEEDS = frozenset(_FEEDS)


@cache
def page_statement(feed: str, dialect: str) -> PostRows:
    """The feed's page with its posts in their API shape: one round trip per page."""
    return posts.hydrated(_FEEDS[feed], dialect)


async def followed_ids(
    session: AsyncSession,
    viewer: Viewer,
    *,
    after: int | None,
    n: int,
    visible: ColumnElement[bool] | None,
) -> list[int]:
    """The home feed straight from the follow tables: one small top-N query per source."""
    followed = follows.followed(viewer.id)
    where = [visible] if visible is not None else []
    sources = [
        select(Post.id).where(
            or_(Post.author_id == viewer.id, Post.author_id.in_(followed.users)), *where
        ),
        # DISTINCT: a post on two followed accounts (or topics) joins twice, and duplicates
        # would eat into the per-source LIMIT and end the feed early.
        select(Post.id)
        .join(PostAccount, PostAccount.post_id == Post.id)
        .where(PostAccount.account_id.in_(followed.accounts), *where)
        .distinct(),
        select(Post.id)
        .join(PostTopic, PostTopic.post_id == Post.id)
        .where(PostTopic.topic_id.in_(followed.topics), *where)
        .distinct(),
    ]
    if viewer.group_ids:
        sources.append(select(Post.id).where(Post.group_id.in_(viewer.group_ids), *where))
    # Each source is wrapped in a sub-select: SQLite allows no ORDER BY/LIMIT in a compound.
    tops = [keyset(s, Post.id, after=after, limit=n).subquery() for s in sources]
    merged = union(*(select(top.c.id) for top in tops)).subquery()
    return list(
        await session.scalars(keyset(select(merged.c.id), merged.c.id, after=None, limit=n))
    )


async def floor(session: AsyncSession, user_id: int) -> int | None:
    """The user's `feed_item` floor; None while their rows are not built."""
    found: int | None = await session.scalar(
        select(FeedState.floor_post_id).where(FeedState.user_id == user_id)
    )
    return found


async def store(session: AsyncSession, user_id: int, post_ids: list[int], *, floor: int) -> None:
    """The user's built rows, complete above `floor`."""
    await insert_ignore_all(
        session, FeedItem, [{"user_id": user_id, "post_id": i} for i in post_ids]
    )
    await insert_ignore(session, FeedState, {"user_id": user_id, "floor_post_id": floor})


async def fan_out(
    session: AsyncSession,
    *,
    post_id: int,
    author_id: int,
    account_ids: Collection[int],
    topic_ids: Collection[int],
    group_id: int | None,
) -> None:
    """A `feed_item` row of `post_id` for everyone the post reaches, in one statement."""
    readers = follows.audience(
        author_id=author_id, account_ids=account_ids, topic_ids=topic_ids, group_id=group_id
    ).subquery()
    await insert_ignore_select(
        session, FeedItem, ["user_id", "post_id"], select(readers.c.user_id, literal(post_id))
    )


async def forget_post(session: AsyncSession, post_id: int) -> None:
    await session.execute(delete(FeedItem).where(FeedItem.post_id == post_id))


async def forget_user(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(FeedState).where(FeedState.user_id == user_id))
    await session.execute(delete(FeedItem).where(FeedItem.user_id == user_id))


def values(viewer: Viewer, *, after: int | None, n: int, **params: Any) -> dict[str, Any]:
    """The parameters of a prebuilt page statement."""
    return {**viewer.params(), "after": MAX_ID if after is None else after, "limit": n, **params}
