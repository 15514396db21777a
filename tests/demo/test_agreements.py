"""The demo's glossary and agreement: what the two leads signed, what they still argue about,
and a scorecard with real figures for this quarter, read through the API the way a demo user
would. One test per database kind reads it all: the demo is seeded once for each, whichever
worker runs it (xdist does not keep a file's tests together under pytest 9)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.migrate import upgrade
from app.demo import seed
from app.demo.agreeing import business_days_before, months_after, quarter_of
from app.demo.content import load
from app.main import create_app
from tests.checks import client_for
from tests.conftest import fresh_database, rolled_back
from tests.conftest import test_settings as settings_for

AGREED = {"Lead", "MQL", "SQL", "Qualified opportunity"}


@pytest.fixture(scope="module")
async def demo(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FastAPI]:
    url = fresh_database(backend, tmp_path_factory.mktemp(f"agreements-{backend}"), "agreements")
    upgrade(url)
    application = create_app(settings_for(url))
    async with application.router.lifespan_context(application):
        await seed(
            application.state.sessionmaker,
            storage=application.state.storage,
            progress=lambda line: None,
        )
        yield application


@pytest.fixture
async def client(demo: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the demo signed in as the marketer (a login, not a lead)."""
    marketer = next(login for login in load().logins.values() if login.label == "marketer")
    async with rolled_back(demo), client_for(demo) as c:
        token = await c.post(
            "/api/v1/auth/token", json={"email": marketer.email, "password": marketer.password}
        )
        assert token.status_code == 200, token.text
        c.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield c


async def get(client: httpx.AsyncClient, url: str, **params: str) -> Any:
    response = await client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def leads() -> dict[str, str]:
    """The leads by department: who signs for sales and for marketing."""
    story = load()
    departments = {p.handle: p.department.value for p in story.people}
    return {departments[h]: h for h in story.parts.leads}


async def test_the_leads_signed_the_glossary_and_this_quarters_agreement(
    client: httpx.AsyncClient,
) -> None:
    await _glossary(client)
    await _agreement(client)


async def _glossary(client: httpx.AsyncClient) -> None:
    """Four terms agreed by both leads, one after a disputed first version; one disputed
    with a real argument in its thread; one nobody has signed yet."""
    signers = leads()
    assert set(signers) == {"sales", "marketing"}
    page = await get(client, "/api/v1/glossary", limit="100")
    status = {t["term"]: t["status"] for t in page["items"]}
    assert {t for t, s in status.items() if s == "agreed"} == AGREED
    assert list(status.values()).count("disputed") == 1
    assert list(status.values()).count("proposed") == 1
    now = datetime.now(UTC)

    revised = 0
    for item in page["items"]:
        term = await get(client, f"/api/v1/glossary/{item['slug']}")
        times = [v["created_at"] for v in reversed(term["versions"])]
        assert times == sorted(times)
        assert all(datetime.fromisoformat(t) < now for t in times)  # back-dated, in the past
        if term["status"] == "agreed":
            # Both leads approved the version now in force, each for their department.
            signed = {
                (s["department"], s["user"]["handle"], s["decision"]) for s in term["signoffs"]
            }
            assert signed == {(d, h, "approve") for d, h in signers.items()}
            assert term["agreed_version"] == term["version"]
            assert term["agreed_definition"] == term["definition"]
            if term["version"] > 1:
                revised += 1
                first = term["versions"][-1]
                assert first["content"]["definition"] != term["definition"]
        elif term["status"] == "proposed":
            assert term["signoffs"] == []
            assert term["departments"] == dict.fromkeys(term["required_departments"])
        else:
            thread = await get(client, f"/api/v1/glossary/{item['slug']}/comments", limit="100")
            comments = thread["items"]
            authors = {c["author"]["handle"] for c in comments}
            assert len(comments) >= 3
            assert {c["author"]["department"] for c in comments} >= {"sales", "marketing"}
            assert len(authors) >= 3  # more people than the two leads take part
            # The rejection opens the thread, with its reason.
            assert comments[0]["decision"] == "reject"
            assert comments[0]["author"]["handle"] == signers["sales"]
            assert [c["created_at"] for c in comments] == sorted(c["created_at"] for c in comments)
            assert term["departments"] == {"sales": False, "marketing": None}
    # At least one term went through a second version after a lead disputed the first.
    assert revised >= 1
    mql = await get(client, "/api/v1/glossary/mql")
    assert mql["aliases"] == ["marketing-qualified lead"]
    assert [s["decision"] for s in mql["versions"][-1]["signoffs"]] == ["reject"]


