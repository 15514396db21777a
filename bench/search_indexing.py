"""Indexing throughput: the app's outbox indexer against the engine's own bulk rate, on the
same documents.

For N posts (a seeded sample of the dataset) the run

1. builds their search documents, and their comments' (the indexer rewrites those too: they
   carry the post's tags and keys), with the app's own builder (`app.search_index.documents`),
   and edited copies of the posts with one extra word;
2. writes one `post.updated` event per post as the post service does
   (`app.outbox.events.post_changed` with the post's API shape, channels and visibility), and
   numbers them (the sequencer, timed apart);
3. per round: sends the edited documents (untimed), then **bulk**: times sending the
   database's documents straight to the engine in large batches (Meilisearch: every batch
   enqueued at once over HTTP, then waited for; FTS5: `Fts5Backend.upsert` per batch) until
   the engine applied the last; sends the edited documents again (untimed), moves the
   search consumer back before the events (as `tandem reindex` does) and times **outbox**:
   the app's indexer (`app.search_index.indexer.Indexer`, consumer `search`, as
   `tandem worker` builds it) draining them, re-reading every post and its comments from the
   database. Both timed phases make the same change from the same state (the extra word goes)
   and the index ends as the database is;
4. deletes the events it wrote.

The ratio is the median bulk time over the median outbox time. For the outbox phase the
report splits engine calls (and the wait for the engine at the end of each write batch) from
the rest (reading the database, building documents); on Meilisearch it adds the engine's
own task and batch counts and durations for both phases.
"""

from __future__ import annotations

import asyncio
import random
import re
import statistics
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.common import Progress
from bench.search_setup import AppSide, app_side

EDIT_WORD = "outboxbench"


class TimedBackend:
    """Wraps a SearchBackend: counts documents written and seconds spent in write calls."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.confirm_seconds = 0.0
        self.calls = 0
        self.documents: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def _timed(self, index: str, n: int, call: Any) -> Any:
        started = time.perf_counter()
        try:
            return await call
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1
            self.documents[index] = self.documents.get(index, 0) + n

    async def upsert(self, index: str, docs: Sequence[Any], **kw: Any) -> None:
        await self._timed(index, len(docs), self.inner.upsert(index, docs, **kw))

    async def delete(self, index: str, ids: Sequence[Any], **kw: Any) -> None:
        await self._timed(index, len(ids), self.inner.delete(index, ids, **kw))

    async def delete_comments_of_posts(self, ids: Sequence[Any], **kw: Any) -> None:
        await self._timed("comments", 0, self.inner.delete_comments_of_posts(ids, **kw))

    @asynccontextmanager
    async def write_batch(self) -> AsyncIterator[None]:
        """The backend's write batch, with the wait at its end counted as engine time."""
        inner = self.inner.write_batch()
        await inner.__aenter__()
        try:
            yield
        except BaseException as exc:
            if not await inner.__aexit__(type(exc), exc, exc.__traceback__):
                raise
        else:
            started = time.perf_counter()
            await inner.__aexit__(None, None, None)
            waited = time.perf_counter() - started
            self.seconds += waited
            self.confirm_seconds += waited


async def sample_post_ids(side: AppSide, n: int, seed: int) -> list[int]:
    from sqlalchemy import select

    from app.core.db import transaction
    from app.posts.models import Post

    async with transaction(side.sessionmaker, write=False) as session:
        ids = list(await session.scalars(select(Post.id).order_by(Post.id)))
    return sorted(random.Random(seed).sample(ids, min(n, len(ids))))


async def build_documents(side: AppSide, ids: Sequence[int]) -> list[dict[str, Any]]:
    from app.core.db import transaction
    from app.search_index import documents

    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), 1000):
        async with transaction(side.sessionmaker, write=False) as session:
            docs = await documents.posts(session, list(ids[start : start + 1000]))
        out += docs.values()
    return out


