"""Agreements' request and response shapes: glossary terms, agreements, sign-offs, the
discussion and the scorecard."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from app.agreements.models import CheckStatus, Decision, Metric, Status
from app.core.schemas import RequestModel
from app.core.types import MultiLine, OneLine
from app.users.models import Department
from app.users.schemas import UserSummary

TermName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), OneLine
]
Definition = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000), MultiLine
]
Comment = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5_000), MultiLine
]
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), OneLine
]
ClauseText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000), MultiLine
]
Departments = Annotated[list[Department], Field(min_length=1, max_length=6)]
Version = Annotated[int, Field(ge=1, le=1_000_000)]
# A calendar month, `YYYY-MM` (1900 to 2199).
PERIOD_PATTERN = r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$"
Period = Annotated[str, StringConstraints(pattern=PERIOD_PATTERN)]
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)
# An agreement is for a quarter, a half or a year; three years at the most.
LONGEST_PERIOD_DAYS = 3 * 366


def _distinct(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


class TermCreate(RequestModel):
    term: TermName
    aliases: Annotated[list[TermName], Field(max_length=10)] = Field(default_factory=list)
    definition: Definition
    required_departments: Departments | None = None

    @field_validator("required_departments")
    @classmethod
    def _once_each(cls, value: list[Department] | None) -> list[Department] | None:
        return None if value is None else _distinct(value)


class TermUpdate(RequestModel):
    """A new version: what is left out stays as it was."""

    definition: Definition | None = None
    aliases: Annotated[list[TermName], Field(max_length=10)] | None = None


class SignoffCreate(RequestModel):
    decision: Decision
    comment: Comment | None = None
    # The version signed; when given it must be the current one (409 otherwise), so a lead
    # never approves a text they did not read.
    version: Version | None = None

    @model_validator(mode="after")
    def _reject_says_why(self) -> SignoffCreate:
        if self.decision is Decision.reject and not self.comment:
            raise ValueError("a rejection needs a comment saying what is wrong")
        return self


class CommentCreate(RequestModel):
    body: Comment


class ClauseIn(RequestModel):
    owner_department: Department
    text: ClauseText
    metric: Metric | None = None
    target: Annotated[float, Field(ge=0, le=1_000_000)] | None = None

    @model_validator(mode="after")
    def _target_needs_metric(self) -> ClauseIn:
        if self.target is not None and self.metric is None:
            raise ValueError("a target needs a metric to be measured against")
        return self


Clauses = Annotated[list[ClauseIn], Field(min_length=1, max_length=50)]


class AgreementCreate(RequestModel):
    title: Title
    period_start: date
    period_end: date
    clauses: Clauses
    required_departments: Departments | None = None

    @field_validator("required_departments")
    @classmethod
    def _once_each(cls, value: list[Department] | None) -> list[Department] | None:
        return None if value is None else _distinct(value)

    @model_validator(mode="after")
    def _period_in_order(self) -> AgreementCreate:
        if self.period_end < self.period_start:
            raise ValueError("the period ends before it starts")
        if self.period_start < EARLIEST or self.period_end > LATEST:
            raise ValueError("the period must fall between 1900 and 2199")
        if (self.period_end - self.period_start).days > LONGEST_PERIOD_DAYS:
            raise ValueError("the period is longer than three years")
        return self


class AgreementUpdate(RequestModel):
    title: Title | None = None
    clauses: Clauses | None = None


class CheckCreate(RequestModel):
    status: CheckStatus
    note: Comment | None = None


class SignoffRead(BaseModel):
    id: int
    version: int
    user: UserSummary
    department: Department
    decision: Decision
    comment: str | None
    created_at: datetime


class VersionRead(BaseModel):
    """One version's content (`definition`/`aliases` for a term, `title`/`clauses` for an
    agreement) and the sign-offs given on it."""

    version: int
    author: UserSummary
    created_at: datetime
    content: dict[str, Any]
    signoffs: list[SignoffRead]


class SignedRead(BaseModel):
    """What terms and agreements share: the sign-off state."""

    status: Status
    version: int
    agreed_version: int | None
    required_departments: list[Department]
    # Each required department: approved (True), rejected (False) or not yet (None), for the
    # current version.
    departments: dict[str, bool | None]
    signoffs: list[SignoffRead]
    following: bool
    created_at: datetime
    updated_at: datetime


class TermSummary(BaseModel):
    slug: str
    term: str
    aliases: list[str]
    status: Status
    version: int
    updated_at: datetime


class TermRead(SignedRead):
    slug: str
    term: str
    aliases: list[str]
    definition: str
    definition_html: str
    agreed_definition: str | None
    versions: list[VersionRead]


class ClauseRead(BaseModel):
    number: int
    owner_department: Department
    text: str
    metric: Metric | None
    target: float | None


class AgreementSummary(BaseModel):
    id: int
    title: str
    period_start: date
    period_end: date
    status: Status
    version: int
    updated_at: datetime


class AgreementRead(SignedRead):
    id: int
    title: str
    period_start: date
    period_end: date
    clauses: list[ClauseRead]
    versions: list[VersionRead]


class DiscussionRead(BaseModel):
    id: int
    author: UserSummary
    version: int
    # Set when the comment came with a rejection.
    decision: Decision | None
    body: str
    body_html: str
    created_at: datetime


class CheckRead(BaseModel):
    status: CheckStatus
    note: str | None
    user: UserSummary
    version: int
    created_at: datetime


class ClauseScore(ClauseRead):
    # What the metric measured in the month (None with a `reason` when it cannot be).
    actual: float | None
    unit: str | None
    # Whether the clause was met: from the target for a metric, from the lead's record
    # otherwise; None while unknown.
    met: bool | None
    reason: str | None
    check: CheckRead | None


class Scorecard(BaseModel):
    agreement_id: int
    version: int
    period: str
    clauses: list[ClauseScore]
