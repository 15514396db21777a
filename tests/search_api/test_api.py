"""GET /api/v1/search end to end: writes through the API, the outbox indexer, the engine."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from search import MeilisearchBackend, SearchBackend, SearchUnavailable
from tests.factories import Person, api, make_account, make_post, make_user
from tests.search_api.conftest import reindex

SEARCH = "/api/v1/search"


async def search(client: httpx.AsyncClient, who: Person, expect: int = 200, **params: Any) -> Any:
    return await api(client, who, "GET", SEARCH, expect, params=params)


def ids(result: dict[str, Any]) -> list[int]:
    return [hit["id"] for hit in result["hits"]]


async def test_word_in_a_post_is_found_and_highlighted(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    ana = await make_user(app, "ana")
    post = await make_post(client, ana, "Long procurement cycles at <b>Acme</b> this quarter")
    await make_post(client, ana, "Nothing to see here")
    await reindex(app)
    result = await search(client, ana, q="procurement")
    assert ids(result) == [post["id"]]
    hit = result["hits"][0]
    assert hit["type"] == "post"
    assert "<mark>procurement</mark>" in hit["snippet"]
    assert "<b>" not in hit["snippet"]
    assert hit["author"]["handle"] == "ana"
    assert hit["created_at"]
    assert result["estimated_total"] == 1
    assert result["facets"]["department"] == {"sales": 1}


async def test_blog_title_comment_user_and_account_are_searchable(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    ana = await make_user(app, "ana")
    await make_user(app, "zed")
    account = await make_account(client, ana, "Globex Corporation", industry="Manufacturing")
    blog = await make_post(
        client, ana, "Body text", kind="blog", title="Positioning against rivals"
    )
    comment = await api(
        client, ana, "POST", f"/api/v1/posts/{blog['id']}/comments", 201,
        json={"body": "Great renewal insight"},
    )  # fmt: skip
    await reindex(app)
    assert ids(await search(client, ana, q="positioning")) == [blog["id"]]
    found = await search(client, ana, q="renewal", type="comment")
    assert ids(found) == [comment["id"]]
    assert found["hits"][0]["post_id"] == blog["id"]
    assert ids(await search(client, ana, q="zed", type="user"))
    accounts = await search(client, ana, q="globex", type="account")
    assert ids(accounts) == [account["id"]]


async def test_filters_by_department_account_kind_and_author(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    rep = await make_user(app, "rep")
    marketer = await make_user(
        app, "mkt", department=__import__("app.users.models").users.models.Department.marketing
    )
    await make_account(client, rep, "Acme", slug="acme")
    by_rep = await make_post(client, rep, "pricing talk with $acme")
    by_marketer = await make_post(
        client, marketer, "pricing campaign", kind="collateral", collateral={"stage": "decision"}
    )
    await reindex(app)
    both = await search(client, rep, q="pricing")
    assert sorted(ids(both)) == sorted([by_rep["id"], by_marketer["id"]])
    assert both["facets"]["department"] == {"sales": 1, "marketing": 1}
    assert ids(await search(client, rep, q="pricing", department="marketing")) == [
        by_marketer["id"]
    ]
    assert ids(await search(client, rep, q="pricing", account="acme")) == [by_rep["id"]]
    assert ids(await search(client, rep, q="pricing", kind="collateral")) == [by_marketer["id"]]
    assert ids(await search(client, rep, q="pricing", author="rep")) == [by_rep["id"]]
    # A filter alone browses (newest first).
    assert ids(await search(client, rep, account="acme")) == [by_rep["id"]]


async def test_collateral_is_filtered_by_stage_industry_and_audience(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    marketer = await make_user(app, "mkt")
    deck = await make_post(
        client,
        marketer,
        "Pricing deck for retail buyers",
        kind="collateral",
        title="Retail pricing",
        collateral={"stage": "decision", "industries": ["Retail"], "audience": ["CFO"]},
    )
    guide = await make_post(
        client,
        marketer,
        "Pricing guide for banks",
        kind="collateral",
        collateral={"stage": "awareness", "industries": ["Banking"], "audience": ["CFO", "CIO"]},
    )
    note = await make_post(client, marketer, "Pricing call notes")
    await reindex(app)
    assert sorted(ids(await search(client, marketer, q="pricing"))) == sorted(
        [deck["id"], guide["id"], note["id"]]
    )
    assert ids(await search(client, marketer, q="pricing", stage="decision")) == [deck["id"]]
    assert ids(await search(client, marketer, q="pricing", industry="retail")) == [deck["id"]]
    assert ids(await search(client, marketer, industry="Banking")) == [guide["id"]]
    cfo = await search(client, marketer, q="pricing", audience="CFO")
    assert sorted(ids(cfo)) == sorted([deck["id"], guide["id"]])
    # Re-catalogued: the index follows.
    await api(
        client,
        marketer,
        "PATCH",
        f"/api/v1/posts/{guide['id']}",
        200,
        json={"collateral": {"stage": "decision"}},
    )
    await reindex(app)
    decided = await search(client, marketer, q="pricing", stage="decision")
    assert sorted(ids(decided)) == sorted([deck["id"], guide["id"]])
    await search(client, marketer, 422, q="pricing", stage="someday")
    await search(client, marketer, 422, q="pricing", type="user", stage="decision")


async def test_outsider_never_sees_private_group_posts_or_comments_and_a_new_member_does(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    insider = await make_user(app, "insider")
    outsider = await make_user(app, "outsider")
    await api(
        client, insider, "POST", "/api/v1/groups", 201,
        json={"name": "Deal desk", "slug": "deal-desk", "private": True},
    )  # fmt: skip
    secret = await make_post(client, insider, "secret discount strategy", group="deal-desk")
    await api(
        client, insider, "POST", f"/api/v1/posts/{secret['id']}/comments", 201,
        json={"body": "the discount is approved"},
    )  # fmt: skip
    public = await make_post(client, outsider, "public discount rules")
    await reindex(app)

    seen = await search(client, outsider, q="discount")
    assert ids(seen) == [public["id"]]
    assert seen["estimated_total"] == 1
    assert seen["facets"]["department"] == {"sales": 1}
    assert "secret" not in str(seen)
    comments = await search(client, outsider, q="discount", type="comment")
    assert comments["hits"] == []
    assert comments["estimated_total"] == 0

    assert sorted(ids(await search(client, insider, q="discount"))) == sorted(
        [secret["id"], public["id"]]
    )
    assert len(ids(await search(client, insider, q="discount", type="comment"))) == 1

    # Membership is read per query: no reindexing needed.
    await api(client, insider, "PUT", "/api/v1/groups/deal-desk/members/outsider", 204)
    assert secret["id"] in ids(await search(client, outsider, q="discount"))
    assert len(ids(await search(client, outsider, q="discount", type="comment"))) == 1


async def test_confidential_account_posts_are_seen_by_its_team_and_admins_only(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    owner = await make_user(app, "owner")
    outsider = await make_user(app, "outsider")
    admin = await make_user(app, "boss", admin=True)
    await make_account(client, owner, "Initech", slug="initech", confidential=True)
    post = await make_post(client, owner, "merger rumours at $initech")
    await api(
        client, owner, "POST", f"/api/v1/posts/{post['id']}/comments", 201,
        json={"body": "merger timeline slipping"},
    )  # fmt: skip
    await reindex(app)

    for q, kind in (("merger", "post"), ("merger", "comment"), ("initech", "account")):
        hidden = await search(client, outsider, q=q, type=kind)
        assert hidden["hits"] == [], kind
        assert hidden["estimated_total"] == 0, kind
        assert len(ids(await search(client, owner, q=q, type=kind))) == 1, kind
        assert len(ids(await search(client, admin, q=q, type=kind))) == 1, kind
    assert (await search(client, outsider, q="merger"))["facets"].get("department", {}) == {}

    await api(client, owner, "PUT", "/api/v1/accounts/initech/team/outsider", 204)
    assert ids(await search(client, outsider, q="merger")) == [post["id"]]


async def test_updates_and_deletes_are_reflected(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    ana = await make_user(app, "ana")
    post = await make_post(client, ana, "first draft about onboarding")
    await api(
        client, ana, "POST", f"/api/v1/posts/{post['id']}/comments", 201,
        json={"body": "onboarding comment"},
    )  # fmt: skip
    await reindex(app)
    assert ids(await search(client, ana, q="onboarding")) == [post["id"]]

    await api(client, ana, "PATCH", f"/api/v1/posts/{post['id']}", 200, json={"body": "renewal"})
    await reindex(app)
    assert ids(await search(client, ana, q="onboarding")) == []
    assert ids(await search(client, ana, q="renewal")) == [post["id"]]

    await api(client, ana, "DELETE", f"/api/v1/posts/{post['id']}", 204)
    await reindex(app)
    assert ids(await search(client, ana, q="renewal")) == []
    assert ids(await search(client, ana, q="onboarding", type="comment")) == []


async def test_a_backlog_is_read_and_written_in_chunks_and_ends_as_the_database_is(
    app: FastAPI,
    client: httpx.AsyncClient,
    engine: SearchBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small chunks and engine batches, so one drain reads and writes in several of each.
    monkeypatch.setattr("app.search_index.indexer.READ_CHUNK", 2)
    if isinstance(engine, MeilisearchBackend):
        engine.write_batch_docs = 3
    ana = await make_user(app, "ana")
    posts = [(await make_post(client, ana, f"pipeline note {n}"))["id"] for n in range(7)]
    for post_id in posts:
        await api(
            client, ana, "POST", f"/api/v1/posts/{post_id}/comments", 201,
            json={"body": f"thread on {post_id}"},
        )  # fmt: skip
    for post_id in posts[:3]:
        await api(
            client, ana, "PATCH", f"/api/v1/posts/{post_id}", 200, json={"body": "edited note"}
        )
    await api(client, ana, "DELETE", f"/api/v1/posts/{posts[1]}", 204)
    await api(client, ana, "PATCH", f"/api/v1/posts/{posts[0]}", 200, json={"body": "final"})
    await reindex(app)
    assert ids(await search(client, ana, q="final")) == [posts[0]]
    assert ids(await search(client, ana, q="edited")) == [posts[2]]
    assert sorted(ids(await search(client, ana, q="pipeline"))) == posts[3:]
    comments = await search(client, ana, q="thread", type="comment", limit=20)
    assert sorted(hit["post_id"] for hit in comments["hits"]) == sorted(
        p for p in posts if p != posts[1]
    )


async def test_pages_do_not_repeat_or_skip(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    ana = await make_user(app, "ana")
    made = [(await make_post(client, ana, f"forecast number {n}"))["id"] for n in range(25)]
    await reindex(app)
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": "forecast", "limit": 10}
        if cursor:
            params["cursor"] = cursor
        page = await search(client, ana, **params)
        seen += ids(page)
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))


async def test_empty_overlong_and_bad_queries_are_422(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    ana = await make_user(app, "ana")
    for params in ({}, {"q": "   "}, {"q": "x" * 201}, {"q": "a", "cursor": "nope"}):
        error = (await search(client, ana, 422, **params))["error"]
        assert error["code"] in ("query_empty", "query_too_long", "invalid"), error
        assert error["message"]
        assert error["details"][0]["field"].startswith("query."), error
    error = (await search(client, ana, 422, q="a", type="user", account="acme"))["error"]
    assert error["code"] == "unsupported_filter"
    await api(client, None, "GET", SEARCH, 401, params={"q": "a"})


async def test_engine_down_is_503_and_writes_still_succeed(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    ana = await make_user(app, "ana")
    working = app.state.search
    app.state.search = MeilisearchBackend("http://127.0.0.1:9", "key", prefix="down_", wait=True)
    try:
        error = (await search(client, ana, 503, q="anything"))["error"]
        assert error["code"] == "search_unavailable"
        post = await make_post(client, ana, "written while search is down")
        with pytest.raises(SearchUnavailable):
            await reindex(app)
    finally:
        await app.state.search.close()
        app.state.search = working
    # The position did not move past the failed batch: it is applied now, exactly once.
    await reindex(app)
    assert ids(await search(client, ana, q="written")) == [post["id"]]


async def test_a_typo_finds_the_word_on_meilisearch_a_prefix_on_fts5(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    ana = await make_user(app, "ana")
    post = await make_post(client, ana, "A long procurement cycle")
    await reindex(app)
    typo = ids(await search(client, ana, q="procurment"))
    if isinstance(engine, MeilisearchBackend):
        assert typo == [post["id"]]
    else:  # FTS5 matches words and prefixes, no typos (as the README says)
        assert typo == []
        assert ids(await search(client, ana, q="procur")) == [post["id"]]