async def _agreement(client: httpx.AsyncClient) -> None:
    """The agreement of the quarter, signed before it started, with this month's figures and
    the past months' hand-kept clauses recorded."""
    today = datetime.now(UTC).date()
    first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    page = await get(client, "/api/v1/agreements")
    [summary] = page["items"]
    agreement = await get(client, f"/api/v1/agreements/{summary['id']}")
    assert agreement["status"] == "agreed"
    assert date.fromisoformat(agreement["period_start"]) == first
    assert date.fromisoformat(agreement["period_end"]) == quarter_of(today)[1]
    assert f"Q{(first.month + 2) // 3} {first.year}" in agreement["title"]
    assert 5 <= len(agreement["clauses"]) <= 6
    signed = {(s["department"], s["decision"]) for s in agreement["signoffs"]}
    assert signed == {("sales", "approve"), ("marketing", "approve")}
    # Signed before the quarter it is about.
    assert all(date.fromisoformat(s["created_at"][:10]) < first for s in agreement["signoffs"])

    card = await get(client, f"/api/v1/agreements/{summary['id']}/scorecard")
    assert card["period"] == f"{today.year:04d}-{today.month:02d}"
    measured = [c for c in card["clauses"] if c["metric"] is not None]
    assert any(c["actual"] is not None for c in measured)
    for clause in measured:
        if clause["actual"] is None:
            assert clause["reason"]
            assert clause["met"] is None
        else:
            assert clause["met"] is (
                clause["actual"] >= clause["target"]
                if clause["metric"] != "question_first_answer_hours"
                else clause["actual"] <= clause["target"]
            )
    by_hand = [c for c in card["clauses"] if c["metric"] is None]
    assert by_hand
    # This month is not over: nobody recorded it yet.
    assert all(c["check"] is None and c["reason"] for c in by_hand)

    # The months of the quarter that are over were recorded by their owners' leads.
    signers = leads()
    month = first
    while months_after(month, 1) <= today:
        period = f"{month.year:04d}-{month.month:02d}"
        past = await get(client, f"/api/v1/agreements/{summary['id']}/scorecard", period=period)
        for clause in (c for c in past["clauses"] if c["metric"] is None):
            check = clause["check"]
            assert check is not None, (period, clause["number"])
            assert check["user"]["handle"] == signers[clause["owner_department"]]
            assert check["note"]
            assert clause["met"] is (check["status"] == "met")
            assert check["created_at"][:7] == period
        month = months_after(month, 1)


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2026, 12, 2), 1, date(2026, 12, 1)),  # Wednesday: the day before
        (date(2026, 11, 30), 1, date(2026, 11, 27)),  # Monday: the Friday before
        (date(2026, 11, 29), 1, date(2026, 11, 27)),  # Sunday: Friday
        (date(2026, 12, 2), 10, date(2026, 11, 18)),
    ],
)
def test_business_days_skip_weekends(day: date, count: int, expected: date) -> None:
    assert business_days_before(day, count) == expected


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (date(2026, 12, 2), (date(2026, 10, 1), date(2026, 12, 31))),
        (date(2026, 1, 1), (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 6, 30), (date(2026, 4, 1), date(2026, 6, 30))),
        (date(2026, 8, 15), (date(2026, 7, 1), date(2026, 9, 30))),
    ],
)
def test_the_quarter_of_a_day(day: date, quarter: tuple[date, date]) -> None:
    assert quarter_of(day) == quarter
