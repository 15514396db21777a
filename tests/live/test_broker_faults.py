"""Live delivery when the broker channel carries something else than events, or the
subscriber fails: a bad message is skipped, a failed subscriber is subscribed again, and
/readyz says which state it is in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import redis.asyncio as redis

from app.core.migrate import upgrade
from app.live import hub as hub_module
from app.live.broker import BROKER_CHANNEL
from app.live.hub import Envelope, Hub
from tests.conftest import fresh_database
from tests.live.conftest import Api, open_stream, receive_until
from tests.live.servers import AppServer, PrivateRedis, app_server, redis_prefix

PREFIX = redis_prefix("broker-faults")
CHANNEL = PREFIX["TANDEM_REDIS_PREFIX"] + BROKER_CHANNEL


def _envelope(seq: int, **fields: Any) -> dict[str, Any]:
    return {"seq": seq, "type": "post.created", "channels": ["company"], "visibility": None,
            "data": {}, **fields}  # fmt: skip


# Each is published on the channel the servers listen to; none of them is an event.
GARBAGE = {
    "not JSON": b"\x00\xffnot json at all",
    "truncated JSON": orjson.dumps(_envelope(1))[:-3],
    "a JSON array": b"[1, 2, 3]",
    "a JSON string": b'"post.created"',
    "an object without the fields": b'{"hello": "world"}',
    "no visibility (must not mean public)": orjson.dumps(
        {k: v for k, v in _envelope(10**9).items() if k != "visibility"}
    ),
    "seq as a string": orjson.dumps({**_envelope(1), "seq": "1"}),
    "channels as a string": orjson.dumps(_envelope(10**9, channels="company")),
    "data as a list": orjson.dumps(_envelope(10**9, data=[1])),
    "deeply nested": b"[" * 100_000,
    "huge, not JSON": b"x" * (8 * 1024 * 1024),
    "huge JSON of another shape": orjson.dumps({"padding": "y" * (8 * 1024 * 1024)}),
}


@pytest.fixture(scope="module")
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def redis_server(
    private_redis: PrivateRedis, tmp_path_factory: pytest.TempPathFactory, live_logs: Path
) -> Iterator[AppServer]:
    """PostgreSQL and a Redis of this module's own (a test stops it)."""
    url = fresh_database("postgres", tmp_path_factory.mktemp("broker-faults"), "brokerfaults")
    upgrade(url)
    with app_server(url, live_logs, TANDEM_REDIS_URL=private_redis.url, **PREFIX) as running:
        yield running


@pytest.fixture
async def api(redis_server: AppServer) -> AsyncIterator[Api]:
    client = Api(redis_server.url)
    yield client
    await client.close()


async def _publish(private_redis: PrivateRedis, message: bytes) -> None:
    client = redis.Redis.from_url(private_redis.url)
    try:
        assert await client.publish(CHANNEL, message) == 1  # the server's subscriber heard it
    finally:
        await client.aclose()


async def _ready(server: AppServer) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server.url}/readyz", timeout=5)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _until_ready_says(server: AppServer, connected: bool, timeout: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (await _ready(server))["broker_connected"] is not connected:
        assert loop.time() < deadline, f"/readyz never said broker_connected={connected}"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("garbage", GARBAGE.values(), ids=GARBAGE.keys())
async def test_a_bad_message_on_the_channel_is_skipped_and_the_next_post_arrives(
    redis_server: AppServer, private_redis: PrivateRedis, api: Api, garbage: bytes
) -> None:
    author = await api.signup("author")
    async with await open_stream(redis_server, author) as ws:
        first = await api.post(author, "Before the bad message")
        await receive_until(ws, "post.created", id=first["id"])
        skipped = (await _ready(redis_server))["broker_skipped_messages"]

        await _publish(private_redis, garbage)
        after = await api.post(author, "After the bad message")
        got = await receive_until(ws, "post.created", id=after["id"])

        assert got["data"]["body"] == "After the bad message"
        ready = await _ready(redis_server)
        assert ready["broker_connected"] is True
        assert ready["broker_skipped_messages"] == skipped + 1


