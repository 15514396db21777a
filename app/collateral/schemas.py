"""Collateral's request and response shapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.accounts.schemas import AccountRef
from app.collateral.models import DealStage, Reason, Stage, Status, VerdictKind
from app.core.schemas import RequestModel
from app.core.types import MultiLine, OneLine
from app.posts.schemas import AuthorRead, PostRead

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), OneLine]
Tags = Annotated[list[Tag], Field(max_length=12)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000), MultiLine]


class CollateralCreate(RequestModel):
    """The catalogue data given with a new collateral post (`collateral` in its body)."""

    stage: Stage
    audience: Tags = Field(default_factory=list)
    industries: Tags = Field(default_factory=list)


class CollateralUpdate(RequestModel):
    """The catalogue data given with an edit; what is left out stays."""

    stage: Stage | None = None
    audience: Tags | None = None
    industries: Tags | None = None
    status: Status | None = None


class ReasonCount(BaseModel):
    reason: Reason
    count: int


class Stats(BaseModel):
    """What the reps said about the current version, counting the verdicts the reader may
    see. `uses`: verdicts from a rep who used it (helped, neutral or hurt); `score`: the lower
    bound of the 95% Wilson interval of helped / (helped + hurt), None before either."""

    uses: int
    helped: int
    neutral: int
    hurt: int
    not_used: int
    score: float | None
    last_used_at: datetime | None
    top_reasons: list[ReasonCount]


class CollateralRead(BaseModel):
    stage: Stage
    audience: list[str]
    industries: list[str]
    status: Status
    version: int
    version_at: datetime
    flagged_reason: Reason | None
    stats: Stats


class VerdictCreate(RequestModel):
    verdict: VerdictKind
    reason: Reason | None = None
    account: Annotated[str, Field(max_length=64), OneLine] | None = None
    stage: DealStage | None = None
    note: Note | None = None


class VerdictRead(BaseModel):
    id: int
    post_id: int
    version: int
    user: AuthorRead
    verdict: VerdictKind
    reason: Reason | None
    account: AccountRef | None
    stage: DealStage | None
    note: str | None
    created_at: datetime


class AttentionRead(BaseModel):
    """Marketing's to-do list: assets reps keep failing for one reason, assets nobody used in
    90 days, and the lowest scores."""

    needs_revision: list[PostRead]
    unused: list[PostRead]
    low_score: list[PostRead]


class AccountCollateralRead(BaseModel):
    """An asset used on one account, with every verdict given there."""

    post: PostRead
    verdicts: list[VerdictRead]


@dataclass(frozen=True, slots=True)
class LibraryFilter:
    """What the library is filtered by (None: any)."""

    stage: Stage | None = None
    industry: str | None = None
    audience: str | None = None
    status: Status | None = None
    q: str | None = None
