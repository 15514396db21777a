"""Win stories through the API: every step and every refusal, who is told, the frozen words
after consent, what may not be published, the lists and the testimonials (SQLite and
PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.users.models import Department
from tests.checks import all_pages, api_error
from tests.factories import Person, api, make_account, make_post, make_user

POSTS = "/api/v1/posts"
STORIES = "/api/v1/stories"
TESTIMONIALS = "/api/v1/testimonials"

FIELDS = {
    "problem": "Forecasts were built in 40 spreadsheets and always late.",
    "solution": "Rolled out forecasting to the 12 regional teams in six weeks.",
    "outcome": "Forecast accuracy up from 71% to 93%; close two days sooner.",
    "quote": "We finally trust the number we give the board.",
    "customer_contact": "Priya Shah, VP Finance",
}


@dataclass
class Crew:
    sam: Person  # rep, owns Acme (Manufacturing) and the confidential Vault
    lee: Person  # rep, owns nothing
    olga: Person  # customer success, owns Globex (Banking)
    mia: Person  # marketer
    grace: Person  # marketing lead


@pytest.fixture
async def crew(app: FastAPI, client: httpx.AsyncClient) -> Crew:
    people = Crew(
        sam=await make_user(app, "sam"),
        lee=await make_user(app, "lee"),
        olga=await make_user(app, "olga", department=Department.customer_success),
        mia=await make_user(app, "mia", department=Department.marketing),
        grace=await make_user(app, "grace", department=Department.marketing, lead=True),
    )
    await make_account(client, people.sam, "Acme", industry="Manufacturing")
    await make_account(client, people.sam, "Vault", confidential=True, industry="Banking")
    await make_account(client, people.olga, "Globex", industry="Banking")
    return people


async def submit(client: httpx.AsyncClient, who: Person, body: str, **story: Any) -> dict[str, Any]:
    return await make_post(client, who, body, kind="win_story", story={**FIELDS, **story})


async def move(
    client: httpx.AsyncClient, who: Person, post: dict[str, Any], to: str, **extra: Any
) -> dict[str, Any]:
    url = f"{POSTS}/{post['id']}/story/transitions"
    result: dict[str, Any] = await api(client, who, "POST", url, 200, json={"to": to, **extra})
    return result


async def refused(
    client: httpx.AsyncClient,
    who: Person,
    post: dict[str, Any],
    status: int,
    code: str,
    **body: Any,
) -> None:
    url = f"{POSTS}/{post['id']}/story/transitions"
    await api_error(client, who, "POST", url, status, code, json=body)


async def story_of(client: httpx.AsyncClient, who: Person, post: dict[str, Any]) -> Any:
    return (await api(client, who, "GET", f"{POSTS}/{post['id']}", 200))["story"]


async def told(client: httpx.AsyncClient, who: Person) -> list[str]:
    page = await api(client, who, "GET", "/api/v1/notifications", 200)
    return [n["summary"] for n in page["items"] if n["kind"] == "story_status"]


async def to_consent_granted(client: httpx.AsyncClient, crew: Crew, post: dict[str, Any]) -> None:
    await move(client, crew.mia, post, "in_review")
    await move(client, crew.mia, post, "consent_requested")
    await move(client, crew.sam, post, "consent_granted", note="Priya agreed on a call, 3 Nov.")


async def test_a_submitted_story_carries_its_fields_and_reaches_marketings_leads(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await submit(client, crew.sam, "Won $acme: three years.")
    story = post["story"]
    assert {k: story[k] for k in FIELDS} == FIELDS
    assert story["status"] == "submitted"
    assert story["reviewer"] is None
    assert [(h["from"], h["to"], h["by"]) for h in story["history"]] == [(None, "submitted", "sam")]
    # Nothing is the rep's to do now; marketing may review or decline.
    assert story["next"] == []
    assert (await story_of(client, crew.mia, post))["next"] == ["in_review", "declined"]
    assert await told(client, crew.grace) == ["submitted a win story about Acme"]
    assert await told(client, crew.mia) == []


async def test_the_whole_way_to_a_testimonial_with_everyone_told(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await submit(client, crew.sam, "Won $acme: three years.")
    reviewed = await move(client, crew.mia, post, "in_review")
    assert reviewed["status"] == "in_review"
    assert reviewed["reviewer"] == "mia"
    assert await told(client, crew.sam) == ["marked the win story about Acme in review"]
    asked = await move(client, crew.mia, post, "consent_requested", note="Asking Priya today.")
    assert asked["next"] == ["declined"]  # the marketer waits for the customer's yes
    assert (await story_of(client, crew.sam, post))["next"] == ["consent_granted"]
    granted = await move(
        client, crew.sam, post, "consent_granted", note="Priya agreed on a call, 3 Nov."
    )
    assert granted["consent"]["granted_by"] == "Priya Shah, VP Finance"
    assert granted["consent"]["note"] == "Priya agreed on a call, 3 Nov."
    assert granted["consent"]["recorded_by"] == "sam"
    # The reviewer is told of the customer's yes; the rep who recorded it is not.
    assert await told(client, crew.mia) == ["marked the win story about Acme consent granted"]
    published = await move(client, crew.grace, post, "published")
    assert published["status"] == "published"
    assert published["published_at"] is not None
    assert published["next"] == []
    assert [(h["from"], h["to"], h["by"]) for h in published["history"]] == [
        (None, "submitted", "sam"),
        ("submitted", "in_review", "mia"),
        ("in_review", "consent_requested", "mia"),
        ("consent_requested", "consent_granted", "sam"),
        ("consent_granted", "published", "grace"),
    ]
    assert published["history"][2]["note"] == "Asking Priya today."
    # Published by another marketer: both the author and the reviewer are told.
    assert (await told(client, crew.sam))[0] == "marked the win story about Acme published"
    assert (await told(client, crew.mia))[0] == "marked the win story about Acme published"
    [item] = (await api(client, crew.lee, "GET", TESTIMONIALS, 200))["items"]
    assert item["post_id"] == post["id"]
    assert item["account"] == {"slug": "acme", "name": "Acme"}
    assert item["industry"] == "Manufacturing"
    assert item["quote"] == FIELDS["quote"]
    assert item["quoted"] == "Priya Shah, VP Finance"  # who agreed to the words
    assert item["outcome"] == FIELDS["outcome"]
    assert item["author"]["handle"] == "sam"


async def test_each_step_belongs_to_one_side(client: httpx.AsyncClient, crew: Crew) -> None:
    post = await submit(client, crew.sam, "Won $globex with Olga's help.")
    # Only marketing reviews, asks and publishes; the rep may not push their own story on.
    await refused(client, crew.sam, post, 403, "wrong_side", to="in_review")
    await move(client, crew.mia, post, "in_review")
    await refused(client, crew.sam, post, 403, "wrong_side", to="consent_requested")
    await move(client, crew.mia, post, "consent_requested")
    # Consent: the author or the owner of the story's account (Olga owns Globex); not
    # marketing, not another rep.
    await refused(client, crew.mia, post, 403, "wrong_side", to="consent_granted", note="ok")
    await refused(client, crew.lee, post, 403, "wrong_side", to="consent_granted", note="ok")
    assert (await story_of(client, crew.olga, post))["next"] == ["consent_granted"]
    await move(client, crew.olga, post, "consent_granted", note="Their CFO said yes by email.")
    await refused(client, crew.sam, post, 403, "wrong_side", to="published")
    await move(client, crew.mia, post, "published")


async def test_steps_out_of_order_and_unknown_states_are_refused(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await submit(client, crew.sam, "Won $acme.")
    await refused(client, crew.mia, post, 409, "step_not_allowed", to="published")
    await refused(client, crew.mia, post, 409, "step_not_allowed", to="consent_requested")
    await refused(client, crew.mia, post, 409, "step_not_allowed", to="submitted")
    await refused(client, crew.mia, post, 422, "validation_error", to="celebrated")
    await refused(client, crew.mia, post, 422, "validation_error")
    await move(client, crew.mia, post, "in_review")
    await refused(client, crew.mia, post, 409, "step_not_allowed", to="in_review")
    await move(client, crew.mia, post, "consent_requested")
    # Consent needs a note saying who agreed; nothing is written without it.
    await refused(client, crew.sam, post, 422, "note_required", to="consent_granted")
    await refused(client, crew.sam, post, 422, "note_required", to="consent_granted", note="  ")
    story = await story_of(client, crew.sam, post)
    assert story["status"] == "consent_requested"
    assert story["consent"] is None
    assert len(story["history"]) == 3
    # Not a story at all.
    update = await make_post(client, crew.sam, "Just an update on $acme.")
    await refused(client, crew.mia, update, 422, "not_a_story", to="in_review")


@pytest.mark.parametrize("steps", [0, 1, 2, 3])
async def test_declined_from_any_step_before_publishing_and_final(
    client: httpx.AsyncClient, crew: Crew, steps: int
) -> None:
    post = await submit(client, crew.sam, "Won $acme.")
    way = [
        (crew.mia, "in_review", {}),
        (crew.mia, "consent_requested", {}),
        (crew.sam, "consent_granted", {"note": "Yes on a call."}),
    ]
    for who, to, extra in way[:steps]:
        await move(client, who, post, to, **extra)
    declined = await move(client, crew.mia, post, "declined", note="Customer's legal said no.")
    assert declined["status"] == "declined"
    assert declined["next"] == []
    for to in ("in_review", "published", "declined"):
        await refused(client, crew.mia, post, 409, "step_not_allowed", to=to)


async def test_a_published_story_is_final(client: httpx.AsyncClient, crew: Crew) -> None:
    post = await submit(client, crew.sam, "Won $acme.")
    await to_consent_granted(client, crew, post)
    await move(client, crew.mia, post, "published")
    await refused(client, crew.mia, post, 409, "step_not_allowed", to="declined")


async def test_a_story_that_must_stay_inside_is_never_published(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    await api(client, crew.sam, "PUT", "/api/v1/accounts/vault/team/mia", 204)
    post = await submit(client, crew.sam, "Won $vault: the pilot converts.")
    await to_consent_granted(client, crew, post)
    story = await story_of(client, crew.mia, post)
    assert story["publishable"] is False
    assert story["next"] == ["declined"]
    await refused(client, crew.mia, post, 409, "story_restricted", to="published")
    assert (await story_of(client, crew.mia, post))["status"] == "consent_granted"
    # Marketing outside Vault's team never sees it, so cannot move it either.
    await refused(client, crew.grace, post, 404, "not_found", to="declined")
    assert (await api(client, crew.mia, "GET", TESTIMONIALS, 200))["items"] == []


async def test_the_words_are_frozen_once_the_customer_agreed(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await submit(client, crew.sam, "Won $acme.")
    url = f"{POSTS}/{post['id']}"
    edited = await api(
        client, crew.sam, "PATCH", url, 200, json={"story": {"quote": "Best tool we bought."}}
    )
    assert edited["story"]["quote"] == "Best tool we bought."
    assert edited["story"]["outcome"] == FIELDS["outcome"]
    await to_consent_granted(client, crew, post)
    await api_error(
        client,
        crew.sam,
        "PATCH",
        url,
        409,
        "story_frozen",
        json={"body": "Won $acme, and more.", "story": {"quote": "Changed."}},
    )
    after = await api(client, crew.sam, "GET", url, 200)
    assert after["story"]["quote"] == "Best tool we bought."
    assert after["body"] == "Won $acme."  # nothing of the refused edit was written
    # The post's own text may still be edited without touching the story.
    await api(client, crew.sam, "PATCH", url, 200, json={"body": "Won $acme (3 years)."})


async def test_bad_story_fields_are_refused_with_the_field_named(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    error = await api_error(
        client,
        crew.sam,
        "POST",
        POSTS,
        422,
        "validation_error",
        json={"kind": "win_story", "body": "Won", "story": {"problem": "x", "outcome": ""}},
    )
    fields = {d["field"] for d in error["details"]}
    assert {"body.story.solution", "body.story.outcome"} <= fields
    await api_error(
        client,
        crew.sam,
        "POST",
        POSTS,
        422,
        json={"kind": "update", "body": "Won", "story": FIELDS},
    )
    # No post was written by the refused requests.
    assert (await api(client, crew.sam, "GET", STORIES, 200))["items"] == []


async def test_a_story_posted_without_its_fields_is_still_a_story(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await make_post(client, crew.sam, "Won $acme, details later.", kind="win_story")
    assert post["story"]["status"] == "submitted"
    assert post["story"]["outcome"] == ""


async def test_the_list_filters_and_follows_the_visibility_rule(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    acme = await submit(client, crew.sam, "Won $acme.")
    globex = await submit(client, crew.olga, "Renewed $globex.")
    vault = await submit(client, crew.sam, "Won $vault.")
    await move(client, crew.mia, globex, "in_review")

    async def ids(who: Person, **params: str) -> list[int]:
        pages = await all_pages(client, who, STORIES, limit=1, **params)
        return [p["id"] for page in pages for p in page]

    assert await ids(crew.sam) == [vault["id"], globex["id"], acme["id"]]
    assert await ids(crew.lee) == [globex["id"], acme["id"]]
    assert await ids(crew.lee, status="in_review") == [globex["id"]]
    assert await ids(crew.sam, industry="banking") == [vault["id"], globex["id"]]
    assert await ids(crew.sam, account="acme") == [acme["id"]]
    await api_error(client, crew.lee, "GET", STORIES, 404, params={"account": "vault"})
    await api_error(client, crew.lee, "GET", STORIES, 422, params={"status": "won"})


async def test_testimonials_filter_search_and_page(client: httpx.AsyncClient, crew: Crew) -> None:
    acme = await submit(client, crew.sam, "Won $acme.")
    globex = await submit(
        client,
        crew.olga,
        "Renewed $globex.",
        outcome="Renewal signed a quarter early, with 40 more seats.",
        quote="Pricing analytics paid for itself in one quarter.",
    )
    for post, recorder in ((acme, crew.sam), (globex, crew.olga)):
        await move(client, crew.mia, post, "in_review")
        await move(client, crew.mia, post, "consent_requested")
        await move(client, recorder, post, "consent_granted", note="Yes by email.")
    await move(client, crew.mia, globex, "published")
    await move(client, crew.mia, acme, "published")
    pages = await all_pages(client, crew.lee, TESTIMONIALS, limit=1)
    assert [[t["post_id"] for t in page] for page in pages] == [[acme["id"]], [globex["id"]]]

    async def found(**params: str) -> list[int]:
        page = await api(client, crew.lee, "GET", TESTIMONIALS, 200, params=params)
        return [t["post_id"] for t in page["items"]]

    assert await found(industry="Banking") == [globex["id"]]
    assert await found(q="paid for ITSELF") == [globex["id"]]
    assert await found(q="acme") == [acme["id"]]
    assert await found(q="100%_") == []
    await api_error(client, crew.lee, "GET", TESTIMONIALS, 422, params={"cursor": "nonsense"})


async def test_marketing_links_the_case_study_it_made(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await submit(client, crew.sam, "Won $acme.")
    case_study = await make_post(
        client,
        crew.mia,
        "Acme: forecasting in six weeks.",
        kind="collateral",
        title="Acme case study",
        collateral={"stage": "decision", "audience": ["CFO"], "industries": ["Manufacturing"]},
    )
    url = f"{POSTS}/{post['id']}/story/case-study"
    linked = await api(client, crew.mia, "PUT", url, 200, json={"post_id": case_study["id"]})
    assert linked["case_study_id"] == case_study["id"]
    await api_error(client, crew.sam, "PUT", url, 403, "wrong_side", json={"post_id": None})
    await api_error(
        client, crew.mia, "PUT", url, 422, "not_collateral", json={"post_id": post["id"]}
    )
    unlinked = await api(client, crew.mia, "PUT", url, 200, json={"post_id": None})
    assert unlinked["case_study_id"] is None
