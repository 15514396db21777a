"""Item 3: what one text may create or link is capped (a clear 422 naming the limit, nothing
written), and a live event never carries megabytes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.core.db import transaction
from app.live.handlers import LIVE_EVENT_LIMIT
from app.outbox.models import OutboxEvent
from app.posts.models import Post
from app.topics.models import Topic
from tests.checks import api_error, detail_fields
from tests.factories import api, make_account, make_post, make_user

POSTS = "/api/v1/posts"


async def _count(app: FastAPI, model: Any) -> int:
    async with transaction(app.state.sessionmaker, write=False) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"body": " ".join(f"#t{i}" for i in range(31))}, "too_many_topics", "body.topics"),
        # Explicit lists are capped by the request schema already.
        ({"body": "x", "topics": [f"t{i}" for i in range(21)]}, "validation_error", "body.topics"),
        ({"body": " ".join(f"@u{i:02d}" for i in range(51))}, "too_many_mentions", "body.body"),
        ({"body": " ".join(f"$a{i}" for i in range(21))}, "too_many_accounts", "body.accounts"),
    ],
)
async def test_a_post_naming_too_much_is_refused_and_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient, body: dict[str, Any], code: str, field: str
) -> None:
    sam = await make_user(app, "sam")
    error = await api_error(client, sam, "POST", POSTS, 422, code, json=body)
    assert detail_fields(error) == [field]
    assert await _count(app, Post) == 0
    assert await _count(app, Topic) == 0


async def test_the_limits_themselves_are_allowed(app: FastAPI, client: httpx.AsyncClient) -> None:
    sam = await make_user(app, "sam")
    post = await make_post(client, sam, " ".join(f"#t{i}" for i in range(30)))
    assert len(post["topics"]) == 30


async def test_comments_and_edits_are_capped_too(app: FastAPI, client: httpx.AsyncClient) -> None:
    sam = await make_user(app, "sam")
    post = await make_post(client, sam, "A plain post")
    many = " ".join(f"@u{i:02d}" for i in range(51))
    url = f"{POSTS}/{post['id']}"
    await api_error(client, sam, "POST", f"{url}/comments", 422, "too_many_mentions",
                    json={"body": many})  # fmt: skip
    await api_error(client, sam, "PATCH", url, 422, "too_many_mentions", json={"body": many})
    assert (await api(client, sam, "GET", url, 200))["body"] == "A plain post"


async def test_a_huge_post_travels_live_as_a_reference(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    await make_account(client, sam, "Acme")
    # Markup-heavy text: its rendering is several times its size.
    body = "<" * 99_000 + " $acme"
    post = await make_post(client, sam, body, kind="blog", title="Everything")
    async with transaction(app.state.sessionmaker, write=False) as session:
        [data] = list(
            await session.scalars(
                select(OutboxEvent.data).where(OutboxEvent.type == "post.created")
            )
        )
    assert data["id"] == post["id"]
    assert data["truncated"] is True
    assert "body" not in data
    assert "body_html" not in data
    assert [a["slug"] for a in data["accounts"]] == ["acme"]
    assert len(str(data)) < LIVE_EVENT_LIMIT
    full = await api(client, sam, "GET", f"{POSTS}/{post['id']}", 200)
    assert full["body"] == body
