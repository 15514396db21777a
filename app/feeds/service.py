"""Feeds: which visible posts, newest first, one keyset page at a time.

Every feed is a query for post ids below the cursor, filtered by the visibility rule,
wrapped in the statement that turns them into API shapes (`posts.service.hydrated`), so a
page is one round trip. The home feed is fanned out on write into `feed_item` (the handlers
in `app.feeds.handlers` keep it exact) and read back with the rule re-checked (see
docs/performance.md).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import dialect_name
from app.core.pagination import PageParams, page_of
from app.feeds import repository
from app.posts import service as posts
from app.posts.schemas import PostRead
from app.visibility import Viewer

FeedPage = tuple[list[PostRead], str | None]
FEED_BUILD_SIZE = 500


async def _read(
    session: AsyncSession, feed: str, viewer: Viewer, *, after: int | None, n: int, **params: object
) -> list[PostRead]:
    statement = repository.page_statement(feed, dialect_name(session))
    return await posts.read_page(
        session, viewer, statement, repository.values(viewer, after=after, n=n, **params)
    )


async def _page(
    session: AsyncSession, feed: str, viewer: Viewer, page: PageParams, **params: object
) -> FeedPage:
    found = await _read(session, feed, viewer, after=page.after_id(), n=page.limit + 1, **params)
    return page_of(found, page.limit, key=lambda p: p.id)


async def _feed_floor(session: AsyncSession, viewer: Viewer) -> tuple[int, bool]:
    """The user's feed_item floor, and whether the rows were built just now (on first use).

    The build ignores visibility on purpose: rows are re-checked when read, so a post the
    user may see later (after joining a team) is already there.
    """
    floor = await repository.floor(session, viewer.id)
    if floor is not None:
        return floor, False
    ids = await repository.followed_ids(
        session, viewer, after=None, n=FEED_BUILD_SIZE, visible=None
    )
    floor = min(ids) if len(ids) == FEED_BUILD_SIZE else 0
    await repository.store(session, viewer.id, ids, floor=floor)
    return floor, True


async def home(session: AsyncSession, viewer: Viewer, page: PageParams) -> FeedPage:
    """Posts by people, accounts and topics the viewer follows, their groups, their own.

    Read from the fan-out table `feed_item` (one index range per user) with the visibility
    rule re-checked per row; below the table's floor, from the query. A full page (the
    usual case) costs one statement.
    """
    after, n = page.after_id(), page.limit + 1
    found = await _read(session, "home", viewer, after=after, n=n, user_id=viewer.id)
    if len(found) < n:
        floor, built = await _feed_floor(session, viewer)
        if built:
            found = await _read(session, "home", viewer, after=after, n=n, user_id=viewer.id)
        if len(found) < n and floor > 0:
            below = floor + 1 if after is None else min(after, floor + 1)
            ids = await repository.followed_ids(
                session, viewer, after=below, n=n - len(found), visible=viewer.post_clause()
            )
            found += await posts.read_posts(session, viewer, ids)
    return page_of(found, page.limit, key=lambda p: p.id)


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
