"""Live tests run real uvicorn servers on 127.0.0.1 and talk to them with the `websockets`
client library: one process on SQLite with the in-process broker, and one on PostgreSQL with
Redis (the production shape); the multi-process tests add a second process."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.core.migrate import upgrade
from tests import factories
from tests.conftest import fresh_database, service_url
from tests.factories import Person
from tests.live.servers import AppServer, app_server

RECEIVE_TIMEOUT = 10.0


class Api:
    """The HTTP API of one server, with the helpers of `tests.factories` bound to it."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30)

    async def call(
        self, who: Person | None, method: str, url: str, expect: int, **kwargs: Any
    ) -> Any:
        return await factories.api(self.http, who, method, url, expect, **kwargs)

    async def signup(self, prefix: str = "u", department: str = "sales") -> Person:
        return await factories.signup(self.http, prefix, department=department)

    async def post(self, who: Person, body: str, **fields: Any) -> dict[str, Any]:
        return await factories.make_post(self.http, who, body, **fields)

    async def close(self) -> None:
        await self.http.aclose()


async def open_stream(
    server: AppServer, who: Person, *, after: int | None = None, **options: Any
) -> ClientConnection:
    """A socket authenticated by its first message (optionally resuming after an id)."""
    ws = await connect(server.ws_url, compression=None, open_timeout=10, **options)
    await ws.send(json.dumps({"type": "auth", "token": who.token}))
    if after is not None:
        await ws.send(json.dumps({"type": "resume", "after": after}))
    return ws


async def receive(ws: ClientConnection, timeout: float = RECEIVE_TIMEOUT) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


async def receive_until(
    ws: ClientConnection, type: str, timeout: float = RECEIVE_TIMEOUT, **data: Any
) -> dict[str, Any]:
    """The first message of `type` whose data has `data`'s values; others are skipped."""
    return (await received_until(ws, type, timeout, **data))[-1]


async def received_until(
    ws: ClientConnection, type: str, timeout: float = RECEIVE_TIMEOUT, **data: Any
) -> list[dict[str, Any]]:
    """Every message up to and including the first of `type` whose data has `data`'s values."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    got = []
    while True:
        message = await receive(ws, max(0.01, deadline - loop.time()))
        got.append(message)
        if message["type"] == type and all(message["data"].get(k) == v for k, v in data.items()):
            return got


async def until_delivered(
    ws: ClientConnection,
    make_post: Callable[[], Awaitable[dict[str, Any]]],
    *,
    attempts: int = 20,
    wait: float = 0.5,
) -> dict[str, Any]:
    """Post (with `make_post`) until one of the posts reaches `ws`: for a change the socket
    does not acknowledge (a `watch` message), polling with a deadline instead of a sleep."""
    for _ in range(attempts):
        post = await make_post()
        try:
            return await receive_until(ws, "post.created", timeout=wait, id=post["id"])
        except TimeoutError:
            continue
    raise AssertionError(f"no post reached the socket within {attempts} attempts")


async def nothing_more(ws: ClientConnection, within: float = 1.0) -> list[dict[str, Any]]:
    """Every message that arrives within `within` seconds (the caller expects none)."""
    got = []
    try:
        while True:
            got.append(await receive(ws, within))
    except TimeoutError:
        return got


async def close_code(ws: ClientConnection, timeout: float = 10.0) -> int | None:
    """Read until the server closes the socket; its close code."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


@pytest.fixture(scope="session")
def live_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("live-logs")


@pytest.fixture(scope="module", params=["sqlite", "postgres+redis"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, live_logs: Path
) -> Iterator[AppServer]:
    """One app process: SQLite with the in-process broker, or PostgreSQL with Redis."""
    env: dict[str, str] = {}
    if request.param == "sqlite":
        url = fresh_database("sqlite", tmp_path_factory.mktemp("live"), "live")
    else:
        url = fresh_database("postgres", tmp_path_factory.mktemp("live"), "live")
        env["TANDEM_REDIS_URL"] = service_url("TANDEM_TEST_REDIS_URL")
    upgrade(url)
    with app_server(url, live_logs, **env) as running:
        yield running


@pytest.fixture
async def api(server: AppServer) -> AsyncIterator[Api]:
    client = Api(server.url)
    yield client
    await client.close()
