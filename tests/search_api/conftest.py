"""API-level search fixtures: SQLite runs with FTS5, PostgreSQL with Meilisearch (skipped
without TANDEM_TEST_MEILI_URL, failing under TANDEM_TEST_REQUIRE_ALL=1).

Each test gets its own empty engine (a fresh FTS5 file, or a fresh Meilisearch index prefix)
installed as the app's search backend. The indexer does not run in the background in
tests (`dispatcher` is off): `reindex(app)` drains the search consumer once, so what the
index holds at each assertion is deterministic.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI

from app.search_index.indexer import Indexer
from search import Fts5Backend, MeilisearchBackend, SearchBackend
from tests.conftest import service_url

RUN = uuid.uuid4().hex[:8]


def meili_backend(url: str, prefix: str | None = None) -> MeilisearchBackend:
    return MeilisearchBackend(
        url,
        os.environ.get("TANDEM_TEST_MEILI_KEY"),
        prefix=prefix or f"api_{RUN}_{uuid.uuid4().hex[:8]}_",
        wait=True,
    )


@asynccontextmanager
async def installed_engine(
    app: FastAPI, backend: str, folder: Path
) -> AsyncIterator[SearchBackend]:
    """An empty engine installed as `app`'s search backend for the block: a fresh FTS5 file
    in `folder` (SQLite) or a fresh Meilisearch index prefix (PostgreSQL)."""
    search: Fts5Backend | MeilisearchBackend
    if backend == "sqlite":
        search = Fts5Backend(folder / "search.db")
    else:
        search = meili_backend(service_url("TANDEM_TEST_MEILI_URL"))
    await search.ensure_indexes()
    previous = app.state.search
    app.state.search = search
    try:
        yield search
    finally:
        app.state.search = previous
        if isinstance(search, MeilisearchBackend):
            await search.drop_indexes()
        await search.close()


@pytest.fixture
async def engine(app: FastAPI, backend: str, tmp_path: Path) -> AsyncIterator[SearchBackend]:
    async with installed_engine(app, backend, tmp_path) as search:
        yield search


async def reindex(app: FastAPI) -> int:
    """Apply every committed outbox event to the app's search engine, as the worker would."""
    return await Indexer(app.state.sessionmaker, app.state.search).drain()
