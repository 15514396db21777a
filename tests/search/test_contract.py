"""The behaviour every search backend owes the app, run on each backend."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from search import (
    ACCOUNTS,
    COMMENTS,
    POSTS,
    USERS,
    Fts5Backend,
    InvalidDocument,
    InvalidSearch,
    MeilisearchBackend,
    SearchBackend,
    SearchError,
    SearchQuery,
    SearchUnavailable,
)

Make = Callable[..., dict[str, Any]]


def ids(result: Any) -> list[Any]:
    return [hit.id for hit in result.hits]


async def test_finds_a_word_in_body_and_in_title(search_backend: SearchBackend, post: Make) -> None:
    await search_backend.upsert(
        POSTS,
        [
            post(1, body="Renewal call went well, budget approved"),
            post(2, title="Budget season", body="Planning notes"),
            post(3, body="Nothing relevant here"),
        ],
    )
    result = await search_backend.search(POSTS, SearchQuery(q="budget"))
    assert sorted(ids(result)) == [1, 2]
    assert result.estimated_total == 2
    title_hit = next(h for h in result.hits if h.id == 2)
    assert title_hit.title == "Budget season"
    assert title_hit.type == "post"
    assert title_hit.fields["department"] == "sales"


async def test_matches_a_prefix_of_the_last_word(search_backend: SearchBackend, post: Make) -> None:
    await search_backend.upsert(POSTS, [post(1, body="The procurement team asked for a demo")])
    assert ids(await search_backend.search(POSTS, SearchQuery(q="procure"))) == [1]
    assert ids(await search_backend.search(POSTS, SearchQuery(q="team proc"))) == [1]


async def test_several_words_rank_the_document_with_all_of_them_first(
    search_backend: SearchBackend, post: Make
) -> None:
    await search_backend.upsert(
        POSTS,
        [
            post(1, body="pricing objection from the buyer"),
            post(2, body="security review and pricing objection raised by legal"),
            post(3, body="unrelated weekly notes"),
        ],
    )
    result = await search_backend.search(POSTS, SearchQuery(q="security pricing objection"))
    assert ids(result)[0] == 2
    assert 3 not in ids(result)


async def test_accents_do_not_matter(search_backend: SearchBackend, post: Make) -> None:
    await search_backend.upsert(
        POSTS, [post(1, body="Meeting at the café in Zürich"), post(2, body="resume attached")]
    )
    assert ids(await search_backend.search(POSTS, SearchQuery(q="cafe"))) == [1]
    assert ids(await search_backend.search(POSTS, SearchQuery(q="zurich"))) == [1]
    assert ids(await search_backend.search(POSTS, SearchQuery(q="résumé"))) == [2]
    # Decomposed accents (e + U+0301) in the query mean the same.
    assert ids(await search_backend.search(POSTS, SearchQuery(q="cafe\u0301"))) == [1]


async def test_non_latin_text_is_found(search_backend: SearchBackend, post: Make) -> None:
    await search_backend.upsert(
        POSTS,
        [
            post(1, body="Встреча с клиентом прошла отлично"),  # noqa: RUF001
            post(2, body="東京でミーティングがありました"),
            post(3, body="plain english"),
        ],
    )
    assert ids(await search_backend.search(POSTS, SearchQuery(q="клиентом"))) == [1]
    # Katakana: a Kanji-only query is taken for Chinese by Meilisearch's language detection.
    result = await search_backend.search(POSTS, SearchQuery(q="ミーティング"))
    assert ids(result) == [2]
    assert "<mark>" in result.hits[0].snippet


async def test_each_filter_narrows_the_hits(search_backend: SearchBackend, post: Make) -> None:
    await search_backend.upsert(
        POSTS,
        [
            post(1, body="deal", accounts=["acme"], topics=["pricing"], created_at=100),
            post(2, body="deal", department="marketing", kind="blog", created_at=200),
            post(3, body="deal", author_handle="cleo", accounts=["globex"], created_at=300),
            post(4, body="deal", topics=["security", "pricing"], kind="win_story", created_at=400),
        ],
    )

    async def found(**filters: Any) -> list[Any]:
        result = await search_backend.search(POSTS, SearchQuery(q="deal", **filters))
        assert result.estimated_total == len(result.hits)
        return sorted(ids(result))

    assert await found() == [1, 2, 3, 4]
    assert await found(account="acme") == [1]
    assert await found(department="marketing") == [2]
    assert await found(author="cleo") == [3]
    assert await found(topic="pricing") == [1, 4]
    assert await found(kind="win_story") == [4]
    assert await found(since=200) == [2, 3, 4]
    assert await found(until=200) == [1, 2]
    assert await found(since=200, until=300, topic="pricing") == []
    assert await found(since=300, topic="pricing") == [4]


@pytest.mark.parametrize(
    "value",
    [
        'quo"te',
        "back\\slash",
        'x" OR department = "sales',
        "sales OR 1 = 1",
        "[sales]",
        "a = b",
        "line\nbreak",
        'trailing\\"',
    ],
)
async def test_filter_values_are_literals_never_syntax(
    search_backend: SearchBackend, post: Make, value: str
) -> None:
    await search_backend.upsert(
        POSTS, [post(1, body="deal", department="sales"), post(2, body="deal", department=value)]
    )
    result = await search_backend.search(POSTS, SearchQuery(q="deal", department=value))
    assert ids(result) == [2]
    result = await search_backend.search(POSTS, SearchQuery(q="deal", author=value))
    assert ids(result) == []


@pytest.mark.parametrize(
    "q", ['"unbalanced', "deal OR x", "NEAR(deal x)", "deal*", "-deal", "col:deal", "^deal", "()"]
)
async def test_query_text_is_never_syntax(
    search_backend: SearchBackend, post: Make, q: str
) -> None:
    await search_backend.upsert(POSTS, [post(1, body="the deal closed")])
    await search_backend.search(POSTS, SearchQuery(q=q))  # no error is the point


async def test_facets_count_the_filtered_hits(search_backend: SearchBackend, post: Make) -> None:
    await search_backend.upsert(
        POSTS,
        [
            post(1, body="launch", department="sales"),
            post(2, body="launch", department="marketing", kind="blog"),
            post(3, body="launch", department="marketing"),
            post(4, body="other", department="product"),
        ],
    )
    result = await search_backend.search(
        POSTS, SearchQuery(q="launch", facets=["department", "kind"])
    )
    assert result.facets == {
        "department": {"sales": 1, "marketing": 2},
        "kind": {"update": 2, "blog": 1},
    }
    result = await search_backend.search(
        POSTS, SearchQuery(q="launch", kind="update", facets=["department"])
    )
    assert result.facets == {"department": {"sales": 1, "marketing": 1}}


@pytest.mark.parametrize("q", ["", "report"])
async def test_pages_cover_every_hit_once(
    search_backend: SearchBackend, post: Make, q: str
) -> None:
    # Equal relevance everywhere, so the order rests entirely on the tie-break.
    await search_backend.upsert(
        POSTS, [post(i, body="weekly report", created_at=1000 + i // 3) for i in range(1, 26)]
    )
    seen: list[Any] = []
    cursor = None
    pages = 0
    while True:
        result = await search_backend.search(POSTS, SearchQuery(q=q, limit=10, cursor=cursor))
        assert result.estimated_total == 25
        seen += ids(result)
        pages += 1
        cursor = result.next_cursor
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 25
    if not q:
        created = [1000 + i // 3 for i in seen]
        assert created == sorted(created, reverse=True)


async def test_updates_and_deletes_are_reflected(search_backend: SearchBackend, post: Make) -> None:
    await search_backend.upsert(POSTS, [post(1, body="draft about onboarding"), post(2, body="x")])
    await search_backend.upsert(POSTS, [post(1, body="final text about renewals")])
    assert ids(await search_backend.search(POSTS, SearchQuery(q="onboarding"))) == []
    assert ids(await search_backend.search(POSTS, SearchQuery(q="renewals"))) == [1]
    assert await search_backend.count(POSTS) == 2
    await search_backend.delete(POSTS, [1, 999])
    assert ids(await search_backend.search(POSTS, SearchQuery(q="renewals"))) == []
    assert await search_backend.count(POSTS) == 1


async def test_a_deleted_post_takes_its_comments(
    search_backend: SearchBackend, comment: Make
) -> None:
    await search_backend.upsert(
        COMMENTS,
        [comment(1, post_id=10, body="agree"), comment(2, post_id=11, body="agree too")],
    )
    await search_backend.delete_comments_of_posts([10])
    assert ids(await search_backend.search(COMMENTS, SearchQuery(q="agree"))) == [2]


async def test_a_write_batch_applies_every_write_in_order_before_it_ends(
    search_backend: SearchBackend, post: Make, comment: Make
) -> None:
    await search_backend.upsert(POSTS, [post(3, body="stale words")])
    await search_backend.upsert(COMMENTS, [comment(7, post_id=3, body="old thread")])
    async with search_backend.write_batch():
        await search_backend.upsert(POSTS, [post(1, body="first draft"), post(2, body="keep")])
        await search_backend.upsert(POSTS, [post(1, body="second draft")])
        await search_backend.delete(POSTS, [2, 3])
        await search_backend.upsert(POSTS, [post(2, body="back again")])
        await search_backend.delete_comments_of_posts([3])
        await search_backend.upsert(COMMENTS, [comment(8, post_id=1, body="new thread")])
    # Searchable as soon as the block ends: nothing is left queued in the engine.
    assert ids(await search_backend.search(POSTS, SearchQuery(q="draft"))) == [1]
    assert ids(await search_backend.search(POSTS, SearchQuery(q="first"))) == []
    assert ids(await search_backend.search(POSTS, SearchQuery(q="again"))) == [2]
    assert ids(await search_backend.search(POSTS, SearchQuery(q="stale"))) == []
    assert ids(await search_backend.search(COMMENTS, SearchQuery(q="thread"))) == [8]
    assert await search_backend.count(POSTS) == 2


async def test_a_write_batch_sends_large_batches_whole(
    search_backend: SearchBackend, post: Make
) -> None:
    if isinstance(search_backend, MeilisearchBackend):
        search_backend.write_batch_docs = 40  # flushes twice inside the block
    async with search_backend.write_batch():
        for start in range(0, 100, 10):
            await search_backend.upsert(
                POSTS, [post(i, body=f"bulk note {i}") for i in range(start, start + 10)]
            )
    assert await search_backend.count(POSTS) == 100
    assert (await search_backend.search(POSTS, SearchQuery(q="bulk"))).estimated_total == 100


async def test_meilisearch_write_batch_enqueues_few_tasks_and_waits_once(
    meili_backend: MeilisearchBackend, post: Make
) -> None:
    backend = meili_backend
    backend.write_batch_docs = 25
    sent: list[int] = []
    waited: list[int] = []
    upsert_sync, wait_all = backend._upsert_sync, backend._wait_all_sync

    def counting_upsert(uid: str, docs: list[dict[str, Any]], wait: bool, size: Any = None) -> Any:
        sent.append(len(docs))
        return upsert_sync(uid, docs, wait, size)

    def counting_wait(task_uids: list[int]) -> None:
        waited.append(len(task_uids))
        wait_all(task_uids)

    backend._upsert_sync = counting_upsert  # type: ignore[method-assign]
    backend._wait_all_sync = counting_wait  # type: ignore[method-assign]
    async with backend.write_batch():
        for i in range(60):
            await backend.upsert(POSTS, [post(i, body="one at a time")])
    assert sent == [25, 25, 10]  # three tasks, not sixty
    assert waited == [3]  # confirmed together, at the end
    assert await backend.count(POSTS) == 60


async def test_snippets_mark_matches_and_escape_everything_else(
    search_backend: SearchBackend, post: Make
) -> None:
    body = 'Customer pasted <script>alert("x")</script> & asked about pricing <b>now</b>'
    await search_backend.upsert(POSTS, [post(1, body=body)])
    snippet = (await search_backend.search(POSTS, SearchQuery(q="pricing"))).hits[0].snippet
    assert "<mark>pricing</mark>" in snippet
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "&amp;" in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


# Visibility


async def test_restricted_posts_never_reach_a_denied_viewer(
    search_backend: SearchBackend, post: Make
) -> None:
    await search_backend.upsert(
        POSTS,
        [
            post(1, body="forecast", department="sales"),
            post(2, body="forecast", department="finance", restricted_by=["g1"]),
            post(3, body="forecast", department="legal", kind="blog", restricted_by=["a7"]),
            post(4, body="forecast", department="ops", restricted_by=["g1", "a7"]),
        ],
    )

    async def seen(deny: list[str]) -> tuple[list[Any], dict[str, dict[str, int]], int]:
        result = await search_backend.search(
            POSTS, SearchQuery(q="forecast", deny=deny, facets=["department", "kind"])
        )
        return sorted(ids(result)), result.facets, result.estimated_total

    hits, facets, total = await seen([])
    assert (hits, total) == ([1, 2, 3, 4], 4)
    hits, facets, total = await seen(["g1"])
    assert (hits, total) == ([1, 3], 2)
    assert facets["department"] == {"sales": 1, "legal": 1}
    hits, facets, total = await seen(["a7"])
    assert (hits, total) == ([1, 2], 2)
    assert facets == {"department": {"sales": 1, "finance": 1}, "kind": {"update": 2}}
    hits, facets, total = await seen(["a7", "g1", "g99"])
    assert (hits, total) == ([1], 1)
    assert facets == {"department": {"sales": 1}, "kind": {"update": 1}}
    # An empty query (browse) obeys the same rule.
    result = await search_backend.search(POSTS, SearchQuery(deny=["g1"]))
    assert sorted(ids(result)) == [1, 3]


async def test_a_post_moved_into_a_private_group_disappears(
    search_backend: SearchBackend, post: Make
) -> None:
    await search_backend.upsert(POSTS, [post(1, body="reorg plan")])
    assert ids(await search_backend.search(POSTS, SearchQuery(q="reorg", deny=["g4"]))) == [1]
    await search_backend.upsert(POSTS, [post(1, body="reorg plan", restricted_by=["g4"])])
    result = await search_backend.search(POSTS, SearchQuery(q="reorg", deny=["g4"]))
    assert (ids(result), result.estimated_total) == ([], 0)
    await search_backend.upsert(POSTS, [post(1, body="reorg plan", restricted_by=[])])
    assert ids(await search_backend.search(POSTS, SearchQuery(q="reorg", deny=["g4"]))) == [1]


async def test_restricted_comments_and_accounts_stay_hidden(
    search_backend: SearchBackend, comment: Make
) -> None:
    await search_backend.upsert(COMMENTS, [comment(1, body="secret roadmap", restricted_by=["g3"])])
    await search_backend.upsert(
        ACCOUNTS,
        [
            {
                "id": 7,
                "slug": "acme",
                "name": "Acme Corp",
                "industry": "mining",
                "restricted_by": ["a7"],
            },
            {"id": 8, "slug": "acmex", "name": "Acme X", "industry": None, "restricted_by": []},
        ],
    )
    assert ids(await search_backend.search(COMMENTS, SearchQuery(q="roadmap", deny=["g3"]))) == []
    assert ids(await search_backend.search(COMMENTS, SearchQuery(q="roadmap"))) == [1]
    assert ids(await search_backend.search(ACCOUNTS, SearchQuery(q="acme", deny=["a7"]))) == [8]
    assert sorted(ids(await search_backend.search(ACCOUNTS, SearchQuery(q="acme")))) == [7, 8]


async def test_a_page_beyond_the_visible_hits_has_no_leaks(
    search_backend: SearchBackend, post: Make
) -> None:
    docs = [post(i, body="pipeline", restricted_by=["g5"] if i % 2 else []) for i in range(1, 31)]
    await search_backend.upsert(POSTS, docs)
    seen: list[Any] = []
    cursor = None
    while True:
        result = await search_backend.search(
            POSTS, SearchQuery(q="pipeline", deny=["g5"], limit=7, cursor=cursor)
        )
        assert result.estimated_total == 15
        seen += ids(result)
        if (cursor := result.next_cursor) is None:
            break
    assert sorted(seen) == list(range(2, 31, 2))


async def test_a_document_without_visibility_keys_is_refused(
    search_backend: SearchBackend, post: Make
) -> None:
    doc = post(1, body="x")
    del doc["restricted_by"]
    with pytest.raises(InvalidDocument):
        await search_backend.upsert(POSTS, [doc])
    with pytest.raises(InvalidDocument):
        await search_backend.upsert(POSTS, [post(2, restricted_by=['g1" OR 1'])])


# Other indexes, errors, health


async def test_users_are_found_by_name_handle_and_title(search_backend: SearchBackend) -> None:
    await search_backend.upsert(
        USERS,
        [
            {
                "id": 1,
                "handle": "ana",
                "name": "Ana Lima",
                "title": "Account executive",
                "department": "sales",
            },
            {"id": 2, "handle": "ben", "name": "Ben Ito", "department": "marketing"},
        ],
    )
    assert ids(await search_backend.search(USERS, SearchQuery(q="lima"))) == [1]
    assert ids(await search_backend.search(USERS, SearchQuery(q="executive"))) == [1]
    assert ids(await search_backend.search(USERS, SearchQuery(q="ben"))) == [2]
    result = await search_backend.search(USERS, SearchQuery(department="marketing"))
    assert ids(result) == [2]
    assert result.hits[0].title == "Ben Ito"


async def test_bad_queries_are_refused(search_backend: SearchBackend) -> None:
    with pytest.raises(InvalidSearch):
        await search_backend.search(USERS, SearchQuery(q="x", kind="blog"))
    with pytest.raises(InvalidSearch):
        await search_backend.search(ACCOUNTS, SearchQuery(q="x", facets=["department"]))
    with pytest.raises(InvalidSearch):
        await search_backend.search(POSTS, SearchQuery(q="x", cursor="not-a-cursor"))
    with pytest.raises(InvalidSearch):
        await search_backend.search(POSTS, SearchQuery(q="x", limit=0))
    with pytest.raises(ValueError, match="unknown search index"):
        await search_backend.search("secrets", SearchQuery(q="x"))


async def test_health_reports_ok(search_backend: SearchBackend) -> None:
    health = await search_backend.health()
    assert health["status"] == "ok"
    assert health["pending_tasks"] == 0


async def test_typos_are_tolerated_on_meilisearch_fts5_matches_prefixes_only(
    search_backend: SearchBackend, post: Make
) -> None:
    await search_backend.upsert(POSTS, [post(1, body="The procurement review is next week")])
    typo = ids(await search_backend.search(POSTS, SearchQuery(q="procurment")))
    if isinstance(search_backend, Fts5Backend):
        assert typo == []  # no typo tolerance in FTS5, as the README says
        assert ids(await search_backend.search(POSTS, SearchQuery(q="procur"))) == [1]
    else:
        assert typo == [1]


async def test_a_rebuild_serves_the_old_documents_until_swapped(
    search_backend: SearchBackend, post: Make
) -> None:
    await search_backend.upsert(POSTS, [post(1, body="old alpha"), post(2, body="old beta")])
    shadow = await search_backend.begin_rebuild(POSTS)
    await search_backend.upsert(shadow, [post(1, body="new alpha"), post(3, body="new gamma")])
    assert sorted(ids(await search_backend.search(POSTS, SearchQuery(q="old")))) == [1, 2]
    assert ids(await search_backend.search(POSTS, SearchQuery(q="new"))) == []
    assert await search_backend.count(POSTS) == 2
    await search_backend.finish_rebuild(POSTS, shadow)
    assert ids(await search_backend.search(POSTS, SearchQuery(q="old"))) == []
    assert sorted(ids(await search_backend.search(POSTS, SearchQuery(q="new")))) == [1, 3]
    result = await search_backend.search(POSTS, SearchQuery(q="gam", deny=["g1"]))
    assert ids(result) == [3]
    # The index still takes writes and can be rebuilt again.
    await search_backend.upsert(POSTS, [post(4, body="new delta")])
    assert await search_backend.count(POSTS) == 3
    again = await search_backend.begin_rebuild(POSTS)
    await search_backend.abort_rebuild(POSTS, again)
    assert await search_backend.count(POSTS) == 3
    with pytest.raises(InvalidSearch):
        await search_backend.finish_rebuild(COMMENTS, shadow)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_an_unreachable_meilisearch_raises_search_unavailable() -> None:
    backend = MeilisearchBackend(f"http://127.0.0.1:{_closed_port()}", "key", timeout=2)
    with pytest.raises(SearchUnavailable):
        await backend.search(POSTS, SearchQuery(q="anything"))
    with pytest.raises(SearchUnavailable):
        await backend.upsert(POSTS, [{"id": 1, "body": "x", "restricted_by": [], "created_at": 1}])
    with pytest.raises(SearchUnavailable):
        await backend.ensure_indexes()
    health = await backend.health()
    assert health["status"] == "unavailable"


async def test_a_failed_engine_operation_is_an_error(search_backend: SearchBackend) -> None:
    with pytest.raises(SearchError):
        await search_backend.finish_rebuild(POSTS, "posts__rebuild_000000000000")


async def test_comments_filter_by_their_posts_accounts_and_topics(
    search_backend: SearchBackend, comment: Make
) -> None:
    await search_backend.upsert(
        COMMENTS,
        [
            comment(1, body="great call", accounts=["acme"], topics=["pricing"]),
            comment(2, body="great news", accounts=["globex"], department="sales"),
        ],
    )
    result = await search_backend.search(
        COMMENTS, SearchQuery(q="great", account="acme", facets=["department"])
    )
    assert ids(result) == [1]
    assert result.facets == {"department": {"marketing": 1}}
    assert result.hits[0].type == "comment"
    assert result.hits[0].fields["post_id"] == 1
    assert ids(await search_backend.search(COMMENTS, SearchQuery(q="great", topic="pricing"))) == [
        1
    ]


# A question's accepted answer among comments


def _chatter(comment: Make) -> list[dict[str, Any]]:
    """Comments that match nothing below: without them every word would be in most of the
    index, and FTS5's bm25 gives such words no weight at all."""
    return [comment(100 + n, post_id=100 + n, body=f"weekly notes {n} on travel") for n in range(8)]


