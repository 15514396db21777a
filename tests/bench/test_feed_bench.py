"""The feed benchmark's yardstick: the bare endpoint answers the page it was given."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from bench import bare


async def test_bare_endpoint_serves_the_given_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = {"items": [{"id": i, "title": f"post {i}"} for i in range(20)], "next_cursor": "c"}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    monkeypatch.setenv("TANDEM_BENCH_BARE_PAGE", str(path))
    transport = httpx.ASGITransport(app=bare.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        response = await client.get(bare.PATH)
    assert response.status_code == 200
    assert response.json() == page
