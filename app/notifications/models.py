from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, CreatedAt, enum_column


class NotificationKind(StrEnum):
    mention = "mention"
    comment = "comment"
    reply = "reply"
    reaction = "reaction"
    follow = "follow"
    account_post = "account_post"
    collateral_flagged = "collateral_flagged"
    collateral_updated = "collateral_updated"
    agreement_changed = "agreement_changed"
    question_routed = "question_routed"
    answer_accepted = "answer_accepted"
    story_status = "story_status"


class Notification(CreatedAt, Base):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, 32))
    actor_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    # A notification about something other than a post (a glossary term, an agreement): where
    # it is and what happened to it, written by the domain that notifies.
    path: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(String(300))
    read_at: Mapped[datetime | None]
