"""Collateral: a marketing asset (a `collateral` post) and what sales says about it.

`collateral` holds the asset's catalogue data and its current version; `collateral_tag` its
audiences and industries (one row each, so the library filters with an index); `verdict`
what a rep said about one version, once per rep, version and account.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, CreatedAt, enum_column, utcnow


class Stage(StrEnum):
    """Where in the buyer's journey the asset is meant to help."""

    awareness = "awareness"
    consideration = "consideration"
    decision = "decision"
    post_sale = "post_sale"


class Status(StrEnum):
    active = "active"
    needs_revision = "needs_revision"
    retired = "retired"


class VerdictKind(StrEnum):
    helped = "helped"
    neutral = "neutral"
    hurt = "hurt"
    not_used = "not_used"


class Reason(StrEnum):
    outdated = "outdated"
    wrong_audience = "wrong_audience"
    inaccurate = "inaccurate"
    too_long = "too_long"
    missing_proof = "missing_proof"
    missing_pricing = "missing_pricing"
    other = "other"


class DealStage(StrEnum):
    """Where the deal was when the rep used (or did not use) the asset."""

    prospecting = "prospecting"
    discovery = "discovery"
    evaluation = "evaluation"
    proposal = "proposal"
    negotiation = "negotiation"
    closed_won = "closed_won"
    closed_lost = "closed_lost"


class TagKind(StrEnum):
    audience = "audience"
    industry = "industry"


class Collateral(Base):
    __tablename__ = "collateral"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, 16))
    status: Mapped[Status] = mapped_column(enum_column(Status, 16), default=Status.active)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # When the current version was published (its verdicts are the ones counted).
    version_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Why it needs revision: the reason three reps gave (None unless `needs_revision`).
    flagged_reason: Mapped[Reason | None] = mapped_column(enum_column(Reason, 16))


class CollateralTag(Base):
    __tablename__ = "collateral_tag"
    __table_args__ = (Index("ix_collateral_tag_kind_value", "kind", "value"),)

    post_id: Mapped[int] = mapped_column(
        ForeignKey("collateral.post_id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[TagKind] = mapped_column(enum_column(TagKind, 16), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)


class Verdict(CreatedAt, Base):
    """A rep's verdict; a second one on the same version and account replaces it (a new row,
    given now)."""

    __tablename__ = "verdict"
    __table_args__ = (
        Index("ix_verdict_post_id_version", "post_id", "version"),
        Index("ix_verdict_account_id_post_id", "account_id", "post_id"),
        # One per rep, post, version and account (no account counts as one account).
        Index(
            "uq_verdict_on_account",
            "post_id",
            "version",
            "user_id",
            "account_id",
            unique=True,
            sqlite_where=text("account_id IS NOT NULL"),
            postgresql_where=text("account_id IS NOT NULL"),
        ),
        Index(
            "uq_verdict_without_account",
            "post_id",
            "version",
            "user_id",
            unique=True,
            sqlite_where=text("account_id IS NULL"),
            postgresql_where=text("account_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("collateral.post_id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    verdict: Mapped[VerdictKind] = mapped_column(enum_column(VerdictKind, 16))
    reason: Mapped[Reason | None] = mapped_column(enum_column(Reason, 16))
    deal_stage: Mapped[DealStage | None] = mapped_column(enum_column(DealStage, 16))
    note: Mapped[str | None] = mapped_column(Text)
