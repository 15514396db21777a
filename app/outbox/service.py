"""The transactional outbox: events written with the write that caused them, then given a
commit-ordered sequence number and handed to each consumer in that order.

One mechanism, several consumers: the live publisher (WebSocket fan-out) and the search
indexer each keep a position in `outbox_consumer` and read the events after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, bindparam, delete, exists, func, insert, select, true, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import after_commit, dialect_name, insert_ignore, utcnow
from app.outbox.models import OutboxChannel, OutboxConsumer, OutboxEvent

SEQUENCER = "sequencer"


class _Wakeup:
    """Wakes this process's outbox workers right after a commit that wrote events. Workers
    in other processes are woken by PostgreSQL's notification (`app.outbox.listener`), and
    find them by polling at the latest."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Event] = set()

    def waiter(self) -> asyncio.Event:
        event = asyncio.Event()
        self._waiters.add(event)
        return event

    def forget(self, event: asyncio.Event) -> None:
        self._waiters.discard(event)

    def wake(self) -> None:
        for event in self._waiters:
            event.set()

    async def notify(self) -> None:
        """`wake`, as an after-commit hook."""
        self.wake()


wakeup = _Wakeup()


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    type: str
    data: dict[str, Any]
    visibility: dict[str, Any] | None
    channels: tuple[str, ...]
    created_at: datetime


# Core statements (on the tables, not the ORM classes): run with a dict of values, not as an
# ORM bulk insert.
_EVENT, _CHANNEL = (
    OutboxEvent.metadata.tables["outbox_event"],
    OutboxEvent.metadata.tables["outbox_channel"],
)
_EMIT_EVENT = (
    insert(_EVENT)
    .values(
        type=bindparam("type"),
        data=bindparam("data"),
        channels=bindparam("channels"),
        visibility=bindparam("visibility"),
        created_at=bindparam("created_at"),
    )
    .returning(_EVENT.c.id)
)
# PostgreSQL writes the event and its channel rows in one statement (a data-modifying CTE):
# one round trip per event instead of two.
_new_event = _EMIT_EVENT.cte("new_event")
_names = func.unnest(bindparam("names", type_=postgresql.ARRAY(String))).table_valued("name")
_EMIT_PG = insert(_CHANNEL).from_select(
    ["channel", "event_id"],
    select(_names.c.name, _new_event.c.id).select_from(_new_event.join(_names, true())),
)


async def emit(
    session: AsyncSession,
    *,
    type: str,
    data: dict[str, Any],
    channels: Iterable[str] = (),
    visibility: dict[str, Any] | None = None,
) -> None:
    """Record an event in the current transaction; it is published once committed."""
    names = sorted(set(channels))
    values = {
        "type": type,
        "data": data,
        "channels": names,
        "visibility": visibility,
        "created_at": utcnow(),
    }
    if dialect_name(session) == "postgresql":
        await session.execute(_EMIT_PG, {**values, "names": names})
    else:
        event_id = await session.scalar(_EMIT_EVENT, values)
        if names:
            await session.execute(
                insert(OutboxChannel), [{"channel": c, "event_id": event_id} for c in names]
            )
    if not session.info.get("outbox_wakeup"):
        session.info["outbox_wakeup"] = True
        after_commit(session, wakeup.notify)


async def claim(session: AsyncSession, consumer: str, *, wait: bool = False) -> int | None:
    """Lock `consumer`'s row for this transaction and return its position; None when another
    process holds it (FOR UPDATE SKIP LOCKED), unless `wait`."""
    stmt = select(OutboxConsumer.position).where(OutboxConsumer.name == consumer)
    locked = stmt.with_for_update(skip_locked=not wait)
    position: int | None = await session.scalar(locked)
    if position is None and await session.scalar(stmt) is None:
        # A consumer's first run: create its row, then lock it.
        await insert_ignore(session, OutboxConsumer, {"name": consumer, "position": 0})
        position = await session.scalar(locked)
    return position


async def claim_waiting(session: AsyncSession, consumer: str) -> int:
    """`claim`, waiting for whichever process holds the row."""
    position = await claim(session, consumer, wait=True)
    if position is None:
        # The row was created just above: only someone deleting it meanwhile gets here.
        raise RuntimeError(f"the outbox consumer {consumer!r} has no row")
    return position


