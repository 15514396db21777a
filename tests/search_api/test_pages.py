"""The search page renders the search service's results for the signed-in viewer."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from search import SearchBackend
from tests.factories import api, make_post, make_user
from tests.pages_helpers import browse_as, page
from tests.search_api.conftest import reindex


async def test_search_page_lists_highlighted_visible_hits_only(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    ana = await make_user(app, "ana")
    bob = await make_user(app, "bob")
    await api(
        client, ana, "POST", "/api/v1/groups", 201,
        json={"name": "Inner", "slug": "inner", "private": True},
    )  # fmt: skip
    public = await make_post(client, ana, "pricing <script>x</script> objection")
    await make_post(client, ana, "secret pricing plan", group="inner")
    await reindex(app)
    browse_as(client, bob)
    markup = await page(client, "/search?q=pricing")
    assert f'href="/posts/{public["id"]}"' in markup
    assert "<mark>pricing</mark>" in markup
    assert "<script>x" not in markup
    assert "secret" not in markup
    assert "1 result" in markup


async def test_search_page_without_a_query_is_a_prompt(
    app: FastAPI, client: httpx.AsyncClient, engine: SearchBackend
) -> None:
    browse_as(client, await make_user(app, "sam"))
    assert "Search Tandem" in await page(client, "/search")
