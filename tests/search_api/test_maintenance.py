"""Keeping the index in step: visibility changes, `tandem reindex`, `tandem search status`,
an engine that goes away and comes back (the demo company's search: tests/test_demo.py)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from app.accounts.models import Account
from app.core.db import transaction
from app.outbox import events as outbox_events
from app.posts.models import Post
from app.search_index import maintenance
from search import INDEXES, POSTS, SearchBackend, SearchQuery, SearchUnavailable
from tests.conftest import service_url
from tests.factories import api, make_account, make_post, make_user
from tests.search_api.conftest import meili_backend, reindex
from tests.search_api.test_api import ids, search

ROOT = Path(__file__).resolve().parents[2]


async def test_making_an_account_confidential_reindexes_its_posts(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    owner = await make_user(app, "owner")
    outsider = await make_user(app, "outsider")
    await make_account(client, owner, "Umbrella", slug="umbrella")
    post = await make_post(client, owner, "expansion plans at $umbrella")
    await reindex(app)
    assert ids(await search(client, outsider, q="expansion")) == [post["id"]]

    async with transaction(app.state.sessionmaker) as session:
        account_id = await session.scalar(select(Account.id).where(Account.slug == "umbrella"))
        assert account_id is not None
        await session.execute(
            update(Account).where(Account.id == account_id).values(confidential=True)
        )
        await session.execute(update(Post).where(Post.id == post["id"]).values(confidential=True))
        await outbox_events.account_changed(session, account_id=account_id, posts=True)
    await reindex(app)
    assert ids(await search(client, outsider, q="expansion")) == []
    assert ids(await search(client, owner, q="expansion")) == [post["id"]]


class ShadowWriter:
    """A backend that, once a rebuild has read the first posts into its shadow, edits one
    of them and deletes another (indexed into the live index, which the swap replaces):
    the writes a rebuild would lose without replaying the outbox."""

    def __init__(self, app: FastAPI, inner: SearchBackend, write: Any) -> None:
        self.app, self.inner, self.write = app, inner, write

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def upsert(self, index: str, docs: Sequence[Mapping[str, Any]]) -> None:
        await self.inner.upsert(index, docs)
        if index != POSTS and self.write is not None and "kind" in docs[0]:
            write, self.write = self.write, None
            await write()
            await reindex(self.app)


async def test_reindex_rebuilds_from_the_database_without_losing_concurrent_writes(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    ana = await make_user(app, "ana")
    made = [(await make_post(client, ana, f"quarterly review {n}"))["id"] for n in range(7)]
    await reindex(app)
    await engine.delete(POSTS, made[2:4])  # the index drifted (say, restored from a backup)
    assert len(ids(await search(client, ana, q="quarterly"))) == 5

    async def write_during_rebuild() -> None:
        body = {"body": "rewritten meanwhile"}
        await api(client, ana, "PATCH", f"/api/v1/posts/{made[0]}", 200, json=body)
        await api(client, ana, "DELETE", f"/api/v1/posts/{made[1]}", 204)

    lines: list[tuple[str, int, int]] = []
    counts = await maintenance.reindex(
        app.state.sessionmaker,
        ShadowWriter(app, engine, write_during_rebuild),  # type: ignore[arg-type]
        INDEXES,
        progress=lambda *line: lines.append(line),
        batch=3,
    )
    assert counts[POSTS] == 7  # read before the delete
    assert ("posts", 7, 7) in lines
    assert sorted(ids(await search(client, ana, q="quarterly", limit=50))) == sorted(made[2:])
    assert ids(await search(client, ana, q="rewritten")) == [made[0]]
    assert len(ids(await search(client, ana, q="ana", type="user"))) == 1

    info = await maintenance.status(app.state.sessionmaker, engine)
    assert info.documents[POSTS] == 6
    assert info.pending == 0
    assert info.oldest_pending_age_seconds is None


async def test_status_counts_what_the_indexer_has_not_applied(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    ana = await make_user(app, "ana")
    await make_post(client, ana, "pending one")
    info = await maintenance.status(app.state.sessionmaker, engine)
    assert info.pending == 2  # the user and the post
    assert info.oldest_pending_age_seconds is not None
    await reindex(app)
    assert (await maintenance.status(app.state.sessionmaker, engine)).pending == 0


def _meili(command: str, port: int) -> None:
    env = {**os.environ, "MEILI_PORT": str(port)}
    subprocess.run(
        ["bash", str(ROOT / ".ci/meilisearch.sh"), command], env=env, check=True, timeout=120
    )


async def test_with_meilisearch_stopped_writes_succeed_and_the_index_catches_up_exactly(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # A Meilisearch of this test's own, which it stops and starts; on either database.
    service_url("TANDEM_TEST_MEILI_URL")  # Meilisearch is available on this machine
    port = 7790 + os.getpid() % 100
    _meili("start", port)
    engine = meili_backend(f"http://127.0.0.1:{port}")
    previous, app.state.search = app.state.search, engine
    try:
        await engine.ensure_indexes()
        ana = await make_user(app, "ana")
        kept = await make_post(client, ana, "renewal before the outage")
        doomed = await make_post(client, ana, "renewal to be deleted")
        await reindex(app)

        _meili("stop", port)
        edited = await make_post(client, ana, "renewal written during the outage")
        body = {"body": "renewal v2"}
        await api(client, ana, "PATCH", f"/api/v1/posts/{kept['id']}", 200, json=body)
        await api(client, ana, "DELETE", f"/api/v1/posts/{doomed['id']}", 204)
        with pytest.raises(SearchUnavailable):
            await reindex(app)
        assert (await search(client, ana, 503, q="renewal"))["error"]["code"] == (
            "search_unavailable"
        )

        _meili("start", port)
        await reindex(app)
        async with transaction(app.state.sessionmaker, write=False) as session:
            in_db = set(await session.scalars(select(Post.id)))
        found = await engine.search(POSTS, SearchQuery(q="renewal", limit=100))
        assert {int(h.id) for h in found.hits} == in_db == {kept["id"], edited["id"]}
        assert "v2" in next(h.snippet for h in found.hits if int(h.id) == kept["id"])
    finally:
        app.state.search = previous
        await engine.drop_indexes()
        await engine.close()
        _meili("stop", port)
