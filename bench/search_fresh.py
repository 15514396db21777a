"""Commit-to-searchable: posts created through the HTTP API at a steady rate, each with a
word of its own, and the engine polled until each is found.

Latency is from the writer receiving the 201 (the post and its outbox event are committed)
to the first poll that finds the post by its word. The poller asks the engine directly, so
the API's own search load does not disturb what is measured: Meilisearch with one
`/multi-search` request per round (each pending word, filtered to its post's id), FTS5
through the app's `Fts5Backend` on the same file. A round starts every `interval` seconds,
which bounds the resolution.
"""

from __future__ import annotations

import asyncio
import random
import string
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.common import summarize_ms


def unique_word(rng: random.Random) -> str:
    """Letters only (one token for both engines), long enough to be nobody else's."""
    return "zq" + "".join(rng.choice(string.ascii_lowercase) for _ in range(10))


@dataclass
class Written:
    word: str
    committed_at: float  # perf_counter when the 201 arrived
    found_at: float | None = None


@dataclass
class Outcome:
    posts: dict[int, Written] = field(default_factory=dict)
    errors: int = 0
    polls: int = 0
    poll_seconds: list[float] = field(default_factory=list)


class MeiliPoller:
    def __init__(self, url: str, key: str | None, index_uid: str) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.http = httpx.AsyncClient(base_url=url, headers=headers, timeout=10)
        self.uid = index_uid

    async def found(self, pending: dict[int, str]) -> set[int]:
        queries = [
            {
                "indexUid": self.uid,
                "q": word,
                "filter": f"id = {post_id}",
                "limit": 1,
                "attributesToRetrieve": ["id"],
            }
            for post_id, word in pending.items()
        ]
        r = await self.http.post("/multi-search", json={"queries": queries})
        r.raise_for_status()
        return {int(hit["id"]) for result in r.json()["results"] for hit in result["hits"]}

    async def close(self) -> None:
        await self.http.aclose()


class Fts5Poller:
    def __init__(self, path: str) -> None:
        from search import Fts5Backend

        self.backend = Fts5Backend(path)

    async def found(self, pending: dict[int, str]) -> set[int]:
        from search import POSTS, SearchQuery

        out: set[int] = set()
        for post_id, word in pending.items():
            result = await self.backend.search(POSTS, SearchQuery(q=word, limit=5))
            if any(int(h.id) == post_id for h in result.hits):
                out.add(post_id)
        return out

    async def close(self) -> None:
        await self.backend.close()


async def run(
    base_url: str,
    tokens: Sequence[str],
    accounts: Sequence[str],
    poller: Any,
    *,
    rate: float,
    duration: float,
    interval: float = 0.02,
    settle: float = 30.0,
    seed: int = 7,
) -> Outcome:
    """Write `rate` posts/s for `duration` s while polling; then poll (at most `settle` s)
    until every post is found."""
    rng = random.Random(seed)
    outcome = Outcome()
    clients = [
        httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {t}"}, timeout=30)
        for t in tokens
    ]
    writing = True

    async def one(i: int) -> None:
        word = unique_word(rng)
        body = {
            "kind": "update",
            "body": f"Searchable bench post {i}: renewal call notes, tracking code {word}.",
            "accounts": [accounts[i % len(accounts)]],
        }
        try:
            response = await clients[i % len(clients)].post("/api/v1/posts", json=body)
        except httpx.HTTPError:
            outcome.errors += 1
            return
        now = time.perf_counter()
        if response.status_code != 201:
            outcome.errors += 1
            return
        outcome.posts[int(response.json()["id"])] = Written(word, now)

    async def poll() -> None:
        deadline: float | None = None
        while True:
            started = time.perf_counter()
            pending = {p: w.word for p, w in outcome.posts.items() if w.found_at is None}
            if pending:
                found = await poller.found(pending)
                now = time.perf_counter()
                for post_id in found:
                    outcome.posts[post_id].found_at = now
                outcome.polls += 1
                outcome.poll_seconds.append(now - started)
            if not writing:
                if deadline is None:
                    deadline = time.perf_counter() + settle
                if not pending or time.perf_counter() > deadline:
                    return
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))

    poll_task = asyncio.create_task(poll())
    loop = asyncio.get_running_loop()
    start, tasks = loop.time(), []
    try:
        for i in range(int(rate * duration)):
            await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        writing = False
        await poll_task
    finally:
        poll_task.cancel()
        for client in clients:
            await client.aclose()
    return outcome


def summarize(outcome: Outcome, rate: float, duration: float, interval: float) -> dict[str, Any]:
    latencies = [
        w.found_at - w.committed_at for w in outcome.posts.values() if w.found_at is not None
    ]
    summary = summarize_ms(latencies)
    ordered = sorted(latencies)
    from bench.common import percentile

    return {
        "rate_posts_per_s": rate,
        "duration_s": duration,
        "posts": len(outcome.posts),
        "write_errors": outcome.errors,
        "found": len(latencies),
        "never_found": len(outcome.posts) - len(latencies),
        "p50_ms": summary["p50_ms"],
        "p95_ms": round(percentile(ordered, 95) * 1000, 1) if ordered else None,
        "p99_ms": summary["p99_ms"],
        "max_ms": round(max(ordered) * 1000, 1) if ordered else None,
        "mean_ms": summary["mean_ms"],
        "poll_interval_ms": interval * 1000,
        "polls": outcome.polls,
        "poll_p50_ms": summarize_ms(outcome.poll_seconds)["p50_ms"]
        if outcome.poll_seconds
        else None,
    }