async def test_an_event_a_connection_cannot_judge_reaches_no_one_and_moves_nothing(
    redis_server: AppServer, private_redis: PrivateRedis, api: Api
) -> None:
    """A well-formed envelope whose visibility has another shape: the rule cannot be applied,
    so it is not delivered, and the connection's position does not jump to its (high) id."""
    author = await api.signup("author")
    async with await open_stream(redis_server, author) as ws:
        first = await api.post(author, "Before the odd visibility")
        await receive_until(ws, "post.created", id=first["id"])  # the socket listens
        bogus = _envelope(2**62, channels=[f"author:{author.id}"], visibility={"shape": "odd"})
        await _publish(private_redis, orjson.dumps(bogus))
        after = await api.post(author, "After the odd visibility")
        got = await receive_until(ws, "post.created", id=after["id"])
        assert got["id"] < 2**62


async def test_readyz_tells_while_the_subscriber_is_down_and_delivery_resumes(
    redis_server: AppServer, private_redis: PrivateRedis, api: Api
) -> None:
    author = await api.signup("author")
    async with await open_stream(redis_server, author) as ws:
        assert (await _ready(redis_server))["broker_connected"] is True
        private_redis.stop()
        try:
            await _until_ready_says(redis_server, connected=False)
            ready = await _ready(redis_server)
            assert (ready["status"], ready["database"]) == ("ok", "ok")  # still serving
            during = await api.post(author, "Written while the subscriber is down")
        finally:
            private_redis.start()  # same port: the subscriber comes back by itself
        await _until_ready_says(redis_server, connected=True)
        await receive_until(ws, "post.created", timeout=20, id=during["id"])
        after = await api.post(author, "Written after it came back")
        await receive_until(ws, "post.created", id=after["id"])


class _FlakyBroker:
    """A broker whose first subscription yields `first` and then fails with an error that is
    not `BrokerUnavailable`; later subscriptions yield what `publish` is given."""

    name = "flaky"

    def __init__(self, first: list[bytes]) -> None:
        self.first = first
        self.subscriptions = 0
        self.failed = asyncio.Event()
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    async def publish(self, message: bytes) -> None:
        await self.queue.put(message)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[AsyncIterator[bytes]]:
        self.subscriptions += 1
        number = self.subscriptions

        async def messages() -> AsyncIterator[bytes]:
            if number == 1:
                for message in self.first:
                    yield message
                self.failed.set()
                raise RuntimeError("a bug in the subscription")
            while True:
                yield await self.queue.get()

        yield messages()

    async def close(self) -> None:
        pass


async def _until(check: Any, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


async def test_the_subscriber_skips_bad_messages_and_is_restarted_after_any_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Long enough that the test sees the gap between the failure and the new subscription.
    monkeypatch.setattr(hub_module, "RESUBSCRIBE_MIN_SECONDS", 0.5, raising=False)
    good = [Envelope(n, "post.created", ("company",), None, {"n": n}) for n in (1, 2, 3)]
    broker = _FlakyBroker([b"not json", good[0].encode(), b"[]", good[1].encode()])
    hub = Hub(None, broker)  # type: ignore[arg-type]  # no connection: no database
    routed: list[Envelope] = []
    hub.route = routed.append  # type: ignore[method-assign]
    task = asyncio.create_task(hub.run())
    try:
        await asyncio.wait_for(broker.failed.wait(), 10)
        await asyncio.sleep(0)
        assert not hub.subscribed.is_set()  # what /readyz reports while it waits to retry
        assert [e.seq for e in routed] == [1, 2]
        assert hub.skipped == 2

        await _until(lambda: broker.subscriptions == 2 and hub.subscribed.is_set())
        await broker.publish(good[2].encode())
        await _until(lambda: len(routed) == 3)
        assert routed[2].data == {"n": 3}
        assert not task.done()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert not hub.subscribed.is_set()
