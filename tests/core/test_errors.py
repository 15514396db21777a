"""One error shape for every 4xx, and the health endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError

from app.core.errors import install_error_handlers
from app.web.context import error_page
from tests import conftest
from tests.checks import api_error, client_for, detail_fields, error_body, running_app
from tests.factories import PASSWORD, api, make_user
from tests.pages_helpers import browse_as, text_of


async def test_unauthorized_has_error_shape(client: httpx.AsyncClient) -> None:
    await api_error(client, None, "GET", "/api/v1/me", 401, "unauthorized")


async def test_forbidden_has_error_shape(app: FastAPI, client: httpx.AsyncClient) -> None:
    sam = await make_user(app, "sam")
    body = {"email": "x@example.com", "display_name": "X", "handle": "xx", "department": "sales"}
    await api_error(client, sam, "POST", "/api/v1/users", 403, "forbidden", json=body)


@pytest.mark.parametrize("path", ["/api/v1/nowhere", "/nowhere", "/api/v1/users/nobody"])
async def test_not_found_has_error_shape(
    app: FastAPI, client: httpx.AsyncClient, path: str
) -> None:
    sam = await make_user(app, "sam")
    await api_error(client, sam, "GET", path, 404, "not_found")


async def test_method_not_allowed_has_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/me")
    error_body(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


async def test_conflict_has_error_shape(app: FastAPI, client: httpx.AsyncClient) -> None:
    sam = await make_user(app, "sam")
    await api(client, sam, "POST", "/api/v1/accounts", 201, json={"name": "Acme"})
    await api_error(client, sam, "POST", "/api/v1/accounts", 409, json={"name": "Acme"})


async def test_validation_error_lists_each_bad_field(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    body = {"kind": "poem", "body": 42, "accounts": "acme"}
    error = await api_error(
        client, sam, "POST", "/api/v1/posts", 422, "validation_error", json=body
    )
    assert detail_fields(error) == [
        "body.accounts",
        "body.body",
        "body.kind",
    ]
    assert all(set(d) == {"field", "message"} for d in error["details"])


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b""],
)
async def test_malformed_json_body_is_a_validation_error(
    app: FastAPI, client: httpx.AsyncClient, content: bytes
) -> None:
    sam = await make_user(app, "sam")
    headers = {**sam.headers, "Content-Type": "application/json"}
    response = await client.post("/api/v1/accounts", content=content, headers=headers)
    error_body(response, 422, "validation_error")


@pytest.fixture
async def one_try_app(database_url: str, client: httpx.AsyncClient) -> AsyncIterator[FastAPI]:
    async with running_app(database_url, login_attempts_per_email=1) as application:
        yield application


async def test_rate_limited_has_error_shape(app: FastAPI, one_try_app: FastAPI) -> None:
    await make_user(app, "sam", password=PASSWORD)
    async with client_for(one_try_app) as c:
        login = {"email": "sam@example.com", "password": "wrong password"}
        error_body(await c.post("/api/v1/auth/token", json=login), 401)
        response = await c.post("/api/v1/auth/token", json=login)
    error_body(response, 429, "rate_limited")
    assert response.headers["Retry-After"].isdigit()


async def test_healthz_is_ok(client: httpx.AsyncClient) -> None:
    assert await api(client, None, "GET", "/healthz", 200) == {"status": "ok"}


async def test_readyz_reports_database_search_and_broker(client: httpx.AsyncClient) -> None:
    body = await api(client, None, "GET", "/readyz", 200)
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert {"search", "broker"} <= set(body)


@pytest.mark.parametrize(
    ("method", "url", "payload", "field"),
    [
        ("POST", "/api/v1/posts", {"json": {"body": "nul \x00 byte"}}, "body.body"),
        ("POST", "/api/v1/accounts", {"json": {"name": "Nul\x00 Co"}}, "body.name"),
        ("GET", "/api/v1/users", {"params": {"q": "a\x00b"}}, "query.q"),
    ],
)
async def test_nul_character_is_never_a_server_error(
    app: FastAPI,
    client: httpx.AsyncClient,
    method: str,
    url: str,
    payload: dict[str, Any],
    field: str,
) -> None:
    """PostgreSQL cannot store NUL in text and SQLite can: both refuse it before any
    statement, as a 422 naming the field (tests/core/test_control_characters.py has more)."""
    sam = await make_user(app, "sam")
    response = await client.request(method, url, headers=sam.headers, **payload)
    error = error_body(response, 422, "validation_error")
    assert detail_fields(error) == [field]


async def test_a_database_refusal_on_a_page_answers_the_error_page(
    app: FastAPI, client: httpx.AsyncClient, backend: str
) -> None:
    """A lookup that PostgreSQL refuses (a NUL in an address: text fields refuse it before
    the database, a path does not) gets the site's error page, not JSON; SQLite finds
    nothing."""
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    response = await client.get("/accounts/nul%00slug")
    assert response.headers["content-type"].startswith("text/html")
    if backend == "sqlite":
        assert response.status_code == 404
        return
    assert response.status_code == 422
    assert "cannot be stored" in text_of(response.text)


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
async def test_a_database_conflict_answers_a_page_or_the_error_shape(accept: str) -> None:
    """A unique index hit that the services' checks could not see (two identical creates at
    once) is a 409: the error page for a browser, the error shape for an API client."""
    application = FastAPI()
    install_error_handlers(application, error_page=error_page)

    @application.post("/race")
    async def race() -> None:
        raise IntegrityError("INSERT ...", {}, Exception("UNIQUE constraint failed"))

    application.state.settings = conftest.test_settings("sqlite+aiosqlite:///:memory:")
    application.state.secret_key = "test-secret"
    async with client_for(application) as c:
        response = await c.post("/race", headers={"accept": accept})
    if accept == "application/json":
        error_body(response, 409, "conflict")
    else:
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("text/html")
        assert "conflicts with data that already exists" in text_of(response.text)
