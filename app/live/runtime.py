"""Starting and stopping the live machinery of one process: broker, hub and dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.live.broker import Broker, make_broker
from app.live.dispatcher import Dispatcher
from app.live.hub import Hub


@dataclass
class Live:
    broker: Broker
    hub: Hub
    dispatcher: Dispatcher
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


def dispatcher_for(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], broker: Broker
) -> Dispatcher:
    return Dispatcher(
        sessionmaker,
        broker,
        poll_interval=settings.outbox_poll_seconds,
        retention=timedelta(days=settings.event_retention_days),
    )


@asynccontextmanager
async def running(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    serve_sockets: bool = True,
) -> AsyncIterator[Live]:
    """The broker, this process's hub (when it serves sockets) and its dispatcher (when
    `settings.dispatcher`), running until the block ends."""
    broker = make_broker(settings.redis_url, prefix=settings.redis_prefix)
    hub = Hub(
        sessionmaker,
        broker,
        send_queue=settings.live_send_queue,
        send_timeout=settings.live_send_timeout_seconds,
    )
    live = Live(broker, hub, dispatcher_for(settings, sessionmaker, broker))
    if serve_sockets:
        live.tasks.append(asyncio.create_task(hub.run(), name="live-hub"))
    if settings.dispatcher:
        live.tasks.append(asyncio.create_task(live.dispatcher.run(), name="live-dispatcher"))
    try:
        yield live
    finally:
        await hub.close_all()
        for task in live.tasks:
            task.cancel()
        for task in live.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await broker.close()
