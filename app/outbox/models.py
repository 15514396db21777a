from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, utcnow


class OutboxEvent(Base):
    """Something that happened, written in the same transaction as the write that caused it.

    `id` orders inserts; `seq` is given by the sequencer in commit order, so a consumer that
    has handled every event up to `seq` N never sees a smaller one appear later. `seq` is the
    id that live clients see and resume from.
    """

    __tablename__ = "outbox_event"
    __table_args__ = (
        Index(
            "ix_outbox_event_unsequenced",
            "id",
            sqlite_where=text("seq IS NULL"),
            postgresql_where=text("seq IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Also in outbox_channel (indexed, for replays); here so publishing reads one row.
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What the visibility rule needs about the post the event concerns (None: no post).
    visibility: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class OutboxChannel(Base):
    """The channels an event is published on, so a resume can find a user's events by index."""

    __tablename__ = "outbox_channel"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_event.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class OutboxConsumer(Base):
    """How far one consumer (the sequencer, the live publisher, the search indexer) got.

    Its row is also its lock: a consumer takes it FOR UPDATE SKIP LOCKED, so two processes
    never handle the same events.
    """

    __tablename__ = "outbox_consumer"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
