"""The glossary through the API: the sign-off state machine, every refusal, and who hears of
what (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from app.users.models import Department
from tests.checks import all_pages, api_error
from tests.factories import Person, api, make_user

GLOSSARY = "/api/v1/glossary"
QUALIFIED_LEAD = (
    "A contact at a target account who asked for a demo or pricing, and whose company fits "
    "our profile: 200+ employees, in a region we sell to."
)


async def leads(app: FastAPI) -> tuple[Person, Person]:
    grace = await make_user(app, "grace", department=Department.marketing, lead=True)
    sofia = await make_user(app, "sofia", department=Department.sales, lead=True)
    return grace, sofia


async def propose(
    client: httpx.AsyncClient, who: Person, term: str = "Qualified lead", **extra: Any
) -> dict[str, Any]:
    body = {"term": term, "definition": QUALIFIED_LEAD, **extra}
    result: dict[str, Any] = await api(client, who, "POST", GLOSSARY, 201, json=body)
    return result


async def sign(
    client: httpx.AsyncClient, who: Person, slug: str, decision: str, **extra: Any
) -> dict[str, Any]:
    result: dict[str, Any] = await api(
        client,
        who,
        "POST",
        f"{GLOSSARY}/{slug}/signoffs",
        201,
        json={"decision": decision, **extra},
    )
    return result


async def term(client: httpx.AsyncClient, who: Person, slug: str) -> dict[str, Any]:
    result: dict[str, Any] = await api(client, who, "GET", f"{GLOSSARY}/{slug}", 200)
    return result


async def inbox(client: httpx.AsyncClient, who: Person) -> list[dict[str, Any]]:
    page = await api(client, who, "GET", "/api/v1/notifications", 200)
    return [n for n in page["items"] if n["kind"] == "agreement_changed"]


async def test_proposed_then_agreed_when_both_leads_approve_the_current_version(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    created = await propose(client, grace, aliases=["QL", "sales-ready lead"])
    assert created["slug"] == "qualified-lead"
    assert (created["status"], created["version"], created["agreed_version"]) == (
        "proposed",
        1,
        None,
    )
    assert created["required_departments"] == ["sales", "marketing"]
    assert created["aliases"] == ["QL", "sales-ready lead"]
    assert created["definition_html"].startswith("<p>A contact")
    assert created["following"] is True  # whoever proposes follows

    await sign(client, grace, "qualified-lead", "approve")
    half = await term(client, grace, "qualified-lead")
    assert half["status"] == "proposed"
    assert half["departments"] == {"sales": None, "marketing": True}

    signed = await sign(client, sofia, "qualified-lead", "approve", version=1)
    assert (signed["decision"], signed["department"], signed["version"]) == ("approve", "sales", 1)
    agreed = await term(client, sofia, "qualified-lead")
    assert (agreed["status"], agreed["agreed_version"]) == ("agreed", 1)
    assert agreed["agreed_definition"] == QUALIFIED_LEAD
    assert {s["user"]["handle"] for s in agreed["signoffs"]} == {"grace", "sofia"}


async def test_a_rejection_disputes_it_and_opens_the_thread_and_an_edit_starts_again(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    await propose(client, grace)
    await sign(client, grace, "qualified-lead", "approve")
    await sign(
        client,
        sofia,
        "qualified-lead",
        "reject",
        comment="Demo requests from students count too: add a fit check on the title.",
    )
    disputed = await term(client, grace, "qualified-lead")
    assert disputed["status"] == "disputed"
    assert disputed["departments"] == {"sales": False, "marketing": True}
    thread = await api(client, grace, "GET", f"{GLOSSARY}/qualified-lead/comments", 200)
    [opening] = thread["items"]
    assert (opening["author"]["handle"], opening["decision"], opening["version"]) == (
        "sofia",
        "reject",
        1,
    )
    assert "fit check" in opening["body"]
    reply = await api(
        client,
        grace,
        "POST",
        f"{GLOSSARY}/qualified-lead/comments",
        201,
        json={"body": "Fair: adding the title rule."},
    )
    assert reply["decision"] is None

    edited = await api(
        client,
        grace,
        "PATCH",
        f"{GLOSSARY}/qualified-lead",
        200,
        json={"definition": QUALIFIED_LEAD + " The contact's title is manager or above."},
    )
    assert (edited["status"], edited["version"]) == ("proposed", 2)
    assert edited["signoffs"] == []  # the current version's: none yet
    [v2, v1] = edited["versions"]
    assert (v2["version"], v1["version"]) == (2, 1)
    assert {s["decision"] for s in v1["signoffs"]} == {"approve", "reject"}  # history kept
    assert v1["content"]["definition"] == QUALIFIED_LEAD

    # Signing the old version now is a 409; both sign the new one.
    await api_error(
        client,
        sofia,
        "POST",
        f"{GLOSSARY}/qualified-lead/signoffs",
        409,
        "version_not_current",
        json={"decision": "approve", "version": 1},
    )
    await sign(client, sofia, "qualified-lead", "approve", version=2)
    await sign(client, grace, "qualified-lead", "approve", version=2)
    assert (await term(client, grace, "qualified-lead"))["status"] == "agreed"


async def test_a_second_decision_replaces_the_first(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    await propose(client, grace)
    await sign(client, sofia, "qualified-lead", "reject", comment="Too loose.")
    assert (await term(client, grace, "qualified-lead"))["status"] == "disputed"
    await sign(client, sofia, "qualified-lead", "approve")
    after = await term(client, grace, "qualified-lead")
    assert after["status"] == "proposed"
    assert [s["decision"] for s in after["signoffs"]] == ["approve"]
    await sign(client, grace, "qualified-lead", "approve")
    assert (await term(client, grace, "qualified-lead"))["status"] == "agreed"
    # A lead changing their mind on the agreed version disputes it again.
    await sign(client, grace, "qualified-lead", "reject", comment="Region list is out of date.")
    again = await term(client, grace, "qualified-lead")
    assert (again["status"], again["agreed_version"]) == ("disputed", 1)


async def test_only_a_lead_of_a_required_department_signs(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    rep = await make_user(app, "rep")
    product_lead = await make_user(app, "pat", department=Department.product, lead=True)
    await propose(client, rep, "MQL")
    await api_error(
        client,
        rep,
        "POST",
        f"{GLOSSARY}/mql/signoffs",
        403,
        "not_a_lead",
        json={"decision": "approve"},
    )
    await api_error(
        client,
        product_lead,
        "POST",
        f"{GLOSSARY}/mql/signoffs",
        403,
        "department_not_required",
        json={"decision": "approve"},
    )
    assert (await term(client, rep, "mql"))["signoffs"] == []
    # A term that product must sign as well.
    await propose(
        client,
        rep,
        "Product-qualified lead",
        required_departments=["sales", "marketing", "product"],
    )
    for lead in (grace, sofia):
        await sign(client, lead, "product-qualified-lead", "approve")
    assert (await term(client, rep, "product-qualified-lead"))["status"] == "proposed"
    await sign(client, product_lead, "product-qualified-lead", "approve")
    assert (await term(client, rep, "product-qualified-lead"))["status"] == "agreed"


async def test_bad_terms_are_refused_and_nothing_is_written(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    await propose(client, grace, "MQL", aliases=["marketing-qualified lead"])
    duplicate = await api_error(
        client,
        sofia,
        "POST",
        GLOSSARY,
        409,
        "term_exists",
        json={"term": "  mql ", "definition": "Another one"},
    )
    assert duplicate["details"][0]["slug"] == "mql"
    # A name that is another term's alias is a duplicate too.
    await api_error(
        client,
        sofia,
        "POST",
        GLOSSARY,
        409,
        "term_exists",
        json={"term": "Marketing-Qualified Lead", "definition": "x"},
    )
    await api_error(
        client,
        sofia,
        "POST",
        GLOSSARY,
        422,
        "alias_is_a_term",
        json={"term": "SQL", "definition": "x", "aliases": ["MQL"]},
    )
    await api_error(
        client,
        sofia,
        "POST",
        GLOSSARY,
        422,
        "alias_taken",
        json={"term": "SQL", "definition": "x", "aliases": ["marketing-qualified LEAD"]},
    )
    for body in (
        {"term": "", "definition": "x"},
        {"term": "   ", "definition": "x"},
        {"term": "SQL", "definition": ""},
        {"term": "SQL", "definition": "x", "required_departments": ["finance"]},
        {"term": "SQL", "definition": "x", "required_departments": []},
        {"term": "SQL", "definition": "x", "colour": "blue"},
        {"term": "SQL\x07", "definition": "x"},
    ):
        await api_error(client, sofia, "POST", GLOSSARY, 422, json=body)
    await api_error(
        client, grace, "POST", f"{GLOSSARY}/mql/signoffs", 422, json={"decision": "reject"}
    )
    await api_error(
        client, grace, "POST", f"{GLOSSARY}/mql/signoffs", 422, json={"decision": "maybe"}
    )
    await api_error(
        client,
        grace,
        "PATCH",
        f"{GLOSSARY}/mql",
        422,
        json={"aliases": ["SQL", "MQL"]} | {"aliases": ["x" * 81]},
    )
    await api_error(client, grace, "GET", f"{GLOSSARY}/nothing-here", 404, "unknown_term")
    # Case folding lengthens some names ("ß" is "ss"): still a clear answer.
    long_name = await api(
        client, grace, "POST", GLOSSARY, 201, json={"term": "ß" * 80, "definition": "x"}
    )
    await api_error(
        client,
        grace,
        "POST",
        GLOSSARY,
        409,
        "term_exists",
        json={"term": "ẞ" * 80, "definition": "x"},
    )
    assert long_name["term"] == "ß" * 80
    listed = await api(client, grace, "GET", GLOSSARY, 200)
    assert [t["term"] for t in listed["items"]] == ["MQL", "ß" * 80]
    assert (await term(client, grace, "mql"))["signoffs"] == []


async def test_who_may_edit_and_an_alias_that_is_another_term_on_edit(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    rep = await make_user(app, "rep")
    other = await make_user(app, "other", department=Department.marketing)
    await propose(client, rep, "SQL")
    await propose(client, grace, "MQL")
    await api_error(
        client,
        other,
        "PATCH",
        f"{GLOSSARY}/sql",
        403,
        "not_an_editor",
        json={"definition": "Mine now"},
    )
    await api_error(
        client, rep, "PATCH", f"{GLOSSARY}/sql", 422, "alias_is_a_term", json={"aliases": ["mql"]}
    )
    same = await api(
        client, rep, "PATCH", f"{GLOSSARY}/sql", 200, json={"definition": QUALIFIED_LEAD}
    )
    assert same["version"] == 1  # nothing changed: no new version
    by_lead = await api(
        client, sofia, "PATCH", f"{GLOSSARY}/sql", 200, json={"aliases": ["sales-qualified lead"]}
    )
    assert (by_lead["version"], by_lead["aliases"]) == (2, ["sales-qualified lead"])
    assert by_lead["definition"] == QUALIFIED_LEAD  # left out: kept


async def test_followers_and_the_leads_hear_of_versions_signoffs_and_disputes(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    rep = await make_user(app, "rep")
    fan = await make_user(app, "fan", department=Department.customer_success)
    bystander = await make_user(app, "bystander")
    product_lead = await make_user(app, "pat", department=Department.product, lead=True)
    await propose(client, rep)
    # The leads of the required departments hear of the proposal; the proposer does not.
    assert [n["summary"] for n in await inbox(client, grace)] == [
        'proposed the term "Qualified lead"'
    ]
    assert await inbox(client, rep) == []
    await api(client, fan, "PUT", f"{GLOSSARY}/qualified-lead/follow", 204)
    await sign(client, sofia, "qualified-lead", "reject", comment="Too loose.")
    assert (await inbox(client, fan))[0][
        "summary"
    ] == 'disputed version 1 of the term "Qualified lead"'
    assert (await inbox(client, rep))[0]["path"] == "/glossary/qualified-lead"
    assert (await inbox(client, grace))[0]["summary"].startswith("disputed")
    # The actor hears only of what others did.
    assert [n["summary"][:8] for n in await inbox(client, sofia)] == ["proposed"]
    await api(client, fan, "DELETE", f"{GLOSSARY}/qualified-lead/follow", 204)
    await api(
        client, rep, "PATCH", f"{GLOSSARY}/qualified-lead", 200, json={"definition": "Tighter."}
    )
    assert len(await inbox(client, fan)) == 1  # unfollowed: nothing new
    assert (await inbox(client, sofia))[0][
        "summary"
    ] == 'proposed version 2 of the term "Qualified lead"'
    await sign(client, sofia, "qualified-lead", "approve")
    await sign(client, grace, "qualified-lead", "approve")
    assert (await inbox(client, rep))[0][
        "summary"
    ] == 'approved version 2 of the term "Qualified lead": it is agreed'
    assert await inbox(client, bystander) == []
    assert await inbox(client, product_lead) == []  # product does not sign this term


async def test_the_list_filters_by_status_and_text_and_pages(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    for name, aliases in (
        ("MQL", ["marketing-qualified lead"]),
        ("SQL", []),
        ("Lead", []),
        ("Qualified opportunity", ["QO"]),
        ("Churn", []),
    ):
        await api(
            client,
            grace,
            "POST",
            GLOSSARY,
            201,
            json={"term": name, "definition": f"What {name} means.", "aliases": aliases},
        )
    for lead in (grace, sofia):
        await sign(client, lead, "sql", "approve")
    pages = await all_pages(client, grace, GLOSSARY, limit=2)
    assert [t["term"] for page in pages for t in page] == [
        "Churn",
        "Lead",
        "MQL",
        "Qualified opportunity",
        "SQL",
    ]
    agreed = await api(client, grace, "GET", GLOSSARY, 200, params={"status": "agreed"})
    assert [t["slug"] for t in agreed["items"]] == ["sql"]
    by_alias = await api(client, grace, "GET", GLOSSARY, 200, params={"q": "Marketing-Q"})
    assert [t["slug"] for t in by_alias["items"]] == ["mql"]
    by_name = await api(client, grace, "GET", GLOSSARY, 200, params={"q": "lead"})
    assert [t["slug"] for t in by_name["items"]] == ["lead", "mql"]
    nothing = await api(client, grace, "GET", GLOSSARY, 200, params={"q": "100%_"})
    assert nothing["items"] == []
    await api_error(client, grace, "GET", GLOSSARY, 422, params={"status": "signed"})
