"""Helpers for HTML page tests: act as a signed-in browser (session cookie + CSRF token)."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from app.auth.deps import SESSION_COOKIE
from app.core import csrf
from tests.factories import Person

SECRET = "test-secret"  # tests.conftest.test_settings


def browse_as(client: httpx.AsyncClient, who: Person | None) -> None:
    """From now on `client` is `who`'s browser (or a signed-out one)."""
    client.cookies.clear()
    if who is not None:
        client.cookies.set(SESSION_COOKIE, who.token)


def csrf_for(who: Person) -> str:
    return csrf.token_for(SECRET, who.token)


async def page(client: httpx.AsyncClient, url: str, expect: int = 200) -> str:
    response = await client.get(url)
    assert response.status_code == expect, (url, response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    return response.text


async def submit(
    client: httpx.AsyncClient,
    who: Person,
    url: str,
    data: dict[str, Any] | None = None,
    expect: int = 303,
    *,
    token: str | None = None,
) -> httpx.Response:
    """POST a form as `who`'s browser, with their CSRF token unless `token` is given."""
    fields = {"csrf_token": csrf_for(who) if token is None else token, **(data or {})}
    response = await client.post(url, data=fields)
    assert response.status_code == expect, (url, response.status_code, response.text[:500])
    return response


def text_of(markup: str) -> str:
    """The visible text of a page, roughly (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def assert_no_active_markup(markup: str) -> None:
    """No script, event handler or javascript: URL that a user could have written."""
    lowered = markup.lower()
    assert "<script>" not in lowered
    assert "<script " not in lowered.replace('<script type="module" src="/static/js/main.js">', "")
    assert not re.search(r"<[^>]+\son\w+\s*=", lowered), "an on* attribute reached the page"
    assert 'href="javascript:' not in lowered
    assert "<svg onload" not in lowered
