"""Glossary and agreement pages: the lists and their forms, a term's and an agreement's page
(sign-off panel, diff, discussion, scorecard), refusals shown in words, and an agreed term
marked in the home feed (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.agreements import service
from app.users.models import Department
from search import SearchBackend
from tests.factories import Person, api, make_post, make_user
from tests.pages_helpers import assert_no_active_markup, browse_as, page, submit, text_of
from tests.search_api.conftest import installed_engine, reindex

DEFINITION = "A contact at a target account who asked for a demo or pricing."
EDITED = "A contact at a target account who asked for a demo, pricing or a trial."


@pytest.fixture
async def engine(app: FastAPI, backend: str, tmp_path: Path) -> AsyncIterator[SearchBackend]:
    """An empty search engine for the test (FTS5 on SQLite, Meilisearch on PostgreSQL)."""
    async with installed_engine(app, backend, tmp_path) as search:
        yield search


async def leads(app: FastAPI) -> tuple[Person, Person]:
    grace = await make_user(app, "grace", department=Department.marketing, lead=True)
    sofia = await make_user(app, "sofia", department=Department.sales, lead=True)
    return grace, sofia


def words(markup: str) -> str:
    return " ".join(text_of(markup).split())


async def propose_term(
    client: httpx.AsyncClient,
    who: Person,
    term: str = "Qualified lead",
    expect: int = 303,
    **fields: str,
) -> httpx.Response:
    browse_as(client, who)
    data = {"term": term, "aliases": "QL, sales-ready lead", "definition": DEFINITION, **fields}
    return await submit(client, who, "/glossary", data, expect)


def this_quarter() -> dict[str, Any]:
    today = date.today()
    first = date(today.year, max(1, today.month - 2), 1)
    return {
        "title": "Sales and marketing SLA",
        "period_start": first.isoformat(),
        "period_end": date(today.year, 12, 31).isoformat(),
        "clauses": [
            {
                "owner_department": "sales",
                "text": "Share win stories",
                "metric": "stories_submitted",
                "target": 2,
            },
            {
                "owner_department": "marketing",
                "text": "Answer reps' questions within a day",
                "metric": "question_first_answer_hours",
                "target": 24,
            },
            {"owner_department": "marketing", "text": "Monthly campaign briefing for sales"},
        ],
    }


async def test_the_glossary_pages_render_for_a_member(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    grace, _ = await leads(app)
    rep = await make_user(app, "rep")
    created = await propose_term(client, grace)
    assert created.headers["location"] == "/glossary/qualified-lead"
    await make_post(client, rep, "Two qualified leads from the webinar, both want pricing.")
    await reindex(app)

    browse_as(client, rep)
    listing = await page(client, "/glossary")
    assert '<a href="/glossary" aria-current="page">Glossary</a>' in listing
    assert 'href="/glossary/qualified-lead"' in listing
    assert 'class="chip chip--proposed">Proposed</span>' in listing
    said = words(listing)
    assert "Also called QL sales-ready lead" in said
    assert "Version 1 · last change just now" in said
    assert 'name="definition"' in listing  # anyone may propose a term
    assert_no_active_markup(listing)

    term = await page(client, "/glossary/qualified-lead")
    said = words(term)
    assert "Qualified lead Proposed version 1" in said
    assert "<p>A contact at a target account" in term
    assert "Sales has not signed yet" in said
    assert "Marketing has not signed yet" in said
    assert "Approve version" not in term  # a rep does not sign
    assert 'action="/glossary/qualified-lead/edit"' not in term  # nor edit someone's term
    assert "Add to the discussion" in term
    assert "There is one version so far" in said
    assert "Posts that use the term" in said
    assert "from the webinar, both want pricing." in said  # the snippet marks the words

    agreements = await page(client, "/agreements")
    assert '<a href="/agreements" aria-current="page">Agreements</a>' in agreements
    assert "No agreement yet" in agreements
    assert "Propose an agreement" not in agreements  # a lead's or an admin's


async def test_the_list_filters_by_status_and_text_and_pages_on(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    for name in ("Churn", "Lead", "MQL", "SQL"):
        await api(
            client, grace, "POST", "/api/v1/glossary", 201,
            json={"term": name, "definition": f"What {name} means."},
        )  # fmt: skip
    for lead in (grace, sofia):
        await api(
            client, lead, "POST", "/api/v1/glossary/sql/signoffs", 201,
            json={"decision": "approve"},
        )  # fmt: skip
    browse_as(client, grace)
    agreed = await page(client, "/glossary?status=agreed")
    assert 'href="/glossary?status=agreed" aria-current="page">Agreed</a>' in agreed
    assert re.findall(r'href="/glossary/([a-z-]+)"', agreed) == ["sql"]
    assert re.findall(r'href="/glossary/([a-z-]+)"', await page(client, "/glossary?q=ql")) == [
        "mql",
        "sql",
    ]
    first = await page(client, "/glossary?limit=2")
    assert re.findall(r'href="/glossary/([a-z-]+)"', first) == ["churn", "lead"]
    more = re.search(r'rel="next" href="([^"]+)"', first)
    assert more is not None
    second = await page(client, more.group(1).replace("&amp;", "&") + "&limit=2")
    assert re.findall(r'href="/glossary/([a-z-]+)"', second) == ["mql", "sql"]
    assert 'rel="next"' not in second


async def test_a_term_already_in_the_glossary_and_a_bad_form_are_said_in_words(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    await propose_term(client, grace)
    refused = await propose_term(client, sofia, "qualified LEAD", expect=409)
    said = words(refused.text)
    assert '"qualified LEAD" is already in the glossary.' in said
    assert 'href="/glossary/qualified-lead">Read it in the glossary</a>' in refused.text
    assert 'value="qualified LEAD"' in refused.text  # what was typed is kept
    empty = await submit(client, sofia, "/glossary", {"term": "SQL", "definition": "  "}, 422)
    assert "The definition cannot be empty." in words(empty.text)
    taken = await submit(
        client, sofia, "/glossary", {"term": "SQL", "definition": "x", "aliases": "QL"}, 422
    )
    assert '"QL" is already an alias of the term "Qualified lead".' in words(taken.text)
    listed = await api(client, sofia, "GET", "/api/v1/glossary", 200)
    assert [t["slug"] for t in listed["items"]] == ["qualified-lead"]


async def test_the_signoff_panel_is_for_leads_of_a_required_department(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    product_lead = await make_user(app, "pat", department=Department.product, lead=True)
    marketer = await make_user(app, "mo", department=Department.marketing)
    await propose_term(client, grace)
    for who, signs in ((grace, True), (sofia, True), (product_lead, False), (marketer, False)):
        browse_as(client, who)
        markup = await page(client, "/glossary/qualified-lead")
        assert ('class="signoff-panel"' in markup) is signs, who.handle
        assert ("Approve version 1" in markup) is signs, who.handle
    browse_as(client, product_lead)
    refused = await submit(
        client,
        product_lead,
        "/glossary/qualified-lead/signoffs",
        {"decision": "approve", "version": "1"},
        403,
    )
    assert "Product does not sign this: sales, marketing do." in words(refused.text)


async def test_approve_and_reject_through_the_forms_change_the_status(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    await propose_term(client, grace)
    url = "/glossary/qualified-lead"

    browse_as(client, sofia)
    bare = await submit(
        client, sofia, f"{url}/signoffs", {"decision": "reject", "version": "1"}, 422
    )
    assert "A rejection needs a comment saying what is wrong." in words(bare.text)
    assert 'class="chip chip--proposed"' in bare.text  # nothing was recorded
    done = await submit(
        client,
        sofia,
        f"{url}/signoffs",
        {"decision": "reject", "version": "1", "comment": "Students ask for demos too."},
    )
    assert done.headers["location"] == f"{url}#signoff"
    disputed = await page(client, url)
    assert 'class="chip chip--disputed">Disputed</span>' in disputed
    said = words(disputed)
    assert "Sales rejected Sofia rejected" in said
    assert "Rejected version 1" in said
    assert "Students ask for demos too." in said
    assert "thread__item--rejection" in disputed

    browse_as(client, grace)
    await submit(client, grace, f"{url}/comments", {"body": "Fair: adding a fit check."})
    await submit(client, grace, f"{url}/edit", {"definition": EDITED, "aliases": "QL"})
    edited = await page(client, url)
    assert "Qualified lead Proposed version 2" in words(edited)
    assert "Fair: adding a fit check." in words(edited)

    # The stale page's version is refused in words; the current one is signed.
    browse_as(client, sofia)
    stale = await submit(
        client, sofia, f"{url}/signoffs", {"decision": "approve", "version": "1"}, 409
    )
    assert "Version 1 is no longer current: read version 2 and sign that." in words(stale.text)
    for lead in (sofia, grace):
        browse_as(client, lead)
        await submit(client, lead, f"{url}/signoffs", {"decision": "approve", "version": "2"})
    agreed = await page(client, url)
    assert 'class="chip chip--agreed">Agreed</span>' in agreed
    said = words(agreed)
    assert "Sales approved" in said
    assert "Marketing approved" in said
    assert "You approved version 2" in said
    # The history: each version, its author and who signed it.
    assert "Version 2 (current) by Grace" in said
    assert "✗ Rejected by Sofia for Sales" in said
    assert "✓ Approved by Grace for Marketing" in said


async def test_the_diff_shows_insertions_and_deletions_escaped(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, _ = await leads(app)
    await propose_term(client, grace, definition="Asked for a demo <b>or</b> pricing.")
    browse_as(client, grace)
    url = "/glossary/qualified-lead"
    await submit(
        client,
        grace,
        f"{url}/edit",
        {"definition": "Asked for a demo <i>and</i> pricing.", "aliases": ""},
    )
    default = await page(client, url)
    diff = re.search(r'<div class="diff">(.*?)</div>', default, re.S)
    assert diff is not None
    assert "<del>&lt;b&gt;or&lt;/b&gt;</del>" in diff.group(1)
    assert "<ins>&lt;i&gt;and&lt;/i&gt;</ins>" in diff.group(1)
    assert "<del>Aliases: QL, sales-ready lead</del>" in diff.group(1).replace("\n", "")
    reverse = await page(client, f"{url}?from=2&to=1")
    assert "<ins>&lt;b&gt;or&lt;/b&gt;</ins>" in reverse
    same = await page(client, f"{url}?from=2&to=2")
    assert "Version 2 and version 2 say the same." in words(same)
    missing = await page(client, f"{url}?from=1&to=7", expect=422)
    assert "There is no version 7: the versions are 1 to 2." in words(missing)
    assert_no_active_markup(default)


def test_the_word_diff_keeps_the_words_in_reading_order() -> None:
    assert service.word_diff("a b c", "a x c") == [
        ("same", "a "),
        ("del", "b"),
        ("ins", "x"),
        ("same", " c"),
    ]
    assert service.word_diff("", "new") == [("ins", "new")]


async def test_an_agreed_term_is_marked_with_its_definition_on_the_home_feed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    await propose_term(client, grace)
    for lead in (grace, sofia):
        browse_as(client, lead)
        await submit(
            client,
            lead,
            "/glossary/qualified-lead/signoffs",
            {"decision": "approve", "version": "1"},
        )
    await make_post(client, sofia, "Three qualified lead calls booked today.")
    browse_as(client, sofia)
    home = await page(client, "/")
    marked = re.search(r'<span class="term term--agreed">(.*?)</span></span>', home, re.S)
    assert marked is not None
    assert 'href="/glossary/qualified-lead"' in marked.group(1)
    assert "Qualified lead</strong> · Agreed<br>" + DEFINITION in marked.group(1)


async def test_forms_without_the_csrf_token_are_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    browse_as(client, grace)
    await submit(client, grace, "/glossary", {"term": "MQL", "definition": "x"}, 403, token="")
    await propose_term(client, grace)
    browse_as(client, sofia)
    refused = await submit(
        client,
        sofia,
        "/glossary/qualified-lead/signoffs",
        {"decision": "approve"},
        403,
        token="forged",
    )
    assert "CSRF" in refused.text
    term = await api(client, sofia, "GET", "/api/v1/glossary/qualified-lead", 200)
    assert term["signoffs"] == []
    await submit(client, sofia, "/agreements", {"title": "SLA"}, 403, token="")
    assert (await api(client, sofia, "GET", "/api/v1/agreements", 200))["items"] == []


def clause_form(clauses: list[dict[str, Any]], rows: int = 6) -> dict[str, list[str]]:
    """The propose form's clause rows, the blank ones too."""
    padded = [*clauses, *[{}] * (rows - len(clauses))]
    return {
        "clause_owner": [c.get("owner_department", "sales") for c in padded],
        "clause_text": [c.get("text", "") for c in padded],
        "clause_metric": [c.get("metric") or "" for c in padded],
        "clause_target": [str(c.get("target", "")) for c in padded],
    }