async def write_update_events(side: AppSide, ids: Sequence[int]) -> tuple[int, float]:
    """One `post.updated` per post, as the post service emits it; returns the first event id
    written and the seconds it took."""
    from sqlalchemy import func, select

    from app.accounts.models import Account
    from app.core.db import transaction
    from app.outbox import events as live
    from app.outbox.models import OutboxEvent
    from app.posts import service as posts_service
    from app.posts.models import Post, PostAccount, PostTopic
    from app.visibility import PostVisibility, Viewer

    # The events carry the posts' shapes as their author would read them: nothing hidden.
    reader = Viewer(id=0, is_admin=True, group_ids=frozenset(), team_account_ids=frozenset())
    started = time.perf_counter()
    async with transaction(side.sessionmaker, write=False) as session:
        first = int(await session.scalar(select(func.max(OutboxEvent.id))) or 0) + 1
    bar = Progress("write events", len(ids))
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        async with transaction(side.sessionmaker) as session:
            reads = {p.id: p for p in await posts_service.read_posts(session, reader, chunk)}
            posts = {p.id: p for p in await session.scalars(select(Post).where(Post.id.in_(chunk)))}
            accounts: dict[int, list[tuple[int, bool]]] = {i: [] for i in chunk}
            for post_id, account_id, confidential in await session.execute(
                select(PostAccount.post_id, Account.id, Account.confidential)
                .join(Account, Account.id == PostAccount.account_id)
                .where(PostAccount.post_id.in_(chunk))
            ):
                accounts[post_id].append((account_id, confidential))
            topics: dict[int, list[int]] = {i: [] for i in chunk}
            for post_id, topic_id in await session.execute(
                select(PostTopic.post_id, PostTopic.topic_id).where(PostTopic.post_id.in_(chunk))
            ):
                topics[post_id].append(topic_id)
            for post_id in chunk:
                post = posts[post_id]
                await live.post_changed(
                    session,
                    live.POST_UPDATED,
                    data=reads[post_id].model_dump(mode="json"),
                    post_id=post_id,
                    author_id=post.author_id,
                    account_ids=[a for a, _ in accounts[post_id]],
                    topic_ids=topics[post_id],
                    group_id=post.group_id,
                    seen_by=PostVisibility.of(
                        group_id=post.group_id,
                        group_private=post.group_private,
                        confidential_account_ids=[a for a, c in accounts[post_id] if c],
                    ).as_dict(),
                )
        bar.add(len(chunk))
    bar.finish()
    return first, time.perf_counter() - started


async def delete_events_from(side: AppSide, first_id: int) -> int:
    from sqlalchemy import delete

    from app.core.db import transaction
    from app.outbox.models import OutboxChannel, OutboxEvent

    async with transaction(side.sessionmaker) as session:
        await session.execute(delete(OutboxChannel).where(OutboxChannel.event_id >= first_id))
        result = await session.execute(delete(OutboxEvent).where(OutboxEvent.id >= first_id))
    return int(getattr(result, "rowcount", 0) or 0)


async def sequence_all(side: AppSide) -> tuple[int, float]:
    from app.core.db import transaction
    from app.outbox import service as outbox

    started, total = time.perf_counter(), 0
    while True:
        async with transaction(side.sessionmaker) as session:
            n = await outbox.sequence(session, batch=1000)
        total += n
        if n < 1000:
            return total, time.perf_counter() - started


async def pending_for_search(side: AppSide) -> int:
    from app.search_index import maintenance

    return (await maintenance.status(side.sessionmaker, side.backend)).pending


# Meilisearch's own view: tasks and batches.


def _duration_s(text: str | None) -> float:
    """ISO 8601 durations as Meilisearch writes them (PT1.5S, PT2M3.1S)."""
    if not text:
        return 0.0
    m = re.fullmatch(r"P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", text)
    if not m:
        return 0.0
    d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    return d * 86400 + h * 3600 + mi * 60 + s


