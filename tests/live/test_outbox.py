"""The outbox and its dispatcher against the real databases (no server needed)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from app.core.db import transaction
from app.live.broker import InProcessBroker, RedisBroker
from app.live.dispatcher import Dispatcher
from app.outbox import service as outbox
from tests.live.servers import free_port


async def _emit(app: FastAPI, n: int, tag: str) -> None:
    for i in range(n):
        async with transaction(app.state.sessionmaker) as session:
            await outbox.emit(session, type="test", data={"tag": tag, "i": i}, channels=["t"])


@pytest.mark.commits
async def test_concurrent_dispatchers_publish_every_event_once_in_order(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    broker = InProcessBroker()
    consumer = f"test-{uuid.uuid4().hex[:8]}"
    dispatchers = [Dispatcher(app.state.sessionmaker, broker, consumer=consumer) for _ in range(3)]
    received: list[dict[str, object]] = []

    async with broker.subscribe() as messages:

        async def collect() -> None:
            async for raw in messages:
                received.append(orjson.loads(raw))

        collector = asyncio.create_task(collect())

        async def keep_dispatching(d: Dispatcher) -> None:
            for _ in range(30):
                await d.dispatch()
                await asyncio.sleep(0.005)

        await asyncio.gather(
            _emit(app, 40, "a"),
            _emit(app, 40, "b"),
            *(keep_dispatching(d) for d in dispatchers),
        )
        await dispatchers[0].dispatch()  # whatever was committed last
        await asyncio.sleep(0.05)
        collector.cancel()

    mine = [m for m in received if m["type"] == "test"]
    seqs = [int(str(m["seq"])) for m in mine]
    assert len(mine) == 80
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 80
    # Each writer's events keep their order.
    for tag in ("a", "b"):
        order = [m["data"]["i"] for m in mine if m["data"]["tag"] == tag]  # type: ignore[index]
        assert order == list(range(40))


@pytest.mark.commits
async def test_sequence_numbers_follow_commit_order(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """An event inserted first but committed last is numbered last, so a consumer that has
    passed a number never finds a smaller one appear behind it."""
    factory = app.state.sessionmaker
    release = asyncio.Event()
    inserted = asyncio.Event()

    async def slow_writer() -> None:
        async with transaction(factory) as session:
            await outbox.emit(session, type="test", data={"who": "slow"})
            inserted.set()
            await release.wait()

    slow = asyncio.create_task(slow_writer())
    await inserted.wait()
    if app.state.engine.dialect.name == "sqlite":
        # SQLite has one writer at a time: the fast write can only follow the slow one.
        release.set()
        await slow
    async with transaction(factory) as session:
        await outbox.emit(session, type="test", data={"who": "fast"})
    async with transaction(factory) as session:
        await outbox.sequence(session)
    release.set()
    await slow
    async with transaction(factory) as session:
        await outbox.sequence(session)
        events = [e for e in await outbox.read_after(session, 0) if e.type == "test"]
    order = [e.data["who"] for e in events]
    if app.state.engine.dialect.name == "sqlite":
        assert order == ["slow", "fast"]
    else:
        assert order == ["fast", "slow"]
    assert [e.seq for e in events] == sorted(e.seq for e in events)


async def test_prune_keeps_what_a_consumer_has_not_handled(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    factory = app.state.sessionmaker
    await _emit(app, 4, "old")
    async with transaction(factory) as session:
        await outbox.sequence(session)
        events = await outbox.read_after(session, 0)
        # One consumer has handled the first two events, another all four.
        await outbox.claim(session, "slow")
        await outbox.advance(session, "slow", events[1].seq)
        await outbox.claim(session, "fast")
        await outbox.advance(session, "fast", events[-1].seq)
    async with transaction(factory) as session:
        assert await outbox.prune(session, older_than=timedelta(days=1)) == 0  # all recent
        assert await outbox.prune(session, older_than=timedelta(0)) == 2
        left = await outbox.read_after(session, 0)
    assert [e.seq for e in left] == [e.seq for e in events[2:]]
    assert all(e.channels == ("t",) for e in left)


class _OutageBroker:
    """A Redis broker on a port where nothing listens (every publish fails as during an
    outage) until `recover()`, then the in-process broker; it counts publish attempts."""

    name = "outage"

    def __init__(self) -> None:
        self.down = RedisBroker(f"redis://127.0.0.1:{free_port()}/0")
        self.up = InProcessBroker()
        self.failing = True
        self.attempts = 0

    def recover(self) -> None:
        self.failing = False

    async def publish(self, message: bytes) -> None:
        self.attempts += 1
        await (self.down if self.failing else self.up).publish(message)

    def subscribe(self) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        return self.up.subscribe()

    async def close(self) -> None:
        await self.down.close()


@pytest.mark.commits
async def test_commits_during_an_outage_do_not_shorten_the_dispatchers_backoff(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Each commit wakes the dispatcher; while the broker is down it must still wait out
    its backoff (0.25, 0.5, 1, 2 s...) rather than retry once per commit."""
    broker = _OutageBroker()
    dispatcher = Dispatcher(
        app.state.sessionmaker, broker, poll_interval=0.2, consumer=f"test-{uuid.uuid4().hex[:8]}"
    )
    task = asyncio.create_task(dispatcher.run())
    received: list[dict[str, Any]] = []
    try:
        async with broker.up.subscribe() as messages:

            async def collect() -> None:
                async for raw in messages:
                    received.append(orjson.loads(raw))

            collector = asyncio.create_task(collect())
            loop = asyncio.get_running_loop()
            started, commits = loop.time(), 0
            while loop.time() - started < 3.0:
                await _emit(app, 1, "outage")
                commits += 1
                await asyncio.sleep(0.03)
            during = broker.attempts

            # The first attempt, then after 0.25, 0.75 and 1.75 s: four in three seconds,
            # whatever the number of commits (about one per commit without the fix).
            assert commits >= 30
            assert 2 <= during <= 5, (during, commits)

            broker.recover()  # the next attempt (within the 2 s backoff) publishes it all
            async with asyncio.timeout(10):
                while sum(_is_outage(m) for m in received) < commits:
                    await asyncio.sleep(0.05)
            collector.cancel()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await broker.close()
    assert sum(_is_outage(m) for m in received) == commits  # each once


def _is_outage(message: dict[str, Any]) -> bool:
    return message["type"] == "test" and message["data"]["tag"] == "outage"