async def test_an_agreement_is_proposed_signed_and_scored_through_the_pages(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    rep = await make_user(app, "rep")
    sla = this_quarter()
    browse_as(client, grace)
    listing = await page(client, "/agreements")
    assert listing.count('name="clause_text"') == 6
    assert '<option value="">Tracked by hand</option>' in listing
    form = {k: v for k, v in sla.items() if k != "clauses"} | clause_form(sla["clauses"])
    created = await submit(client, grace, "/agreements", form)
    url = created.headers["location"]
    agreement_id = int(url.rsplit("/", 1)[1])
    shown = await api(client, grace, "GET", f"/api/v1/agreements/{agreement_id}", 200)
    assert [c["text"] for c in shown["clauses"]] == [c["text"] for c in sla["clauses"]]

    # One win story by sales this month: 1 of the 2 the clause asks for.
    await make_post(client, sofia, "Closed the pilot customer for three years.", kind="win_story")
    browse_as(client, rep)
    markup = await page(client, url)
    said = words(markup)
    assert "Sales and marketing SLA Proposed version 1" in said
    assert "Sales commits to" in said
    assert "Marketing commits to" in said
    assert "Measured: median hours to first answer, target ≤ 24 hours" in said
    assert "Measured: win stories submitted, target ≥ 2 stories" in said
    assert "Tracked by hand: a Marketing lead records each month" in said
    assert 'class="scorecard-scroll"' in markup
    assert "1 story ✗ missed" in said
    card = await api(client, rep, "GET", f"/api/v1/agreements/{agreement_id}/scorecard", 200)
    reason = card["clauses"][1]["reason"]
    assert card["clauses"][1]["actual"] is None
    assert reason
    assert reason in said
    assert "Not recorded yet by the owner department's lead." in said
    assert 'id="score-note-1"' in markup
    assert "/checks/" not in markup  # a rep records nothing
    assert "Approve version" not in markup
    listing = await page(client, "/agreements")
    assert f'href="/agreements/{agreement_id}"' in listing
    assert "version 1" in words(listing)

    # The marketing lead records the hand-kept clause for this month.
    browse_as(client, grace)
    period = date.today().strftime("%Y-%m")
    check_url = f"{url}/clauses/3/checks/{period}"
    assert f'action="{check_url}"' in await page(client, url)
    await submit(client, grace, check_url, {"status": "met", "note": "Held on the 4th."})
    refused = await submit(
        client, grace, f"{url}/clauses/1/checks/{period}", {"status": "met"}, 422
    )
    assert "This clause is measured by Tandem" in words(refused.text)
    browse_as(client, sofia)
    not_hers = await submit(client, sofia, check_url, {"status": "missed"}, 403)
    assert "Only a lead of marketing records whether this clause was met." in words(not_hers.text)
    scored = words(await page(client, url))
    assert "✓ met Grace: Held on the 4th." in scored

    # Both sign through the panel; an edit starts again at version 2 with a diff.
    for lead in (sofia, grace):
        browse_as(client, lead)
        await submit(client, lead, f"{url}/signoffs", {"decision": "approve", "version": "1"})
    assert 'class="chip chip--agreed">Agreed</span>' in await page(client, url)
    edit = {"title": "Sales and marketing SLA, revised"} | clause_form(sla["clauses"][:2], rows=3)
    await submit(client, grace, f"{url}/edit", edit)
    revised = await page(client, url)
    assert "Sales and marketing SLA, revised Proposed version 2" in words(revised)
    assert re.search(r"<ins>[^<]*revised</ins>", revised)
    assert re.search(
        r"<del>\s*3\. \(marketing\) Monthly campaign briefing for sales</del>", revised
    )


async def test_bad_agreement_forms_are_said_in_words(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, _ = await leads(app)
    rep = await make_user(app, "rep")
    sla = this_quarter()
    base = {"title": sla["title"], "period_start": sla["period_start"]}
    browse_as(client, grace)
    cases = [
        (base | clause_form(sla["clauses"]), "The end of the period cannot be empty."),
        (
            base | {"period_end": "2020-01-01"} | clause_form(sla["clauses"]),
            "The period ends before it starts.",
        ),
        (
            base
            | {"period_end": sla["period_end"]}
            | clause_form([{"owner_department": "sales", "text": "Call", "target": "3"}]),
            "Clause 1: a target needs a metric to be measured against.",
        ),
        (
            base | {"period_end": sla["period_end"]} | clause_form([]),
            "At least one clause is needed.",
        ),
    ]
    for form, said in cases:
        refused = await submit(client, grace, "/agreements", form, 422)
        assert said in words(refused.text), words(refused.text)[:600]
        assert f'value="{sla["title"]}"' in refused.text
    browse_as(client, rep)
    form = base | {"period_end": sla["period_end"]} | clause_form(sla["clauses"])
    refused = await submit(client, rep, "/agreements", form, 403)
    assert "Agreements are proposed by department leads." in words(refused.text)
    assert (await api(client, grace, "GET", "/api/v1/agreements", 200))["items"] == []


async def test_follow_and_unfollow_from_the_pages(app: FastAPI, client: httpx.AsyncClient) -> None:
    grace, _ = await leads(app)
    rep = await make_user(app, "rep")
    await propose_term(client, grace)
    browse_as(client, rep)
    await submit(client, rep, "/glossary/qualified-lead/follow?follow=true")
    assert 'aria-pressed="true"' in await page(client, "/glossary/qualified-lead")
    await submit(client, rep, "/glossary/qualified-lead/follow?follow=false")
    assert (await api(client, rep, "GET", "/api/v1/glossary/qualified-lead", 200))[
        "following"
    ] is False
    await page(client, "/glossary/nothing-here", expect=404)
    await page(client, "/agreements/999", expect=404)