class Meili:
    """Raw HTTP to Meilisearch for the bulk phase and the engine's statistics."""

    def __init__(self, url: str, key: str | None) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.http = httpx.AsyncClient(base_url=url, headers=headers, timeout=120)

    async def close(self) -> None:
        await self.http.aclose()

    async def last_task_uid(self) -> int:
        page = (await self.http.get("/tasks", params={"limit": 1})).json()
        return int(page["results"][0]["uid"]) if page["results"] else -1

    async def wait_idle(self, timeout: float = 1800) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            page = (
                await self.http.get(
                    "/tasks", params={"statuses": "enqueued,processing", "limit": 1}
                )
            ).json()
            if not page["results"]:
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("Meilisearch still busy")

    async def wait_task(self, uid: int, timeout: float = 1800) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            task: dict[str, Any] = (await self.http.get(f"/tasks/{uid}")).json()
            if task["status"] in ("succeeded", "failed", "canceled"):
                if task["status"] != "succeeded":
                    raise RuntimeError(f"Meilisearch task {uid} {task['status']}: {task}")
                return task
            await asyncio.sleep(0.02)
        raise TimeoutError(f"task {uid}")

    async def add_documents(self, uid: str, docs: list[dict[str, Any]]) -> int:
        r = await self.http.post(
            f"/indexes/{uid}/documents", params={"primaryKey": "id"}, json=docs
        )
        r.raise_for_status()
        return int(r.json()["taskUid"])

    async def stats_after(self, after_uid: int) -> dict[str, Any]:
        """What Meilisearch did for the tasks enqueued after `after_uid`."""
        tasks: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": 1000}
        while True:
            page = (await self.http.get("/tasks", params=params)).json()
            fresh = [t for t in page["results"] if t["uid"] > after_uid]
            tasks += fresh
            if len(fresh) < len(page["results"]) or page.get("next") is None:
                break
            params["from"] = page["next"]
        batches = sorted({t["batchUid"] for t in tasks if t.get("batchUid") is not None})
        batch_seconds = 0.0
        for uid in batches:
            batch = (await self.http.get(f"/batches/{uid}")).json()
            batch_seconds += _duration_s(batch.get("duration"))
        by_type: dict[str, int] = {}
        for t in tasks:
            by_type[t["type"]] = by_type.get(t["type"], 0) + 1
        return {
            "tasks": len(tasks),
            "tasks_by_type": by_type,
            "batches": len(batches),
            "batch_seconds": round(batch_seconds, 3),
            "task_seconds": round(sum(_duration_s(t.get("duration")) for t in tasks), 3),
        }


Batches = list[tuple[str, list[dict[str, Any]]]]


async def bulk_meili(meili: Meili, prefix: str, batches: Batches, size: int) -> dict[str, Any]:
    """Every batch enqueued at once (`size` documents per request), then waited for."""
    await meili.wait_idle()
    before = await meili.last_task_uid()
    started = time.perf_counter()
    uids = [
        await meili.add_documents(prefix + index, docs[i : i + size])
        for index, docs in batches
        for i in range(0, len(docs), size)
    ]
    enqueued = time.perf_counter() - started
    for task_uid in uids:
        await meili.wait_task(task_uid)
    seconds = time.perf_counter() - started
    n = sum(len(docs) for _, docs in batches)
    return {
        "documents": n,
        "batch": size,
        "requests": len(uids),
        "seconds": round(seconds, 3),
        "enqueue_seconds": round(enqueued, 3),
        "docs_per_s": round(n / seconds, 1),
        "engine": await meili.stats_after(before),
    }


async def bulk_fts5(backend: Any, batches: Batches, size: int) -> dict[str, Any]:
    """`Fts5Backend.upsert` of `size` documents at a time."""
    started, requests = time.perf_counter(), 0
    for index, docs in batches:
        for i in range(0, len(docs), size):
            await backend.upsert(index, docs[i : i + size])
            requests += 1
    seconds = time.perf_counter() - started
    n = sum(len(docs) for _, docs in batches)
    return {
        "documents": n,
        "batch": size,
        "requests": requests,
        "seconds": round(seconds, 3),
        "docs_per_s": round(n / seconds, 1),
    }


