"""Sign-up, sign-in, tokens, logout, login rate limiting and admin user creation."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text, update

from app.auth.models import ApiToken
from app.core.db import transaction, utcnow
from tests.checks import api_error, client_for, detail_fields, error_body, running_app
from tests.factories import PASSWORD, Person, api, make_user

SIGNUP = "/api/v1/auth/signup"
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/me"


def signup_body(**overrides: Any) -> dict[str, Any]:
    return {
        "email": "nora@example.com",
        "password": PASSWORD,
        "display_name": "Nora North",
        "handle": "nora",
        "department": "marketing",
        **overrides,
    }


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(TOKEN, json={"email": email, "password": password})


async def me_with(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(ME, headers={"Authorization": f"Bearer {token}"})


async def with_password(app: FastAPI, handle: str) -> Person:
    return await make_user(app, handle, password=PASSWORD)


async def rows(app: FastAPI, sql: str) -> list[tuple[Any, ...]]:
    async with transaction(app.state.sessionmaker, write=False) as session:
        return [tuple(r) for r in await session.execute(text(sql))]


@pytest.fixture
async def signup_off_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(database_url, allow_signup=False) as application:
        async with client_for(application) as c:
            yield c


@pytest.fixture
async def strict_app(database_url: str, client: httpx.AsyncClient) -> AsyncIterator[FastAPI]:
    """An app allowing 3 failed logins per email and 5 per client address.

    Depends on `client` so that the tables are emptied after the test.
    """
    async with running_app(
        database_url, login_attempts_per_email=3, login_attempts_per_client=5
    ) as application:
        yield application


# Signup


async def test_signup_creates_user_and_returns_working_token(client: httpx.AsyncClient) -> None:
    # A self-signup cannot choose its role: the field is unknown to signup, a 422.
    error = await api_error(
        client, None, "POST", SIGNUP, 422, "validation_error", json=signup_body(role="admin")
    )
    assert detail_fields(error) == ["body.role"]
    body = await api(client, None, "POST", SIGNUP, 201, json=signup_body())
    assert set(body) == {"user", "access_token"}
    assert body["user"]["handle"] == "nora"
    assert body["user"]["email"] == "nora@example.com"
    assert body["user"]["department"] == "marketing"
    assert body["user"]["role"] == "member"
    me = await me_with(client, body["access_token"])
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]


async def test_signup_is_forbidden_when_turned_off(
    signup_off_client: httpx.AsyncClient,
) -> None:
    response = await signup_off_client.post(SIGNUP, json=signup_body())
    error_body(response, 403, "forbidden")


@pytest.mark.parametrize(
    ("second", "code"),
    [
        ({"handle": "other"}, "email_taken"),
        ({"email": "NORA@example.com", "handle": "other"}, "email_taken"),
        ({"email": "other@example.com"}, "handle_taken"),
        ({"email": "other@example.com", "handle": " NORA "}, "handle_taken"),
    ],
)
async def test_signup_with_taken_email_or_handle_conflicts(
    client: httpx.AsyncClient, second: dict[str, str], code: str
) -> None:
    await api(client, None, "POST", SIGNUP, 201, json=signup_body())
    await api_error(client, None, "POST", SIGNUP, 409, code, json=signup_body(**second))


async def test_signup_normalizes_email_and_handle(client: httpx.AsyncClient) -> None:
    body = signup_body(email="Nora@Example.COM", handle="  Nora_N ")
    user = (await api(client, None, "POST", SIGNUP, 201, json=body))["user"]
    assert (user["email"], user["handle"]) == ("nora@example.com", "nora_n")
    assert (await login(client, "nora@example.com", PASSWORD)).status_code == 200


async def test_signup_reports_each_bad_field_once(client: httpx.AsyncClient) -> None:
    bad = signup_body(handle="Not a handle!", password="short", department="sales_ops")
    error = await api_error(client, None, "POST", SIGNUP, 422, "validation_error", json=bad)
    assert detail_fields(error) == ["body.department", "body.handle", "body.password"]
    assert all(d["message"] for d in error["details"])


# Token login


async def test_login_returns_bearer_token_for_the_user(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await with_password(app, "sam")
    response = await login(client, "SAM@example.com", PASSWORD)
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"
    me = await me_with(client, response.json()["access_token"])
    assert me.json()["handle"] == sam.handle


async def test_login_refuses_bad_password_and_unknown_email_alike(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await with_password(app, "sam")
    wrong_password = error_body(await login(client, "sam@example.com", "wrong password"), 401)
    unknown_email = error_body(await login(client, "nobody@example.com", PASSWORD), 401)
    assert wrong_password == unknown_email


async def test_login_refuses_user_without_password(app: FastAPI, client: httpx.AsyncClient) -> None:
    await make_user(app, "nopass")
    error_body(await login(client, "nopass@example.com", PASSWORD), 401)


# Me, logout, expiry


async def test_me_returns_the_caller(app: FastAPI, client: httpx.AsyncClient) -> None:
    sam = await make_user(app, "sam")
    me = await api(client, sam, "GET", ME, 200)
    assert me["handle"] == "sam"
    assert me["email"] == "sam@example.com"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer tdm_garbage"},
        {"Authorization": "Basic c2FtOnB3"},
    ],
)
async def test_me_without_a_valid_token_is_unauthorized(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    error_body(await client.get(ME, headers=headers), 401, "unauthorized")


async def test_logout_revokes_the_token(app: FastAPI, client: httpx.AsyncClient) -> None:
    sam = await make_user(app, "sam")
    await api(client, sam, "POST", "/api/v1/auth/logout", 204)
    error_body(await me_with(client, sam.token), 401)


async def test_logout_leaves_other_tokens_working(app: FastAPI, client: httpx.AsyncClient) -> None:
    sam = await with_password(app, "sam")
    second = (await login(client, sam.email, PASSWORD)).json()["access_token"]
    await api(client, sam, "POST", "/api/v1/auth/logout", 204)
    assert (await me_with(client, second)).status_code == 200


async def test_expired_token_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    sam = await make_user(app, "sam")
    assert (await me_with(client, sam.token)).status_code == 200
    digest = hashlib.sha256(sam.token.encode()).hexdigest()
    async with transaction(app.state.sessionmaker) as session:
        await session.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == digest)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    error_body(await me_with(client, sam.token), 401)


# Secrets at rest


async def test_tokens_are_stored_only_as_hashes(app: FastAPI, client: httpx.AsyncClient) -> None:
    raw = (await api(client, None, "POST", SIGNUP, 201, json=signup_body()))["access_token"]
    stored = await rows(app, "SELECT * FROM api_token")
    assert len(stored) == 1
    assert not any(raw in str(value) for value in stored[0])
    async with app.state.sessionmaker() as session:
        digest = await session.scalar(select(ApiToken.token_hash))
    assert digest == hashlib.sha256(raw.encode()).hexdigest()


async def test_password_is_stored_as_argon2id(app: FastAPI, client: httpx.AsyncClient) -> None:
    await api(client, None, "POST", SIGNUP, 201, json=signup_body())
    [(password_hash,)] = await rows(app, "SELECT password_hash FROM user_account")
    assert password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash


# Rate limiting


async def fail_logins(client: httpx.AsyncClient, emails: list[str]) -> None:
    for email in emails:
        error_body(await login(client, email, "wrong password"), 401)


def assert_rate_limited(response: httpx.Response) -> None:
    error_body(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) >= 1


async def test_failures_at_an_email_limit_that_client_and_not_the_owner(
    app: FastAPI, strict_app: FastAPI
) -> None:
    await with_password(app, "sam")
    await with_password(app, "lee")
    async with client_for(strict_app, address="10.0.0.1") as attacker:
        await fail_logins(attacker, ["sam@example.com"] * 3)
        # The attacker's client stays limited at this email, even with the right password...
        assert_rate_limited(await login(attacker, "Sam@example.com", PASSWORD))
        assert (await login(attacker, "lee@example.com", PASSWORD)).status_code == 200
    async with client_for(strict_app, address="10.0.0.2") as owner:
        # ... but the owner, from a client that has not failed, signs in.
        assert (await login(owner, "sam@example.com", PASSWORD)).status_code == 200


async def test_the_owner_signs_in_while_many_clients_attack_the_email(
    app: FastAPI, strict_app: FastAPI
) -> None:
    await with_password(app, "sam")
    for i in range(1, 6):
        async with client_for(strict_app, address=f"10.0.1.{i}") as attacker:
            await fail_logins(attacker, ["sam@example.com"] * 3)
            assert_rate_limited(await login(attacker, "sam@example.com", "wrong password"))
    async with client_for(strict_app, address="10.0.2.1") as owner:
        assert (await login(owner, "sam@example.com", PASSWORD)).status_code == 200


async def test_login_is_rate_limited_per_client_address(app: FastAPI, strict_app: FastAPI) -> None:
    await with_password(app, "sam")
    async with client_for(strict_app, address="10.0.0.1") as noisy:
        await fail_logins(noisy, [f"guess{i}@example.com" for i in range(5)])
        assert_rate_limited(await login(noisy, "sam@example.com", PASSWORD))
    async with client_for(strict_app, address="10.0.0.2") as other:
        assert (await login(other, "sam@example.com", PASSWORD)).status_code == 200


@pytest.mark.parametrize(
    "addresses",
    [
        [f"2001:db8:1:2::{i:x}" for i in range(1, 7)],  # one /64: one subscriber
        ["192.0.2.9", *("::ffff:192.0.2.9" for _ in range(5))],  # IPv4 in IPv6 notation
    ],
)
async def test_rotating_addresses_of_one_client_share_its_limit(
    app: FastAPI, strict_app: FastAPI, addresses: list[str]
) -> None:
    await with_password(app, "sam")
    for i, address in enumerate(addresses[:5]):
        async with client_for(strict_app, address=address) as c:
            error_body(await login(c, f"guess{i}@example.com", "wrong password"), 401)
    async with client_for(strict_app, address=addresses[5]) as c:
        assert_rate_limited(await login(c, "sam@example.com", PASSWORD))
    async with client_for(strict_app, address="2001:db8:1:3::1") as other:
        assert (await login(other, "sam@example.com", PASSWORD)).status_code == 200


async def test_successful_logins_are_not_rate_limited(app: FastAPI, strict_app: FastAPI) -> None:
    await with_password(app, "sam")
    async with client_for(strict_app) as c:
        for _ in range(6):
            assert (await login(c, "sam@example.com", PASSWORD)).status_code == 200


# Admin user creation


def new_user_body(**overrides: Any) -> dict[str, Any]:
    return {
        "email": "rita@example.com",
        "display_name": "Rita Reyes",
        "handle": "rita",
        "department": "customer_success",
        **overrides,
    }


async def test_admin_creates_user(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_user(app, "root", admin=True)
    created = await api(
        client, admin, "POST", "/api/v1/users", 201, json=new_user_body(role="admin")
    )
    assert created["handle"] == "rita"
    assert created["role"] == "admin"
    assert "email" not in created
    assert "password_hash" not in created
    fetched = await api(client, admin, "GET", "/api/v1/users/rita", 200)
    assert fetched["department"] == "customer_success"


async def test_admin_created_user_can_sign_in_with_given_password(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, "root", admin=True)
    await api(client, admin, "POST", "/api/v1/users", 201, json=new_user_body(password=PASSWORD))
    assert (await login(client, "rita@example.com", PASSWORD)).status_code == 200


async def test_member_cannot_create_users(app: FastAPI, client: httpx.AsyncClient) -> None:
    sam = await make_user(app, "sam")
    await api_error(client, sam, "POST", "/api/v1/users", 403, "forbidden", json=new_user_body())
    await api(client, sam, "GET", "/api/v1/users/rita", 404)
