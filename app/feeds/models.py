from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, utcnow


class FeedItem(Base):
    """A post in a user's home feed (fan-out on write).

    Kept exact by the writers: a post's rows are written when it is created or re-tagged,
    and a user's rows are rebuilt after their follows or memberships change. Visibility is
    re-checked on read, so a row never shows a post its user may not see.

    No foreign keys: a post writes a row for each of its readers (hundreds), and checking two
    keys per row cost PostgreSQL as much as the inserts. Reads join `post`, and deleting a
    post deletes its rows (`feeds.service.forget_post`); users are deactivated, not deleted.
    """

    __tablename__ = "feed_item"

    user_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    post_id: Mapped[int] = mapped_column(BigId, primary_key=True, index=True)


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
