"""The query shapes of the search benchmark, and the exact engine query behind each request.

Words come from the generator's sentence pool (bench.generate.SENTENCES), so every one of
them really occurs in the bodies; pairs are taken from one sentence. A request line is one
viewer and one set of API parameters. For the baseline, each line's `SearchQuery` is built
by the app's own search service (`app.search_index.service.search`, with a backend that only
records what it is asked), so deny keys, filters, facets and the limit are the API's; the
Meilisearch request body is the one `search.meili.MeilisearchBackend` would send.
"""

from __future__ import annotations

import json
import random
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# One word each: all occur in the sentence pool (some are topic names too).
ONE_WORD = (
    "procurement",
    "renewal",
    "webinar",
    "roadmap",
    "discount",
    "integrations",
    "champion",
    "pilot",
    "competitors",
    "warehouse",
)
# Two words from one sentence.
TWO_WORDS = (
    "security review",
    "renewal quarter",
    "pilot criteria",
    "case study",
    "legal redlines",
    "quarterly review",
    "data warehouse",
    "reference customer",
    "roadmap session",
    "approved tier",
)
# One typo each (a dropped or changed letter) in a word of five letters or more, which
# Meilisearch's default typo tolerance accepts. FTS5 has no typo tolerance: 0 hits there.
TYPOS = (
    "procurment",
    "renewl",
    "webnar",
    "integratons",
    "champoin",
    "discont",
    "compettors",
    "warehose",
)
DEPARTMENTS = ("sales", "marketing", "customer_success", "product")


@dataclass(frozen=True)
class Shape:
    name: str
    describe: str


SHAPES = {
    "one_word": Shape("one_word", "q = one common word"),
    "two_word": Shape("two_word", "q = two words from one sentence"),
    "filtered_two_word": Shape(
        "filtered_two_word", "two words + department + account filters (facets, highlighting)"
    ),
    "typo": Shape("typo", "one word with one typo"),
}


@dataclass(frozen=True)
class Line:
    """One request: a viewer and the API's query parameters."""

    user_id: int
    params: dict[str, str] = field(default_factory=dict)

    def target(self) -> str:
        return "/api/v1/search?" + urllib.parse.urlencode(self.params)


def build_lines(
    shape: str, users: Sequence[int], accounts: Sequence[str], n: int, seed: int
) -> list[Line]:
    """`n` requests of `shape`, rotating viewers and words (and filters) in a seeded order."""
    rng = random.Random(f"{seed}-{shape}")
    lines = []
    for i in range(n):
        user = users[i % len(users)]
        if shape == "one_word":
            params = {"q": rng.choice(ONE_WORD)}
        elif shape == "two_word":
            params = {"q": rng.choice(TWO_WORDS)}
        elif shape == "filtered_two_word":
            params = {
                "q": rng.choice(TWO_WORDS),
                "department": rng.choice(DEPARTMENTS),
                "account": rng.choice(accounts),
            }
        elif shape == "typo":
            params = {"q": rng.choice(TYPOS)}
        else:
            raise ValueError(f"unknown shape {shape!r}")
        lines.append(Line(user, params))
    return lines


class RecordingBackend:
    """A SearchBackend that records the query it is asked and answers nothing."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, Any]] = []

    async def search(self, index: str, query: Any) -> Any:
        from search import SearchResult

        self.queries.append((index, query))
        return SearchResult(hits=[])


async def engine_queries(sessionmaker: Any, lines: Sequence[Line]) -> list[tuple[str, Any]]:
    """(index, SearchQuery) the API builds for each line, through the app's search service."""
    from app.core.db import transaction
    from app.search_index import service
    from app.search_index.schemas import SearchType
    from app.users.models import User
    from app.visibility import load_viewer

    recorder = RecordingBackend()
    viewers: dict[int, Any] = {}
    async with transaction(sessionmaker, write=False) as session:
        for line in lines:
            viewer = viewers.get(line.user_id)
            if viewer is None:
                user = await session.get(User, line.user_id)
                assert user is not None
                viewer = viewers[line.user_id] = await load_viewer(session, user)
            params = service.SearchParams(
                q=line.params.get("q", ""),
                type=SearchType(line.params.get("type", "post")),
                account=line.params.get("account"),
                department=line.params.get("department"),
            )
            await service.search(session, recorder, viewer, params)  # type: ignore[arg-type]
    return recorder.queries


async def meili_request(prefix: str, index: str, query: Any) -> tuple[str, dict[str, Any]]:
    """The path and JSON body `MeilisearchBackend.search` sends for `query`: the backend is
    run with a client that records the call instead of sending it."""
    from search import MeilisearchBackend

    sent: list[tuple[str, dict[str, Any]]] = []

    class Index:
        def __init__(self, uid: str) -> None:
            self.uid = uid

        def search(self, q: str, params: dict[str, Any]) -> dict[str, Any]:
            # The official client posts {**params, "q": q} to /indexes/{uid}/search.
            sent.append((f"/indexes/{self.uid}/search", {**params, "q": q}))
            return {"hits": [], "estimatedTotalHits": 0}

    class Client:
        def index(self, uid: str) -> Index:
            return Index(uid)

    backend = MeilisearchBackend("http://127.0.0.1:1", "unused", prefix=prefix)
    backend.client = Client()  # type: ignore[assignment]
    await backend.search(index, query)
    return sent[-1]


def requests_file_lines(
    lines: Sequence[Line], tokens: dict[int, str]
) -> list[tuple[str, str, str, str]]:
    """(method, target, token, body) rows for bench/requests.lua and bench.loadgen."""
    return [("GET", line.target(), tokens[line.user_id], "") for line in lines]


def engine_file_lines(
    requests: Sequence[tuple[str, dict[str, Any]]], key: str
) -> list[tuple[str, str, str, str]]:
    return [
        ("POST", path, key, json.dumps(body, separators=(",", ":"), ensure_ascii=True))
        for path, body in requests
    ]
