"""Finding people: listing with filters, pagination, and profiles by handle."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from app.users.models import Department
from tests.checks import all_pages, api_error, detail_fields
from tests.factories import Person, api, make_user

USERS = "/api/v1/users"


async def team(app: FastAPI) -> dict[str, Person]:
    people = [
        ("alice", Department.sales),
        ("alan", Department.marketing),
        ("bob", Department.marketing),
        ("carol", Department.product),
    ]
    return {h: await make_user(app, h, department=d) for h, d in people}


async def handles(client: httpx.AsyncClient, who: Person, **params: str) -> list[str]:
    page = await api(client, who, "GET", USERS, 200, params=params)
    return [u["handle"] for u in page["items"]]


async def test_list_users_is_newest_first(app: FastAPI, client: httpx.AsyncClient) -> None:
    people = await team(app)
    assert await handles(client, people["alice"]) == ["carol", "bob", "alan", "alice"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [("al", ["alan", "alice"]), ("AL", ["alan", "alice"]), ("arol", ["carol"]), ("%", [])],
)
async def test_list_users_filters_by_name_or_handle(
    app: FastAPI, client: httpx.AsyncClient, q: str, expected: list[str]
) -> None:
    people = await team(app)
    assert sorted(await handles(client, people["alice"], q=q)) == expected


async def test_list_users_filters_by_department(app: FastAPI, client: httpx.AsyncClient) -> None:
    people = await team(app)
    assert await handles(client, people["alice"], department="marketing") == ["bob", "alan"]
    assert await handles(client, people["alice"], department="marketing", q="bo") == ["bob"]


async def test_list_users_rejects_unknown_department(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    people = await team(app)
    error = await api_error(
        client, people["alice"], "GET", USERS, 422, params={"department": "finance"}
    )
    assert detail_fields(error) == ["query.department"]


async def test_list_users_paginates_with_cursor(app: FastAPI, client: httpx.AsyncClient) -> None:
    people = await team(app)
    pages = await all_pages(client, people["alice"], USERS, limit=3)
    assert [[u["handle"] for u in page] for page in pages] == [["carol", "bob", "alan"], ["alice"]]
    filtered = await all_pages(client, people["alice"], USERS, limit=1, department="marketing")
    assert [[u["handle"] for u in page] for page in filtered] == [["bob"], ["alan"]]


async def test_list_users_rejects_bad_limit_and_cursor(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    alice = await make_user(app, "alice")
    for params in ({"limit": "0"}, {"limit": "101"}, {"cursor": "not-a-cursor"}):
        await api_error(client, alice, "GET", USERS, 422, params=params)


async def test_get_user_by_handle(app: FastAPI, client: httpx.AsyncClient) -> None:
    people = await team(app)
    user = await api(client, people["alice"], "GET", f"{USERS}/BOB", 200)
    assert user["handle"] == "bob"
    assert user["display_name"] == "Bob"
    assert user["department"] == "marketing"
    assert {"id", "title", "bio", "created_at"} <= set(user)
    assert "email" not in user


async def test_get_unknown_user_is_not_found(app: FastAPI, client: httpx.AsyncClient) -> None:
    alice = await make_user(app, "alice")
    await api_error(client, alice, "GET", f"{USERS}/nobody", 404, "not_found")


async def test_users_require_sign_in(client: httpx.AsyncClient) -> None:
    await api_error(client, None, "GET", USERS, 401, "unauthorized")
