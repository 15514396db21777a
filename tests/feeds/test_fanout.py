"""The home feed's fan-out table: a superset re-checked on read, with a query below its floor."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, select

from app.core.db import transaction
from app.feeds import service as feeds
from app.feeds.models import FeedItem, FeedState
from tests.factories import api, make_account, make_post, make_user
from tests.helpers_visibility import follow, page_ids, walk


async def _feed_rows(app: FastAPI, user_id: int) -> list[int]:
    async with transaction(app.state.sessionmaker, write=False) as session:
        rows = await session.scalars(select(FeedItem.post_id).where(FeedItem.user_id == user_id))
        return sorted(rows)


async def test_new_post_is_fanned_out_to_followers_feed_rows(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    reader, author = await make_user(app, "reader"), await make_user(app, "author")
    await follow(client, reader, "users/author")
    post = await make_post(client, author, "Fresh news")
    assert post["id"] in await _feed_rows(app, reader.id)


async def test_deleting_a_post_deletes_its_feed_rows(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # feed_item has no foreign key to cascade from post: the service removes the rows.
    reader, author = await make_user(app, "reader"), await make_user(app, "author")
    await follow(client, reader, "users/author")
    kept = await make_post(client, author, "Stays")
    gone = await make_post(client, author, "Goes")
    await api(client, author, "DELETE", f"/api/v1/posts/{gone['id']}", 204)
    assert await _feed_rows(app, reader.id) == [kept["id"]]
    assert await _feed_rows(app, author.id) == [kept["id"]]


async def test_feed_pages_below_the_fan_out_floor_come_from_the_query(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeds, "FEED_BUILD_SIZE", 3)
    reader, author = await make_user(app, "reader"), await make_user(app, "author")
    await follow(client, reader, "users/author")
    ids = [(await make_post(client, author, f"Post {i}"))["id"] for i in range(9)]

    first, cursor = await page_ids(client, reader, "/api/v1/feed", limit=2)
    newer = (await make_post(client, author, "Arrives between pages"))["id"]
    rest = await walk(client, reader, "/api/v1/feed", limit=2)

    async with transaction(app.state.sessionmaker, write=False) as session:
        floor = await session.scalar(
            select(FeedState.floor_post_id).where(FeedState.user_id == reader.id)
        )
    assert floor == sorted(ids)[-3]  # only the newest three were built into rows
    assert first == sorted(ids, reverse=True)[:2]
    assert cursor is not None
    assert [i for page in rest for i in page] == sorted([*ids, newer], reverse=True)


async def test_feed_rows_are_rechecked_for_visibility(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    reader, insider = await make_user(app, "reader"), await make_user(app, "insider")
    await api(
        client, insider, "POST", "/api/v1/groups", 201, json={"name": "Deal Desk", "private": True}
    )
    hidden = await make_post(client, insider, "Members only", group="deal-desk")
    await page_ids(client, reader, "/api/v1/feed")  # builds the reader's rows
    async with transaction(app.state.sessionmaker) as session:
        await session.execute(insert(FeedItem).values(user_id=reader.id, post_id=hidden["id"]))

    ids, _ = await page_ids(client, reader, "/api/v1/feed")
    assert hidden["id"] not in ids


async def test_untagging_an_account_takes_the_post_out_of_its_followers_feeds(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    reader, author = await make_user(app, "reader"), await make_user(app, "author")
    await make_account(client, author, "Acme")
    await follow(client, reader, "accounts/acme")
    post = await make_post(client, author, "About $acme")
    assert (await page_ids(client, reader, "/api/v1/feed"))[0] == [post["id"]]

    await api(
        client, author, "PATCH", f"/api/v1/posts/{post['id']}", 200, json={"body": "About nobody"}
    )
    assert (await page_ids(client, reader, "/api/v1/feed"))[0] == []


async def test_following_rebuilds_the_feed_with_the_new_source(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    reader, author = await make_user(app, "reader"), await make_user(app, "author")
    old = await make_post(client, author, "Written before the follow")
    assert await page_ids(client, reader, "/api/v1/feed") == ([], None)
    await follow(client, reader, "users/author")
    ids, _ = await page_ids(client, reader, "/api/v1/feed")
    assert ids == [old["id"]]
