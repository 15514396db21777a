"""Agreements through the API: clauses, the shared sign-off rules, hand-kept checks, and the
scorecard's metrics computed on constructed data (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute

from app.collateral.models import Verdict
from app.core.db import transaction
from app.posts.models import Comment, Post
from app.questions.models import Question
from app.stories.models import Story, StoryStatus
from app.users.models import Department
from tests.checks import all_pages, api_error
from tests.factories import Person, api, make_account, make_post, make_user

AGREEMENTS = "/api/v1/agreements"
MARCH = "2026-03"
IN_MARCH = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
IN_APRIL = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)

SLA: dict[str, Any] = {
    "title": "Sales and marketing SLA, Q1 2026",
    "period_start": "2026-01-01",
    "period_end": "2026-03-31",
    "clauses": [
        {
            "owner_department": "marketing",
            "text": "Reply to reps",
            "metric": "cross_department_reply_share",
            "target": 0.5,
        },
        {
            "owner_department": "sales",
            "text": "Judge the collateral you used",
            "metric": "collateral_verdicts_per_rep",
            "target": 1.5,
        },
        {
            "owner_department": "sales",
            "text": "Share win stories",
            "metric": "stories_submitted",
            "target": 2,
        },
        {
            "owner_department": "marketing",
            "text": "Answer questions within a day",
            "metric": "question_first_answer_hours",
            "target": 24,
        },
        {
            "owner_department": "marketing",
            "text": "Publish stories within two weeks",
            "metric": "story_to_published_days",
            "target": 14,
        },
        {"owner_department": "marketing", "text": "Monthly campaign briefing for sales"},
    ],
}


async def leads(app: FastAPI) -> tuple[Person, Person]:
    grace = await make_user(app, "grace", department=Department.marketing, lead=True)
    sofia = await make_user(app, "sofia", department=Department.sales, lead=True)
    return grace, sofia


async def propose(client: httpx.AsyncClient, who: Person, **changes: Any) -> dict[str, Any]:
    result: dict[str, Any] = await api(client, who, "POST", AGREEMENTS, 201, json=SLA | changes)
    return result


async def sign(
    client: httpx.AsyncClient, who: Person, agreement: dict[str, Any], decision: str, **extra: Any
) -> Any:
    url = f"{AGREEMENTS}/{agreement['id']}/signoffs"
    return await api(client, who, "POST", url, 201, json={"decision": decision, **extra})


async def get(client: httpx.AsyncClient, who: Person, agreement: dict[str, Any]) -> Any:
    return await api(client, who, "GET", f"{AGREEMENTS}/{agreement['id']}", 200)


async def scorecard(
    client: httpx.AsyncClient, who: Person, agreement: dict[str, Any], period: str = MARCH
) -> dict[int, dict[str, Any]]:
    card = await api(
        client,
        who,
        "GET",
        f"{AGREEMENTS}/{agreement['id']}/scorecard",
        200,
        params={"period": period},
    )
    assert card["period"] == period
    return {c["number"]: c for c in card["clauses"]}


async def back_date(
    app: FastAPI, column: InstrumentedAttribute[Any], ids: list[int], when: datetime
) -> None:
    model = column.class_
    async with transaction(app.state.sessionmaker) as session:
        await session.execute(update(model).where(column.in_(ids)).values(created_at=when))


async def test_an_agreement_is_signed_by_both_leads_and_an_edit_starts_again(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    created = await propose(client, grace)
    assert (created["status"], created["version"]) == ("proposed", 1)
    assert [c["number"] for c in created["clauses"]] == [1, 2, 3, 4, 5, 6]
    assert created["clauses"][5] == {
        "number": 6,
        "owner_department": "marketing",
        "text": "Monthly campaign briefing for sales",
        "metric": None,
        "target": None,
    }
    await sign(client, grace, created, "approve")
    await sign(client, sofia, created, "approve", version=1)
    agreed = await get(client, sofia, created)
    assert (agreed["status"], agreed["agreed_version"]) == ("agreed", 1)

    clauses = SLA["clauses"][:2]
    edited = await api(
        client, sofia, "PATCH", f"{AGREEMENTS}/{created['id']}", 200, json={"clauses": clauses}
    )
    assert (edited["status"], edited["version"], len(edited["clauses"])) == ("proposed", 2, 2)
    assert edited["title"] == SLA["title"]  # left out: kept
    [v2, v1] = edited["versions"]
    assert (len(v1["content"]["clauses"]), len(v2["content"]["clauses"])) == (6, 2)
    assert {s["user"]["handle"] for s in v1["signoffs"]} == {"grace", "sofia"}
    await api_error(
        client,
        grace,
        "POST",
        f"{AGREEMENTS}/{created['id']}/signoffs",
        409,
        "version_not_current",
        json={"decision": "approve", "version": 1},
    )
    await sign(client, grace, created, "reject", comment="Keep the briefing clause.")
    assert (await get(client, grace, created))["status"] == "disputed"
    thread = await api(client, sofia, "GET", f"{AGREEMENTS}/{created['id']}/comments", 200)
    assert [c["body"] for c in thread["items"]] == ["Keep the briefing clause."]
    page = await api(client, sofia, "GET", "/api/v1/notifications", 200)
    assert page["items"][0]["summary"] == (f'disputed version 2 of the agreement "{SLA["title"]}"')
    assert page["items"][0]["path"] == f"/agreements/{created['id']}"


async def test_bad_agreements_are_refused_and_nothing_is_written(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, _ = await leads(app)
    rep = await make_user(app, "rep")
    await api_error(client, rep, "POST", AGREEMENTS, 403, "not_a_lead", json=SLA)
    clause = {"owner_department": "marketing", "text": "x"}
    for body in (
        SLA | {"period_end": "2025-12-31"},  # ends before it starts
        SLA | {"period_end": "2029-12-31"},  # more than three years
        SLA | {"period_start": "0001-01-01"},
        SLA | {"clauses": [clause | {"metric": "happiness"}]},
        SLA | {"clauses": [clause | {"target": 3}]},  # a target without a metric
        SLA | {"clauses": [clause | {"owner_department": "finance"}]},
        SLA | {"clauses": []},
        SLA | {"required_departments": ["sales", "finance"]},
        SLA | {"title": ""},
        SLA | {"period_start": "2026-02-30"},
    ):
        await api_error(client, grace, "POST", AGREEMENTS, 422, json=body)
    await api_error(
        client,
        grace,
        "POST",
        AGREEMENTS,
        422,
        "owner_not_signing",
        json=SLA | {"clauses": [clause | {"owner_department": "product"}]},
    )
    assert (await api(client, grace, "GET", AGREEMENTS, 200))["items"] == []
    await api_error(client, grace, "GET", f"{AGREEMENTS}/999", 404, "unknown_agreement")


async def test_only_leads_of_required_departments_sign_and_edit(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, _ = await leads(app)
    rep = await make_user(app, "rep")
    cs_lead = await make_user(app, "cleo", department=Department.customer_success, lead=True)
    created = await propose(client, grace)
    url = f"{AGREEMENTS}/{created['id']}"
    await api_error(
        client, rep, "POST", f"{url}/signoffs", 403, "not_a_lead", json={"decision": "approve"}
    )
    await api_error(
        client,
        cs_lead,
        "POST",
        f"{url}/signoffs",
        403,
        "department_not_required",
        json={"decision": "approve"},
    )
    await api_error(client, rep, "PATCH", url, 403, "not_an_editor", json={"title": "Mine"})
    await api_error(client, cs_lead, "PATCH", url, 403, "not_an_editor", json={"title": "Mine"})
    assert (await get(client, rep, created))["signoffs"] == []


async def test_a_clause_without_a_metric_is_recorded_by_its_owner_lead(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    other_marketer = await make_user(app, "mo", department=Department.marketing)
    created = await propose(client, grace)
    checks = f"{AGREEMENTS}/{created['id']}/clauses"
    assert (await scorecard(client, sofia, created))[6]["met"] is None
    await api_error(
        client,
        sofia,
        "PUT",
        f"{checks}/6/checks/{MARCH}",
        403,
        "not_the_owner",
        json={"status": "met"},
    )
    await api_error(
        client,
        other_marketer,
        "PUT",
        f"{checks}/6/checks/{MARCH}",
        403,
        "not_the_owner",
        json={"status": "met"},
    )
    await api_error(
        client,
        grace,
        "PUT",
        f"{checks}/1/checks/{MARCH}",
        422,
        "clause_is_measured",
        json={"status": "met"},
    )
    await api_error(
        client,
        grace,
        "PUT",
        f"{checks}/9/checks/{MARCH}",
        404,
        "unknown_clause",
        json={"status": "met"},
    )
    await api_error(client, grace, "PUT", f"{checks}/6/checks/2026-13", 422, json={"status": "met"})
    await api_error(
        client,
        grace,
        "PUT",
        f"{checks}/6/checks/2026-04",
        422,
        "outside_period",
        json={"status": "met"},
    )
    await api_error(
        client, grace, "PUT", f"{checks}/6/checks/{MARCH}", 422, json={"status": "sort of"}
    )
    await api(
        client,
        grace,
        "PUT",
        f"{checks}/6/checks/{MARCH}",
        200,
        json={"status": "missed", "note": "Skipped: the launch week."},
    )
    recorded = await api(
        client,
        grace,
        "PUT",
        f"{checks}/6/checks/{MARCH}",
        200,
        json={"status": "met", "note": "Held on the 28th."},
    )
    assert recorded["user"]["handle"] == "grace"
    six = (await scorecard(client, sofia, created))[6]
    assert (six["met"], six["check"]["note"], six["actual"]) == (True, "Held on the 28th.", None)
    assert (await scorecard(client, sofia, created, "2026-02"))[6]["met"] is None


async def test_the_scorecard_measures_each_metric_on_known_data(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    mia = await make_user(app, "mia", department=Department.marketing)
    sam = await make_user(app, "sam", department=Department.sales)
    lee = await make_user(app, "lee", department=Department.sales)
    await make_user(app, "kim", department=Department.sales)  # a rep who judged nothing
    await make_account(client, sam, "Acme")
    agreement = await propose(client, grace)

    # Replies: marketing writes 4 comments in March on others' posts, 3 of them on sales'
    # posts; one more on marketing's own post does not count, nor one in April.
    sales_post = await make_post(client, sam, "Call notes from $acme")
    marketing_post = await make_post(client, mia, "Webinar brief")
    own_post = await make_post(client, grace, "My own update")
    comments = []
    for who, post in (
        (grace, sales_post),
        (mia, sales_post),
        (mia, sales_post),
        (grace, marketing_post),
        (grace, own_post),
    ):
        comments.append(
            await api(
                client,
                who,
                "POST",
                f"/api/v1/posts/{post['id']}/comments",
                201,
                json={"body": "Noted."},
            )
        )
    late = await api(
        client,
        mia,
        "POST",
        f"/api/v1/posts/{sales_post['id']}/comments",
        201,
        json={"body": "Late."},
    )
    await back_date(app, Comment.id, [c["id"] for c in comments], IN_MARCH)
    await back_date(app, Comment.id, [late["id"]], IN_APRIL)

    # Verdicts: the four sales people (sofia, sam, lee, kim) gave 5 in March, 1 in April.
    deck = await make_post(
        client, mia, "The deck", kind="collateral", title="Deck", collateral={"stage": "decision"}
    )
    pager = await make_post(
        client,
        mia,
        "The pager",
        kind="collateral",
        title="Pager",
        collateral={"stage": "awareness"},
    )
    march_verdicts = []
    for who, post in ((sam, deck), (sam, pager), (lee, deck), (lee, pager), (sofia, deck)):
        march_verdicts.append(
            await api(
                client,
                who,
                "POST",
                f"/api/v1/posts/{post['id']}/verdicts",
                201,
                json={"verdict": "helped"},
            )
        )
    april = await api(
        client,
        sofia,
        "POST",
        f"/api/v1/posts/{pager['id']}/verdicts",
        201,
        json={"verdict": "neutral"},
    )
    await back_date(app, Verdict.id, [v["id"] for v in march_verdicts], IN_MARCH)
    await back_date(app, Verdict.id, [april["id"]], IN_APRIL)

    # Win stories: sales submits 3 in March; marketing's one does not count for sales.
    stories = [
        await make_post(client, who, f"Won {n}", kind="win_story")
        for n, who in enumerate((sam, lee, sam, mia))
    ]
    await back_date(app, Post.id, [s["id"] for s in stories], IN_MARCH)
    # Published in March after 10 and 20 days (median 15, over the 14 agreed); one more
    # published in April does not count for March.
    march = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for story, submitted, days in (
        (stories[0], march, 10),
        (stories[1], march, 20),
        (stories[3], march - timedelta(days=10), 45),
    ):
        async with transaction(app.state.sessionmaker) as session:
            await session.execute(
                update(Story)
                .where(Story.post_id == story["id"])
                .values(
                    status=StoryStatus.published,
                    submitted_at=submitted,
                    published_at=submitted + timedelta(days=days),
                )
            )

    # Questions to marketing asked in March: answered after 2 h and 7 h, one still open; one
    # asked of sales does not count, nor one answered by sales.
    asked = IN_MARCH
    for hours, to in ((2, "marketing"), (7, "marketing"), (None, "marketing"), (1, "sales")):
        question = await make_post(
            client, sam, "Which deck for $acme?", kind="question", to_department=to
        )
        answered = asked + timedelta(hours=hours) if hours else None
        async with transaction(app.state.sessionmaker) as session:
            await session.execute(
                update(Question)
                .where(Question.post_id == question["id"])
                .values(asked_at=asked, first_answer_at=answered)
            )

    card = await scorecard(client, sofia, agreement)
    assert (card[1]["actual"], card[1]["unit"], card[1]["met"]) == (0.75, "share", True)
    assert (card[2]["actual"], card[2]["met"]) == (1.25, False)  # 5 verdicts / 4 sales people
    assert (card[3]["actual"], card[3]["unit"], card[3]["met"]) == (3, "stories", True)
    assert (card[4]["actual"], card[4]["unit"], card[4]["met"]) == (4.5, "hours", True)  # median
    assert (card[5]["actual"], card[5]["unit"], card[5]["met"]) == (15.0, "days", False)
    april_card = await scorecard(client, sofia, agreement, "2026-04")
    assert april_card[1]["actual"] == 1.0  # the one late reply crossed departments
    assert april_card[2]["actual"] == 0.25
    assert (april_card[3]["actual"], april_card[3]["met"]) == (0, False)
    assert april_card[4]["actual"] is None
    assert (
        april_card[4]["reason"]
        == "No answer to measure from marketing: nobody asked it a question."
    )
    assert april_card[5]["actual"] == 45.0
    empty = await scorecard(client, sofia, agreement, "2025-01")
    assert (empty[5]["actual"], empty[5]["reason"]) == (
        None,
        "No win story was published in 2025-01.",
    )
    assert empty[1]["actual"] is None
    assert "replied" in empty[1]["reason"]
    for period in ("0000-01", "9999-12"):
        await api_error(
            client,
            sofia,
            "GET",
            f"{AGREEMENTS}/{agreement['id']}/scorecard",
            422,
            params={"period": period},
        )
    await api_error(
        client,
        sofia,
        "GET",
        f"{AGREEMENTS}/{agreement['id']}/scorecard",
        422,
        params={"period": "March"},
    )


async def test_the_list_pages_and_filters_by_status(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    grace, sofia = await leads(app)
    made = [await propose(client, grace, title=f"SLA {n}") for n in range(5)]
    await sign(client, grace, made[1], "approve")
    await sign(client, sofia, made[1], "approve")
    pages = await all_pages(client, grace, AGREEMENTS, limit=2)
    assert [a["title"] for page in pages for a in page] == [f"SLA {n}" for n in (4, 3, 2, 1, 0)]
    agreed = await api(client, grace, "GET", AGREEMENTS, 200, params={"status": "agreed"})
    assert [a["id"] for a in agreed["items"]] == [made[1]["id"]]
