"""Brokers carry published live events to every app process: in-process for the embedded
default, Redis pub/sub when several processes share the work.

Every event is published once on one broker channel; each process routes it to its own
connections by the event's channels (see `hub.Hub`). That keeps the broker's work per event
constant however many people follow what it is about.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError

log = logging.getLogger("tandem.live")

BROKER_CHANNEL = "live"


class BrokerUnavailable(RuntimeError):
    """The broker cannot be reached; the outbox keeps the events until it can."""


class Broker(Protocol):
    name: str

    async def publish(self, message: bytes) -> None: ...

    def subscribe(self) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """Subscribed on entry; gives the stream of messages, which raises
        `BrokerUnavailable` when the connection is lost."""
        ...

    async def close(self) -> None: ...


class InProcessBroker:
    """One process: publishing hands the message to this process's subscribers."""

    name = "in-process"

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[bytes]] = set()

    async def publish(self, message: bytes) -> None:
        for queue in self._queues:
            queue.put_nowait(message)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[AsyncIterator[bytes]]:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._queues.add(queue)

        async def messages() -> AsyncIterator[bytes]:
            while True:
                yield await queue.get()

        try:
            yield messages()
        finally:
            self._queues.discard(queue)

    async def close(self) -> None:
        self._queues.clear()


class RedisBroker:
    """Redis pub/sub through redis.asyncio; a lost connection surfaces as BrokerUnavailable."""

    name = "redis"

    def __init__(self, url: str, *, prefix: str = "tandem:") -> None:
        # Every Tandem sharing this Redis under the same prefix shares the live events.
        self._channel = prefix + BROKER_CHANNEL
        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=10
        )

    async def publish(self, message: bytes) -> None:
        try:
            await self._redis.publish(self._channel, message)
        except (RedisError, OSError) as exc:
            raise BrokerUnavailable(f"redis: {exc}") from exc

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[AsyncIterator[bytes]]:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            try:
                await pubsub.subscribe(self._channel)
            except (RedisError, OSError) as exc:
                raise BrokerUnavailable(f"redis: {exc}") from exc

            async def messages() -> AsyncIterator[bytes]:
                while True:
                    try:
                        message = await pubsub.get_message(timeout=5.0)
                    except (RedisError, OSError) as exc:
                        raise BrokerUnavailable(f"redis: {exc}") from exc
                    if message is not None and message["type"] == "message":
                        yield message["data"]

            yield messages()
        finally:
            try:
                await pubsub.aclose()
            except (RedisError, OSError):
                log.debug("closing a broken redis subscription failed", exc_info=True)

    async def close(self) -> None:
        await self._redis.aclose()


def make_broker(redis_url: str | None, *, prefix: str = "tandem:") -> Broker:
    return RedisBroker(redis_url, prefix=prefix) if redis_url else InProcessBroker()
