"""Login limits per (email, client) and per client: shared by the workers through Redis,
bounded in memory, and still enforced when Redis is down.

The Redis server is shared with other test runs: every test here writes under a random
prefix of its own and deletes what it wrote.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack

import httpx
import pytest
import redis.asyncio as redis
from fastapi import FastAPI

from app.auth.ratelimit import LoginLimiter, TooManyAttempts
from tests.checks import client_for, error_body, running_app
from tests.conftest import service_url
from tests.factories import PASSWORD, make_user

TOKEN = "/api/v1/auth/token"
# 3 failures at one email from one client, 5 from one client at any emails.
STRICT = {"login_attempts_per_email": 3, "login_attempts_per_client": 5}


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(TOKEN, json={"email": email, "password": password})


def assert_rate_limited(response: httpx.Response, window: int = 300) -> None:
    error_body(response, 429, "rate_limited")
    assert 1 <= int(response.headers["Retry-After"]) <= window


@pytest.fixture
def redis_url() -> str:
    return service_url("TANDEM_TEST_REDIS_URL")


@pytest.fixture
async def redis_prefix(redis_url: str) -> AsyncIterator[str]:
    """A prefix no other run uses; its keys are deleted afterwards (never the whole database)."""
    prefix = f"tandem-test:{uuid.uuid4().hex}:"
    yield prefix
    async with redis.Redis.from_url(redis_url) as r:
        keys = [key async for key in r.scan_iter(match=prefix + "*")]
        if keys:
            await r.delete(*keys)


async def keys_under(redis_url: str, prefix: str) -> dict[str, int]:
    """The keys under `prefix`, with the ms each has left to live."""
    async with redis.Redis.from_url(redis_url, decode_responses=True) as r:
        return {key: await r.pttl(key) for key in [k async for k in r.scan_iter(prefix + "*")]}


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections: bound by us, never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
async def workers(
    database_url: str, redis_url: str, redis_prefix: str, client: httpx.AsyncClient
) -> AsyncIterator[tuple[FastAPI, FastAPI]]:
    """Two apps on one database and one Redis prefix, as two worker processes would be.

    Depends on `client` so that the tables are emptied after the test.
    """
    async with AsyncExitStack() as stack:
        apps = [
            await stack.enter_async_context(
                running_app(database_url, redis_url=redis_url, redis_prefix=redis_prefix, **STRICT)
            )
            for _ in range(2)
        ]
        yield apps[0], apps[1]


# Several workers


async def test_failures_on_one_worker_limit_the_other(
    app: FastAPI, workers: tuple[FastAPI, FastAPI]
) -> None:
    first, second = workers
    sam = await make_user(app, "sam", password=PASSWORD)
    lee = await make_user(app, "lee", password=PASSWORD)
    async with client_for(first, address="10.0.0.1") as c:
        for _ in range(3):
            error_body(await login(c, sam.email, "wrong password"), 401)
    async with client_for(second, address="10.0.0.1") as c:
        assert_rate_limited(await login(c, "SAM@example.com", PASSWORD))
        assert (await login(c, lee.email, PASSWORD)).status_code == 200
    async with client_for(second, address="10.0.0.2") as c:
        assert (await login(c, sam.email, PASSWORD)).status_code == 200

    async with client_for(second, address="10.0.0.3") as c:
        for i in range(5):
            error_body(await login(c, f"guess{i}@example.com", "wrong password"), 401)
    async with client_for(first, address="10.0.0.3") as c:
        assert_rate_limited(await login(c, lee.email, PASSWORD))
    # Nothing of it was counted in the workers' own memory.
    assert first.state.login_limiter.keys_kept() == second.state.login_limiter.keys_kept() == 0


@pytest.mark.commits
async def test_parallel_guesses_across_workers_get_only_the_limit(
    app: FastAPI, workers: tuple[FastAPI, FastAPI]
) -> None:
    sam = await make_user(app, "sam", password=PASSWORD)
    async with (
        client_for(workers[0], address="10.0.0.2") as a,
        client_for(workers[1], address="10.0.0.2") as b,
    ):
        responses = await asyncio.gather(
            *(login(c, sam.email, f"guess {i}") for i, c in enumerate([a, b] * 5))
        )
    assert sorted(r.status_code for r in responses) == [401] * 3 + [429] * 7


async def test_redis_keys_are_prefixed_digests_that_expire(
    app: FastAPI, workers: tuple[FastAPI, FastAPI], redis_url: str, redis_prefix: str
) -> None:
    sam = await make_user(app, "sam", password=PASSWORD)
    async with client_for(workers[0]) as c:
        for _ in range(3):
            assert (await login(c, sam.email, PASSWORD)).status_code == 200
        assert await keys_under(redis_url, redis_prefix) == {}  # successes are given back

        error_body(await login(c, sam.email, "wrong password"), 401)
    kept = await keys_under(redis_url, redis_prefix)
    names = sorted(key.removeprefix(redis_prefix) for key in kept)
    assert [name.rsplit(":", 1)[0] for name in names] == ["login:client", "login:email-client"]
    assert all(len(name.rsplit(":", 1)[1]) == 32 for name in names)  # digests, no addresses
    assert all(0 < ttl <= 300_000 for ttl in kept.values()), kept


async def test_redis_windows_are_gone_after_the_window(redis_url: str, redis_prefix: str) -> None:
    limiter = LoginLimiter(
        per_email_client=2,
        per_client=10,
        window=0.3,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
    )
    try:
        for _ in range(2):
            await limiter.reserve(email="sam@example.com", client="10.0.0.1")
        with pytest.raises(TooManyAttempts) as limited:
            await limiter.reserve(email="sam@example.com", client="10.0.0.1")
        assert limited.value.retry_after == 1
        assert len(await keys_under(redis_url, redis_prefix)) == 2
        await asyncio.sleep(0.4)
        assert await keys_under(redis_url, redis_prefix) == {}
        await limiter.reserve(email="sam@example.com", client="10.0.0.1")
    finally:
        await limiter.aclose()


# Redis unavailable


async def test_without_redis_logins_work_and_are_limited_per_process(
    app: FastAPI,
    client: httpx.AsyncClient,
    database_url: str,
    closed_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sam = await make_user(app, "sam", password=PASSWORD)
    unreachable = f"redis://127.0.0.1:{closed_port}/0"
    with caplog.at_level(logging.WARNING, logger="tandem.auth"):
        async with running_app(database_url, redis_url=unreachable, **STRICT) as application:
            async with client_for(application) as c:
                assert (await login(c, sam.email, PASSWORD)).status_code == 200
                for _ in range(3):
                    error_body(await login(c, sam.email, "wrong password"), 401)
                assert_rate_limited(await login(c, sam.email, PASSWORD))
            assert application.state.login_limiter.keys_kept() == 2
    warnings = [r for r in caplog.records if r.name == "tandem.auth"]
    assert len(warnings) == 1, warnings  # once per outage, not once per login
    assert "Redis is unavailable" in warnings[0].getMessage()


# In this process


async def test_memory_windows_forget_their_keys() -> None:
    limiter = LoginLimiter(per_email_client=3, per_client=100, window=0.2)
    for i in range(20):
        await limiter.reserve(email=f"guess{i}@example.com", client="10.0.0.1")
    assert limiter.keys_kept() == 21

    await asyncio.sleep(0.25)
    await limiter.reserve(email="late@example.com", client="10.0.0.2")
    assert limiter.keys_kept() == 2  # the first burst's keys went with this attempt

    await asyncio.sleep(0.25)
    attempt = await limiter.reserve(email="sam@example.com", client="10.0.0.3")
    await attempt.succeeded()
    assert limiter.keys_kept() == 0


async def test_memory_windows_limit_and_then_let_go() -> None:
    limiter = LoginLimiter(per_email_client=3, per_client=100, window=0.2)
    for _ in range(3):
        await limiter.reserve(email="sam@example.com", client="10.0.0.1")
    with pytest.raises(TooManyAttempts) as limited:
        await limiter.reserve(email="sam@example.com", client="10.0.0.1")
    assert limited.value.retry_after == 1
    await limiter.reserve(email="sam@example.com", client="10.0.0.2")  # the owner elsewhere
    await limiter.reserve(email="lee@example.com", client="10.0.0.1")
    await asyncio.sleep(0.25)
    await limiter.reserve(email="sam@example.com", client="10.0.0.1")


@pytest.mark.commits
async def test_parallel_guesses_in_one_process_get_only_the_limit(
    app: FastAPI, client: httpx.AsyncClient, database_url: str
) -> None:
    sam = await make_user(app, "sam", password=PASSWORD)
    async with running_app(database_url, **STRICT) as application:
        async with client_for(application) as c:
            responses = await asyncio.gather(
                *(login(c, sam.email, f"guess {i}") for i in range(10))
            )
    assert sorted(r.status_code for r in responses) == [401] * 3 + [429] * 7
