"""Item 4: request bodies are limited by route class before they are parsed: by
Content-Length, and by counting a streamed body (a real server for that)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from tests.checks import error_body
from tests.factories import make_user
from tests.live.conftest import Api
from tests.live.servers import AppServer
from tests.pages_helpers import browse_as, csrf_for

BIG = 2_000_000  # over the 1 MB of the JSON API and the forms


def _json_of(size: int) -> bytes:
    return b'{"body": "' + b"x" * size + b'"}'


async def test_an_oversized_json_body_is_refused_before_it_is_read(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    headers = {"content-type": "application/json"}
    for who in (None, sam):
        response = await client.post(
            "/api/v1/posts",
            content=_json_of(BIG),
            headers={**headers, **(who.headers if who else {})},
        )
        error_body(response, 413, "payload_too_large")


async def test_a_blog_of_the_largest_size_still_fits(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    body = {"kind": "blog", "title": "Long read", "body": "é" * 100_000}
    response = await client.post("/api/v1/posts", json=body, headers=sam.headers)
    assert response.status_code == 201, response.text


async def test_an_oversized_form_gets_the_error_page(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    response = await client.post("/posts", data={"csrf_token": csrf_for(sam), "body": "x" * BIG})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")


async def test_an_import_is_not_read_before_the_caller_is_known(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    files = {"file": ("crm.csv", b"name\n" + b"Acme\n" * 100_000, "text/csv")}
    error_body(await client.post("/api/v1/accounts/import", files=files), 401, "unauthorized")
    sam = await make_user(app, "sam")
    error_body(
        await client.post("/api/v1/accounts/import", files=files, headers=sam.headers),
        403,
        "forbidden",
    )


async def test_a_streamed_body_is_cut_off_at_the_limit(server: AppServer, api: Api) -> None:
    sam = await api.signup("sam")

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"body": "'
        for _ in range(BIG // 65_536 + 1):
            yield b"x" * 65_536
        yield b'"}'

    response = await api.http.post(
        "/api/v1/posts",
        content=chunks(),
        headers={**sam.headers, "content-type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    error_body(response, 413, "payload_too_large")
