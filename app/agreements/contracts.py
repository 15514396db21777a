"""Agreements: each department's responsibilities to the other for a period, signed by both
leads, and the scorecard that says month by month whether each clause was kept.

A clause with a metric is measured by Tandem (`metrics`); one without is tracked by hand: a
lead of its owner department records `met` or `missed` for a month, with a note.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.agreements import metrics, repository, service
from app.agreements.metrics import Month
from app.agreements.models import (
    Agreement,
    CheckStatus,
    Clause,
    ClauseCheck,
    Metric,
    Signable,
    Status,
    SubjectKind,
)
from app.agreements.schemas import (
    AgreementCreate,
    AgreementRead,
    AgreementSummary,
    AgreementUpdate,
    CheckCreate,
    CheckRead,
    ClauseIn,
    ClauseRead,
    ClauseScore,
    Scorecard,
    SignoffCreate,
    SignoffRead,
)
from app.agreements.service import Subject
from app.core.db import utcnow
from app.core.errors import Forbidden, Invalid, NotFound
from app.core.pagination import PageParams
from app.users.models import Department, User
from app.users.schemas import UserSummary


def subject_of(agreement: Agreement, signable: Signable) -> Subject:
    return Subject(
        signable=signable,
        name=f'the agreement "{agreement.title}"',
        path=f"/agreements/{agreement.signable_id}",
    )


async def get(session: AsyncSession, agreement_id: int) -> tuple[Agreement, Signable]:
    found = await repository.agreement(session, agreement_id)
    if found is None:
        raise NotFound("No such agreement.", code="unknown_agreement")
    return found


async def signable_of(session: AsyncSession, agreement_id: int) -> Signable:
    return (await get(session, agreement_id))[1]


def _clause_rows(agreement_id: int, clauses: list[ClauseIn]) -> list[Clause]:
    return [
        Clause(
            agreement_id=agreement_id,
            number=n,
            owner_department=c.owner_department.value,
            text=c.text,
            metric=c.metric,
            target=c.target,
        )
        for n, c in enumerate(clauses, start=1)
    ]


def _clause_content(rows: list[Clause]) -> list[dict[str, object]]:
    return [
        {
            "number": c.number,
            "owner_department": c.owner_department,
            "text": c.text,
            "metric": None if c.metric is None else Metric(c.metric).value,
            "target": c.target,
        }
        for c in rows
    ]


def _content(agreement: Agreement, rows: list[Clause]) -> dict[str, object]:
    return {
        "title": agreement.title,
        "period_start": agreement.period_start.isoformat(),
        "period_end": agreement.period_end.isoformat(),
        "clauses": _clause_content(rows),
    }


def _check_owners(clauses: list[ClauseIn], required: list[str]) -> None:
    for n, clause in enumerate(clauses):
        if clause.owner_department.value not in required:
            raise Invalid(
                f"Clause {n + 1} is owned by {clause.owner_department.value}, which does not "
                f"sign the agreement ({', '.join(required)} do).",
                field=f"body.clauses.{n}.owner_department",
                code="owner_not_signing",
            )


def check_may_create(user: User) -> None:
    if not (user.is_lead or user.is_admin):
        raise Forbidden("Agreements are proposed by department leads.", code="not_a_lead")


async def propose(session: AsyncSession, *, user: User, data: AgreementCreate) -> AgreementRead:
    check_may_create(user)
    required = service.departments_of(data.required_departments)
    _check_owners(data.clauses, required)
    agreement = Agreement(
        title=data.title, period_start=data.period_start, period_end=data.period_end
    )
    rows = _clause_rows(0, data.clauses)
    signable = await service.start(
        session,
        kind=SubjectKind.agreement,
        author=user,
        required=data.required_departments,
        content=_content(agreement, rows),
    )
    agreement.signable_id = signable.id
    session.add(agreement)
    await session.flush()
    await repository.replace_clauses(session, signable.id, _clause_rows(signable.id, data.clauses))
    subject = subject_of(agreement, signable)
    await service.announce(session, subject, actor=user, summary=service.version_summary(subject))
    return await read(session, agreement, signable, user)


async def edit(
    session: AsyncSession, *, user: User, agreement_id: int, data: AgreementUpdate
) -> AgreementRead:
    agreement, signable = await get(session, agreement_id)
    service.check_may_edit(user, signable)
    before = await repository.clauses(session, agreement_id)
    title = data.title if data.title is not None else agreement.title
    if data.clauses is not None:
        _check_owners(data.clauses, signable.required_departments)
        rows = _clause_rows(agreement_id, data.clauses)
    else:
        rows = before
    if title == agreement.title and _clause_content(rows) == _clause_content(before):
        return await read(session, agreement, signable, user)  # nothing changed
    agreement.title = title
    await service.new_version(session, signable, author=user, content=_content(agreement, rows))
    if data.clauses is not None:
        await repository.replace_clauses(session, agreement_id, rows)
    subject = subject_of(agreement, signable)
    await service.announce(session, subject, actor=user, summary=service.version_summary(subject))
    return await read(session, agreement, signable, user)


async def sign(
    session: AsyncSession, *, user: User, agreement_id: int, data: SignoffCreate
) -> SignoffRead:
    agreement, signable = await get(session, agreement_id)
    signoff = await service.sign(session, signable, user=user, data=data)
    subject = subject_of(agreement, signable)
    await service.announce(
        session, subject, actor=user, summary=service.sign_summary(subject, signoff)
    )
    return service.signoff_read(signoff, user)


def clause_read(clause: Clause) -> ClauseRead:
    return ClauseRead(
        number=clause.number,
        owner_department=Department(clause.owner_department),
        text=clause.text,
        metric=clause.metric,
        target=clause.target,
    )


async def read(
    session: AsyncSession, agreement: Agreement, signable: Signable, viewer: User
) -> AgreementRead:
    return AgreementRead(
        id=agreement.signable_id,
        title=agreement.title,
        period_start=agreement.period_start,
        period_end=agreement.period_end,
        clauses=[clause_read(c) for c in await repository.clauses(session, agreement.signable_id)],
        **await service.signed_fields(session, signable, viewer),
    )


async def list_agreements(
    session: AsyncSession, *, status: Status | None, page: PageParams
) -> tuple[list[AgreementSummary], str | None]:
    found, cursor = await repository.agreements_page(session, status=status, page=page)
    return [
        AgreementSummary(
            id=a.signable_id,
            title=a.title,
            period_start=a.period_start,
            period_end=a.period_end,
            status=s.status,
            version=s.version,
            updated_at=s.updated_at,
        )
        for a, s in found
    ], cursor


# Keeping score.


async def record_check(
    session: AsyncSession,
    *,
    user: User,
    agreement_id: int,
    number: int,
    period: str,
    data: CheckCreate,
) -> CheckRead:
    """A lead of the clause's owner department says whether it was kept that month."""
    agreement, signable = await get(session, agreement_id)
    month = Month.parse(period)
    if not (
        agreement.period_start < month.end.date() and month.start.date() <= agreement.period_end
    ):
        raise Invalid(
            f"{period} is outside the agreement's period ({agreement.period_start} to "
            f"{agreement.period_end}).",
            field="path.period",
            code="outside_period",
        )
    clauses = await repository.clauses(session, agreement_id)
    clause = next((c for c in clauses if c.number == number), None)
    if clause is None:
        raise NotFound(f"The agreement has no clause {number}.", code="unknown_clause")
    if clause.metric is not None:
        raise Invalid(
            "This clause is measured by Tandem; only a clause without a metric is recorded by "
            "hand.",
            field="path.number",
            code="clause_is_measured",
        )
    if not (user.is_lead and user.department.value == clause.owner_department):
        raise Forbidden(
            f"Only a lead of {clause.owner_department} records whether this clause was met.",
            code="not_the_owner",
        )
    check = ClauseCheck(
        agreement_id=agreement_id,
        number=number,
        period=period,
        status=data.status,
        note=data.note,
        user_id=user.id,
        version=signable.version,
        created_at=utcnow(),
    )
    await repository.replace_check(session, check)
    return check_read(check, user)


