"""The password policy, wherever a password is set: sign-up (API and page), admin creation
(API and `tandem users create`). A weak one is a 422 naming `body.password` and the reason."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app import cli
from app.config import get_settings
from app.core.migrate import upgrade
from tests.checks import api_error
from tests.factories import PASSWORD, api, make_user
from tests.pages_helpers import page

SIGNUP = "/api/v1/auth/signup"

COMMON = ["password1", "qwertyuiop", "iloveyou123", "P@ssw0rd", "Baseball1"]


def signup_body(**overrides: Any) -> dict[str, Any]:
    return {
        "email": "nora.north@example.com",
        "password": PASSWORD,
        "display_name": "Nora North",
        "handle": "nora_n",
        "department": "marketing",
        **overrides,
    }


async def refused(client: httpx.AsyncClient, url: str, body: dict[str, Any], **kw: Any) -> str:
    """POST `body`, expect the policy's 422; the reason it gives."""
    error = await api_error(client, None, "POST", url, 422, "weak_password", json=body, **kw)
    [detail] = error["details"]
    assert detail["field"] == "body.password"
    assert detail["message"] == error["message"]
    return str(error["message"])


@pytest.mark.parametrize("password", COMMON)
async def test_signup_refuses_a_common_password(client: httpx.AsyncClient, password: str) -> None:
    reason = await refused(client, SIGNUP, signup_body(password=password))
    assert "too easy to guess" in reason


@pytest.mark.parametrize(
    ("password", "names"),
    [
        ("NORA_N123", "your handle"),  # the handle, in any case, with digits around
        ("Nora.North", "the name of your email address"),
        ("sunny nora.north meadow", "the name of your email address"),
    ],
)
async def test_signup_refuses_a_password_made_of_the_owner_names(
    client: httpx.AsyncClient, password: str, names: str
) -> None:
    reason = await refused(client, SIGNUP, signup_body(password=password))
    assert names in reason


async def test_a_short_handle_inside_a_strong_password_is_no_reason_to_refuse(
    client: httpx.AsyncClient,
) -> None:
    body = signup_body(email="al@example.com", handle="al", password="totally unrelated words")
    await api(client, None, "POST", SIGNUP, 201, json=body)


@pytest.mark.parametrize(
    "password", [PASSWORD, "long enough password", "schemathesis-admin-pw", "Tr0ub4dor&3x"]
)
async def test_signup_accepts_passwords_that_are_hard_to_guess(
    client: httpx.AsyncClient, password: str
) -> None:
    await api(client, None, "POST", SIGNUP, 201, json=signup_body(password=password))


async def test_the_length_rule_still_comes_first(client: httpx.AsyncClient) -> None:
    error = await api_error(
        client, None, "POST", SIGNUP, 422, "validation_error", json=signup_body(password="x1")
    )
    assert [d["field"] for d in error["details"]] == ["body.password"]


async def test_admin_creation_refuses_a_weak_password(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, "root", admin=True)
    body = {
        "email": "rita@example.com",
        "display_name": "Rita Reyes",
        "handle": "rita",
        "department": "customer_success",
    }
    error = await api_error(
        client,
        admin,
        "POST",
        "/api/v1/users",
        422,
        "weak_password",
        json={**body, "password": "letmein123"},
    )
    assert error["details"][0]["field"] == "body.password"
    # Without a password (an invitation) there is nothing to check.
    await api(client, admin, "POST", "/api/v1/users", 201, json=body)


async def test_signup_page_shows_the_reason(client: httpx.AsyncClient) -> None:
    markup = await page(client, "/signup")
    token = markup.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = await client.post(
        "/signup",
        data={"csrf_token": token, **signup_body(password="password1")},
    )
    assert response.status_code == 422
    assert "too easy to guess" in response.text
    assert "nora.north@example.com" in response.text  # the form keeps what was typed


def test_users_create_command_refuses_a_weak_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("TANDEM_DATABASE_URL", url)
    monkeypatch.delenv("TANDEM_REDIS_URL", raising=False)
    get_settings.cache_clear()
    try:
        command = ["users", "create", "--email", "kim@example.com", "--handle", "kim"]
        monkeypatch.setattr("sys.stdin", io.StringIO("password1\n"))
        with pytest.raises(SystemExit, match="too easy to guess"):
            cli.main([*command, "--password-stdin"])
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        cli.main([*command, "--password-stdin"])
    finally:
        get_settings.cache_clear()
