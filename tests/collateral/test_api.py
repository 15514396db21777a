"""Collateral through the JSON API: catalogue data, verdicts, the 30-day rule, versions,
stats that follow the visibility rule, the library, marketing's to-do list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from app.collateral.models import Collateral, Verdict
from app.collateral.service import wilson_lower_bound
from app.core.db import transaction, utcnow
from app.users.models import Department
from tests.checks import all_pages, api_error, detail_fields
from tests.factories import Person, api, make_account, make_post, make_user

POSTS = "/api/v1/posts"


@dataclass
class Crew:
    mia: Person  # marketer, publishes the assets
    sam: Person  # rep, owns Acme and the confidential Vault
    lee: Person  # rep
    kim: Person  # rep
    root: Person  # admin


@pytest.fixture
async def crew(app: FastAPI, client: httpx.AsyncClient) -> Crew:
    people = Crew(
        mia=await make_user(app, "mia", department=Department.marketing),
        sam=await make_user(app, "sam", department=Department.sales),
        lee=await make_user(app, "lee", department=Department.sales),
        kim=await make_user(app, "kim", department=Department.sales),
        root=await make_user(app, "root", admin=True),
    )
    await make_account(client, people.sam, "Acme", industry="Manufacturing")
    await make_account(client, people.lee, "Globex", industry="Retail")
    await make_account(client, people.sam, "Vault", confidential=True)
    return people


async def asset(
    client: httpx.AsyncClient, who: Person, title: str, **details: Any
) -> dict[str, Any]:
    return await make_post(
        client,
        who,
        f"The {title}, attached.",
        kind="collateral",
        title=title,
        collateral={"stage": "consideration", **details},
    )


async def verdict(
    client: httpx.AsyncClient, who: Person, post: dict[str, Any], expect: int = 201, **body: Any
) -> Any:
    return await api(client, who, "POST", f"{POSTS}/{post['id']}/verdicts", expect, json=body)


async def details(client: httpx.AsyncClient, who: Person, post: dict[str, Any]) -> dict[str, Any]:
    shape = await api(client, who, "GET", f"{POSTS}/{post['id']}", 200)
    found: dict[str, Any] = shape["collateral"]
    return found


async def kinds(client: httpx.AsyncClient, who: Person) -> list[str]:
    page = await api(client, who, "GET", "/api/v1/notifications", 200)
    return [n["kind"] for n in page["items"]]


async def age_verdicts(app: FastAPI, post_id: int, days: int) -> None:
    async with transaction(app.state.sessionmaker) as session:
        await session.execute(
            update(Verdict)
            .where(Verdict.post_id == post_id)
            .values(created_at=utcnow() - timedelta(days=days))
        )


# The score.


@pytest.mark.parametrize(
    ("helped", "rated", "expected"),
    [
        # Known values of the 95% Wilson lower bound (z = 1.96).
        (1, 1, 0.2065),
        (5, 10, 0.2366),
        (9, 10, 0.5958),
        (0, 10, 0.0),
        (10, 10, 0.7225),
        (40, 50, 0.6696),
        (1, 2, 0.0945),
    ],
)
def test_the_score_is_the_wilson_lower_bound(helped: int, rated: int, expected: float) -> None:
    score = wilson_lower_bound(helped, rated)
    assert score is not None
    assert round(score, 4) == expected


def test_nothing_rated_has_no_score() -> None:
    assert wilson_lower_bound(0, 0) is None


# Catalogue data.


async def test_a_collateral_post_carries_its_catalogue_data(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await asset(
        client, crew.mia, "ROI calculator", audience=["CFO", "VP Sales"], industries=["Retail"]
    )
    info = post["collateral"]
    assert info["stage"] == "consideration"
    assert info["audience"] == ["CFO", "VP Sales"]
    assert info["industries"] == ["Retail"]
    assert (info["status"], info["version"], info["flagged_reason"]) == ("active", 1, None)
    assert info["stats"] == {
        "uses": 0,
        "helped": 0,
        "neutral": 0,
        "hurt": 0,
        "not_used": 0,
        "score": None,
        "last_used_at": None,
        "top_reasons": [],
    }
    assert await details(client, crew.sam, post) == info
    plain = await make_post(client, crew.sam, "Just an update")
    assert plain["collateral"] is None


async def test_bad_catalogue_data_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    before = await api(client, crew.mia, "GET", "/api/v1/feed/company", 200)
    body = {"kind": "collateral", "title": "Deck", "body": "A deck"}
    await api_error(client, crew.mia, "POST", POSTS, 422, "collateral_details_required", json=body)
    error = await api_error(
        client,
        crew.mia,
        "POST",
        POSTS,
        422,
        "validation_error",
        json={**body, "collateral": {"stage": "someday", "colour": "red"}},
    )
    assert detail_fields(error) == ["body.collateral.colour", "body.collateral.stage"]
    error = await api_error(
        client,
        crew.mia,
        "POST",
        POSTS,
        422,
        json={"body": "An update", "collateral": {"stage": "decision"}},
    )
    assert detail_fields(error) == ["body.collateral"]
    after = await api(client, crew.mia, "GET", "/api/v1/feed/company", 200)
    assert after["items"] == before["items"]


# Verdicts.


async def test_a_verdict_is_recorded_and_counted(client: httpx.AsyncClient, crew: Crew) -> None:
    post = await asset(client, crew.mia, "Case study")
    given = await verdict(
        client, crew.sam, post, verdict="helped", account="acme", stage="proposal", note="Loved it"
    )
    assert given["verdict"] == "helped"
    assert given["account"] == {"slug": "acme", "name": "Acme"}
    assert (given["stage"], given["note"], given["version"]) == ("proposal", "Loved it", 1)
    assert given["user"]["handle"] == "sam"
    await verdict(client, crew.lee, post, verdict="hurt", reason="outdated", account="globex")
    await verdict(client, crew.kim, post, verdict="not_used", reason="too_long")
    await verdict(client, crew.kim, post, verdict="neutral", account="globex")
    stats = (await details(client, crew.mia, post))["stats"]
    assert (stats["uses"], stats["helped"], stats["neutral"], stats["hurt"]) == (3, 1, 1, 1)
    assert stats["not_used"] == 1
    assert stats["score"] == round(wilson_lower_bound(1, 2) or 0, 4)
    assert stats["top_reasons"] == [
        {"reason": "outdated", "count": 1},
        {"reason": "too_long", "count": 1},
    ]
    assert stats["last_used_at"] is not None
    listed = await api(client, crew.mia, "GET", f"{POSTS}/{post['id']}/verdicts", 200)
    assert [v["user"]["handle"] for v in listed["items"]] == ["kim", "kim", "lee", "sam"]


async def test_a_second_verdict_on_the_same_account_replaces_the_first(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await asset(client, crew.mia, "Pricing sheet")
    await verdict(client, crew.sam, post, verdict="hurt", reason="outdated", account="acme")
    await verdict(client, crew.sam, post, verdict="helped", account="acme")
    await verdict(client, crew.sam, post, verdict="helped")  # no account: a verdict of its own
    await verdict(client, crew.sam, post, verdict="helped")
    stats = (await details(client, crew.sam, post))["stats"]
    assert (stats["helped"], stats["hurt"], stats["uses"]) == (2, 0, 2)
    pages = await all_pages(client, crew.sam, f"{POSTS}/{post['id']}/verdicts", limit=1)
    assert [len(p) for p in pages] == [1, 1]


async def test_bad_verdicts_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await asset(client, crew.mia, "One-pager")
    url = f"{POSTS}/{post['id']}/verdicts"
    cases = [
        ({"verdict": "hurt"}, 422, "reason_required"),
        ({"verdict": "not_used"}, 422, "reason_required"),
        ({"verdict": "helped", "reason": "outdated"}, 422, "reason_not_allowed"),
        ({"verdict": "hurt", "reason": "boring"}, 422, "validation_error"),
        ({"verdict": "loved"}, 422, "validation_error"),
        ({"verdict": "helped", "stage": "someday"}, 422, "validation_error"),
        ({"verdict": "helped", "account": "nowhere"}, 404, "unknown_account"),
        # Lee is not on Vault's team: the confidential account does not exist for him.
        ({"verdict": "helped", "account": "vault"}, 404, "unknown_account"),
    ]
    for body, status, code in cases:
        await api_error(client, crew.lee, "POST", url, status, code, json=body)
    update_post = await make_post(client, crew.lee, "Not an asset")
    await api_error(
        client,
        crew.lee,
        "POST",
        f"{POSTS}/{update_post['id']}/verdicts",
        422,
        "not_collateral",
        json={"verdict": "helped"},
    )
    await api_error(
        client, crew.lee, "POST", f"{POSTS}/999999/verdicts", 404, json={"verdict": "helped"}
    )
    assert (await api(client, crew.mia, "GET", url, 200))["items"] == []


async def test_a_verdict_on_a_confidential_account_is_seen_only_by_its_team(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await asset(client, crew.mia, "Security whitepaper")
    await verdict(client, crew.sam, post, verdict="helped", account="vault", note="Vault's CISO")
    await verdict(client, crew.lee, post, verdict="hurt", reason="inaccurate", account="globex")
    url = f"{POSTS}/{post['id']}/verdicts"
    for who, helped, seen in (
        (crew.sam, 1, 2),
        (crew.root, 1, 2),
        (crew.lee, 0, 1),
        (crew.mia, 0, 1),
    ):
        stats = (await details(client, who, post))["stats"]
        assert (stats["helped"], stats["hurt"]) == (helped, 1), who.handle
        listed = await api(client, who, "GET", url, 200)
        assert len(listed["items"]) == seen, who.handle
        assert all(v["account"]["slug"] != "vault" for v in listed["items"][: 2 - seen])
    await api_error(client, crew.lee, "GET", "/api/v1/accounts/vault/collateral", 404)
    used = await api(client, crew.sam, "GET", "/api/v1/accounts/vault/collateral", 200)
    assert [u["post"]["id"] for u in used["items"]] == [post["id"]]
    assert [v["note"] for v in used["items"][0]["verdicts"]] == ["Vault's CISO"]


# The 30-day rule and new versions.


async def test_three_failures_for_one_reason_send_the_asset_back_to_its_author(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await asset(client, crew.mia, "Battlecard")
    await verdict(client, crew.sam, post, verdict="not_used", reason="missing_pricing")
    await verdict(client, crew.lee, post, verdict="hurt", reason="missing_pricing")
    await verdict(client, crew.kim, post, verdict="not_used", reason="too_long")
    assert (await details(client, crew.mia, post))["status"] == "active"
    assert "collateral_flagged" not in await kinds(client, crew.mia)
    await verdict(
        client, crew.kim, post, verdict="not_used", reason="missing_pricing", account="globex"
    )
    info = await details(client, crew.mia, post)
    assert (info["status"], info["flagged_reason"]) == ("needs_revision", "missing_pricing")
    assert (await kinds(client, crew.mia)).count("collateral_flagged") == 1
    # A fourth failure tells the author nothing new.
    await verdict(client, crew.root, post, verdict="hurt", reason="missing_pricing")
    assert (await kinds(client, crew.mia)).count("collateral_flagged") == 1


async def test_failures_older_than_30_days_do_not_count(
    app: FastAPI, client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await asset(client, crew.mia, "Old deck")
    await verdict(client, crew.sam, post, verdict="not_used", reason="outdated")
    await verdict(client, crew.lee, post, verdict="not_used", reason="outdated")
    await age_verdicts(app, post["id"], days=31)
    await verdict(client, crew.kim, post, verdict="not_used", reason="outdated")
    assert (await details(client, crew.mia, post))["status"] == "active"


async def test_an_edit_of_what_it_says_makes_a_new_version(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await asset(client, crew.mia, "Pricing guide")
    for rep in (crew.sam, crew.lee, crew.kim):
        await verdict(client, rep, post, verdict="not_used", reason="missing_pricing")
    assert (await details(client, crew.mia, post))["status"] == "needs_revision"
    url = f"{POSTS}/{post['id']}"
    # Tags and catalogue data are not a new version.
    edited = await api(
        client,
        crew.mia,
        "PATCH",
        url,
        200,
        json={"topics": ["pricing"], "collateral": {"stage": "decision"}},
    )
    assert (edited["collateral"]["version"], edited["collateral"]["stage"]) == (1, "decision")
    assert "collateral_updated" not in await kinds(client, crew.sam)
    edited = await api(
        client, crew.mia, "PATCH", url, 200, json={"body": "Now with the 2027 price list."}
    )
    info = edited["collateral"]
    assert (info["version"], info["status"], info["flagged_reason"]) == (2, "active", None)
    assert info["stats"]["not_used"] == 0
    assert info["stats"]["top_reasons"] == []
    for rep in (crew.sam, crew.lee, crew.kim):
        assert "collateral_updated" in await kinds(client, rep), rep.handle
    assert "collateral_updated" not in await kinds(client, crew.mia)
    # A verdict now is about version 2; version 1's stay in the history.
    given = await verdict(client, crew.sam, post, verdict="helped")
    assert given["version"] == 2
    listed = await api(client, crew.mia, "GET", f"{url}/verdicts", 200)
    assert sorted(v["version"] for v in listed["items"]) == [1, 1, 1, 2]


async def test_the_author_retires_an_asset_and_nobody_else_can(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await asset(client, crew.mia, "2024 deck")
    url = f"{POSTS}/{post['id']}"
    await api_error(client, crew.sam, "PATCH", url, 403, json={"collateral": {"status": "retired"}})
    await api_error(
        client,
        crew.mia,
        "PATCH",
        url,
        422,
        "validation_error",
        json={"collateral": {"status": "gone"}},
    )
    edited = await api(
        client, crew.mia, "PATCH", url, 200, json={"collateral": {"status": "retired"}}
    )
    assert edited["collateral"]["status"] == "retired"


# The library and the to-do list.


async def test_the_library_filters_and_sorts(client: httpx.AsyncClient, crew: Crew) -> None:
    roi = await asset(client, crew.mia, "ROI calculator", audience=["CFO"], industries=["Retail"])
    case = await asset(
        client, crew.mia, "Acme case study", audience=["CTO"], industries=["Manufacturing"]
    )
    deck = await make_post(
        client,
        crew.mia,
        "The pitch deck for first calls",
        kind="collateral",
        title="Pitch deck",
        collateral={"stage": "awareness", "audience": ["CFO", "CTO"]},
    )
    await make_post(client, crew.mia, "Not collateral at all")
    for rep in (crew.sam, crew.lee, crew.kim):
        await verdict(client, rep, case, verdict="helped")
    await verdict(client, crew.sam, roi, verdict="helped")
    await verdict(client, crew.lee, roi, verdict="hurt", reason="inaccurate")

    async def ids(**params: str) -> list[int]:
        page = await api(client, crew.sam, "GET", "/api/v1/collateral", 200, params=params)
        return [p["id"] for p in page["items"]]

    assert await ids() == [deck["id"], case["id"], roi["id"]]
    assert await ids(stage="awareness") == [deck["id"]]
    assert await ids(audience="cfo") == [deck["id"], roi["id"]]
    assert await ids(industry="Retail") == [roi["id"]]
    assert await ids(q="case stud") == [case["id"]]
    assert await ids(sort="score") == [case["id"], roi["id"], deck["id"]]
    assert await ids(sort="uses") == [case["id"], roi["id"], deck["id"]]
    assert await ids(status="needs_revision") == []
    for sort in ("newest", "score", "uses"):
        pages = await all_pages(client, crew.sam, "/api/v1/collateral", limit=2, sort=sort)
        assert [p["id"] for page in pages for p in page] == await ids(sort=sort)
    await api_error(client, crew.sam, "GET", "/api/v1/collateral", 422, params={"sort": "best"})
    await api_error(client, crew.sam, "GET", "/api/v1/collateral", 422, params={"stage": "x"})


async def test_the_library_shows_only_what_the_viewer_may_see(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    secret = await make_post(
        client,
        crew.sam,
        "Our proposal for $vault",
        kind="collateral",
        title="Vault proposal",
        collateral={"stage": "decision", "industries": ["Banking"]},
    )
    for outsider in (crew.lee, crew.mia):
        seen = await api(client, outsider, "GET", "/api/v1/collateral", 200)
        assert secret["id"] not in [p["id"] for p in seen["items"]]
        todo = await api(client, outsider, "GET", "/api/v1/collateral/attention", 200)
        assert secret["id"] not in {p["id"] for lst in todo.values() for p in lst}
    seen = await api(client, crew.sam, "GET", "/api/v1/collateral", 200)
    assert secret["id"] in [p["id"] for p in seen["items"]]


async def test_attention_lists_what_marketing_must_fix(
    app: FastAPI, client: httpx.AsyncClient, crew: Crew
) -> None:
    flagged = await asset(client, crew.mia, "Flagged")
    for rep in (crew.sam, crew.lee, crew.kim):
        await verdict(client, rep, flagged, verdict="not_used", reason="wrong_audience")
    low = await asset(client, crew.mia, "Low")
    await verdict(client, crew.sam, low, verdict="hurt", reason="inaccurate")
    await verdict(client, crew.lee, low, verdict="hurt", reason="too_long")
    await verdict(client, crew.kim, low, verdict="helped")
    good = await asset(client, crew.mia, "Good")
    for rep in (crew.sam, crew.lee, crew.kim):
        await verdict(client, rep, good, verdict="helped")
    stale = await asset(client, crew.mia, "Stale")
    fresh = await asset(client, crew.mia, "Fresh")
    async with transaction(app.state.sessionmaker) as session:
        await session.execute(
            update(Collateral)
            .where(Collateral.post_id == stale["id"])
            .values(version_at=utcnow() - timedelta(days=91))
        )
    todo = await api(client, crew.mia, "GET", "/api/v1/collateral/attention", 200)
    assert [p["id"] for p in todo["needs_revision"]] == [flagged["id"]]
    assert [p["id"] for p in todo["unused"]] == [stale["id"]]
    assert [p["id"] for p in todo["low_score"]] == [low["id"]]
    assert fresh["id"] not in {p["id"] for lst in todo.values() for p in lst}
    assert todo["needs_revision"][0]["collateral"]["flagged_reason"] == "wrong_audience"


async def test_an_account_lists_the_collateral_used_there(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    deck = await asset(client, crew.mia, "Deck")
    sheet = await asset(client, crew.mia, "Sheet")
    await verdict(client, crew.sam, deck, verdict="helped", account="acme", note="Opened the door")
    await verdict(client, crew.lee, sheet, verdict="not_used", reason="outdated", account="globex")
    await verdict(client, crew.kim, sheet, verdict="hurt", reason="outdated", account="acme")
    used = await api(client, crew.lee, "GET", "/api/v1/accounts/acme/collateral", 200)
    assert [u["post"]["id"] for u in used["items"]] == [sheet["id"], deck["id"]]
    assert [v["user"]["handle"] for v in used["items"][0]["verdicts"]] == ["kim"]
    assert used["items"][1]["verdicts"][0]["note"] == "Opened the door"
    pages = await all_pages(client, crew.lee, "/api/v1/accounts/acme/collateral", limit=1)
    assert [[u["post"]["id"] for u in p] for p in pages] == [[sheet["id"]], [deck["id"]]]
