"""Questions across the divide: a `question` post, the department it asks, and where its
answer stands."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, enum_column


class QuestionStatus(StrEnum):
    open = "open"
    answered = "answered"
    accepted = "accepted"


class Question(Base):
    """One per `question` post, written with it."""

    __tablename__ = "question"
    __table_args__ = (
        Index("ix_question_to_department_status_post_id", "to_department", "status", "post_id"),
    )

    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    # A `Department` value (None: asked of everyone).
    to_department: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[QuestionStatus] = mapped_column(
        enum_column(QuestionStatus, 16), default=QuestionStatus.open
    )
    asked_at: Mapped[datetime]
    # The first comment by a member of the department asked (by anyone but the asker when
    # no department was).
    first_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="SET NULL")
    )
    first_answer_at: Mapped[datetime | None]
    accepted_comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="SET NULL")
    )
    accepted_at: Mapped[datetime | None]
