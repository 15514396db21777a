"""Sign-in pages, the session cookie and CSRF protection."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from app.auth.deps import SESSION_COOKIE
from app.core.csrf import PRE_SESSION_COOKIE, token_for
from tests import conftest
from tests.factories import PASSWORD, api, make_user
from tests.pages_helpers import SECRET, browse_as, csrf_for, page, submit


def _form_token(markup: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', markup)
    assert found, "the form has no CSRF field"
    return found.group(1)


async def test_signed_out_page_request_redirects_to_login_with_next(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/accounts/acme?department=sales")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/accounts/acme%3Fdepartment%3Dsales"


async def test_login_page_signs_in_and_sets_a_safe_session_cookie(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await make_user(app, "sam", password=PASSWORD)
    markup = await page(client, "/login?next=/people")
    assert '<label for="login-email">Email</label>' in markup
    assert '<label for="login-password">Password</label>' in markup
    assert ">Sign in</button>" in markup
    response = await client.post(
        "/login",
        data={
            "email": "sam@example.com",
            "password": PASSWORD,
            "next": "/people",
            "csrf_token": _form_token(markup),
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/people"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain http here; https sets it
    assert "Sam" in await page(client, "/people")


async def test_login_refuses_a_form_without_csrf_token(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await make_user(app, "sam", password=PASSWORD)
    await page(client, "/login")
    response = await client.post(
        "/login", data={"email": "sam@example.com", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies


async def test_wrong_password_shows_the_error_on_the_login_page(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await make_user(app, "sam", password=PASSWORD)
    token = _form_token(await page(client, "/login"))
    response = await client.post(
        "/login", data={"email": "sam@example.com", "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "The email or password is wrong." in response.text
    assert 'value="sam@example.com"' in response.text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
async def test_login_never_redirects_off_site(
    client: httpx.AsyncClient, app: FastAPI, target: str
) -> None:
    await make_user(app, "sam", password=PASSWORD)
    token = _form_token(await page(client, "/login"))
    response = await client.post(
        "/login",
        data={
            "email": "sam@example.com",
            "password": PASSWORD,
            "csrf_token": token,
            "next": target,
        },
    )
    assert response.headers["location"] == "/"


async def test_logout_revokes_the_session_and_needs_csrf(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    await submit(client, sam, "/logout", expect=403, token="forged")
    await page(client, "/")  # still signed in
    response = await submit(client, sam, "/logout")
    assert response.headers["location"] == "/login"
    await api(client, sam, "GET", "/api/v1/me", 401)


async def test_cookie_authenticated_api_writes_need_the_csrf_header(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    response = await client.post("/api/v1/posts", json={"body": "hello"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    forged = await client.post(
        "/api/v1/posts", json={"body": "hello"}, headers={"X-CSRF-Token": token_for("x", "y")}
    )
    assert forged.status_code == 403
    ok = await client.post(
        "/api/v1/posts", json={"body": "hello"}, headers={"X-CSRF-Token": csrf_for(sam)}
    )
    assert ok.status_code == 201
    # Reads need no token, and bearer clients never do.
    assert (await client.get("/api/v1/feed")).status_code == 200
    browse_as(client, None)
    await api(client, sam, "POST", "/api/v1/posts", 201, json={"body": "from a script"})


async def test_signup_page_creates_an_account_and_signs_in(client: httpx.AsyncClient) -> None:
    markup = await page(client, "/signup")
    response = await client.post(
        "/signup",
        data={
            "csrf_token": _form_token(markup),
            "email": "new@example.com",
            "password": "long enough password",
            "display_name": "New Person",
            "handle": "newbie",
            "department": "marketing",
        },
    )
    assert response.status_code == 303
    assert "New Person" in await page(client, "/")


async def test_signup_page_is_absent_when_signup_is_off(
    client: httpx.AsyncClient, app: FastAPI, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        app.state._state, "settings", conftest.test_settings(database_url, allow_signup=False)
    )
    await page(client, "/signup", expect=404)
    assert "/signup" not in await page(client, "/login")


async def test_demo_mode_lists_the_demo_logins(
    client: httpx.AsyncClient, app: FastAPI, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        app.state._state, "settings", conftest.test_settings(database_url, demo=True)
    )
    markup = await page(client, "/login")
    assert "Demo logins" in markup
    assert "tandem-demo" in markup
    monkeypatch.setitem(app.state._state, "settings", conftest.test_settings(database_url))
    assert "Demo logins" not in await page(client, "/login")


async def test_pre_session_cookie_binds_the_login_form(client: httpx.AsyncClient) -> None:
    markup = await page(client, "/login")
    seed = client.cookies[PRE_SESSION_COOKIE]
    assert _form_token(markup) == token_for(SECRET, seed)
