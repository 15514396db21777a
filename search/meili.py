"""Meilisearch backend, through the official (synchronous) client run in worker threads.

Writes are Meilisearch tasks: with `wait=True` (tests, reindex, an outbox drainer that wants
to know) each batch is awaited and a failed task raises SearchError; otherwise the call
returns once Meilisearch has accepted the batch, and `health()` reports pending and failed
tasks.

Inside `write_batch()` (the outbox indexer's batches) upserts are gathered per index and sent
as one task of up to `write_batch_docs` documents (earlier if a delete on that index follows,
so order holds), and the block's end waits until every task it enqueued was applied. Each
Meilisearch batch has a large cost whatever its size on a big index (word prefix and facet
databases, the commit: about 0.5-1 s at a million posts on two cores), and Meilisearch
starts a task as soon as it is idle, so a drainer that sends and confirms small writes one by
one runs at a fraction of the engine's bulk rate.

Visibility is a filter inside the engine, so totals, facets and snippets agree with the hits.
"""

from __future__ import annotations

import asyncio
import contextvars
import re
import secrets
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import meilisearch
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchError,
    MeilisearchTimeoutError,
)

from search import filters
from search.backend import (
    MAX_OFFSET,
    InvalidSearch,
    SearchError,
    SearchHit,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    check_query,
    next_cursor,
    plain_snippet,
    safe_snippet,
)
from search.documents import COMMENTS, INDEXES, MARK_POST, MARK_PRE, IndexSpec, normalize, spec_for

T = TypeVar("T")

_SHADOW = "__rebuild_"
_SHADOW_NAME = re.compile(r"([a-z]+)__rebuild_([0-9a-f]{12})")
RANKING_RULES = ["words", "typo", "proximity", "attribute", "exactness", "sort"]
CROP_WORDS = 24


# An index with a boost field (IndexSpec.boost: a question's accepted answer among comments)
# ranks by it right after `proximity`, as the `sort` rule with `sort=["<boost>:desc"]` when
# there are words to match; newest first still breaks the last ties, as a custom rule. A
# boosted document ranks above every one that matches as many of the query's words with no
# fewer typos and the words no closer together, wherever they are in it and however exactly
# (`attribute` and `exactness`, which say least about short texts like comments); one that
# matches more of the words, with fewer typos or closer together ranks above it. Meilisearch
# applies rules one after the other and cannot weigh a score by a factor (FTS5 multiplies
# bm25 by `search.fts5.BOOST`). The boost is a sort, not a custom rule, so that a search
# without words (browsing by filters) sorts by `created_at` alone: newest first, as before.
BOOSTED_RANKING_RULES = [
    "words",
    "typo",
    "proximity",
    "sort",
    "attribute",
    "exactness",
    "created_at:desc",
]


def ranking_rules(spec: IndexSpec) -> list[str]:
    """The index's `rankingRules` setting."""
    if spec.boost and spec.has_created_at:
        return BOOSTED_RANKING_RULES
    return RANKING_RULES


def sort_by(spec: IndexSpec, query: SearchQuery) -> list[str]:
    """The `sort` of a search: the boost where the index has one and words are matched, else
    newest first."""
    if spec.boost and spec.has_created_at and query.q.strip():
        return [f"{spec.boost}:desc"]
    # Where `sort` is the last rule (RANKING_RULES) it only breaks ties; with an empty query
    # it is the order: newest first.
    return ["created_at:desc"] if spec.has_created_at else []


@dataclass
class _WriteBatch:
    """The state of one `write_batch()` block: documents not sent yet, by index uid, and the
    tasks enqueued so far, confirmed in order when the block ends."""

    buffered: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tasks: list[int] = field(default_factory=list)
    confirm: bool = False  # some write asked to wait (the backend's `wait`, or the call's)


