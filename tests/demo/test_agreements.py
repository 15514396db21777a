"""The demo's glossary and agreement: what the two leads signed, what they still argue about,
and a scorecard with real figures for this quarter, read through the API the way a demo user
would; and the questions across the divide the scorecard measures. The demo is seeded once
per database kind for this file (its tests share a worker, see tests/conftest.py)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Row, select
from sqlalchemy.orm import aliased

from app.agreements.metrics import Month, measure
from app.agreements.models import Metric
from app.core.db import transaction
from app.core.migrate import upgrade
from app.demo import seed
from app.demo.agreeing import business_days_before, months_after, quarter_of
from app.demo.content import load
from app.demo.generator import HISTORY_DAYS
from app.main import create_app
from app.notifications.models import Notification, NotificationKind
from app.posts.models import Comment, Post
from app.questions.models import Question, QuestionStatus
from app.stories.models import Story, StoryStatus, StoryStep
from app.users.models import Department, User
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


async def test_questions_cross_the_divide_and_are_answered_on_the_clock(
    demo: FastAPI, client: httpx.AsyncClient
) -> None:
    """Sales asks marketing and marketing asks the field; the department asked answers after
    a believable wait, the asker accepts some answers, a few (mostly recent) still wait; the
    notifications are dated like what they tell of, and the agreement's clause on answering
    questions has a figure for each month of the quarter the demo covers."""
    questions, comments, routed, accepted = await _questions(demo)
    now = datetime.now(UTC)
    sales, marketing = Department.sales, Department.marketing
    asked = Counter((q.asker, q.Question.to_department) for q in questions)
    assert asked[(sales, marketing.value)] >= 5
    assert asked[(marketing, sales.value)] >= 3
    assert asked[(sales, None)] >= 1  # some are asked of everyone
    # Accepted, answered and not accepted, still waiting.
    assert set(Counter(q.Question.status for q in questions)) == set(QuestionStatus)

    by_post: dict[int, list[Row[Any]]] = {}
    for comment in comments:
        by_post.setdefault(comment.post_id, []).append(comment)
    hours = []
    for q in questions:
        question = q.Question
        assert question.asked_at == q.posted_at
        # The first comment from whoever may answer (the department asked; for everyone,
        # anyone but the asker) is the first answer; an open question has none.
        answers = [
            c
            for c in by_post.get(question.post_id, [])
            if c.author_id != q.asker_id and question.to_department in (None, c.department.value)
        ]
        if question.status is QuestionStatus.open:
            assert answers == [], question.post_id
            assert question.first_answer_at is None
            continue
        first = answers[0]
        assert question.to_department in (None, first.department.value)
        assert question.first_answer_id == first.id
        assert question.first_answer_at == first.created_at
        assert question.asked_at < question.first_answer_at < now
        hours.append((question.first_answer_at - question.asked_at).total_seconds() / 3600)
        if question.status is QuestionStatus.accepted:
            assert question.accepted_comment_id == first.id
            assert question.accepted_at is not None
            assert question.first_answer_at < question.accepted_at < now
            # Soon after reading it: accepted in the story, not when the demo was seeded.
            assert question.accepted_at - question.first_answer_at < timedelta(days=4)
            assert accepted[question.post_id] == (first.author_id, question.accepted_at)
        else:
            assert question.accepted_at is None
            assert question.post_id not in accepted
    # Believable waits: a few within two hours, most within a day, a couple over two days.
    assert any(h < 2 for h in hours)
    assert sum(h < 24 for h in hours) > len(hours) / 2
    assert any(h > 48 for h in hours)
    waiting = [q.Question.asked_at for q in questions if q.Question.status is QuestionStatus.open]
    assert sum(now - at < timedelta(days=7) for at in waiting) > len(waiting) / 2

    # Routed to the department asked, never to the asker, when the question was asked.
    told = {q.Question.post_id: q for q in questions}
    assert routed
    for note in routed:
        q = told[note.post_id]
        assert note.department.value == q.Question.to_department
        assert note.user_id != q.asker_id
        assert note.created_at == q.Question.asked_at

    await _answer_hours_measured(client, questions, now)


async def _questions(
    demo: FastAPI,
) -> tuple[list[Row[Any]], list[Row[Any]], list[Row[Any]], dict[int, tuple[int, datetime]]]:
    """Every question with its asker; the comments on them, oldest first, with their authors'
    departments; the routing notifications with their recipients' departments; and who was
    told of each acceptance, when."""
    asker, author = aliased(User), aliased(User)
    async with transaction(demo.state.sessionmaker, write=False) as session:
        questions = (
            await session.execute(
                select(
                    Question,
                    Post.created_at.label("posted_at"),
                    asker.id.label("asker_id"),
                    asker.department.label("asker"),
                )
                .join(Post, Post.id == Question.post_id)
                .join(asker, asker.id == Post.author_id)
                .order_by(Question.post_id)
            )
        ).all()
        comments = (
            await session.execute(
                select(
                    Comment.id,
                    Comment.post_id,
                    Comment.author_id,
                    Comment.created_at,
                    author.department,
                )
                .join(author, author.id == Comment.author_id)
                .where(Comment.post_id.in_(select(Question.post_id)))
                .order_by(Comment.id)
            )
        ).all()
        n = Notification
        routed = (
            await session.execute(
                select(n.post_id, n.user_id, n.created_at, author.department)
                .join(author, author.id == n.user_id)
                .where(n.kind == NotificationKind.question_routed)
            )
        ).all()
        accepted = (
            await session.execute(
                select(n.post_id, n.user_id, n.created_at).where(
                    n.kind == NotificationKind.answer_accepted
                )
            )
        ).all()
    assert len({a.post_id for a in accepted}) == len(accepted)
    return questions, comments, routed, {a.post_id: (a.user_id, a.created_at) for a in accepted}


async def _answer_hours_measured(
    client: httpx.AsyncClient, questions: list[Row[Any]], now: datetime
) -> None:
    """The clause on answering questions is measured in each month of the quarter that is
    over and that the demo's history mostly covers (in December: October and November), as
    the median wait for a first answer from the department that owes it."""
    [summary] = (await get(client, "/api/v1/agreements"))["items"]
    start, _ = quarter_of(now.date())
    history = now.date() - timedelta(days=HISTORY_DAYS)
    months = [
        m
        for m in (start, months_after(start, 1))
        if months_after(m, 1) <= now.date() and m + timedelta(days=15) >= history
    ]
    assert months or months_after(start, 1) > now.date()
    for month in months:
        period = f"{month.year:04d}-{month.month:02d}"
        card = await get(client, f"/api/v1/agreements/{summary['id']}/scorecard", period=period)
        [clause] = [c for c in card["clauses"] if c["metric"] == "question_first_answer_hours"]
        owed = clause["owner_department"]
        waits = [
            (q.Question.first_answer_at - q.Question.asked_at).total_seconds() / 3600
            for q in questions
            if q.Question.to_department == owed
            and q.Question.first_answer_at is not None
            and f"{q.Question.asked_at:%Y-%m}" == period
        ]
        assert isinstance(clause["actual"], float | int), (period, clause)
        assert clause["actual"] == round(statistics.median(waits), 1)
        assert clause["met"] is (clause["actual"] <= clause["target"])


async def test_win_stories_are_at_every_stage_and_two_are_testimonials(
    demo: FastAPI, client: httpx.AsyncClient
) -> None:
    """The hand-written win stories: every status, two published testimonials with their
    quote and account, the confidential one stopped at consent; each history in order and in
    the past; the generated stories older than two weeks were looked at by marketing; and the
    published ones have a story-to-testimonial figure for their month."""
    told = {s.title: s for s in load().stories}
    now = datetime.now(UTC)
    async with transaction(demo.state.sessionmaker, write=False) as session:
        rows = (
            await session.execute(
                select(Post.title, Post.created_at, Story).join(Story, Story.post_id == Post.id)
            )
        ).all()
        steps = (await session.execute(select(StoryStep).order_by(StoryStep.id))).scalars().all()
        published_months = {
            Month.of(r.Story.published_at.date()) for r in rows if r.Story.published_at
        }
        figures = [
            await measure(session, Metric.story_to_published_days, Department.marketing, m)
            for m in published_months
        ]
    ours = {r.title: r for r in rows if r.title in told}
    assert set(ours) == set(told)
    assert {r.Story.status for r in ours.values()} == set(StoryStatus)
    for title, row in ours.items():
        assert row.Story.status is told[title].status, title
    published = {r.title for r in rows if r.Story.status is StoryStatus.published}
    assert published == {t for t, s in told.items() if s.status is StoryStatus.published}
    assert len(published) == 2

    history: dict[int, list[StoryStep]] = {}
    for step in steps:
        history.setdefault(step.post_id, []).append(step)
    for row in rows:
        story = row.Story
        moves = history[story.post_id]
        assert moves[0].from_status is None
        assert moves[0].to_status is StoryStatus.submitted
        assert [m.to_status for m in moves][-1] is story.status
        times = [_utc(m.at) for m in moves]
        assert times == sorted(times), row.title
        assert times[-1] < now, row.title
        assert _utc(story.submitted_at) == _utc(row.created_at) == times[0]
        if story.status is StoryStatus.published:
            assert story.consent_note
            assert story.consent_at
            assert story.published_at
            assert _utc(story.submitted_at) < _utc(story.consent_at) < _utc(story.published_at)
        # The generated stories (no fields) wait two weeks at most before marketing looks.
        if not story.problem and story.status is StoryStatus.submitted:
            assert now - _utc(row.created_at) < timedelta(days=15), row.title

    page = await get(client, "/api/v1/testimonials")
    listed = {t["account"]["slug"]: t for t in page["items"]}
    assert set(listed) == {told[t].account for t in published}
    for title in published:
        assert listed[told[title].account]["quote"] == told[title].quote.strip()

    [secret] = [t for t, s in told.items() if s.status is StoryStatus.consent_granted]
    assert ours[secret].Story.consent_note
    # The rep who owns it reads it (same client and transaction, the rep's token).
    rep = next(login for login in load().logins.values() if login.label == "sales rep")
    token = await client.post(
        "/api/v1/auth/token", json={"email": rep.email, "password": rep.password}
    )
    assert token.status_code == 200, token.text
    response = await client.get(
        f"/api/v1/posts/{ours[secret].Story.post_id}",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert response.status_code == 200, response.text
    post = response.json()
    assert post["story"]["publishable"] is False
    assert post["story"]["status"] == "consent_granted"
    assert "published" not in post["story"]["next"]

    assert figures
    assert all(isinstance(f.actual, float) for f in figures), figures


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