async def advance(session: AsyncSession, consumer: str, position: int) -> None:
    await session.execute(
        update(OutboxConsumer).where(OutboxConsumer.name == consumer).values(position=position)
    )


async def sequence(session: AsyncSession, *, batch: int = 1000) -> int:
    """Number the committed events that have no `seq` yet, in id order; returns how many.

    Runs under the sequencer's row lock, so numbers are handed out in commit order: an event
    whose transaction commits late gets a later number, never one below what a consumer
    already passed.
    """
    last = await claim_waiting(session, SEQUENCER)
    pending = (
        select(OutboxEvent.id, func.row_number().over(order_by=OutboxEvent.id).label("n"))
        .where(OutboxEvent.seq.is_(None))
        .order_by(OutboxEvent.id)
        .limit(batch)
        .subquery()
    )
    numbered = await session.scalars(
        update(OutboxEvent)
        .values(seq=last + pending.c.n)
        .where(OutboxEvent.id == pending.c.id)
        .returning(OutboxEvent.seq)
        .execution_options(synchronize_session=False)
    )
    count = len(numbered.all())
    if count:
        await advance(session, SEQUENCER, last + count)
    return count


async def sequence_pending(session: AsyncSession) -> None:
    """Number whatever is committed but not numbered yet (a reader about to replay must not
    wait for a dispatcher, which may be backing off while the broker is down)."""
    pending = await session.scalar(select(OutboxEvent.id).where(OutboxEvent.seq.is_(None)).limit(1))
    if pending is not None:
        await sequence(session)


def _events_after(after: int, limit: int) -> Any:
    return select(OutboxEvent).where(OutboxEvent.seq > after).order_by(OutboxEvent.seq).limit(limit)


def _event(row: OutboxEvent) -> Event:
    return Event(
        seq=row.seq or 0,
        type=row.type,
        data=row.data,
        visibility=row.visibility,
        channels=tuple(row.channels),
        created_at=row.created_at,
    )


async def read_after(session: AsyncSession, after: int, *, limit: int = 500) -> list[Event]:
    """Sequenced events after `after`, in order, with their channels."""
    return [_event(row) for row in await session.scalars(_events_after(after, limit))]


async def read_for_channels(
    session: AsyncSession, channels: Collection[str], after: int, *, limit: int = 500
) -> list[Event]:
    """Sequenced events after `after` published on any of `channels`, in order."""
    if not channels:
        return []
    on_channel = exists(
        select(OutboxChannel.event_id).where(
            OutboxChannel.event_id == OutboxEvent.id, OutboxChannel.channel.in_(channels)
        )
    )
    rows = await session.scalars(_events_after(after, limit).where(on_channel))
    return [_event(row) for row in rows]


async def scrub(
    session: AsyncSession,
    *,
    channel: str,
    keep: Collection[str],
    visibility: dict[str, Any] | None = None,
) -> int:
    """Drop the content of the events published on `channel` so far (a deleted or newly
    restricted post's): each keeps its type and the `keep` keys of its data; with
    `visibility`, they are judged by it from now on. Returns how many were scrubbed."""
    on_channel = select(OutboxChannel.event_id).where(OutboxChannel.channel == channel)
    found = list(
        await session.execute(
            select(OutboxEvent.id, OutboxEvent.data).where(OutboxEvent.id.in_(on_channel))
        )
    )
    for event_id, data in found:
        values: dict[str, Any] = {"data": {k: data[k] for k in keep if k in data}}
        if visibility is not None:
            values["visibility"] = visibility
        await session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id).values(values))
    return len(found)


async def last_seq(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(OutboxEvent.seq))) or 0)


async def prune(session: AsyncSession, *, older_than: timedelta) -> int:
    """Delete events past their retention that every consumer has handled."""
    handled = select(func.min(OutboxConsumer.position)).scalar_subquery()
    old = select(OutboxEvent.id).where(
        OutboxEvent.created_at < utcnow() - older_than, OutboxEvent.seq <= handled
    )
    await session.execute(delete(OutboxChannel).where(OutboxChannel.event_id.in_(old)))
    result = await session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(old)))
    return int(getattr(result, "rowcount", 0) or 0)
