"""FTS5 search benchmark on synthetic post documents (no app, no database).

    python -m bench.search --docs 100000 --runs 30

Builds an FTS5 search file of `--docs` posts (Zipf-like vocabulary, 10% in private groups,
5% on confidential accounts), then times typical searches as a viewer denied some keys,
with facets, and prints p50/p95 per query shape and overall.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from search import POSTS, Fts5Backend, SearchQuery

DEPARTMENTS = ["sales", "marketing", "customer success", "product", "leadership", "other"]
KINDS = ["update", "blog", "win_story", "question", "collateral"]


def vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    # The named words lead, so they are the frequent ones; "procurement" comes late (rare).
    named = ["pricing", "renewal", "security", "pipeline", "forecast", "café"]
    words = set(named)
    while len(words) < size - 1:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(4, 10))))
    return [*named, *sorted(words - set(named)), "procurement"]


def documents(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    words = vocabulary(rng, 20_000)
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))
    docs = []
    for i in range(1, n + 1):
        body = " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(15, 80)))
        restricted = []
        if rng.random() < 0.10:
            restricted.append(f"g{rng.randint(1, 50)}")
        if rng.random() < 0.05:
            restricted.append(f"a{rng.randint(1, 200)}")
        docs.append(
            {
                "id": i,
                "title": " ".join(rng.choices(words, cum_weights=cumulative, k=4))
                if i % 5 == 0
                else "",
                "body": body,
                "kind": rng.choice(KINDS),
                "author_id": rng.randint(1, 2000),
                "author_handle": f"user{rng.randint(1, 2000)}",
                "author_name": f"User {i % 2000}",
                "department": rng.choice(DEPARTMENTS),
                "accounts": [f"acct{rng.randint(1, 500)}"],
                "topics": [f"topic{rng.randint(1, 100)}"],
                "group_id": None,
                "created_at": 1_600_000_000 + i * 60,
                "restricted_by": restricted,
            }
        )
    return docs


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the search file here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.search"
        reuse = path.exists()
        backend = Fts5Backend(path)
        await backend.ensure_indexes()
        if not reuse:
            docs = documents(args.docs)
            started = time.perf_counter()
            for start in range(0, len(docs), 5000):
                await backend.upsert(POSTS, docs[start : start + 5000])
            print(f"indexed {len(docs)} posts in {time.perf_counter() - started:.1f} s")

        deny = [f"g{g}" for g in range(1, 48)] + [f"a{a}" for a in range(1, 190)]
        mid = vocabulary(random.Random(7), 20_000)[300]  # in about 2% of the posts
        shapes = {
            "mid-frequency word": SearchQuery(q=mid, deny=deny, facets=["department", "kind"]),
            "mid word + department": SearchQuery(q=mid, deny=deny, department="sales"),
            "common word": SearchQuery(q="pricing", deny=deny, facets=["department", "kind"]),
            "rare word": SearchQuery(q="procurement", deny=deny, facets=["department", "kind"]),
            "two words + prefix": SearchQuery(q="renewal secur", deny=deny),
            "word + account filter": SearchQuery(q="forecast", deny=deny, account="acct42"),
            "word + department": SearchQuery(
                q="pipeline", deny=deny, department="marketing", facets=["kind"]
            ),
            "browse (no q)": SearchQuery(deny=deny, department="sales"),
        }
        every: list[float] = []
        for name, query in shapes.items():
            timings = []
            result = await backend.search(POSTS, query)
            for _ in range(args.runs):
                t0 = time.perf_counter()
                await backend.search(POSTS, query)
                timings.append((time.perf_counter() - t0) * 1000)
            every += timings
            timings.sort()
            p95 = timings[int(0.95 * (len(timings) - 1))]
            print(
                f"{name:24} total={result.estimated_total:6}  "
                f"p50={statistics.median(timings):7.1f} ms  p95={p95:7.1f} ms"
            )
        every.sort()
        print(f"{'all shapes':24} p50={statistics.median(every):.1f} ms")
        await backend.close()


if __name__ == "__main__":
    asyncio.run(main())
