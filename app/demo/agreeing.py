"""The agreements story: the glossary the two leads signed (one term after a second version),
the term they still argue about, the one nobody has signed yet, and this quarter's
service-level agreement with the months its hand-kept clauses were recorded.

Written through the services like the rest of the demo, in the order it happened across
every term and the agreement (so ids grow with time), then each step's rows and the
notifications it sent are dated to when it happens in the story (`agreements.toml`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.agreements import contracts, glossary, service
from app.agreements.models import (
    ClauseCheck,
    Decision,
    Discussion,
    Signable,
    SignableFollow,
    SignableVersion,
    Signoff,
    Status,
    SubjectKind,
)
from app.agreements.schemas import (
    AgreementCreate,
    CheckCreate,
    ClauseIn,
    CommentCreate,
    SignoffCreate,
    TermCreate,
    TermUpdate,
)
from app.core.db import transaction
from app.demo.content import AgreementStory, Step, TermStory
from app.demo.dating import notifications_at
from app.users.models import User

Write = Callable[[AsyncSession], Awaitable[None]]
# The tables whose rows a step writes, dated together after it.
_STAMPED = (SignableVersion, Signoff, Discussion, SignableFollow, ClauseCheck)


def business_days_before(day: date, count: int) -> date:
    """The weekday `count` weekdays before `day`."""
    while count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def months_after(first: date, count: int) -> date:
    """The first day of the month `count` months after the month that starts on `first`."""
    index = first.year * 12 + first.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def quarter_of(day: date) -> tuple[date, date]:
    """The first and last day of the calendar quarter `day` is in."""
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first, months_after(first, 3) - timedelta(days=1)


def _moment(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=UTC)


async def agree(
    sessionmaker: async_sessionmaker[AsyncSession],
    terms: tuple[TermStory, ...],
    agreement: AgreementStory,
    people: dict[str, User],
    now: datetime,
    progress: Callable[[str], None],
) -> None:
    today = now.date()
    steps: list[tuple[datetime, Write]] = []
    for term in terms:
        steps.extend(_term_steps(term, people, today))
    start, end = quarter_of(today)
    steps.extend(_agreement_steps(agreement, people, start, end, today))
    async with transaction(sessionmaker) as session:
        # By time alone: the content checked that each subject's steps follow its proposal,
        # and the sort is stable for two steps at the same moment.
        for at, write in sorted(steps, key=lambda s: s[0]):
            async with notifications_at(session, at):
                await write(session)
            await _date(session, since=now, at=at)
        statuses = list(
            await session.scalars(select(Signable.status).where(Signable.kind == SubjectKind.term))
        )
    agreed, disputed, proposed = (
        statuses.count(s) for s in (Status.agreed, Status.disputed, Status.proposed)
    )
    progress(
        f"seeding: {len(terms)} glossary terms ({agreed} agreed, {disputed} disputed, "
        f"{proposed} proposed), 1 agreement with {len(agreement.clauses)} clauses"
    )


async def _date(session: AsyncSession, *, since: datetime, at: datetime) -> None:
    """What the step wrote (every row stamped after the seeding started) happened at `at`."""
    for model in _STAMPED:
        await session.execute(update(model).where(model.created_at >= since).values(created_at=at))
    await session.execute(
        update(Signable).where(Signable.created_at >= since).values(created_at=at, updated_at=at)
    )
    await session.execute(
        update(Signable).where(Signable.updated_at >= since).values(updated_at=at)
    )


# Glossary terms.


def _term_steps(
    term: TermStory, people: dict[str, User], today: date
) -> list[tuple[datetime, Write]]:
    # The slug comes from the proposal; later steps look the term up by it.
    found: dict[str, str] = {}

    async def propose(session: AsyncSession) -> None:
        created = await glossary.propose(
            session,
            user=people[term.by],
            data=TermCreate(
                term=term.term,
                aliases=list(term.aliases),
                definition=term.definition,
                required_departments=list(term.required) or None,
            ),
        )
        found["slug"] = created.slug
        _, signable = await glossary.get(session, created.slug)
        for handle in term.followers:
            await service.follow(session, signable, user=people[handle])

    def step(s: Step) -> Write:
        async def write(session: AsyncSession) -> None:
            user, slug = people[s.by], found["slug"]
            if s.do == "edit":
                await glossary.edit(
                    session, user=user, slug=slug, data=TermUpdate(definition=s.text)
                )
            elif s.do == "comment":
                _, signable = await glossary.get(session, slug)
                await _discuss(session, signable, user, s.text)
            else:
                await glossary.sign(session, user=user, slug=slug, data=_signoff(s))

        return write

    day = business_days_before(today, term.days_ago)
    return [
        (_moment(day, term.at), propose),
        *((_moment(business_days_before(today, s.days_ago), s.at), step(s)) for s in term.steps),
    ]


def _signoff(s: Step) -> SignoffCreate:
    return SignoffCreate(decision=Decision(s.do), comment=s.text)


async def _discuss(session: AsyncSession, signable: Signable, user: User, text: str | None) -> None:
    # Through the request schema, as the API takes a comment (stripped, checked for length).
    body = CommentCreate(body=text or "").body
    await service.discuss(session, signable, user=user, body=body)


# The agreement.


def _agreement_steps(
    story: AgreementStory, people: dict[str, User], start: date, end: date, today: date
) -> list[tuple[datetime, Write]]:
    found: dict[str, int] = {}
    quarter = f"Q{(start.month - 1) // 3 + 1} {start.year}"

    async def propose(session: AsyncSession) -> None:
        created = await contracts.propose(
            session,
            user=people[story.by],
            data=AgreementCreate(
                title=story.title.format(quarter=quarter),
                period_start=start,
                period_end=end,
                clauses=[
                    ClauseIn(
                        owner_department=c.owner, text=c.text, metric=c.metric, target=c.target
                    )
                    for c in story.clauses
                ],
            ),
        )
        found["id"] = created.id
        _, signable = await contracts.get(session, created.id)
        for handle in story.followers:
            await service.follow(session, signable, user=people[handle])

    def step(s: Step) -> Write:
        async def write(session: AsyncSession) -> None:
            if s.do == "comment":
                _, signable = await contracts.get(session, found["id"])
                await _discuss(session, signable, people[s.by], s.text)
            else:
                await contracts.sign(
                    session, user=people[s.by], agreement_id=found["id"], data=_signoff(s)
                )

        return write

    def check(number: int, period: str, user: User, data: CheckCreate) -> Write:
        async def write(session: AsyncSession) -> None:
            await contracts.record_check(
                session,
                user=user,
                agreement_id=found["id"],
                number=number,
                period=period,
                data=data,
            )

        return write

    steps: list[tuple[datetime, Write]] = [
        (_moment(business_days_before(start, story.days_before), story.at), propose),
        *((_moment(business_days_before(start, s.days_ago), s.at), step(s)) for s in story.steps),
    ]
    # The months of the quarter that are over (the first two at most, since today is in
    # it), each hand-kept clause recorded by its lead on the month's last business day.
    over = [m for m in (start, months_after(start, 1)) if months_after(m, 1) <= today]
    for number, clause in enumerate(story.clauses, start=1):
        for month, recorded in zip(over, clause.checks, strict=False):
            data = CheckCreate(status=recorded.status, note=recorded.note)
            at = _moment(business_days_before(months_after(month, 1), 1), recorded.at)
            period = f"{month.year:04d}-{month.month:02d}"
            steps.append((at, check(number, period, people[recorded.by], data)))
    return steps
