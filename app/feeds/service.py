"""Feeds: which visible posts, newest first, one keyset page at a time.

Every feed is a query for post ids below the cursor, filtered by the visibility rule,
wrapped in the statement that turns them into API shapes (`posts.repository.hydrated`), so
a page is one round trip. The home feed is fanned out on write into
`feed_item` and read back with the rules re-checked (see the README's performance notes).
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache

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

from app.core.db import dialect_name, insert_ignore, insert_ignore_all, insert_ignore_select
from app.core.pagination import PageParams, page_of
from app.core.types import MAX_ID
from app.core.visibility import VISIBLE_POST, Viewer
from app.feeds.models import FeedItem, FeedState
from app.follows.models import AccountFollow, TopicFollow, UserFollow
from app.groups.models import GroupMember
from app.posts import repository as posts_repo
from app.posts.models import Post, PostAccount, PostTopic
from app.posts.schemas import PostRead
from app.users.models import User

FeedPage = tuple[list[PostRead], str | None]


def _top(stmt: Select[int], after: int | None, n: int) -> Select[int]:
    if after is not None:
        stmt = stmt.where(Post.id < after)
    return stmt.order_by(Post.id.desc()).limit(n)


# The page size is written into the SQL, not sent as a parameter: asyncpg prepares every
# statement, and PostgreSQL re-plans a prepared statement on every run (0.6 ms for a feed
# page, more than running it) until a generic plan costs about what the custom ones did.
# With `LIMIT $n` the generic plan expects a tenth of the table and never qualifies (and
# would scan the table if forced); with `LIMIT 21` it qualifies after five runs.
_PAGE_SIZE: BindParameter[int] = bindparam("limit", type_=Integer, literal_execute=True)


def _prebuilt(stmt: Select[int]) -> Select[int]:
    """A feed's ids with the viewer and the cursor as parameters, so a request only binds
    values (building statements per request dominated the CPU)."""
    return (
        stmt.where(VISIBLE_POST, Post.id < bindparam("after"))
        .order_by(Post.id.desc())
        .limit(_PAGE_SIZE)
    )


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
    "home": select(FeedItem.post_id)
    .join(FeedState, FeedState.user_id == FeedItem.user_id)
    .join(Post, Post.id == FeedItem.post_id)
    .where(
        FeedItem.user_id == bindparam("user_id"),
        FeedItem.post_id > FeedState.floor_post_id,
        FeedItem.post_id < bindparam("after"),
        VISIBLE_POST,
    )
    .order_by(FeedItem.post_id.desc())
    .limit(_PAGE_SIZE),
}


@cache
def _statement(feed: str, dialect: str) -> posts_repo.PostRows:
    """The feed's page with its posts in their API shape: one round trip per page."""
    return posts_repo.hydrated(_FEEDS[feed], dialect)


async def _read(
    session: AsyncSession, feed: str, viewer: Viewer, *, after: int | None, n: int, **params: object
) -> list[PostRead]:
    values = {**viewer.params(), "after": MAX_ID if after is None else after, "limit": n, **params}
    return await posts_repo.read_page(session, _statement(feed, dialect_name(session)), values)


async def _page(
    session: AsyncSession, feed: str, viewer: Viewer, page: PageParams, **params: object
) -> FeedPage:
    posts = await _read(session, feed, viewer, after=page.after_id(), n=page.limit + 1, **params)
    return page_of(posts, page.limit, key=lambda p: p.id)


FEED_BUILD_SIZE = 500


def _followed(viewer: Viewer) -> tuple[Select[int], Select[int], Select[int]]:
    return (
        select(UserFollow.followee_id).where(UserFollow.follower_id == viewer.id),
        select(AccountFollow.account_id).where(AccountFollow.user_id == viewer.id),
        select(TopicFollow.topic_id).where(TopicFollow.user_id == viewer.id),
    )


async def _home_ids(
    session: AsyncSession,
    viewer: Viewer,
    *,
    after: int | None,
    n: int,
    visible: ColumnElement[bool] | None,
) -> list[int]:
    """The home feed straight from the follow tables: one small top-N query per source."""
    followees, accounts, topic_ids = _followed(viewer)
    where = [visible] if visible is not None else []
    sources = [
        select(Post.id).where(
            or_(Post.author_id == viewer.id, Post.author_id.in_(followees)), *where
        ),
        # DISTINCT: a post on two followed accounts (or topics) joins twice, and duplicates
        # would eat into the per-source LIMIT and end the feed early.
        select(Post.id)
        .join(PostAccount, PostAccount.post_id == Post.id)
        .where(PostAccount.account_id.in_(accounts), *where)
        .distinct(),
        select(Post.id)
        .join(PostTopic, PostTopic.post_id == Post.id)
        .where(PostTopic.topic_id.in_(topic_ids), *where)
        .distinct(),
    ]
    if viewer.group_ids:
        sources.append(select(Post.id).where(Post.group_id.in_(viewer.group_ids), *where))
    # Each source is wrapped in a sub-select: SQLite allows no ORDER BY/LIMIT in a compound.
    merged = union(*(select(_top(s, after, n).subquery().c.id) for s in sources)).subquery()
    stmt = select(merged.c.id).order_by(merged.c.id.desc()).limit(n)
    return list(await session.scalars(stmt))


