"""Agreements: what sales and marketing agree on, signed by a lead of each side.

One sign-off mechanism for two kinds of subject. `signable` is the mechanism: its status, its
current version and the departments that must sign; `signable_version` keeps every version's
content (the history, and the diff between any two); `signoff` is a lead's decision on one
version. A glossary term (`glossary_term`, `glossary_alias`) and a contract of
responsibilities (`agreement`, its clauses and the hand-kept checks of clauses without a
metric) each hang off one `signable`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, CreatedAt, Timestamps, enum_column


class SubjectKind(StrEnum):
    term = "term"
    agreement = "agreement"


class Status(StrEnum):
    proposed = "proposed"
    agreed = "agreed"
    disputed = "disputed"


class Decision(StrEnum):
    approve = "approve"
    reject = "reject"


class Metric(StrEnum):
    """What Tandem can measure for a clause (see `app.agreements.metrics`)."""

    question_first_answer_hours = "question_first_answer_hours"
    collateral_verdicts_per_rep = "collateral_verdicts_per_rep"
    story_to_published_days = "story_to_published_days"
    stories_submitted = "stories_submitted"
    cross_department_reply_share = "cross_department_reply_share"


class CheckStatus(StrEnum):
    met = "met"
    missed = "missed"


class Signable(Timestamps, Base):
    __tablename__ = "signable"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind, 16))
    status: Mapped[Status] = mapped_column(enum_column(Status, 16), default=Status.proposed)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The last version every required department approved (None before the first).
    agreed_version: Mapped[int | None] = mapped_column(Integer)
    required_departments: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))


class SignableVersion(CreatedAt, Base):
    """One version's whole content: a term's definition and aliases, an agreement's title,
    period and clauses."""

    __tablename__ = "signable_version"

    signable_id: Mapped[int] = mapped_column(
        ForeignKey("signable.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)


class Signoff(CreatedAt, Base):
    """A lead's decision on one version, for their department (a second replaces the first)."""

    __tablename__ = "signoff"
    __table_args__ = (Index("uq_signoff_once", "signable_id", "version", "user_id", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    signable_id: Mapped[int] = mapped_column(ForeignKey("signable.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # A `Department` value (models import no other domain).
    department: Mapped[str] = mapped_column(String(32))
    decision: Mapped[Decision] = mapped_column(enum_column(Decision, 16))
    comment: Mapped[str | None] = mapped_column(Text)


class SignableFollow(CreatedAt, Base):
    __tablename__ = "signable_follow"
    __table_args__ = (Index("ix_signable_follow_signable_id_user_id", "signable_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    signable_id: Mapped[int] = mapped_column(
        ForeignKey("signable.id", ondelete="CASCADE"), primary_key=True
    )


class Discussion(CreatedAt, Base):
    """The discussion thread of a term or agreement; a rejection's comment opens it."""

    __tablename__ = "signable_comment"
    __table_args__ = (Index("ix_signable_comment_signable_id_id", "signable_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    signable_id: Mapped[int] = mapped_column(ForeignKey("signable.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    # The version the comment was about, and the decision it came with (a rejection's).
    version: Mapped[int] = mapped_column(Integer)
    decision: Mapped[Decision | None] = mapped_column(enum_column(Decision, 16))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)


class Term(Base):
    """A glossary term's current version (its history is in `signable_version`)."""

    __tablename__ = "glossary_term"

    signable_id: Mapped[int] = mapped_column(
        ForeignKey("signable.id", ondelete="CASCADE"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    term: Mapped[str] = mapped_column(String(80))
    # The term case-folded and its spaces folded: unique among terms and aliases (case
    # folding may lengthen a name up to three times: "ß" is "ss").
    term_key: Mapped[str] = mapped_column(String(240), unique=True)
    definition: Mapped[str] = mapped_column(Text)
    definition_html: Mapped[str] = mapped_column(Text)
    # The definition of `signable.agreed_version` (None before the first agreement).
    agreed_definition: Mapped[str | None] = mapped_column(Text)


class TermAlias(Base):
    __tablename__ = "glossary_alias"

    alias_key: Mapped[str] = mapped_column(String(240), primary_key=True)
    signable_id: Mapped[int] = mapped_column(
        ForeignKey("glossary_term.signable_id", ondelete="CASCADE"), index=True
    )
    alias: Mapped[str] = mapped_column(String(80))


class Agreement(Base):
    """A contract of responsibilities for a period (its history is in `signable_version`)."""

    __tablename__ = "agreement"

    signable_id: Mapped[int] = mapped_column(
        ForeignKey("signable.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)


class Clause(Base):
    """A clause of an agreement's current version, numbered from 1 in the order given."""

    __tablename__ = "agreement_clause"

    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreement.signable_id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_department: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    metric: Mapped[Metric | None] = mapped_column(enum_column(Metric, 40))
    target: Mapped[float | None] = mapped_column(Float)


class ClauseCheck(CreatedAt, Base):
    """A clause without a metric, tracked by hand: its owner department's lead records
    whether it was met in a month (a second record replaces the first)."""

    __tablename__ = "clause_check"

    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreement.signable_id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    status: Mapped[CheckStatus] = mapped_column(enum_column(CheckStatus, 16))
    note: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
