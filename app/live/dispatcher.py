"""The dispatcher: numbers committed outbox events and publishes them to the broker.

Any number of processes may run one (every app worker and `tandem worker` do): the
sequencer's row lock hands out numbers in commit order, and the publisher's row is taken
FOR UPDATE SKIP LOCKED, so one process publishes a batch and the others skip it. An event
the broker refused stays unpublished and is retried with backoff; writes never wait for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.db import transaction
from app.live.broker import Broker, BrokerUnavailable
from app.live.hub import Envelope
from app.outbox import service as outbox

log = logging.getLogger("tandem.live")

CONSUMER = "live"
BATCH = 500
BUSY_WAIT = 0.02
BUSY_RETRIES = 50


class Dispatcher:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        broker: Broker,
        *,
        poll_interval: float = 1.0,
        retention: timedelta = timedelta(days=7),
        prune_every: float = 600.0,
        consumer: str = CONSUMER,
    ) -> None:
        self.consumer = consumer
        self.sessionmaker = sessionmaker
        self.broker = broker
        self.poll_interval = poll_interval
        self.retention = retention
        self.prune_every = prune_every
        self._last_prune = 0.0

    async def run(self) -> None:
        """Dispatch after every local commit that wrote events, and at least every
        `poll_interval` (events written by other processes); back off while failing."""
        waiter = outbox.wakeup.waiter()
        backoff = 0.0
        try:
            while True:
                try:
                    await asyncio.wait_for(waiter.wait(), self.poll_interval + backoff)
                except TimeoutError:
                    pass
                waiter.clear()
                try:
                    await self.dispatch()
                    backoff = 0.0
                except (BrokerUnavailable, DBAPIError, OSError) as exc:
                    backoff = min(max(backoff * 2, 0.25), 5.0)
                    log.warning("live dispatch failed (%s); retrying in %.2fs", exc, backoff)
        finally:
            outbox.wakeup.forget(waiter)

    async def dispatch(self) -> int:
        """Sequence what is new, publish everything not yet published; returns how many
        events this call published."""
        async with transaction(self.sessionmaker) as session:
            await outbox.sequence(session)
        published, busy_rounds = 0, 0
        while True:
            count = await self._publish_batch()
            if count is None:
                # Another process holds the publisher's row and may have read its batch before
                # our events were numbered: try again shortly rather than at the next poll.
                busy_rounds += 1
                if busy_rounds > BUSY_RETRIES:
                    break
                await asyncio.sleep(BUSY_WAIT)
                continue
            published += count
            if count < BATCH:
                break
        if time.monotonic() - self._last_prune > self.prune_every:
            self._last_prune = time.monotonic()
            async with transaction(self.sessionmaker) as session:
                pruned = await outbox.prune(session, older_than=self.retention)
            if pruned:
                log.info("pruned %d outbox events older than %s", pruned, self.retention)
        return published

    async def _publish_batch(self) -> int | None:
        """Publish the next batch; None when another process is publishing."""
        async with transaction(self.sessionmaker) as session:
            position = await outbox.claim(session, self.consumer)
            if position is None:
                return None
            batch = await outbox.read_after(session, position, limit=BATCH)
            for event in batch:
                if event.channels:
                    await self.broker.publish(Envelope.of(event).encode())
            if batch:
                await outbox.advance(session, self.consumer, batch[-1].seq)
            return len(batch)
