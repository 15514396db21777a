"""Glossary terms in search (`type=term`), end to end: proposed, edited and signed through the
glossary API, indexed from the outbox, rebuilt by `tandem reindex` (SQLite + FTS5 and
PostgreSQL + Meilisearch)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from app.search_index import maintenance
from app.users.models import Department
from search import POSTS, TERMS, Fts5Backend, SearchBackend, SearchQuery
from tests.factories import Person, api, make_post, make_user
from tests.pages_helpers import browse_as, page
from tests.search_api.conftest import reindex
from tests.search_api.test_api import ids, search

GLOSSARY = "/api/v1/glossary"
MQL = (
    "A contact who downloaded a **whitepaper** or attended a webinar, and whose company fits "
    "the profile marketing targets."
)


async def propose(
    client: httpx.AsyncClient, who: Person, term: str, definition: str, **extra: Any
) -> dict[str, Any]:
    body = {"term": term, "definition": definition, **extra}
    result: dict[str, Any] = await api(client, who, "POST", GLOSSARY, 201, json=body)
    return result


async def terms(client: httpx.AsyncClient, who: Person, **params: Any) -> dict[str, Any]:
    result: dict[str, Any] = await search(client, who, type="term", **params)
    return result


def slugs(result: dict[str, Any]) -> list[str]:
    return [hit["slug"] for hit in result["hits"]]


async def test_a_term_is_found_by_its_name_an_alias_and_a_word_of_its_definition(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    grace = await make_user(app, "grace", department=Department.marketing, lead=True)
    reader = await make_user(app, "rita")
    created = await propose(
        client, grace, "Marketing qualified lead", MQL, aliases=["MQL", "warm contact"]
    )
    await propose(client, grace, "Churn", "A customer who did not renew.")
    await reindex(app)

    by_name = await terms(client, reader, q="qualified")
    assert slugs(by_name) == ["marketing-qualified-lead"]
    hit = by_name["hits"][0]
    assert hit["type"] == "term"
    assert hit["title"] == hit["term"] == "Marketing qualified lead"
    assert hit["status"] == "proposed"
    assert hit["author"] is None
    assert hit["created_at"] is None
    assert slugs(await terms(client, reader, q="mql")) == [created["slug"]]
    assert slugs(await terms(client, reader, q="warm contact")) == [created["slug"]]

    by_definition = await terms(client, reader, q="whitepaper")
    assert slugs(by_definition) == [created["slug"]]
    snippet = by_definition["hits"][0]["snippet"]
    assert "<mark>whitepaper</mark>" in snippet
    assert "<strong>" not in snippet  # the definition as plain text
    assert "**" not in snippet
    assert by_definition["facets"] == {"status": {"proposed": 1}}


async def test_an_edited_definition_is_found_by_its_new_words_only(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    grace = await make_user(app, "grace", department=Department.marketing, lead=True)
    slug = (await propose(client, grace, "Pipeline", "Deals in the zeppelin stage."))["slug"]
    await reindex(app)
    assert slugs(await terms(client, grace, q="zeppelin")) == [slug]

    body = {"definition": "Deals a rep expects to close this quarter."}
    await api(client, grace, "PATCH", f"{GLOSSARY}/{slug}", 200, json=body)
    await reindex(app)
    assert slugs(await terms(client, grace, q="quarter")) == [slug]
    assert slugs(await terms(client, grace, q="zeppelin")) == []


async def test_a_term_both_leads_approved_is_agreed_in_search(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    grace = await make_user(app, "grace", department=Department.marketing, lead=True)
    sofia = await make_user(app, "sofia", department=Department.sales, lead=True)
    slug = (await propose(client, grace, "Sales accepted lead", MQL))["slug"]
    await propose(client, grace, "Opportunity", "A whitepaper reader a rep is working with.")
    for lead in (grace, sofia):
        await api(
            client, lead, "POST", f"{GLOSSARY}/{slug}/signoffs", 201, json={"decision": "approve"}
        )
    await reindex(app)

    found = await terms(client, sofia, q="whitepaper")
    status = {hit["slug"]: hit["status"] for hit in found["hits"]}
    assert status == {slug: "agreed", "opportunity": "proposed"}
    assert found["facets"] == {"status": {"agreed": 1, "proposed": 1}}
    assert slugs(await terms(client, sofia, q="whitepaper", status="agreed")) == [slug]
    assert slugs(await terms(client, sofia, status="proposed")) == ["opportunity"]


async def test_type_term_returns_terms_only_and_other_types_no_terms(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    grace = await make_user(app, "grace", department=Department.marketing, lead=True)
    slug = (await propose(client, grace, "Win rate", "Deals won out of deals decided."))["slug"]
    post = await make_post(client, grace, "Our win rate went up")
    await reindex(app)
    assert slugs(await terms(client, grace, q="win rate")) == [slug]
    assert ids(await search(client, grace, q="win rate")) == [post["id"]]
    assert ids(await search(client, grace, q="win rate", type="account")) == []
    error = (await search(client, grace, 422, q="win", status="agreed"))["error"]
    assert error["code"] == "unsupported_filter"
    assert error["details"][0]["field"] == "query.status"
    error = (await search(client, grace, 422, q="win", type="term", department="sales"))["error"]
    assert error["code"] == "unsupported_filter"


async def test_the_search_page_links_term_hits_to_the_glossary_with_their_status(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    grace = await make_user(app, "grace", department=Department.marketing, lead=True)
    definition = "The companies we sell to, <b>loud</b> claims aside."
    await propose(client, grace, "Ideal customer profile", definition)
    await reindex(app)
    browse_as(client, await make_user(app, "rita"))
    markup = await page(client, "/search?q=companies&type=term")
    assert 'href="/glossary/ideal-customer-profile"' in markup
    assert '<span class="chip chip--proposed">Proposed</span>' in markup
    assert "<mark>companies</mark>" in markup
    assert "<b>loud" not in markup
    assert "&lt;b&gt;loud" in markup
    assert 'href="/search?q=companies&type=term"' in markup  # the Glossary tab


async def test_reindex_rebuilds_terms_from_the_database(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    grace = await make_user(app, "grace", department=Department.marketing, lead=True)
    made = [
        (await propose(client, grace, f"Quarterly term {n}", f"Counted in quarter {n}."))
        for n in range(5)
    ]
    await reindex(app)
    found = await terms(client, grace, q="quarterly", limit=50)
    assert len(found["hits"]) == 5
    by_slug = {hit["slug"]: hit["id"] for hit in found["hits"]}
    await engine.delete(TERMS, [by_slug[t["slug"]] for t in made[:2]])  # the index drifted
    assert len(slugs(await terms(client, grace, q="quarterly", limit=50))) == 3

    lines: list[tuple[str, int, int]] = []
    counts = await maintenance.reindex(
        app.state.sessionmaker,
        engine,
        [TERMS],
        progress=lambda *line: lines.append(line),
        batch=2,
    )
    assert counts == {TERMS: 5}
    assert ("terms", 5, 5) in lines
    assert sorted(slugs(await terms(client, grace, q="quarterly", limit=50))) == sorted(
        t["slug"] for t in made
    )
    info = await maintenance.status(app.state.sessionmaker, engine)
    assert info.documents[TERMS] == 5
    assert info.pending == 0


async def test_an_fts5_file_from_before_terms_is_upgraded_in_place(
    tmp_path: Path,
) -> None:
    path = tmp_path / "search.db"
    old = Fts5Backend(path)
    await old.ensure_indexes()
    await old.upsert(POSTS, [_post(1, "renewal at risk")])
    await old.close()
    # The file as the release before terms left it: no terms tables, no `status` column.
    with sqlite3.connect(path) as conn:
        for suffix in ("fts", "tags", "docs"):
            conn.execute(f"DROP TABLE terms_{suffix}")
        conn.execute("ALTER TABLE posts_docs DROP COLUMN status")

    backend = Fts5Backend(path)
    try:
        await backend.ensure_indexes()
        await backend.upsert(POSTS, [_post(2, "renewal signed")])
        term = {
            "id": 7,
            "slug": "renewal",
            "term": "Renewal",
            "aliases": ["extension"],
            "definition": "A customer signing again.",
            "status": "agreed",
            "updated_at": 1_700_000_000,
        }
        await backend.upsert(TERMS, [term])
        posts = await backend.search(POSTS, SearchQuery(q="renewal"))
        assert sorted(int(h.id) for h in posts.hits) == [1, 2]
        found = await backend.search(TERMS, SearchQuery(q="extension", status="agreed"))
        assert [(h.id, h.type, h.title) for h in found.hits] == [(7, "term", "Renewal")]
        assert (await backend.search(TERMS, SearchQuery(status="proposed"))).hits == []
    finally:
        await backend.close()


def _post(doc_id: int, body: str) -> dict[str, Any]:
    return {
        "id": doc_id,
        "title": "",
        "body": body,
        "kind": "update",
        "author_id": 1,
        "author_handle": "ana",
        "author_name": "Ana Lima",
        "department": "sales",
        "accounts": [],
        "topics": [],
        "group_id": None,
        "created_at": 1_700_000_000 + doc_id,
        "restricted_by": [],
    }