def check_read(check: ClauseCheck, user: User) -> CheckRead:
    return CheckRead(
        status=check.status,
        note=check.note,
        user=UserSummary.model_validate(user),
        version=check.version,
        created_at=check.created_at,
    )


def months_of(agreement: Agreement, today: date) -> list[Month]:
    """The months of the agreement's period, up to this one."""
    return metrics.months_between(agreement.period_start, min(agreement.period_end, today))


async def scorecard(session: AsyncSession, *, agreement_id: int, period: str | None) -> Scorecard:
    agreement, signable = await get(session, agreement_id)
    month = Month.parse(period) if period else Month.of(utcnow().date())
    return (await scorecards(session, agreement, signable, [month]))[0]


async def scorecards(
    session: AsyncSession, agreement: Agreement, signable: Signable, months: list[Month]
) -> list[Scorecard]:
    """The scorecard of each month, in the order given."""
    clauses = await repository.clauses(session, agreement.signable_id)
    checks = {
        (c.number, c.period): (c, u)
        for c, u in await repository.checks(
            session, agreement.signable_id, [m.label for m in months]
        )
    }
    cards = []
    for month in months:
        scores = []
        for clause in clauses:
            scores.append(
                await _score(session, clause, month, checks.get((clause.number, month.label)))
            )
        card = Scorecard(
            agreement_id=agreement.signable_id,
            version=signable.version,
            period=month.label,
            clauses=scores,
        )
        cards.append(card)
    return cards


async def _score(
    session: AsyncSession,
    clause: Clause,
    month: Month,
    check: tuple[ClauseCheck, User] | None,
) -> ClauseScore:
    base = clause_read(clause).model_dump()
    if clause.metric is None:
        recorded = None if check is None else check_read(*check)
        return ClauseScore(
            **base,
            actual=None,
            unit=None,
            met=None if recorded is None else recorded.status is CheckStatus.met,
            reason=None if recorded else "Not recorded yet by the owner department's lead.",
            check=recorded,
        )
    metric = Metric(clause.metric)
    measured = await metrics.measure(session, metric, Department(clause.owner_department), month)
    return ClauseScore(
        **base,
        actual=measured.actual,
        unit=measured.unit,
        met=metrics.met(metric, measured.actual, clause.target),
        reason=measured.reason,
        check=None,
    )