async def _feed_floor(session: AsyncSession, viewer: Viewer) -> tuple[int, bool]:
    """The user's feed_item floor, and whether the rows were built just now (on first use).

    The build ignores visibility on purpose: rows are re-checked when read, so a post the
    user may see later (after joining a team) is already there.
    """
    floor = await session.scalar(
        select(FeedState.floor_post_id).where(FeedState.user_id == viewer.id)
    )
    if floor is not None:
        return floor, False
    ids = await _home_ids(session, viewer, after=None, n=FEED_BUILD_SIZE, visible=None)
    await insert_ignore_all(session, FeedItem, [{"user_id": viewer.id, "post_id": i} for i in ids])
    floor = min(ids) if len(ids) == FEED_BUILD_SIZE else 0
    await insert_ignore(session, FeedState, {"user_id": viewer.id, "floor_post_id": floor})
    return floor, True


async def home(session: AsyncSession, viewer: Viewer, page: PageParams) -> FeedPage:
    """Posts by people, accounts and topics the viewer follows, their groups, their own.

    Read from the fan-out table `feed_item` (one index range per user) with the visibility
    rule re-checked per row; below the table's floor, from the query. A full page (the
    usual case) costs one statement.
    """
    after, n = page.after_id(), page.limit + 1
    posts = await _read(session, "home", viewer, after=after, n=n, user_id=viewer.id)
    if len(posts) < n:
        floor, built = await _feed_floor(session, viewer)
        if built:
            posts = await _read(session, "home", viewer, after=after, n=n, user_id=viewer.id)
        if len(posts) < n and floor > 0:
            below = floor + 1 if after is None else min(after, floor + 1)
            visible = viewer.post_clause()
            ids = await _home_ids(session, viewer, after=below, n=n - len(posts), visible=visible)
            posts += await posts_repo.read_posts(session, ids)
    return page_of(posts, page.limit, key=lambda p: p.id)


async def fan_out(
    session: AsyncSession,
    *,
    post_id: int,
    author_id: int,
    account_ids: Collection[int],
    topic_ids: Collection[int],
    group_id: int | None,
    replace: bool = False,
) -> None:
    """Put a post in the feed rows of everyone whose follows it matches; `replace` first
    drops its rows (after an edit changed its accounts or topics)."""
    if replace:
        await session.execute(delete(FeedItem).where(FeedItem.post_id == post_id))
    audience = [
        select(literal(author_id).label("user_id")),
        select(UserFollow.follower_id).where(UserFollow.followee_id == author_id),
    ]
    if account_ids:
        audience.append(
            select(AccountFollow.user_id).where(AccountFollow.account_id.in_(account_ids))
        )
    if topic_ids:
        audience.append(select(TopicFollow.user_id).where(TopicFollow.topic_id.in_(topic_ids)))
    if group_id is not None:
        audience.append(select(GroupMember.user_id).where(GroupMember.group_id == group_id))
    users = union(*audience).subquery()
    await insert_ignore_select(
        session,
        FeedItem,
        ["user_id", "post_id"],
        select(users.c.user_id, literal(post_id)),
    )


async def forget_post(session: AsyncSession, *, post_id: int) -> None:
    """Drop a deleted post's feed rows (`feed_item` has no foreign key to cascade)."""
    await session.execute(delete(FeedItem).where(FeedItem.post_id == post_id))


async def invalidate(session: AsyncSession, *, user_id: int) -> None:
    """Drop a user's feed rows after their follows or memberships change; the next read
    rebuilds them from the follow tables."""
    await session.execute(delete(FeedState).where(FeedState.user_id == user_id))
    await session.execute(delete(FeedItem).where(FeedItem.user_id == user_id))


async def company(session: AsyncSession, viewer: Viewer, page: PageParams) -> FeedPage:
    return await _page(session, "company", viewer, page)


async def account(
    session: AsyncSession,
    viewer: Viewer,
    page: PageParams,
    *,
    account_id: int,
    department: str | None,
) -> FeedPage:
    if department:
        return await _page(
            session, "account_department", viewer, page, key=account_id, department=department
        )
    return await _page(session, "account", viewer, page, key=account_id)


async def author(
    session: AsyncSession, viewer: Viewer, page: PageParams, *, user_id: int
) -> FeedPage:
    return await _page(session, "author", viewer, page, key=user_id)


async def topic(
    session: AsyncSession, viewer: Viewer, page: PageParams, *, topic_id: int
) -> FeedPage:
    return await _page(session, "topic", viewer, page, key=topic_id)


async def group(
    session: AsyncSession, viewer: Viewer, page: PageParams, *, group_id: int
) -> FeedPage:
    return await _page(session, "group", viewer, page, key=group_id)
