"""FTS5-only behaviour: the newest-first fallback for near-universal words, and its file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from search import COMMENTS, POSTS, Fts5Backend, SearchQuery


async def test_a_word_in_most_documents_lists_newest_first(
    tmp_path: Path, post: Callable[..., dict[str, Any]]
) -> None:
    backend = Fts5Backend(tmp_path / "s.search", rank_cutoff=3)
    await backend.ensure_indexes()
    await backend.upsert(
        POSTS,
        [post(i, body=f"status update number {i}", created_at=100 + i) for i in range(1, 8)]
        + [post(50, body="unrelated", created_at=999)]
        + [post(60, body="update", restricted_by=["g1"], created_at=998)],
    )
    result = await backend.search(
        POSTS, SearchQuery(q="update", deny=["g1"], limit=3, facets=["department"])
    )
    assert [h.id for h in result.hits] == [7, 6, 5]
    assert result.estimated_total == 7
    assert result.facets == {"department": {"sales": 7}}
    assert all("<mark>update</mark>" in h.snippet for h in result.hits)
    page2 = await backend.search(
        POSTS, SearchQuery(q="update", deny=["g1"], limit=3, cursor=result.next_cursor)
    )
    assert [h.id for h in page2.hits] == [4, 3, 2]
    await backend.close()


async def test_the_search_file_survives_a_restart(
    tmp_path: Path, post: Callable[..., dict[str, Any]]
) -> None:
    path = tmp_path / "s.search"
    backend = Fts5Backend(path)
    await backend.ensure_indexes()
    await backend.upsert(POSTS, [post(1, body="persisted")])
    await backend.close()
    reopened = Fts5Backend(path)
    await reopened.ensure_indexes()
    assert [h.id for h in (await reopened.search(POSTS, SearchQuery(q="persisted"))).hits] == [1]
    await reopened.close()


async def test_a_file_from_before_the_accepted_answer_boost_is_upgraded_in_place(
    tmp_path: Path, comment: Callable[..., dict[str, Any]]
) -> None:
    path = tmp_path / "s.search"
    old = Fts5Backend(path)
    await old.ensure_indexes()
    filler = [comment(100 + n, body=f"travel notes {n}") for n in range(8)]
    await old.upsert(COMMENTS, [*filler, comment(1, body="renewal playbook")])
    await old.close()
    with sqlite3.connect(path) as conn:  # the docs tables as the release before left them
        for index in ("posts", "comments", "users", "accounts", "terms"):
            conn.execute(f"ALTER TABLE {index}_docs DROP COLUMN boost")

    backend = Fts5Backend(path)
    try:
        await backend.ensure_indexes()
        found = await backend.search(COMMENTS, SearchQuery(q="renewal"))
        assert [h.id for h in found.hits] == [1]  # an old row: not boosted
        await backend.upsert(COMMENTS, [comment(2, body="renewal playbook")])
        found = await backend.search(COMMENTS, SearchQuery(q="renewal"))
        assert [h.id for h in found.hits] == [2, 1]  # equal: newest first
        await backend.upsert(COMMENTS, [comment(1, body="renewal playbook", accepted=True)])
        found = await backend.search(COMMENTS, SearchQuery(q="renewal"))
        assert [h.id for h in found.hits] == [1, 2]
    finally:
        await backend.close()
