"""A download the client reads slowly holds no database connection while its bytes go out."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.core.migrate import upgrade
from tests.conftest import fresh_database
from tests.files.samples import pdf
from tests.live.conftest import Api
from tests.live.servers import AppServer, app_server


@pytest.fixture
def one_connection(live_logs: Path, tmp_path: Path) -> Iterator[AppServer]:
    """PostgreSQL with a pool of one connection: a request that kept it would stop the rest."""
    url = fresh_database("postgres", tmp_path, "pool")
    upgrade(url)
    with app_server(url, live_logs, TANDEM_DB_POOL_SIZE="1") as server:
        yield server


async def test_a_slow_download_does_not_hold_the_database(one_connection: AppServer) -> None:
    api = Api(one_connection.url)
    user = await api.signup("reader")
    # 8 MB: more than the sockets' buffers hold, so the server waits on the client.
    data = pdf("Field guide") + b"\n%" + b"x" * 8_000_000
    uploaded = await api.http.post(
        "/api/v1/files", headers=user.headers, files={"file": ("guide.pdf", data)}
    )
    assert uploaded.status_code == 201, uploaded.text
    url = f"/api/v1/files/{uploaded.json()['id']}"
    async with httpx.AsyncClient(base_url=one_connection.url, timeout=30) as slow:
        async with slow.stream("GET", url, headers=user.headers) as download:
            assert download.status_code == 200
            chunks = download.aiter_raw(64 * 1024)
            first = await anext(chunks)
            # While the download waits on its reader, the one connection serves others.
            for _ in range(3):
                async with asyncio.timeout(5):
                    me = await api.http.get("/api/v1/me", headers=user.headers)
                assert me.status_code == 200, me.text
            rest = b"".join([chunk async for chunk in chunks])
    assert first + rest == data
    await api.close()
