"""Feeds: which visible posts, newest first, one keyset page at a time.

Every feed is a query for post ids below the cursor, filtered by the visibility rule,
then hydrated by `posts.repository.read_posts`. The home feed is a UNION of one small
top-N query per source (people, accounts, topics, groups) so each source uses its own
index instead of one OR that scans the post table (see the README's performance notes).
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import PageParams, page_of
from app.core.visibility import Viewer
from app.follows.models import AccountFollow, TopicFollow, UserFollow
from app.posts import repository as posts_repo
from app.posts.models import Post, PostAccount, PostTopic
from app.posts.schemas import PostRead
from app.users.models import User

FeedPage = tuple[list[PostRead], str | None]


def _top(stmt: Select[int], after: int | None, n: int) -> Select[int]:
    if after is not None:
        stmt = stmt.where(Post.id < after)
    return stmt.order_by(Post.id.desc()).limit(n)


async def _page(session: AsyncSession, stmt: Select[int], page: PageParams) -> FeedPage:
    ids = list(await session.scalars(_top(stmt, page.after_id(), page.limit + 1)))
    ids, cursor = page_of(ids, page.limit, key=lambda i: i)
    return await posts_repo.read_posts(session, ids), cursor


async def home(session: AsyncSession, viewer: Viewer, page: PageParams) -> FeedPage:
    """Posts by people, accounts and topics the viewer follows, their groups, their own."""
    visible = viewer.post_clause()
    after, n = page.after_id(), page.limit + 1
    followees = select(UserFollow.followee_id).where(UserFollow.follower_id == viewer.id)
    accounts = select(AccountFollow.account_id).where(AccountFollow.user_id == viewer.id)
    topic_ids = select(TopicFollow.topic_id).where(TopicFollow.user_id == viewer.id)
    sources = [
        select(Post.id).where(
            or_(Post.author_id == viewer.id, Post.author_id.in_(followees)), visible
        ),
        # DISTINCT: a post on two followed accounts (or topics) joins twice, and duplicates
        # would eat into the per-source LIMIT and end the feed early.
        select(Post.id)
        .join(PostAccount, PostAccount.post_id == Post.id)
        .where(PostAccount.account_id.in_(accounts), visible)
        .distinct(),
        select(Post.id)
        .join(PostTopic, PostTopic.post_id == Post.id)
        .where(PostTopic.topic_id.in_(topic_ids), visible)
        .distinct(),
    ]
    if viewer.group_ids:
        sources.append(select(Post.id).where(Post.group_id.in_(viewer.group_ids), visible))
    # Each source is wrapped in a sub-select: SQLite allows no ORDER BY/LIMIT in a compound.
    merged = union(*(select(_top(s, after, n).subquery().c.id) for s in sources)).subquery()
    ids = list(await session.scalars(select(merged.c.id).order_by(merged.c.id.desc()).limit(n)))
    ids, cursor = page_of(ids, page.limit, key=lambda i: i)
    return await posts_repo.read_posts(session, ids), cursor


async def company(session: AsyncSession, viewer: Viewer, page: PageParams) -> FeedPage:
    return await _page(session, select(Post.id).where(viewer.post_clause()), page)


async def account(
    session: AsyncSession,
    viewer: Viewer,
    page: PageParams,
    *,
    account_id: int,
    department: str | None,
) -> FeedPage:
    stmt = (
        select(Post.id)
        .join(PostAccount, PostAccount.post_id == Post.id)
        .where(PostAccount.account_id == account_id, viewer.post_clause())
    )
    if department:
        stmt = stmt.join(User, User.id == Post.author_id).where(User.department == department)
    return await _page(session, stmt, page)


async def author(
    session: AsyncSession, viewer: Viewer, page: PageParams, *, user_id: int
) -> FeedPage:
    stmt = select(Post.id).where(Post.author_id == user_id, viewer.post_clause())
    return await _page(session, stmt, page)


async def topic(
    session: AsyncSession, viewer: Viewer, page: PageParams, *, topic_id: int
) -> FeedPage:
    stmt = (
        select(Post.id)
        .join(PostTopic, PostTopic.post_id == Post.id)
        .where(PostTopic.topic_id == topic_id, viewer.post_clause())
    )
    return await _page(session, stmt, page)


async def group(
    session: AsyncSession, viewer: Viewer, page: PageParams, *, group_id: int
) -> FeedPage:
    stmt = select(Post.id).where(Post.group_id == group_id, viewer.post_clause())
    return await _page(session, stmt, page)
