"""The figures an agreement's clauses are measured by, computed for one calendar month (UTC)
from what Tandem records. The README defines each one; a figure whose source Tandem does not
record yet is `None` with the reason, never an estimate.

People are counted in the department they are in now (Tandem keeps no history of moves).
Every record counts, confidential or not: a scorecard is one set of figures both departments
read, and a monthly aggregate shows no content.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.agreements.models import Metric
from app.collateral.models import Verdict
from app.posts.models import Comment, Post, PostKind
from app.questions.models import Question
from app.stories.models import Story, StoryStatus
from app.users.models import Department, User


@dataclass(frozen=True, slots=True)
class Measure:
    actual: float | None
    unit: str
    reason: str | None = None


# Where a lower figure is the better one (met when actual <= target).
LOWER_IS_BETTER = frozenset({Metric.question_first_answer_hours, Metric.story_to_published_days})
UNITS = {
    Metric.question_first_answer_hours: "hours",
    Metric.collateral_verdicts_per_rep: "verdicts per person",
    Metric.story_to_published_days: "days",
    Metric.stories_submitted: "stories",
    Metric.cross_department_reply_share: "share",
}
# A metric whose source Tandem does not record is answered `None` with its reason here.
NOT_RECORDED: dict[Metric, str] = {}


@dataclass(frozen=True, slots=True)
class Month:
    start: datetime
    end: datetime  # exclusive
    label: str

    @classmethod
    def parse(cls, period: str) -> Month:
        year, month = (int(part) for part in period.split("-"))
        start = datetime(year, month, 1, tzinfo=UTC)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        return cls(start=start, end=end, label=period)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls.parse(f"{day.year:04d}-{day.month:02d}")


def months_between(first: date, last: date) -> list[Month]:
    months = [Month.of(first)]
    while months[-1].end.date() <= last:
        months.append(Month.of(months[-1].end.date()))
    return months


def met(metric: Metric, actual: float | None, target: float | None) -> bool | None:
    if actual is None or target is None:
        return None
    return actual <= target if metric in LOWER_IS_BETTER else actual >= target


async def measure(
    session: AsyncSession, metric: Metric, department: Department, month: Month
) -> Measure:
    unit = UNITS[metric]
    if metric in NOT_RECORDED:
        return Measure(None, unit, NOT_RECORDED[metric])
    if metric is Metric.stories_submitted:
        count = await session.scalar(
            select(func.count())
            .select_from(Post)
            .join(User, User.id == Post.author_id)
            .where(
                Post.kind == PostKind.win_story,
                User.department == department,
                Post.created_at >= month.start,
                Post.created_at < month.end,
            )
        )
        return Measure(float(count or 0), unit)
    if metric is Metric.collateral_verdicts_per_rep:
        return await _verdicts_per_person(session, department, month, unit)
    if metric is Metric.question_first_answer_hours:
        return await _first_answer_hours(session, department, month, unit)
    if metric is Metric.story_to_published_days:
        return await _story_to_published_days(session, department, month, unit)
    return await _cross_department_share(session, department, month, unit)


async def _verdicts_per_person(
    session: AsyncSession, department: Department, month: Month, unit: str
) -> Measure:
    people = await session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.department == department, User.is_active.is_(True))
    )
    if not people:
        return Measure(None, unit, f"Nobody active is in {department.value} to count.")
    verdicts = await session.scalar(
        select(func.count())
        .select_from(Verdict)
        .join(User, User.id == Verdict.user_id)
        .where(
            User.department == department,
            User.is_active.is_(True),
            Verdict.created_at >= month.start,
            Verdict.created_at < month.end,
        )
    )
    return Measure(round((verdicts or 0) / people, 2), unit)


async def _first_answer_hours(
    session: AsyncSession, department: Department, month: Month, unit: str
) -> Measure:
    rows = (
        await session.execute(
            select(Question.asked_at, Question.first_answer_at).where(
                Question.to_department == department.value,
                Question.asked_at >= month.start,
                Question.asked_at < month.end,
            )
        )
    ).all()
    hours = [(answered - asked).total_seconds() / 3600 for asked, answered in rows if answered]
    if not hours:
        why = "none of them was answered yet" if rows else "nobody asked it a question"
        return Measure(None, unit, f"No answer to measure from {department.value}: {why}.")
    return Measure(round(statistics.median(hours), 1), unit)


async def _story_to_published_days(
    session: AsyncSession, department: Department, month: Month, unit: str
) -> Measure:
    """Marketing publishes the stories: its figure counts every story published in the
    month; another department's, the stories its members submitted."""
    stmt = select(Story.submitted_at, Story.published_at).where(
        Story.status == StoryStatus.published,
        Story.published_at >= month.start,
        Story.published_at < month.end,
    )
    if department is not Department.marketing:
        stmt = (
            stmt.join(Post, Post.id == Story.post_id)
            .join(User, User.id == Post.author_id)
            .where(User.department == department)
        )
    rows = (await session.execute(stmt)).all()
    days = [
        (published - submitted).total_seconds() / 86400
        for submitted, published in rows
        if published is not None
    ]
    if not days:
        return Measure(None, unit, f"No win story was published in {month.label}.")
    return Measure(round(statistics.median(days), 1), unit)


async def _cross_department_share(
    session: AsyncSession, department: Department, month: Month, unit: str
) -> Measure:
    commenter = aliased(User)
    post_author = aliased(User)
    crossing = post_author.department != department
    row = (
        await session.execute(
            select(func.count(), func.count().filter(crossing))
            .select_from(Comment)
            .join(commenter, commenter.id == Comment.author_id)
            .join(Post, Post.id == Comment.post_id)
            .join(post_author, post_author.id == Post.author_id)
            .where(
                commenter.department == department,
                Post.author_id != Comment.author_id,
                Comment.created_at >= month.start,
                Comment.created_at < month.end,
            )
        )
    ).one()
    total, crossed = int(row[0] or 0), int(row[1] or 0)
    if total == 0:
        return Measure(None, unit, f"Nobody in {department.value} replied to anyone that month.")
    return Measure(round(crossed / total, 4), unit)
