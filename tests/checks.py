"""Shared assertions for API tests: the one error shape, and apps built with other settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from app.main import create_app
from tests import conftest
from tests.factories import Person, api


def error_body(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """Check that `response` is `status` in the one error shape; return its `error` object."""
    assert response.status_code == status, (response.status_code, response.text)
    return error_of(response.json(), code)


def error_of(body: Any, code: str | None = None) -> dict[str, Any]:
    """Check that a decoded body is the one error shape (with `code`); its `error` object."""
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["details"], list)
    if code is not None:
        assert error["code"] == code, error
    return error


async def api_error(
    client: httpx.AsyncClient,
    who: Person | None,
    method: str,
    url: str,
    status: int,
    code: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Call the API as `who`, expecting an error; return the checked `error` object."""
    headers = who.headers if who else {}
    response = await client.request(method, url, headers=headers, **kwargs)
    return error_body(response, status, code)


async def all_pages(
    client: httpx.AsyncClient, who: Person, url: str, *, limit: int, **params: str
) -> list[list[dict[str, Any]]]:
    """Follow `next_cursor` from the first page to the last; the items of each page."""
    pages: list[list[dict[str, Any]]] = []
    query: dict[str, Any] = {**params, "limit": limit}
    while True:
        page = await api(client, who, "GET", url, 200, params=query)
        pages.append(page["items"])
        if page["next_cursor"] is None:
            return pages
        query["cursor"] = page["next_cursor"]


def detail_fields(error: dict[str, Any]) -> list[str]:
    return sorted(d["field"] for d in error["details"])


@asynccontextmanager
async def running_app(database_url: str, **overrides: object) -> AsyncIterator[FastAPI]:
    """A second app on the test database with different settings (limits, signup)."""
    application = create_app(conftest.test_settings(database_url, **overrides))
    async with application.router.lifespan_context(application):
        # Inside a test's rolled-back transaction, this app writes there too.
        shared = conftest.isolated_sessions()
        if shared is not None:
            application.state.sessionmaker = shared
        yield application


@asynccontextmanager
async def client_for(
    application: FastAPI, *, address: str = "127.0.0.1"
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for `application` whose requests come from `address`."""
    transport = httpx.ASGITransport(app=application, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
