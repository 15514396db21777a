"""Every kind of response carries `nosniff` and a Content-Security-Policy: JSON, errors,
static files, the OpenAPI document, the API docs and the pages (which keep their own)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from app.core.security_headers import NOTHING_POLICY
from app.web.api_docs import REDOC_POLICY, SWAGGER_POLICY
from app.web.templating import CONTENT_SECURITY_POLICY
from tests.checks import client_for, running_app
from tests.factories import make_user

JSON = {"Accept": "application/json"}
BROWSER = {"Accept": "text/html,application/xhtml+xml"}


def assert_headers(response: httpx.Response, policy: str) -> None:
    assert response.headers.get("x-content-type-options") == "nosniff", response.headers
    assert response.headers.get_list("content-security-policy") == [policy], response.headers


@pytest.mark.parametrize(
    ("url", "headers", "status", "policy"),
    [
        ("/healthz", JSON, 200, NOTHING_POLICY),
        ("/api/v1/nothing-here", JSON, 404, NOTHING_POLICY),
        ("/api/v1/me", JSON, 401, NOTHING_POLICY),
        ("/api/v1/users?limit=0", JSON, 401, NOTHING_POLICY),
        ("/static/css/tandem.css", {}, 200, NOTHING_POLICY),
        ("/static/img/logo.svg", {}, 200, NOTHING_POLICY),
        ("/static/missing.js", {}, 404, NOTHING_POLICY),
        ("/openapi.json", JSON, 200, NOTHING_POLICY),
        ("/docs", BROWSER, 200, SWAGGER_POLICY),
        ("/docs/swagger-init.js", {}, 200, NOTHING_POLICY),
        ("/docs/assets/swagger-ui-bundle.js", {}, 200, NOTHING_POLICY),
        ("/docs/assets/swagger-ui.css", {}, 200, NOTHING_POLICY),
        ("/redoc", BROWSER, 200, REDOC_POLICY),
        ("/docs/assets/redoc.standalone.js", {}, 200, NOTHING_POLICY),
        ("/login", BROWSER, 200, CONTENT_SECURITY_POLICY),
        ("/", BROWSER, 303, NOTHING_POLICY),  # to the sign-in page
        ("/no-such-page", BROWSER, 404, CONTENT_SECURITY_POLICY),  # the error page
    ],
)
async def test_every_kind_of_response_carries_the_headers(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], status: int, policy: str
) -> None:
    response = await client.get(url, headers=headers)
    assert response.status_code == status, response.text[:200]
    assert_headers(response, policy)


async def test_signed_in_json_and_pages_and_a_validation_error(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    me = await client.get("/api/v1/me", headers=sam.headers)
    assert me.status_code == 200
    assert_headers(me, NOTHING_POLICY)
    invalid = await client.post("/api/v1/posts", json={"nope": 1}, headers=sam.headers)
    assert invalid.status_code == 422
    assert_headers(invalid, NOTHING_POLICY)
    wrong_method = await client.delete("/healthz")
    assert wrong_method.status_code == 405
    assert_headers(wrong_method, NOTHING_POLICY)


@pytest.fixture
async def failing_app(database_url: str) -> AsyncIterator[FastAPI]:
    async with running_app(database_url) as application:

        @application.get("/api/v1/boom")
        async def boom() -> None:
            raise RuntimeError("a bug")

        yield application


async def test_an_unhandled_error_carries_the_headers(failing_app: FastAPI) -> None:
    # The 500 is answered by Starlette's outermost error middleware: the headers must be
    # added outside it.
    transport = httpx.ASGITransport(app=failing_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        response = await c.get("/api/v1/boom", headers=JSON)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert_headers(response, NOTHING_POLICY)


def _references(markup: str) -> list[str]:
    return re.findall(r'(?:src|href|spec-url)="([^"]*)"', markup)


@pytest.mark.parametrize("url", ["/docs", "/redoc"])
async def test_the_docs_reference_no_other_host(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    references = _references(response.text)
    assert references, response.text
    assert all(ref.startswith("/") and not ref.startswith("//") for ref in references), references
    for ref in references:
        # Everything a docs page loads is here (the favicon is the app's own).
        assert (await client.get(ref)).status_code == 200, ref
    init = (await client.get("/docs/swagger-init.js")).text
    assert not re.search(r"https?:|//", init), init
    policy = response.headers["content-security-policy"]
    assert not any(urlsplit(source).netloc for source in policy.split()), policy


@pytest.fixture
async def docs_off(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(database_url, api_docs=False) as application:
        async with client_for(application) as c:
            yield c


@pytest.mark.parametrize(
    "url",
    ["/docs", "/redoc", "/docs/swagger-init.js", "/docs/assets/swagger-ui-bundle.js"],
)
async def test_without_api_docs_the_pages_and_their_assets_are_gone(
    docs_off: httpx.AsyncClient, url: str
) -> None:
    response = await docs_off.get(url)
    assert response.status_code == 404
    assert_headers(response, NOTHING_POLICY)


async def test_without_api_docs_the_openapi_document_stays(docs_off: httpx.AsyncClient) -> None:
    response = await docs_off.get("/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/auth/token" in response.json()["paths"]
