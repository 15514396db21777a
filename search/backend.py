"""The search backend protocol, its query and result types, and what both backends share.

Pagination: the cursor is an opaque, URL-safe encoding of an offset into the ranked list.
Ranking ends on a total tie-break (relevance, then created_at newest first, then the
engine's document order), so for an unchanged index page N+1 starts exactly where page N
ended: no duplicates, no gaps. Relevance has no keyset to seek on, so offsets are the honest
choice; a document added or removed between two page requests can shift later pages by one,
as in every offset-paged search engine. Offsets are capped at MAX_OFFSET (Meilisearch's
default maxTotalHits), past which there is no next page.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from search.documents import MARK_POST, MARK_PRE, IndexSpec

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 1000


class SearchError(Exception):
    """The engine refused or failed an operation (e.g. a failed indexing task)."""


class SearchUnavailable(SearchError):
    """The engine cannot be reached; callers degrade (outbox retries, 503 on search)."""


class InvalidSearch(SearchError, ValueError):
    """A query the caller should not have sent: bad cursor, filter or facet for the index."""


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """One search. `deny` is the viewer's list of visibility keys it may not see."""

    q: str = ""
    deny: Sequence[str] = ()
    account: str | None = None
    department: str | None = None
    author: str | None = None
    topic: str | None = None
    kind: str | None = None
    # A collateral post's catalogue data (lower-case values).
    stage: str | None = None
    industry: str | None = None
    audience: str | None = None
    # A glossary term's status.
    status: str | None = None
    since: int | None = None
    until: int | None = None
    facets: Sequence[str] = ()
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    def filter_values(self) -> dict[str, str | int]:
        """The filters that are set, by SearchQuery name."""
        values = {
            "account": self.account,
            "department": self.department,
            "author": self.author,
            "topic": self.topic,
            "kind": self.kind,
            "stage": self.stage,
            "industry": self.industry,
            "audience": self.audience,
            "status": self.status,
            "since": self.since,
            "until": self.until,
        }
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: int | str
    index: str
    type: str
    title: str  # plain text (templates escape it)
    snippet: str  # safe HTML: escaped text with <mark>…</mark> around matched words
    score: float | None  # higher is better; the scale is the backend's own
    fields: dict[str, Any]  # the stored document


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    next_cursor: str | None = None
    estimated_total: int = 0


@runtime_checkable
class SearchBackend(Protocol):
    """What the app needs of a search engine. `index` is a name from search.documents.INDEXES
    or a rebuild handle returned by `begin_rebuild`."""

    # Outbox events the indexer takes in one batch (one transaction, one `write_batch`): an
    # engine whose every batch has a fixed cost wants large ones.
    drain_batch: int

    async def ensure_indexes(self) -> None:
        """Create the indexes that are missing and apply the schema's settings."""

    async def upsert(self, index: str, docs: Sequence[Mapping[str, Any]]) -> None:
        """Add or replace documents by id."""

    async def delete(self, index: str, ids: Sequence[int | str]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    async def delete_comments_of_posts(self, post_ids: Sequence[int | str]) -> None:
        """Remove every comment document of these posts (a deleted post takes them along)."""

    def write_batch(self) -> AbstractAsyncContextManager[None]:
        """Writes made inside (by this task) are confirmed together when the block ends
        instead of one by one: an engine that applies writes asynchronously queues them all
        and the exit waits until it applied every one (raising SearchError if one failed), so
        it can batch them. Writes are applied in the order they were made either way."""

    async def search(self, index: str, query: SearchQuery) -> SearchResult:
        """Ranked hits the viewer may see, with facet counts and a total over the same set."""

    async def count(self, index: str) -> int:
        """Number of documents in the index (all of them, no visibility filter)."""

    async def health(self) -> dict[str, Any]:
        """{"status": "ok" | "unavailable", "engine": ..., "pending_tasks": int, ...};
        never raises."""

    async def begin_rebuild(self, index: str) -> str:
        """An empty shadow of `index` to fill with upsert(); searches keep using `index`.
        Writes made to `index` meanwhile must be replayed into the shadow by the caller
        (e.g. re-drain the outbox from the rebuild's start) before `finish_rebuild`."""

    async def finish_rebuild(self, index: str, shadow: str) -> None:
        """Atomically put the shadow's documents in place of `index`'s and drop the old."""

    async def abort_rebuild(self, index: str, shadow: str) -> None:
        """Drop the shadow; `index` is untouched."""

    async def close(self) -> None:
        """Release connections and threads."""


def check_query(spec: IndexSpec, query: SearchQuery) -> int:
    """Validate `query` for the index; the offset its cursor points at."""
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InvalidSearch(f"limit must be between 1 and {MAX_LIMIT}")
    unsupported = [name for name in query.filter_values() if name not in spec.filters]
    if unsupported:
        raise InvalidSearch(f"{spec.name} cannot be filtered by {', '.join(unsupported)}")
    for name in ("since", "until"):
        value = getattr(query, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidSearch(f"{name} must be unix seconds")
    bad_facets = [f for f in query.facets if f not in spec.facets]
    if bad_facets:
        raise InvalidSearch(f"{spec.name} has no facet {', '.join(bad_facets)}")
    if not all(isinstance(key, str) for key in query.deny):
        raise InvalidSearch("deny keys must be strings")
    return decode_cursor(query.cursor)


def encode_cursor(offset: int) -> str:
    raw = json.dumps({"o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidSearch("the cursor is not valid") from exc
    offset = value.get("o") if isinstance(value, dict) else None
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 < offset < MAX_OFFSET:
        raise InvalidSearch("the cursor is not valid")
    return offset


def next_cursor(offset: int, limit: int, returned: int, total: int) -> str | None:
    after = offset + returned
    if returned < limit or after >= total or after >= MAX_OFFSET:
        return None
    return encode_cursor(after)


def safe_snippet(marked: str) -> str:
    """Escape engine text whose matches are wrapped in MARK_PRE/MARK_POST, then turn the
    placeholders into <mark> tags. The placeholders are stripped from indexed text, so any
    that remain came from the engine; unbalanced ones are closed or dropped."""
    out: list[str] = []
    open_mark = False
    for i, part in enumerate(marked.split(MARK_PRE)):
        pieces = part.split(MARK_POST)
        if i > 0:
            if open_mark:
                out.append("</mark>")
            out.append("<mark>")
            open_mark = True
        for j, piece in enumerate(pieces):
            if j > 0 and open_mark:
                out.append("</mark>")
                open_mark = False
            out.append(html.escape(piece, quote=True))
    if open_mark:
        out.append("</mark>")
    return "".join(out).replace("<mark></mark>", "")


def plain_snippet(text: str, words: int = 24) -> str:
    """The start of `text`, escaped, for hits without a highlighted passage."""
    parts = text.split()
    cut = " ".join(parts[:words]) + ("…" if len(parts) > words else "")
    return html.escape(cut, quote=True)