async def throughput(
    side_config: Any,
    n: int,
    seed: int,
    bulk_batch: int,
    indexer_batch: int | None,
    rounds: int = 3,
) -> dict[str, Any]:
    """The bulk and outbox phases on the same N posts; see the module docstring."""
    from app.core.db import transaction
    from app.search_index import documents
    from search import COMMENTS, POSTS

    async with app_side(side_config) as side:
        if await pending_for_search(side):
            raise SystemExit("the search consumer has pending events; drain them first")
        ids = await sample_post_ids(side, n, seed)
        print(f"indexing throughput: {len(ids)} posts; building their documents ...")
        docs = await build_documents(side, ids)
        edited = [{**d, "body": f"{d['body']} {EDIT_WORD}"} for d in docs]
        # The indexer rewrites a post's comments too (they carry its tags and keys): the bulk
        # phase sends the same comment documents.
        async with transaction(side.sessionmaker, write=False) as session:
            comment_ids = await documents.comment_ids_of_posts(session, ids)
            comments = list((await documents.comments(session, comment_ids)).values())
        meili = None
        if side.config.meili_url:
            meili = Meili(side.config.meili_url, side.config.meili_key)
        first_event: int | None = None
        restored = True
        bulks: list[dict[str, Any]] = []
        outboxes: list[dict[str, Any]] = []
        try:

            async def send(posts: list[dict[str, Any]]) -> dict[str, Any]:
                batches = [(POSTS, posts), (COMMENTS, comments)]
                if meili is not None:
                    return await bulk_meili(meili, side.config.meili_prefix, batches, bulk_batch)
                return await bulk_fts5(side.backend, batches, bulk_batch)

            first_event, write_s = await write_update_events(side, ids)
            start = await search_position(side)
            numbered, sequence_s = await sequence_all(side)
            print(
                f"  {rounds} round(s): bulk, then outbox, {len(docs)} posts and "
                f"{len(comments)} comments (bulk batches of {bulk_batch}) ..."
            )
            for r in range(rounds):
                # Both timed phases make the same change from the same state: the edited
                # documents are sent untimed first, then the database's are put back.
                edit = await send(edited)
                bulk = await send(docs)
                bulk["untimed_edit_docs_per_s"] = edit["docs_per_s"]
                bulks.append(bulk)
                await send(edited)
                restored = False
                # The same events each round: the indexer starts again before them.
                await rewind_search(side, start)
                outbox = await drain_timed(side, meili, indexer_batch, len(ids))
                restored = True
                outbox["sequence_seconds"] = round(sequence_s, 3)
                outboxes.append(outbox)
                print(
                    f"  round {r + 1}: bulk {bulk['seconds']:.2f} s, "
                    f"outbox {outbox['seconds']:.2f} s ({numbered} events)"
                )
        finally:
            if not restored:
                # A bulk phase left edited documents: put the database's back.
                await side.backend.upsert(POSTS, docs)
            if first_event is not None:
                await delete_events_from(side, first_event)
            if meili is not None:
                await meili.close()
    bulk_s = statistics.median(b["seconds"] for b in bulks)
    outbox_s = statistics.median(o["seconds"] for o in outboxes)
    n_docs = len(docs) + len(comments)
    return {
        "posts": len(ids),
        "comments": len(comments),
        "rounds": rounds,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "write_events_seconds": round(write_s, 2),
        "bulk_seconds": round(bulk_s, 3),
        "outbox_seconds": round(outbox_s, 3),
        "bulk_docs_per_s": round(n_docs / bulk_s, 1),
        "outbox_docs_per_s": round(n_docs / outbox_s, 1),
        # Both phases write the same posts and comments: the ratio is one of (median) times.
        "ratio": round(bulk_s / outbox_s, 3),
        "bulk": bulks,
        "outbox": outboxes,
    }


async def search_position(side: AppSide) -> int:
    from app.core.db import transaction
    from app.outbox import service as outbox
    from app.search_index.indexer import CONSUMER

    async with transaction(side.sessionmaker) as session:
        position = await outbox.claim(session, CONSUMER, wait=True)
    assert position is not None
    return position


async def rewind_search(side: AppSide, position: int) -> None:
    """Move the search consumer back to `position` (as `tandem reindex` does)."""
    from app.core.db import transaction
    from app.outbox import service as outbox
    from app.search_index.indexer import CONSUMER

    async with transaction(side.sessionmaker) as session:
        await outbox.claim(session, CONSUMER, wait=True)
        await outbox.advance(session, CONSUMER, position)


async def drain_timed(
    side: AppSide, meili: Meili | None, indexer_batch: int | None, posts: int
) -> dict[str, Any]:
    """The app's indexer draining what is pending, timed, with its engine time apart."""
    from app.search_index.indexer import Indexer

    before = -1
    if meili is not None:
        await meili.wait_idle()
        before = await meili.last_task_uid()
    timed = TimedBackend(side.backend)
    indexer = Indexer(side.sessionmaker, timed, batch=indexer_batch)  # type: ignore[arg-type]
    started = time.perf_counter()
    handled = await indexer.drain()
    seconds = time.perf_counter() - started
    written = sum(timed.documents.values())
    out: dict[str, Any] = {
        "events": handled,
        "indexer_batch": indexer.batch,
        "seconds": round(seconds, 3),
        "docs_per_s": round(written / seconds, 1),
        "posts_per_s": round(posts / seconds, 1),
        "documents_written": timed.documents,
        "engine_call_seconds": round(timed.seconds, 3),
        "engine_confirm_seconds": round(timed.confirm_seconds, 3),
        "engine_calls": timed.calls,
        "other_seconds": round(seconds - timed.seconds, 3),
    }
    if meili is not None:
        out["engine"] = await meili.stats_after(before)
    return out
