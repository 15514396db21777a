"""Small helpers shared by the visibility, feed and notification API suites."""

from __future__ import annotations

from typing import Any

import httpx

from tests.checks import api_error, error_of
from tests.factories import Person, api


async def follow(client: httpx.AsyncClient, who: Person, *targets: str) -> None:
    """Follow each target, given as `users/<handle>`, `accounts/<slug>` or `topics/<name>`."""
    for target in targets:
        await api(client, who, "PUT", f"/api/v1/{target}/follow", 204)


async def page_ids(
    client: httpx.AsyncClient, who: Person, url: str, **params: Any
) -> tuple[list[int], str | None]:
    """The item ids of one page of a list and its next cursor (`params` add to `url`'s query)."""
    merged = str(httpx.URL(url).copy_merge_params(params))
    page = await api(client, who, "GET", merged, 200)
    return [item["id"] for item in page["items"]], page["next_cursor"]


async def walk(client: httpx.AsyncClient, who: Person, url: str, *, limit: int) -> list[list[int]]:
    """Every page of a list, following the cursors to the end (at most 50 pages)."""
    pages: list[list[int]] = []
    cursor: str | None = None
    for _ in range(50):
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        ids, cursor = await page_ids(client, who, url, **params)
        pages.append(ids)
        if cursor is None:
            return pages
    raise AssertionError(f"{url} did not end after 50 pages")


def assert_error(body: Any, code: str) -> None:
    """`body` is the one API error shape with this code."""
    error_of(body, code)


async def expect_error(
    client: httpx.AsyncClient,
    who: Person | None,
    method: str,
    url: str,
    status: int,
    code: str,
    **kwargs: Any,
) -> dict[str, Any]:
    """Call the API expecting an error answer; return its body."""
    return {"error": await api_error(client, who, method, url, status, code, **kwargs)}
