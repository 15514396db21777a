"""What the collateral domain tells the others: a verdict was given (open pages refresh their
stats), an asset was sent back to its author, a new version was published."""

from __future__ import annotations

from dataclasses import dataclass

from app.collateral.models import Reason
from app.core.events import DomainEvent
from app.visibility import PostVisibility


@dataclass(frozen=True, slots=True)
class VerdictGiven(DomainEvent):
    post_id: int
    visibility: PostVisibility


@dataclass(frozen=True, slots=True)
class CollateralFlagged(DomainEvent):
    """Three reps failed with the asset for one reason within 30 days: it needs revision."""

    post_id: int
    author_id: int
    # The rep whose verdict was the third.
    actor_id: int
    reason: Reason
    visibility: PostVisibility


@dataclass(frozen=True, slots=True)
class CollateralRevised(DomainEvent):
    """A new version: the reps who judged the previous one are told."""

    post_id: int
    version: int
    actor_id: int
    judge_ids: tuple[int, ...]
    visibility: PostVisibility
