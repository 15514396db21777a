"""Several app processes sharing PostgreSQL and Redis, as in production."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.migrate import upgrade
from tests.conftest import fresh_database, service_url
from tests.factories import Person
from tests.live.conftest import Api, nothing_more, open_stream, receive, receive_until
from tests.live.servers import AppServer, PrivateRedis, WorkerProcess, app_server


async def _writer_on_a_reader_on_b(a: AppServer, b: AppServer) -> tuple[Api, Person, Person]:
    """A writer signed up through process A and a reader, following them, through B."""
    api_a, api_b = Api(a.url), Api(b.url)
    writer, reader = await api_a.signup("writer"), await api_b.signup("reader")
    await api_b.call(reader, "PUT", f"/api/v1/users/{writer.handle}/follow", 204)
    await api_b.close()
    return api_a, writer, reader


@pytest.fixture(scope="module")
def cluster_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = fresh_database("postgres", tmp_path_factory.mktemp("cluster"), "cluster")
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def two_processes(cluster_database: str, live_logs: Path) -> Iterator[tuple[AppServer, AppServer]]:
    redis_url = service_url("TANDEM_TEST_REDIS_URL")
    with (
        app_server(cluster_database, live_logs, TANDEM_REDIS_URL=redis_url) as a,
        app_server(cluster_database, live_logs, TANDEM_REDIS_URL=redis_url) as b,
    ):
        yield a, b


async def test_a_post_made_through_one_process_reaches_a_socket_on_the_other(
    two_processes: tuple[AppServer, AppServer],
) -> None:
    a, b = two_processes
    api_a, writer, reader = await _writer_on_a_reader_on_b(a, b)
    async with await open_stream(b, reader) as ws:
        post = await api_a.post(writer, "Written on A, read on B")
        got = await receive_until(ws, "post.created", id=post["id"])
        assert got["data"]["body"] == "Written on A, read on B"
        assert await nothing_more(ws, 0.5) == []  # once, though both processes dispatch
    await api_a.close()


def _own_database(tmp_path: Path) -> str:
    """A database for one test: processes of other tests on a shared database would also be
    woken by its commits and take its events."""
    url = fresh_database("postgres", tmp_path, "cluster")
    upgrade(url)
    return url


async def test_a_worker_publishes_what_web_processes_write_without_waiting_for_its_poll(
    tmp_path: Path, live_logs: Path
) -> None:
    # Production shape: web processes run no consumers; `tandem worker` does, woken by
    # PostgreSQL's NOTIFY. It polls only every 60 s here, so only the notification can
    # explain a delivery within seconds.
    redis_url = service_url("TANDEM_TEST_REDIS_URL")
    database = _own_database(tmp_path)
    worker = WorkerProcess(
        database,
        live_logs,
        env={"TANDEM_REDIS_URL": redis_url, "TANDEM_OUTBOX_POLL_SECONDS": "60"},
    ).start()
    # Web processes that leave the outbox to the worker and would only poll once a minute.
    web = {
        "TANDEM_REDIS_URL": redis_url,
        "TANDEM_DISPATCHER": "false",
        "TANDEM_OUTBOX_POLL_SECONDS": "60",
    }
    try:
        with (
            app_server(database, live_logs, **web) as a,
            app_server(database, live_logs, **web) as b,
        ):
            api_a, writer, reader = await _writer_on_a_reader_on_b(a, b)
            async with await open_stream(b, reader) as ws:
                for n in range(3):
                    post = await api_a.post(writer, f"Written on A, number {n}")
                    got = await receive_until(ws, "post.created", timeout=5, id=post["id"])
                    assert got["data"]["body"] == f"Written on A, number {n}"
                assert await nothing_more(ws, 0.5) == []
            await api_a.close()
    finally:
        worker.stop()


@pytest.fixture
def redis_cluster(
    tmp_path: Path, live_logs: Path
) -> Iterator[tuple[PrivateRedis, AppServer, AppServer]]:
    """Two processes on a Redis and a database of this test's own; the test may stop Redis."""
    database = _own_database(tmp_path)
    redis = PrivateRedis().start()
    try:
        with (
            app_server(database, live_logs, TANDEM_REDIS_URL=redis.url) as a,
            app_server(database, live_logs, TANDEM_REDIS_URL=redis.url) as b,
        ):
            yield redis, a, b
    finally:
        redis.stop()


async def test_with_redis_down_writes_succeed_and_events_arrive_once_it_is_back(
    redis_cluster: tuple[PrivateRedis, AppServer, AppServer],
) -> None:
    redis, a, b = redis_cluster
    api_a, writer, reader = await _writer_on_a_reader_on_b(a, b)
    async with await open_stream(b, reader) as ws:
        before = await api_a.post(writer, "Before the outage")
        await receive_until(ws, "post.created", id=before["id"])

        redis.stop()
        during = [(await api_a.post(writer, f"During the outage {n}"))["id"] for n in range(3)]
        assert await nothing_more(ws, 1.0) == []

        redis.start()  # same port: both processes reconnect by themselves
        got = [await receive(ws, timeout=20) for _ in during]
        assert [m["data"]["id"] for m in got] == during
        ids = [m["id"] for m in got]
        assert ids == sorted(ids)
        assert await nothing_more(ws, 1.0) == []
    await api_a.close()


async def test_events_missed_while_redis_was_down_come_back_by_resume(
    redis_cluster: tuple[PrivateRedis, AppServer, AppServer],
) -> None:
    redis, a, b = redis_cluster
    api_a, writer, reader = await _writer_on_a_reader_on_b(a, b)
    async with await open_stream(b, reader) as ws:
        before = await api_a.post(writer, "Before the outage")
        last = (await receive_until(ws, "post.created", id=before["id"]))["id"]
    redis.stop()
    during = [
        (await api_a.post(writer, f"Written while Redis is down {n}"))["id"] for n in range(3)
    ]
    # Redis is still down: the replay comes from the database.
    async with await open_stream(b, reader, after=last) as ws:
        got = [await receive(ws) for _ in during]
        assert [m["data"]["id"] for m in got] == during
        assert await nothing_more(ws, 0.5) == []
    redis.start()
    await asyncio.sleep(0)
    await api_a.close()
