"""The loop every outbox consumer runs: wake on a local commit or poll, claim the consumer's
row, read the events after its position, hand them to `handle`, advance, back off on failure.

One mechanism, several consumers (the live publisher, the search indexer): each subclass
names itself and says what to do with a batch. Any number of processes may run the same
consumer; its row is taken FOR UPDATE SKIP LOCKED, so one of them handles a batch and the
others skip it. A batch whose `handle` raised is not advanced past, so it is retried, in
order, after the backoff: nothing is lost and nothing overtakes.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.db import transaction
from app.outbox import service as outbox

log = logging.getLogger("tandem.outbox")

BATCH = 500
SEQUENCE_BATCH = 1000
BUSY_WAIT = 0.02
BUSY_RETRIES = 50
MAX_BACKOFF = 5.0


class _Sequencing:
    """Numbering for the consumers of one process: consumers woken by the same commits need
    one numbering pass between them, not one each (a pass is a locked transaction)."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.started_at = float("-inf")  # when the last completed pass began

    async def run(self, sessionmaker: async_sessionmaker[AsyncSession], *, woken_at: float) -> None:
        """Number what is committed; skipped when a pass began after `woken_at` (it saw
        every commit that woke the caller)."""
        async with self.lock:
            if self.started_at >= woken_at:
                return
            began = time.monotonic()
            while True:  # a burst (a bulk import, the demo) may need several rounds
                async with transaction(sessionmaker) as session:
                    numbered = await outbox.sequence(session, batch=SEQUENCE_BATCH)
                if numbered < SEQUENCE_BATCH:
                    break
            self.started_at = began  # only a pass that completed counts


_sequencing: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], _Sequencing] = (
    weakref.WeakKeyDictionary()
)


class Consumer:
    """Subclasses set `retry_on` (the failures that mean "try again later") and implement
    `handle`."""

    retry_on: tuple[type[Exception], ...] = ()

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        consumer: str,
        poll_interval: float = 1.0,
        batch: int = BATCH,
    ) -> None:
        self.consumer = consumer
        self.sessionmaker = sessionmaker
        self.poll_interval = poll_interval
        self.batch = batch

    async def read(self, session: AsyncSession, position: int) -> list[outbox.Event]:
        """The next batch after `position`, in seq order; a consumer that needs less of each
        event may read less."""
        return await outbox.read_after(session, position, limit=self.batch)

    async def handle(self, session: AsyncSession, batch: list[outbox.Event]) -> None:
        """Act on `batch` (in seq order) inside the transaction that holds the position."""
        raise NotImplementedError

    async def after_drain(self) -> None:
        """Housekeeping after each successful drain (e.g. pruning)."""

    async def run(self) -> None:
        """Drain after every local commit that wrote events, and at least every
        `poll_interval` (events written by other processes); while failing, retry only
        after a backoff (0.25 s doubling to MAX_BACKOFF) that no wake-up shortens."""
        waiter = outbox.wakeup.waiter()
        retryable: tuple[type[Exception], ...] = (DBAPIError, OSError, *self.retry_on)
        backoff = 0.0
        try:
            while True:
                if backoff:
                    # During an outage every commit still wakes the waiter: waking for it
                    # would retry once per commit. The backoff runs out first; what the
                    # commits wrote is drained then.
                    await asyncio.sleep(backoff)
                else:
                    try:
                        await asyncio.wait_for(waiter.wait(), self.poll_interval)
                    except TimeoutError:
                        pass
                waiter.clear()
                try:
                    await self.drain(woken_at=time.monotonic())
                    backoff = 0.0
                except retryable as exc:
                    backoff = min(max(backoff * 2, 0.25), MAX_BACKOFF)
                    log.warning(
                        "outbox consumer %s failed (%s); retrying in %.2fs",
                        self.consumer,
                        exc,
                        backoff,
                    )
        finally:
            outbox.wakeup.forget(waiter)

    async def drain(self, *, woken_at: float | None = None) -> int:
        """Sequence what is new, handle everything after this consumer's position; returns
        how many events this call handled."""
        sequencing = _sequencing.setdefault(self.sessionmaker, _Sequencing())
        await sequencing.run(
            self.sessionmaker, woken_at=time.monotonic() if woken_at is None else woken_at
        )
        handled, busy_rounds = 0, 0
        while True:
            count = await self._handle_batch()
            if count is None:
                # Another process holds the consumer's row and may have read its batch before
                # our events were numbered: try again shortly rather than at the next poll.
                busy_rounds += 1
                if busy_rounds > BUSY_RETRIES:
                    break
                await asyncio.sleep(BUSY_WAIT)
                continue
            handled += count
            if count < self.batch:
                break
        await self.after_drain()
        return handled

    async def _handle_batch(self) -> int | None:
        """Handle the next batch; None when another process is handling this consumer."""
        async with transaction(self.sessionmaker) as session:
            position = await outbox.claim(session, self.consumer)
            if position is None:
                return None
            batch = await self.read(session, position)
            if batch:
                await self.handle(session, batch)
                await outbox.advance(session, self.consumer, batch[-1].seq)
            return len(batch)