# The write batch of the running asyncio task, if any (the backend is shared by requests).
_deferred: contextvars.ContextVar[_WriteBatch | None] = contextvars.ContextVar(
    "meili_write_batch", default=None
)


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class MeilisearchBackend:
    """SearchBackend over a Meilisearch server. `prefix` namespaces the index uids (one
    Meilisearch can serve several deployments or test runs)."""

    engine = "meilisearch"
    # Outbox events the indexer takes at once: a backlog goes out in tasks of
    # `write_batch_docs`, and the documents of the next task are read while Meilisearch
    # indexes the previous one (it indexes on half the cores by default).
    drain_batch = 20_000

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        *,
        prefix: str = "tandem_",
        wait: bool = False,
        timeout: int = 5,
        task_timeout_ms: int = 60_000,
        batch_size: int = 1000,
        write_batch_docs: int = 10_000,
    ) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]*", prefix):
            raise ValueError("index prefix must be [A-Za-z0-9_-]")
        self.client = meilisearch.Client(url, api_key, timeout=timeout)
        self.prefix = prefix
        self.wait = wait
        self.task_timeout_ms = task_timeout_ms
        self.batch_size = batch_size
        self.write_batch_docs = write_batch_docs

    # plumbing

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except (MeilisearchCommunicationError, MeilisearchTimeoutError) as exc:
            raise SearchUnavailable(f"Meilisearch is unreachable: {exc}") from exc
        except MeilisearchApiError as exc:
            if exc.status_code >= 500:
                raise SearchUnavailable(f"Meilisearch failed: {exc.message}") from exc
            raise SearchError(f"Meilisearch refused: {exc.code}: {exc.message}") from exc
        except MeilisearchError as exc:
            raise SearchError(str(exc)) from exc

    def _wait_sync(self, task_uid: int, *, ok_codes: tuple[str, ...] = ()) -> None:
        try:
            task = self.client.wait_for_task(
                task_uid, timeout_in_ms=self.task_timeout_ms, interval_in_ms=20
            )
        except MeilisearchTimeoutError as exc:
            # Either an HTTP timeout (unreachable) or the task outliving task_timeout_ms.
            if "waiting for task" in str(exc):
                raise SearchError(f"Meilisearch task {task_uid} did not finish") from exc
            raise
        if task.status != "succeeded":
            error = task.error or {}
            if error.get("code") in ok_codes:
                return
            raise SearchError(
                f"Meilisearch task {task_uid} ({task.type}) {task.status}: "
                f"{error.get('code')}: {error.get('message')}"
            )

    def _resolve(self, index: str) -> tuple[str, IndexSpec]:
        """The uid and schema of an index name or a rebuild shadow name."""
        shadow = _SHADOW_NAME.fullmatch(index)
        spec = spec_for(shadow.group(1) if shadow else index)
        return self.prefix + index, spec

    def _settings(self, spec: IndexSpec) -> dict[str, Any]:
        return {
            "searchableAttributes": list(spec.searchable),
            "filterableAttributes": list(spec.filterable),
            "sortableAttributes": (
                ["created_at", *([spec.boost] if spec.boost else [])] if spec.has_created_at else []
            ),
            "rankingRules": ranking_rules(spec),
            "typoTolerance": {"enabled": True},
            "faceting": {"maxValuesPerFacet": 100},
            "pagination": {"maxTotalHits": MAX_OFFSET},
        }

    def _create_sync(self, uid: str, spec: IndexSpec) -> None:
        task = self.client.create_index(uid, {"primaryKey": "id"})
        self._wait_sync(task.task_uid, ok_codes=("index_already_exists",))
        task = self.client.index(uid).update_settings(self._settings(spec))
        self._wait_sync(task.task_uid)

    # SearchBackend

    async def ensure_indexes(self) -> None:
        for name in INDEXES:
            uid, spec = self._resolve(name)
            await self._call(self._create_sync, uid, spec)

    @asynccontextmanager
    async def write_batch(self) -> AsyncIterator[None]:
        if _deferred.get() is not None:  # nested: the outer block confirms
            yield
            return
        batch = _WriteBatch()
        token = _deferred.set(batch)
        try:
            yield
        finally:
            _deferred.reset(token)
        # Reached only when the block succeeded (after a failure nothing more is sent; what
        # was enqueued is applied, and the caller's retry re-sends the same documents).
        for uid in list(batch.buffered):
            await self._flush(batch, uid)
        if batch.tasks and batch.confirm:
            await self._call(self._wait_all_sync, batch.tasks)

    async def _flush(self, batch: _WriteBatch, uid: str) -> None:
        """Send the documents buffered for `uid` as one task."""
        docs = batch.buffered.pop(uid, None)
        if docs:
            batch.tasks += await self._call(self._upsert_sync, uid, docs, False, len(docs))

    def _wait_all_sync(self, task_uids: list[int]) -> None:
        for task_uid in task_uids:
            self._wait_sync(task_uid)

    def _upsert_sync(
        self, uid: str, docs: list[dict[str, Any]], wait: bool, size: int | None = None
    ) -> list[int]:
        index = self.client.index(uid)
        task_uids = []
        for chunk in _chunks(docs, size or self.batch_size):
            task = index.add_documents(list(chunk), primary_key="id")
            task_uids.append(task.task_uid)
            if wait:
                self._wait_sync(task.task_uid)
        return task_uids

    async def upsert(
        self, index: str, docs: Sequence[Mapping[str, Any]], *, wait: bool | None = None
    ) -> None:
        uid, spec = self._resolve(index)
        clean = [normalize(spec, doc) for doc in docs]
        if not clean:
            return
        wait = self.wait if wait is None else wait
        batch = _deferred.get()
        if batch is None:
            await self._call(self._upsert_sync, uid, clean, wait)
            return
        batch.confirm |= wait
        buffered = batch.buffered.setdefault(uid, [])
        buffered += clean
        if len(buffered) >= self.write_batch_docs:
            await self._flush(batch, uid)

    async def _delete(self, uid: str, expressions: list[str], wait: bool) -> None:
        batch = _deferred.get()
        if batch is None:
            await self._call(self._delete_sync, uid, expressions, wait)
            return
        batch.confirm |= wait
        await self._flush(batch, uid)  # documents written before the delete go first
        batch.tasks += await self._call(self._delete_sync, uid, expressions, False)

    def _delete_sync(self, uid: str, expressions: list[str], wait: bool) -> list[int]:
        index = self.client.index(uid)
        task_uids = []
        for expression in expressions:
            task = index.delete_documents(filter=expression)
            task_uids.append(task.task_uid)
            if wait:
                self._wait_sync(task.task_uid)
        return task_uids

    async def delete(
        self, index: str, ids: Sequence[int | str], *, wait: bool | None = None
    ) -> None:
        uid, _ = self._resolve(index)
        # Deleting by a filter on `id` (the id list form is deprecated in the client).
        expressions = [filters.is_in("id", chunk) for chunk in _chunks(list(ids), 500)]
        if expressions:
            await self._delete(uid, expressions, self.wait if wait is None else wait)

    async def delete_comments_of_posts(
        self, post_ids: Sequence[int | str], *, wait: bool | None = None
    ) -> None:
        uid, _ = self._resolve(COMMENTS)
        expressions = [filters.is_in("post_id", chunk) for chunk in _chunks(list(post_ids), 500)]
        if expressions:
            await self._delete(uid, expressions, self.wait if wait is None else wait)

    async def search(self, index: str, query: SearchQuery) -> SearchResult:
        uid, spec = self._resolve(index)
        offset = check_query(spec, query)
        params: dict[str, Any] = {
            "offset": offset,
            "limit": query.limit,
            "showRankingScore": True,
            "attributesToHighlight": [spec.snippet_field],
            "attributesToCrop": [spec.snippet_field],
            "cropLength": CROP_WORDS,
            "cropMarker": "…",
            "highlightPreTag": MARK_PRE,
            "highlightPostTag": MARK_POST,
        }
        expression = filters.for_query(spec, query.filter_values(), query.deny)
        if expression:
            params["filter"] = expression
        if query.facets:
            params["facets"] = list(query.facets)
        if sort := sort_by(spec, query):
            params["sort"] = sort
        raw = await self._call(self.client.index(uid).search, query.q, params)
        hits = [self._hit(index, spec, item, bool(query.q.strip())) for item in raw["hits"]]
        total = int(raw.get("estimatedTotalHits", len(hits)))
        distribution = raw.get("facetDistribution") or {}
        facets = {name: dict(distribution.get(name, {})) for name in query.facets}
        return SearchResult(
            hits=hits,
            facets=facets,
            next_cursor=next_cursor(offset, query.limit, len(hits), total),
            estimated_total=total,
        )

    def _hit(self, index: str, spec: IndexSpec, item: dict[str, Any], matched: bool) -> SearchHit:
        formatted = item.pop("_formatted", {}) or {}
        score = item.pop("_rankingScore", None)
        marked = formatted.get(spec.snippet_field)
        if isinstance(marked, str):
            snippet = safe_snippet(marked)
        else:
            snippet = plain_snippet(str(item.get(spec.snippet_field) or ""))
        title = str(item.get(spec.title_field) or "") if spec.title_field else ""
        return SearchHit(
            id=item["id"],
            index=index,
            type=spec.type,
            title=title,
            snippet=snippet,
            score=float(score) if matched and score is not None else None,
            fields=item,
        )

    async def count(self, index: str) -> int:
        uid, _ = self._resolve(index)
        stats = await self._call(self.client.index(uid).get_stats)
        return int(stats.number_of_documents)

    def _health_sync(self) -> dict[str, Any]:
        self.client.health()
        uids = [self.prefix + name for name in INDEXES]
        pending = self.client.get_tasks(
            {"statuses": ["enqueued", "processing"], "indexUids": uids, "limit": 1}
        )
        failed = self.client.get_tasks({"statuses": ["failed"], "indexUids": uids, "limit": 1})
        last_failed = failed.results[0].error if failed.results else None
        return {
            "status": "ok",
            "engine": self.engine,
            "pending_tasks": pending.total,
            "failed_tasks": failed.total,
            "last_failed_task": last_failed,
        }

    async def health(self) -> dict[str, Any]:
        try:
            return await self._call(self._health_sync)
        except SearchError as exc:
            return {"status": "unavailable", "engine": self.engine, "error": str(exc)}

    async def begin_rebuild(self, index: str) -> str:
        _, spec = self._resolve(index)
        if _SHADOW in index:
            raise InvalidSearch("cannot rebuild a rebuild shadow")
        shadow = f"{index}{_SHADOW}{secrets.token_hex(6)}"
        await self._call(self._create_sync, self.prefix + shadow, spec)
        return shadow

    def _swap_sync(self, uid: str, shadow_uid: str) -> None:
        task = self.client.swap_indexes([{"indexes": [uid, shadow_uid]}])
        self._wait_sync(task.task_uid)
        task = self.client.delete_index(shadow_uid)
        self._wait_sync(task.task_uid)

    async def finish_rebuild(self, index: str, shadow: str) -> None:
        uid, _ = self._resolve(index)
        shadow_uid = self._check_shadow(index, shadow)
        await self._call(self._swap_sync, uid, shadow_uid)

    def _drop_sync(self, uid: str) -> None:
        task = self.client.delete_index(uid)
        self._wait_sync(task.task_uid, ok_codes=("index_not_found",))

    async def abort_rebuild(self, index: str, shadow: str) -> None:
        await self._call(self._drop_sync, self._check_shadow(index, shadow))

    def _check_shadow(self, index: str, shadow: str) -> str:
        match = _SHADOW_NAME.fullmatch(shadow)
        if not match or match.group(1) != index:
            raise InvalidSearch(f"{shadow!r} is not a rebuild of {index!r}")
        return self.prefix + shadow

    async def drop_indexes(self) -> None:
        """Delete every index under this prefix (tests, and `tandem reindex --from-scratch`)."""
        await self._call(self._drop_prefixed_sync)

    def _drop_prefixed_sync(self) -> None:
        offset = 0
        uids: list[str] = []
        while True:
            page = self.client.get_raw_indexes({"offset": offset, "limit": 100})
            results: list[dict[str, Any]] = page["results"]  # type: ignore[call-overload]
            uids += [r["uid"] for r in results if r["uid"].startswith(self.prefix)]
            if len(results) < 100:
                break
            offset += 100
        for uid in uids:
            self._drop_sync(uid)

    async def close(self) -> None:
        return None
