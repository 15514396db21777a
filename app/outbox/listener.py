"""Wake-ups across processes: PostgreSQL NOTIFYs `tandem_outbox` when a transaction that
wrote outbox events commits (a trigger, see the migration), and `tandem worker` LISTENs on a
connection of its own and wakes its consumers at once. It thus publishes and indexes the web
processes' writes within milliseconds rather than at its next poll, and the web processes
need not run consumers at all (`TANDEM_DISPATCHER=false`). Web processes that do dispatch
are woken by their own commits and poll for the others'; they do not listen, or every
process would wake for every write. Polling stays as the fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.outbox.service import wakeup

log = logging.getLogger("tandem.outbox")

CHANNEL = "tandem_outbox"
MAX_BACKOFF = 5.0


def _on_notification(*_args: Any) -> None:
    wakeup.wake()


async def _listen(engine: AsyncEngine) -> None:
    """Hold a connection that LISTENs until it is lost."""
    async with engine.connect() as connection:
        driver: Any = (await connection.get_raw_connection()).driver_connection  # asyncpg
        lost = asyncio.Event()
        driver.add_termination_listener(lambda _connection: lost.set())
        await driver.add_listener(CHANNEL, _on_notification)
        try:
            # Events may have committed while nobody listened.
            wakeup.wake()
            await lost.wait()
        finally:
            if not driver.is_closed():
                await driver.remove_listener(CHANNEL, _on_notification)


async def _listen_forever(engine: AsyncEngine) -> None:
    delay = 0.25
    while True:
        try:
            await _listen(engine)
            delay = 0.25
        except Exception as exc:  # any failure to connect or listen: retry, polling covers
            log.warning("outbox listener lost PostgreSQL (%s); again in %.2fs", exc, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_BACKOFF)


@asynccontextmanager
async def listening(engine: AsyncEngine) -> AsyncIterator[None]:
    """Wake this process's outbox consumers on other processes' commits (PostgreSQL; in the
    embedded SQLite mode every write happens in this process)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    task = asyncio.create_task(_listen_forever(engine), name="outbox-listener")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
