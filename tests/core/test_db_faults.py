"""The database dropping connections (a restart, a failover, an idle kill) or not being
there at all: a read is run again on a new connection, anything else answers 503 with
Retry-After; never a 500. Connections are killed with pg_terminate_backend, only those of
this module's own database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.core.db import DatabaseUnavailable, is_disconnect
from app.core.migrate import upgrade
from tests.checks import client_for, error_body, running_app
from tests.conftest import fresh_database, service_url
from tests.factories import Person, api, make_user
from tests.live.servers import free_port
from tests.pages_helpers import browse_as


@pytest.fixture(scope="module")
def own_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database no other test uses: killing its connections disturbs no one else."""
    url = fresh_database("postgres", tmp_path_factory.mktemp("db-faults"), "dbfaults")
    upgrade(url)
    return url


@pytest.fixture
async def own_app(own_database: str) -> AsyncIterator[FastAPI]:
    async with running_app(own_database) as application:
        yield application


async def _admin(sql: str, **params: Any) -> Any:
    engine = create_async_engine(
        service_url("TANDEM_TEST_POSTGRES_URL"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()
    finally:
        await engine.dispose()


async def _kill_connections(database_url: str) -> int:
    """Terminate every backend connected to this database (and only to it), as a restart
    would; returns how many there were once they are gone."""
    name = make_url(database_url).database
    killed = await _admin(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = :name AND pid <> pg_backend_pid()",
        name=name,
    )
    async with asyncio.timeout(10):
        while await _admin(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = :name", name=name
        ):
            await asyncio.sleep(0.05)
    return int(killed)


async def _fill_pool(c: httpx.AsyncClient, who: Person) -> None:
    """Requests at once, so that the pool holds several connections."""
    responses = await asyncio.gather(*(c.get("/api/v1/me", headers=who.headers) for _ in range(5)))
    assert [r.status_code for r in responses] == [200] * 5


async def test_reads_on_connections_the_database_dropped_are_run_again(own_app: FastAPI) -> None:
    sam = await make_user(own_app, "sam")
    async with client_for(own_app) as c:
        await _fill_pool(c, sam)
        assert own_app.state.engine.pool.checkedin() >= 2
        assert await _kill_connections(own_app.state.engine.url) >= 2

        me = await api(c, sam, "GET", "/api/v1/me", 200)
        assert me["handle"] == "sam"

        # Several reads at once, each on a dead connection: every one is answered.
        await _fill_pool(c, sam)
        await _kill_connections(own_app.state.engine.url)
        responses = await asyncio.gather(
            *(c.get("/api/v1/feed", headers=sam.headers) for _ in range(5))
        )
        assert [r.status_code for r in responses] == [200] * 5


async def test_a_page_read_on_a_dropped_connection_is_run_again(own_app: FastAPI) -> None:
    sam = await make_user(own_app, "sam2")
    async with client_for(own_app) as c:
        await _fill_pool(c, sam)
        await _kill_connections(own_app.state.engine.url)
        browse_as(c, sam)
        response = await c.get("/")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")


async def test_a_write_on_a_dropped_connection_answers_503_and_writes_nothing(
    own_app: FastAPI,
) -> None:
    sam = await make_user(own_app, "sam3")
    async with client_for(own_app) as c:
        await _fill_pool(c, sam)
        await _kill_connections(own_app.state.engine.url)

        response = await c.post("/api/v1/posts", headers=sam.headers, json={"body": "Lost?"})
        error = error_body(response, 503, "database_unavailable")
        assert response.headers["Retry-After"] == "2"
        assert "try again" in error["message"]

        # Not run twice, not half-written; and the pool has been renewed meanwhile.
        assert (await api(c, sam, "GET", f"/api/v1/users/{sam.handle}/feed", 200))["items"] == []
        await api(c, sam, "POST", "/api/v1/posts", 201, json={"body": "Written"})


async def test_with_pre_ping_a_write_on_a_dropped_connection_succeeds(own_database: str) -> None:
    async with running_app(own_database, db_pre_ping=True) as application:
        sam = await make_user(application, "sam4")
        async with client_for(application) as c:
            await _fill_pool(c, sam)
            await _kill_connections(application.state.engine.url)
            await api(c, sam, "POST", "/api/v1/posts", 201, json={"body": "Pinged first"})


async def test_with_the_database_unreachable_requests_answer_503() -> None:
    nowhere = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere"
    async with running_app(nowhere) as application, client_for(application) as c:
        headers = {"Authorization": "Bearer some-token"}
        response = await c.get("/api/v1/me", headers=headers)
        error_body(response, 503, "database_unavailable")
        assert response.headers["Retry-After"] == "2"
        response = await c.post("/api/v1/posts", headers=headers, json={"body": "x"})
        error_body(response, 503, "database_unavailable")

        c.cookies.set("tandem_session", "some-token")
        response = await c.get("/")
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("text/html")
        assert "Temporarily unavailable" in response.text

        assert (await c.get("/readyz")).status_code == 503
        assert (await c.get("/healthz")).status_code == 200


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "gone"),
    [
        ("57P01", True),  # admin_shutdown (pg_terminate_backend, a fast shutdown)
        ("57P03", True),  # cannot_connect_now (starting up)
        ("53300", True),  # too_many_connections
        ("08006", True),  # connection_failure
        ("57014", False),  # query_canceled (a statement timeout): the statement's fault
        ("22021", False),  # bad input
        ("28P01", False),  # a wrong password: configuration, not an outage
    ],
)
def test_which_database_errors_mean_the_database_is_gone(sqlstate: str, gone: bool) -> None:
    error = DBAPIError("SELECT 1", {}, _DriverError(sqlstate))
    assert is_disconnect(error) is gone
    assert is_disconnect(DatabaseUnavailable("refused"))
