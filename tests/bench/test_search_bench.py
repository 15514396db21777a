"""Helpers of the search benchmark (bench/search*.py): no database, no engine."""

from __future__ import annotations

import random
import re

import pytest

from bench import search_fresh, search_indexing
from bench.generate import SENTENCES
from bench.search_queries import (
    ONE_WORD,
    SHAPES,
    TWO_WORDS,
    TYPOS,
    build_lines,
    engine_file_lines,
    meili_request,
)
from search import POSTS, SearchQuery

_WORDS = re.compile(r"[a-z]+")


def _sentence_words() -> list[set[str]]:
    return [set(_WORDS.findall(s.lower())) for s in SENTENCES]


def test_query_words_occur_in_the_generated_bodies() -> None:
    sentences = _sentence_words()
    for word in ONE_WORD:
        assert any(word in s for s in sentences), word
    for pair in TWO_WORDS:
        words = set(pair.split())
        assert any(words <= s for s in sentences), f"{pair!r} is not in one sentence"


def test_typos_are_one_edit_from_a_pool_word() -> None:
    def one_edit(a: str, b: str) -> bool:
        if abs(len(a) - len(b)) > 1 or a == b:
            return False
        if len(a) == len(b):
            return sum(x != y for x, y in zip(a, b, strict=True)) == 1 or any(
                a[:i] + a[i + 1] + a[i] + a[i + 2 :] == b for i in range(len(a) - 1)
            )
        short, long = sorted((a, b), key=len)
        return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))

    pool = set().union(*_sentence_words())
    for typo in TYPOS:
        assert typo not in pool
        assert len(typo) >= 5  # Meilisearch's default minimum for one typo
        assert any(one_edit(typo, word) for word in pool), typo


def test_lines_are_seeded_and_rotate_viewers() -> None:
    users, accounts = [1, 2, 3], ["acme", "globex"]
    for shape in SHAPES:
        a = build_lines(shape, users, accounts, 50, seed=7)
        assert a == build_lines(shape, users, accounts, 50, seed=7)
        assert [line.user_id for line in a[:6]] == [1, 2, 3, 1, 2, 3]
    filtered = build_lines("filtered_two_word", users, accounts, 20, seed=7)
    for line in filtered:
        assert set(line.params) == {"q", "department", "account"}
        assert line.target().startswith("/api/v1/search?q=")
    with pytest.raises(ValueError, match="unknown shape"):
        build_lines("nope", users, accounts, 1, seed=7)


async def test_meili_request_is_what_the_backend_sends() -> None:
    query = SearchQuery(
        q="security review",
        deny=["g1", "a7"],
        department="sales",
        account="acme",
        facets=["department", "kind"],
    )
    path, body = await meili_request("tandem_", POSTS, query)
    assert path == "/indexes/tandem_posts/search"
    assert body["q"] == "security review"
    assert body["facets"] == ["department", "kind"]
    assert body["limit"] == 20
    assert 'NOT restricted_by IN ["a7", "g1"]' in body["filter"]
    assert 'department = "sales"' in body["filter"]
    assert 'accounts = "acme"' in body["filter"]
    assert body["attributesToHighlight"] == ["body"]
    [(method, target, key, raw)] = engine_file_lines([(path, body)], "k")
    assert (method, target, key) == ("POST", path, "k")
    assert "\t" not in raw
    assert "\n" not in raw


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT0.451565083S", 0.451565083), ("PT2M3.5S", 123.5), ("PT1H", 3600.0), (None, 0.0)],
)
def test_meilisearch_durations(text: str | None, seconds: float) -> None:
    assert search_indexing._duration_s(text) == pytest.approx(seconds)


def test_unique_words_are_single_tokens() -> None:
    rng = random.Random(1)
    words = {search_fresh.unique_word(rng) for _ in range(1000)}
    assert len(words) == 1000
    assert all(re.fullmatch(r"zq[a-z]{10}", w) for w in words)


def test_searchable_summary() -> None:
    outcome = search_fresh.Outcome()
    for i in range(100):
        outcome.posts[i] = search_fresh.Written(f"w{i}", 10.0, 10.0 + (i + 1) / 1000)
    outcome.posts[100] = search_fresh.Written("lost", 10.0)
    s = search_fresh.summarize(outcome, 20.0, 5.0, 0.02)
    assert s["posts"] == 101
    assert s["found"] == 100
    assert s["never_found"] == 1
    assert s["max_ms"] == pytest.approx(100.0)
    assert 94 <= s["p95_ms"] <= 96
