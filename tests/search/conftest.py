"""Search fixtures: the contract suite runs on every backend.

FTS5 always runs (a fresh SQLite file per test); Meilisearch runs when TANDEM_TEST_MEILI_URL
is set (key in TANDEM_TEST_MEILI_KEY), is skipped otherwise and fails under
TANDEM_TEST_REQUIRE_ALL=1. Each Meilisearch test gets its own index prefix and drops its
indexes afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from search import Fts5Backend, MeilisearchBackend, SearchBackend
from tests.conftest import service_url

RUN = uuid.uuid4().hex[:8]


def _meili() -> MeilisearchBackend:
    """The test server (or a skip/failure without one), under indexes of this test's own."""
    url, key = service_url("TANDEM_TEST_MEILI_URL"), os.environ.get("TANDEM_TEST_MEILI_KEY")
    return MeilisearchBackend(url, key, prefix=f"test_{RUN}_{uuid.uuid4().hex[:8]}_", wait=True)


@pytest.fixture(params=["fts5", "meilisearch"])
async def search_backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[SearchBackend]:
    backend: Fts5Backend | MeilisearchBackend
    if request.param == "fts5":
        backend = Fts5Backend(tmp_path / "search.db")
    else:
        backend = _meili()
    await backend.ensure_indexes()
    try:
        yield backend
    finally:
        if isinstance(backend, MeilisearchBackend):
            await backend.drop_indexes()
        await backend.close()


@pytest.fixture
async def meili_backend() -> AsyncIterator[MeilisearchBackend]:
    """A Meilisearch backend alone, for what only Meilisearch does (its task queue)."""
    backend = _meili()
    await backend.ensure_indexes()
    try:
        yield backend
    finally:
        await backend.drop_indexes()
        await backend.close()


def _post(doc_id: int, **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": doc_id,
        "title": "",
        "body": "",
        "kind": "update",
        "author_id": 1,
        "author_handle": "ana",
        "author_name": "Ana Lima",
        "department": "sales",
        "accounts": [],
        "topics": [],
        "group_id": None,
        "created_at": 1_700_000_000 + doc_id,
        "restricted_by": [],
    }
    doc.update(fields)
    return doc


@pytest.fixture
def post() -> Callable[..., dict[str, Any]]:
    """A post document with defaults: `post(1, body="...", department="marketing")`."""
    return _post


@pytest.fixture
def comment() -> Callable[..., dict[str, Any]]:
    def make(doc_id: int, **fields: Any) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": doc_id,
            "post_id": 1,
            "body": "",
            "author_id": 2,
            "author_handle": "ben",
            "author_name": "Ben Ito",
            "department": "marketing",
            "accounts": [],
            "topics": [],
            "created_at": 1_700_000_000 + doc_id,
            "restricted_by": [],
        }
        doc.update(fields)
        return doc

    return make
