"""Home and company pages: feed cards, tabs, load more, the bell, the page security headers."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.users.models import Department
from tests.factories import api, make_post, make_user
from tests.pages_helpers import browse_as, page


async def test_home_shows_composer_tabs_and_followed_posts_with_department(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    nina = await make_user(app, "nina", department=Department.marketing)
    await make_post(client, nina, "Campaign launch next week")
    browse_as(client, sam)
    markup = await page(client, "/")
    assert "Your feed is quiet" in markup
    assert "data-composer" in markup
    assert '<a href="/" aria-current="page">Following</a>' in markup
    await api(client, sam, "PUT", "/api/v1/users/nina/follow", 204)
    markup = await page(client, "/")
    assert "Campaign launch next week" in markup
    assert 'class="badge badge--marketing">Marketing</span>' in markup
    company = await page(client, "/company")
    assert '<a href="/company" aria-current="page">Company</a>' in company


async def test_load_more_follows_the_cursor_and_serves_fragments(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    for i in range(3):
        await make_post(client, sam, f"note number {i}")
    browse_as(client, sam)
    first = await page(client, "/company?limit=2")
    assert "note number 2" in first
    assert "note number 0" not in first
    assert 'href="?limit=2&amp;cursor=' in first  # the next page keeps the page size
    cursor = first.split("cursor=", 1)[1].split('"', 1)[0].split("&", 1)[0]
    fragment = await page(client, f"/company?limit=2&cursor={cursor}&fragment=1")
    assert "note number 0" in fragment
    assert "<html" not in fragment


async def test_bell_carries_the_unread_count_in_its_name(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam, kim = await make_user(app, "sam"), await make_user(app, "kim")
    post = await make_post(client, sam, "hello")
    browse_as(client, sam)
    assert 'aria-label="Notifications, 0 unread"' in await page(client, "/")
    for body in ("one", "two", "three"):
        await api(
            client, kim, "POST", f"/api/v1/posts/{post['id']}/comments", 201, json={"body": body}
        )
    for url in ("/", "/people", f"/posts/{post['id']}", "/accounts"):
        assert 'aria-label="Notifications, 3 unread"' in await page(client, url), url


async def test_pages_carry_a_strict_content_security_policy(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    response = await client.get("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in response.text  # only the module file, never inline code
    assert " onclick=" not in response.text
    login = await client.get("/login")
    assert "unsafe-inline" not in login.headers["content-security-policy"]


async def test_static_assets_are_served_locally(client: httpx.AsyncClient) -> None:
    for path in ("/static/css/tandem.css", "/static/js/main.js", "/static/js/autocomplete.js"):
        response = await client.get(path)
        assert response.status_code == 200, path
    markup = (await client.get("/login")).text
    assert "http://" not in markup.replace("http://www.w3.org", "")
    assert "https://" not in markup


async def test_search_page_is_a_shell_with_the_query(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    markup = await page(client, "/search?q=%3Cb%3Epricing&account=acme")
    assert 'value="&lt;b&gt;pricing"' in markup
    assert 'name="account" value="acme"' in markup