async def test_an_accepted_answer_ranks_above_an_equally_matching_comment(
    search_backend: SearchBackend, comment: Make
) -> None:
    body = "Send them the renewal playbook deck"
    # Equal matches tie newest first: the accepted answer is the older one, so only the
    # boost puts it first.
    await search_backend.upsert(
        COMMENTS,
        [
            *_chatter(comment),
            comment(1, post_id=10, body=body, accepted=True, topics=["renewals"]),
            comment(2, post_id=20, body=body, accepted=False, topics=["renewals"]),
        ],
    )
    for q in ("renewal playbook", "deck"):
        result = await search_backend.search(COMMENTS, SearchQuery(q=q))
        assert ids(result) == [1, 2], q
        assert [h.fields["accepted"] for h in result.hits] == [1, 0]
    # Browsing by a filter stays newest first: the boost is a matter of relevance.
    assert ids(await search_backend.search(COMMENTS, SearchQuery(topic="renewals"))) == [2, 1]

    # The flag moves: the document accepted now ranks first, the other one no longer.
    await search_backend.upsert(
        COMMENTS,
        [
            comment(1, post_id=10, body=body),  # no flag: not accepted
            comment(3, post_id=30, body=body, accepted=True, created_at=1_600_000_000),
        ],
    )
    result = await search_backend.search(COMMENTS, SearchQuery(q="renewal playbook"))
    assert ids(result) == [3, 2, 1]
    assert [h.fields["accepted"] for h in result.hits] == [1, 0, 0]


async def test_a_much_better_match_still_ranks_above_an_accepted_answer(
    search_backend: SearchBackend, comment: Make
) -> None:
    await search_backend.upsert(
        COMMENTS,
        [
            *_chatter(comment),
            comment(
                1,
                post_id=10,
                accepted=True,
                body="We spoke about renewal dates at the kickoff, then about onboarding, the "
                "security review, the data export and travel budgets, and at the very end "
                "someone mentioned that a playbook exists somewhere.",
            ),
            comment(2, post_id=20, body="Renewal playbook: the renewal playbook deck."),
        ],
    )
    result = await search_backend.search(COMMENTS, SearchQuery(q="renewal playbook"))
    assert ids(result) == [2, 1]


async def test_the_accepted_flag_must_be_a_boolean(
    search_backend: SearchBackend, comment: Make
) -> None:
    with pytest.raises(InvalidDocument):
        await search_backend.upsert(COMMENTS, [comment(1, body="x", accepted="yes")])
