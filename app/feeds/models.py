from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class FeedItem(Base):
    """A post that may belong in a user's home feed (fan-out on write).

    A superset: reads re-check the home-feed rule and the visibility rule for each row, so a
    stale row (after an unfollow, say) is never shown; it only costs a skipped row.
    """

    __tablename__ = "feed_item"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class FeedState(Base):
    """Whether a user's feed_item rows are built, and down to which post id they are complete.

    Above `floor_post_id` every post that matches the user's follows has a row; below it the
    feed falls back to the query. 0 means complete. No row means not built yet.
    """

    __tablename__ = "feed_state"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    floor_post_id: Mapped[int] = mapped_column(BigInteger)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
