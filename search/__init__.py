"""Tandem's search layer: one backend protocol, a Meilisearch backend and an SQLite FTS5 one.

It knows search documents (search.documents), never the app's models: the app builds the
documents and the viewer's `deny` keys, this package indexes and searches them.
"""

from __future__ import annotations

from pathlib import Path

from search.backend import (
    InvalidSearch,
    SearchBackend,
    SearchError,
    SearchHit,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
)
from search.documents import ACCOUNTS, COMMENTS, INDEXES, POSTS, TERMS, USERS, InvalidDocument
from search.fts5 import Fts5Backend
from search.meili import MeilisearchBackend

__all__ = [
    "ACCOUNTS",
    "COMMENTS",
    "INDEXES",
    "POSTS",
    "TERMS",
    "USERS",
    "Fts5Backend",
    "InvalidDocument",
    "InvalidSearch",
    "MeilisearchBackend",
    "SearchBackend",
    "SearchError",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "SearchUnavailable",
    "make_backend",
]


def make_backend(
    meili_url: str | None,
    meili_key: str | None,
    sqlite_path: str | Path | None,
    *,
    prefix: str = "tandem_",
) -> SearchBackend:
    """Meilisearch when a URL is configured, otherwise FTS5 in `sqlite_path`."""
    if meili_url:
        return MeilisearchBackend(meili_url, meili_key, prefix=prefix)
    if sqlite_path is None:
        raise ValueError("search needs a Meilisearch URL or an SQLite path")
    return Fts5Backend(sqlite_path)
