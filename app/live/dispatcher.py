"""The dispatcher: the outbox consumer that publishes committed events to the broker.

Any number of processes may run one (every app worker and `tandem worker` do): the
sequencer's row lock hands out numbers in commit order, and the publisher's row is taken
FOR UPDATE SKIP LOCKED, so one process publishes a batch and the others skip it. An event
the broker refused stays unpublished and is retried with backoff; writes never wait for it.
The loop itself is `app.outbox.consumer.Consumer`, shared with the search indexer.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.db import transaction
from app.live.broker import Broker, BrokerUnavailable
from app.live.hub import Envelope
from app.outbox import service as outbox
from app.outbox.consumer import Consumer

log = logging.getLogger("tandem.live")

CONSUMER = "live"


class Dispatcher(Consumer):
    retry_on = (BrokerUnavailable,)

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
        super().__init__(sessionmaker, consumer=consumer, poll_interval=poll_interval)
        self.broker = broker
        self.retention = retention
        self.prune_every = prune_every
        self._last_prune = 0.0

    async def dispatch(self) -> int:
        """Sequence what is new, publish everything not yet published; returns how many
        events this call handled."""
        return await self.drain()

    async def handle(self, session: AsyncSession, batch: list[outbox.Event]) -> None:
        # Events without channels (search indexing, internal) are not for the broker.
        for event in batch:
            if event.channels:
                await self.broker.publish(Envelope.of(event).encode())

    async def after_drain(self) -> None:
        if time.monotonic() - self._last_prune > self.prune_every:
            self._last_prune = time.monotonic()
            async with transaction(self.sessionmaker) as session:
                pruned = await outbox.prune(session, older_than=self.retention)
            if pruned:
                log.info("pruned %d outbox events older than %s", pruned, self.retention)
