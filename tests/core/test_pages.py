"""Error pages for the HTML routes; the API keeps its JSON error shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from app.web.templating import exact_time, human_time, reading_time
from tests.factories import make_user
from tests.pages_helpers import browse_as, page


async def test_unknown_page_is_an_html_404_and_unknown_api_path_is_json(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    markup = await page(client, "/no/such/page", expect=404)
    assert "Page not found" in markup
    assert '<link rel="stylesheet" href="/static/css/tandem.css">' in markup
    await page(client, "/posts/999999", expect=404)
    response = await client.get("/api/v1/posts/999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    response = await client.get("/api/v1/nothing")
    assert response.json()["error"]["code"] == "not_found"


async def test_forbidden_action_is_an_html_403(client: httpx.AsyncClient, app: FastAPI) -> None:
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    response = await client.post("/posts", data={"body": "x", "csrf_token": "bad"})
    assert response.status_code == 403
    assert "Not allowed" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_human_dates() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert human_time(now - timedelta(seconds=10), now) == "just now"
    assert human_time(now - timedelta(minutes=3), now) == "3 min ago"
    assert human_time(now - timedelta(hours=5), now) == "5 h ago"
    assert human_time(now - timedelta(days=1, hours=2), now) == "yesterday"
    assert human_time(now - timedelta(days=4), now) == "4 days ago"
    assert human_time(datetime(2026, 3, 2, 9, 0), now) == "2 Mar"
    assert human_time(datetime(2024, 3, 2, 9, 0), now) == "2 Mar 2024"
    assert exact_time(datetime(2026, 3, 2, 9, 5)) == "2026-03-02 09:05 UTC"
    assert reading_time("word " * 10) == "1 min read"


async def test_api_clients_get_json_errors_on_any_path(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    response = await client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.json()["error"]["code"] == "not_found"
    response = await client.get("/nowhere", headers=sam.headers)
    assert response.json()["error"]["code"] == "not_found"
    response = await client.get("/nowhere", headers={"Accept": "text/html,*/*"})
    assert response.headers["content-type"].startswith("text/html")
