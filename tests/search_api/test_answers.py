"""A question's accepted answer in search, end to end: accepted through the questions API,
indexed from the outbox, ranked above equally matching comments, the flag moved when the
asker accepts another one, rebuilt by `tandem reindex` (SQLite + FTS5 and PostgreSQL +
Meilisearch)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from app.core.db import transaction, utcnow
from app.posts.models import Comment
from app.search_index import maintenance
from app.users.models import Department
from search import COMMENTS, SearchBackend, SearchQuery
from tests.factories import Person, api, make_post, make_user
from tests.pages_helpers import browse_as, page
from tests.search_api.conftest import reindex
from tests.search_api.test_api import ids, search

POSTS = "/api/v1/posts"
ANSWER = "Send them the renewal playbook deck"


@dataclass
class Thread:
    sam: Person  # asks both questions
    mia: Person  # marketer, answers
    first: dict[str, Any]  # a question
    second: dict[str, Any]  # another question
    early: dict[str, Any]  # the oldest answer, on `first`
    late: dict[str, Any]  # a later answer on `first`
    elsewhere: dict[str, Any]  # the newest, on `second`


async def comment(client: httpx.AsyncClient, who: Person, post: dict[str, Any], body: str) -> Any:
    url = f"{POSTS}/{post['id']}/comments"
    return await api(client, who, "POST", url, 201, json={"body": body})


async def accept(client: httpx.AsyncClient, who: Person, post: dict[str, Any], answer: Any) -> None:
    url = f"{POSTS}/{post['id']}/accept"
    await api(client, who, "POST", url, 204, json={"comment_id": answer["id"]})


@pytest.fixture
async def thread(app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend) -> Thread:
    """Three comments that match the same words equally (the same text), on two questions;
    none accepted yet."""
    sam = await make_user(app, "sam")
    mia = await make_user(app, "mia", department=Department.marketing)
    max_ = await make_user(app, "max", department=Department.marketing)
    first = await make_post(client, sam, "Material for the renewal?", kind="question")
    second = await make_post(
        client, sam, "What do we send before a renewal?", kind="question", to_department="marketing"
    )
    early = await comment(client, mia, first, ANSWER)
    late = await comment(client, max_, first, ANSWER)
    elsewhere = await comment(client, max_, second, ANSWER)
    # An hour apart (the index keeps seconds, and equal matches tie newest first).
    async with transaction(app.state.sessionmaker) as session:
        for hours, made in ((3, early), (2, late), (1, elsewhere)):
            await session.execute(
                update(Comment)
                .where(Comment.id == made["id"])
                .values(created_at=utcnow() - timedelta(hours=hours))
            )
    # Comments that match none of the words: in a tiny index every word would be in most
    # documents, and FTS5's bm25 gives such words no weight.
    for n in range(6):
        await comment(client, sam, second, f"Thanks, noted ({n}).")
    return Thread(sam, mia, first, second, early, late, elsewhere)


def flags(result: dict[str, Any]) -> list[bool]:
    return [hit["accepted"] for hit in result["hits"]]


async def test_the_accepted_answer_ranks_first_and_the_flag_moves_with_the_asker(
    app: FastAPI, client: httpx.AsyncClient, thread: Thread
) -> None:
    t = thread
    await reindex(app)
    # Equal matches: newest first.
    found = await search(client, t.mia, q="renewal playbook", type="comment")
    assert ids(found) == [t.elsewhere["id"], t.late["id"], t.early["id"]]
    assert flags(found) == [False, False, False]

    await accept(client, t.sam, t.first, t.early)
    await reindex(app)
    found = await search(client, t.mia, q="renewal playbook", type="comment")
    assert ids(found) == [t.early["id"], t.elsewhere["id"], t.late["id"]]
    assert flags(found) == [True, False, False]
    # The results page marks it, and only it.
    browse_as(client, t.mia)
    listed = await page(client, "/search?q=renewal+playbook&type=comment")
    browse_as(client, None)
    marked = re.findall(
        r'#comment-(\d+)">[^<]*</a>( <span class="question-chip[^"]*">Accepted answer)?', listed
    )
    assert [(int(n), bool(m)) for n, m in marked] == [
        (t.early["id"], True),
        (t.elsewhere["id"], False),
        (t.late["id"], False),
    ]
    # Posts carry no such flag.
    post_hits = (await search(client, t.mia, q="renewal"))["hits"]
    assert post_hits
    assert {hit["accepted"] for hit in post_hits} == {None}

    # The asker accepts another answer: it gains the boost, the earlier one loses it (were
    # both boosted, `early` would come second).
    await accept(client, t.sam, t.first, t.late)
    await reindex(app)
    found = await search(client, t.mia, q="renewal playbook", type="comment")
    assert ids(found) == [t.late["id"], t.elsewhere["id"], t.early["id"]]
    assert flags(found) == [True, False, False]

    # The boost is one of relevance: browsing by a filter alone stays newest first.
    browsed = await search(client, t.mia, type="comment", author="max")
    assert ids(browsed)[:2] == [t.elsewhere["id"], t.late["id"]]


async def test_reindex_rebuilds_the_accepted_answer(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend, thread: Thread
) -> None:
    t = thread
    await accept(client, t.sam, t.first, t.early)
    await reindex(app)
    # The index drifted: the accepted answer lost its flag (say, restored from a backup).
    stored = await engine.search(COMMENTS, SearchQuery(q="renewal playbook"))
    drifted = [dict(h.fields, accepted=False) for h in stored.hits if h.id == t.early["id"]]
    await engine.upsert(COMMENTS, drifted)
    found = await search(client, t.mia, q="renewal playbook", type="comment")
    assert ids(found)[0] == t.elsewhere["id"]

    counts = await maintenance.reindex(app.state.sessionmaker, engine, [COMMENTS], batch=2)
    assert counts == {COMMENTS: 9}
    found = await search(client, t.mia, q="renewal playbook", type="comment")
    assert ids(found) == [t.early["id"], t.elsewhere["id"], t.late["id"]]
    assert flags(found) == [True, False, False]
