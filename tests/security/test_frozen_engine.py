"""Item 8: a hung search engine (SIGSTOP) holds no database connection: searches answer 503
in their time limit and the feed stays fast meanwhile."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.checks import error_body
from tests.conftest import service_url
from tests.factories import make_post, make_user
from tests.search_api.conftest import meili_backend
from tests.search_api.test_maintenance import _meili

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tandem"


@pytest.mark.commits  # the real connection pool, as production has it
async def test_a_frozen_engine_does_not_starve_the_feed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    service_url("TANDEM_TEST_MEILI_URL")  # Meilisearch is available on this machine
    port = 7690 + os.getpid() % 100
    _meili("start", port)
    engine = meili_backend(f"http://127.0.0.1:{port}")
    previous, app.state.search = app.state.search, engine
    pid = int((CACHE / f"meili-{port}" / "meilisearch.pid").read_text())
    try:
        await engine.ensure_indexes()
        ana = await make_user(app, "ana")
        await make_post(client, ana, "renewal at risk")
        os.kill(pid, signal.SIGSTOP)
        loop = asyncio.get_running_loop()
        # More searches than the pool has connections (5), all waiting on the engine.
        searches = [
            asyncio.create_task(
                client.get("/api/v1/search", params={"q": "renewal"}, headers=ana.headers)
            )
            for _ in range(12)
        ]
        await asyncio.sleep(0.5)
        started = loop.time()
        feed = await client.get("/api/v1/feed", headers=ana.headers)
        took = loop.time() - started
        assert feed.status_code == 200, feed.text
        assert took < 1.0, f"the feed waited {took:.2f}s behind the searches"
        for response in await asyncio.gather(*searches):
            error_body(response, 503, "search_unavailable")
    finally:
        os.kill(pid, signal.SIGCONT)
        app.state.search = previous
        await engine.close()
        _meili("stop", port)
