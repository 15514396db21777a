"""Win stories: a `win_story` post's structured account of the win, and its way from the rep
who submitted it to a published testimonial (every step kept)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, enum_column


class StoryStatus(StrEnum):
    submitted = "submitted"
    in_review = "in_review"
    consent_requested = "consent_requested"
    consent_granted = "consent_granted"
    published = "published"
    declined = "declined"


class Story(Base):
    """One per `win_story` post, written with it."""

    __tablename__ = "story"
    __table_args__ = (Index("ix_story_status_post_id", "status", "post_id"),)

    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    problem: Mapped[str] = mapped_column(Text, default="")
    solution: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    quote: Mapped[str | None] = mapped_column(Text)
    customer_contact: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[StoryStatus] = mapped_column(
        enum_column(StoryStatus, 24), default=StoryStatus.submitted
    )
    # The marketer who took it into review (the first to move it there).
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime]
    # The customer's consent, as recorded by the author or the account's owner.
    consent_by: Mapped[str | None] = mapped_column(String(200))
    consent_note: Mapped[str | None] = mapped_column(Text)
    consent_at: Mapped[datetime | None]
    consent_recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    # The case study marketing made of it: a collateral post.
    case_study_id: Mapped[int | None] = mapped_column(
        ForeignKey("post.id", ondelete="SET NULL"), index=True
    )


class StoryStep(Base):
    """One move of a story from one status to the next: its history."""

    __tablename__ = "story_step"
    __table_args__ = (Index("ix_story_step_post_id_id", "post_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("story.post_id", ondelete="CASCADE"))
    # None for the submission.
    from_status: Mapped[StoryStatus | None] = mapped_column(enum_column(StoryStatus, 24))
    to_status: Mapped[StoryStatus] = mapped_column(enum_column(StoryStatus, 24))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
