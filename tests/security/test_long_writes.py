"""Item 9: a long import does not lock the other writers out (it writes in short
transactions), and a write that cannot get SQLite's lock in time answers 503, never 500."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from app.core.migrate import upgrade
from tests.checks import client_for, error_body, running_app
from tests.conftest import fresh_database
from tests.factories import make_user

ROWS = 3000


@pytest.fixture
async def impatient(database_url: str) -> AsyncIterator[FastAPI]:
    """The app with a short SQLite busy timeout, so that a lock held too long shows."""
    async with running_app(database_url, sqlite_busy_timeout_seconds=2) as application:
        yield application


@pytest.mark.commits
async def test_writers_go_on_during_a_long_import(
    client: httpx.AsyncClient, impatient: FastAPI
) -> None:
    root = await make_user(impatient, "root", admin=True)
    sam = await make_user(impatient, "sam")
    csv = "name,domain\n" + "".join(f"Account {i},a{i}.example\n" for i in range(ROWS))
    async with client_for(impatient) as c:

        async def import_all() -> httpx.Response:
            files = {"file": ("crm.csv", csv.encode(), "text/csv")}
            return await c.post("/api/v1/accounts/import", files=files, headers=root.headers)

        async def post(n: int) -> httpx.Response:
            await asyncio.sleep(0.2 * n)
            return await c.post("/api/v1/posts", json={"body": f"note {n}"}, headers=sam.headers)

        done, *posts = await asyncio.gather(import_all(), *(post(n) for n in range(10)))
    assert done.status_code == 200, done.text
    assert done.json() == {"created": ROWS, "updated": 0, "errors": []}
    assert [p.status_code for p in posts] == [201] * 10


async def test_a_write_that_cannot_get_the_lock_answers_503(tmp_path: Path) -> None:
    """SQLite only: PostgreSQL has no database-wide write lock."""
    url = fresh_database("sqlite", tmp_path, "locked")
    upgrade(url)
    async with running_app(url, sqlite_busy_timeout_seconds=0.5) as application:
        sam = await make_user(application, "sam")
        holder = sqlite3.connect(str(make_url(url).database), isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            async with client_for(application) as c:
                response = await c.post("/api/v1/posts", json={"body": "hi"}, headers=sam.headers)
            error_body(response, 503, "database_busy")
            assert response.headers["retry-after"] == "2"
        finally:
            holder.execute("ROLLBACK")
            holder.close()
