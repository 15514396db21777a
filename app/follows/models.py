from __future__ import annotations

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, CreatedAt

# Each follow table has an index from what is followed to its followers that covers both
# columns: a new post's audience is read from the index alone (fan-out on write).


class UserFollow(CreatedAt, Base):
    __tablename__ = "user_follow"
    __table_args__ = (
        Index("ix_user_follow_followee_id_follower_id", "followee_id", "follower_id"),
    )

    follower_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    followee_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )


class AccountFollow(CreatedAt, Base):
    __tablename__ = "account_follow"
    __table_args__ = (Index("ix_account_follow_account_id_user_id", "account_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )


class TopicFollow(CreatedAt, Base):
    __tablename__ = "topic_follow"
    __table_args__ = (Index("ix_topic_follow_topic_id_user_id", "topic_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True
    )
