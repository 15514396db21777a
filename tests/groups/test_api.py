"""Groups: public ones anyone may join, private ones only members see and grow."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.checks import api_error
from tests.factories import Person, api, make_user

GROUPS = "/api/v1/groups"


def member_url(slug: str, handle: str) -> str:
    return f"{GROUPS}/{slug}/members/{handle}"


async def make_group(
    client: httpx.AsyncClient, who: Person, name: str, *, private: bool = False, **fields: Any
) -> dict[str, Any]:
    body = {"name": name, "private": private, **fields}
    result: dict[str, Any] = await api(client, who, "POST", GROUPS, 201, json=body)
    return result


async def listed(client: httpx.AsyncClient, who: Person) -> list[str]:
    page = await api(client, who, "GET", GROUPS, 200)
    return [g["slug"] for g in page["items"]]


async def members(client: httpx.AsyncClient, who: Person, slug: str) -> list[str]:
    detail = await api(client, who, "GET", f"{GROUPS}/{slug}", 200)
    assert detail["member_count"] == len(detail["members"])
    return sorted(u["handle"] for u in detail["members"])


@pytest.fixture
async def sam(app: FastAPI) -> Person:
    return await make_user(app, "sam")


@pytest.fixture
async def lee(app: FastAPI) -> Person:
    return await make_user(app, "lee")


@pytest.mark.parametrize("private", [False, True])
async def test_creator_is_first_member(
    client: httpx.AsyncClient, sam: Person, private: bool
) -> None:
    group = await make_group(client, sam, "Field Marketing", private=private)
    assert group["slug"] == "field-marketing"
    assert group["private"] is private
    assert (group["member_count"], group["is_member"]) == (1, True)
    assert await members(client, sam, "field-marketing") == ["sam"]


async def test_create_group_with_taken_slug_conflicts(
    client: httpx.AsyncClient, sam: Person
) -> None:
    await make_group(client, sam, "Deal Desk", slug="deals")
    body = {"name": "Other", "slug": "deals"}
    await api_error(client, sam, "POST", GROUPS, 409, "slug_taken", json=body)


async def test_list_shows_public_groups_and_own_private_ones(
    client: httpx.AsyncClient, sam: Person, lee: Person
) -> None:
    await make_group(client, sam, "Everyone")
    await make_group(client, sam, "Sam Private", private=True)
    await make_group(client, lee, "Lee Private", private=True)
    assert await listed(client, sam) == ["sam-private", "everyone"]
    assert await listed(client, lee) == ["lee-private", "everyone"]


async def test_private_group_is_not_found_for_non_members(
    client: httpx.AsyncClient, sam: Person, lee: Person
) -> None:
    await make_group(client, sam, "Deal Desk", private=True)
    for path in ("", "/members", "/feed"):
        await api_error(client, lee, "GET", f"{GROUPS}/deal-desk{path}", 404, "not_found")


async def test_anyone_joins_a_public_group(
    client: httpx.AsyncClient, sam: Person, lee: Person
) -> None:
    await make_group(client, sam, "Everyone")
    for _ in range(2):
        await api(client, lee, "PUT", member_url("everyone", "lee"), 204)
    assert await members(client, lee, "everyone") == ["lee", "sam"]
    [group] = (await api(client, lee, "GET", GROUPS, 200))["items"]
    assert (group["is_member"], group["member_count"]) == (True, 2)


async def test_members_add_people_to_a_private_group(
    app: FastAPI, client: httpx.AsyncClient, sam: Person, lee: Person
) -> None:
    dana = await make_user(app, "dana")
    await make_group(client, sam, "Deal Desk", private=True)
    await api(client, sam, "PUT", member_url("deal-desk", "lee"), 204)
    # Any member, not only the creator, may add people.
    await api(client, lee, "PUT", member_url("deal-desk", "dana"), 204)
    assert await members(client, dana, "deal-desk") == ["dana", "lee", "sam"]
    assert await listed(client, dana) == ["deal-desk"]


async def test_non_member_cannot_join_or_add_to_private_group(
    app: FastAPI, client: httpx.AsyncClient, sam: Person, lee: Person
) -> None:
    await make_user(app, "dana")
    await make_group(client, sam, "Deal Desk", private=True)
    await api_error(client, lee, "PUT", member_url("deal-desk", "lee"), 404)
    await api_error(client, lee, "PUT", member_url("deal-desk", "dana"), 404)
    assert await members(client, sam, "deal-desk") == ["sam"]


async def test_non_member_cannot_add_others_to_public_group(
    app: FastAPI, client: httpx.AsyncClient, sam: Person, lee: Person
) -> None:
    await make_user(app, "dana")
    await make_group(client, sam, "Everyone")
    await api_error(client, lee, "PUT", member_url("everyone", "dana"), 403, "forbidden")
    assert await members(client, sam, "everyone") == ["sam"]


async def test_adding_unknown_user_is_not_found(client: httpx.AsyncClient, sam: Person) -> None:
    await make_group(client, sam, "Everyone")
    await api_error(client, sam, "PUT", member_url("everyone", "nobody"), 404)


async def test_member_leaves_a_group(client: httpx.AsyncClient, sam: Person, lee: Person) -> None:
    await make_group(client, sam, "Deal Desk", private=True)
    await api(client, sam, "PUT", member_url("deal-desk", "lee"), 204)
    await api(client, lee, "DELETE", member_url("deal-desk", "lee"), 204)
    assert await members(client, sam, "deal-desk") == ["sam"]
    await api_error(client, lee, "GET", f"{GROUPS}/deal-desk", 404)


async def test_only_creator_or_admin_removes_others(
    app: FastAPI, client: httpx.AsyncClient, sam: Person, lee: Person
) -> None:
    dana = await make_user(app, "dana")
    root = await make_user(app, "root", admin=True)
    await make_group(client, sam, "Everyone")
    for who in (lee, dana):
        await api(client, who, "PUT", member_url("everyone", who.handle), 204)
    await api_error(client, lee, "DELETE", member_url("everyone", "dana"), 403, "forbidden")
    await api(client, sam, "DELETE", member_url("everyone", "dana"), 204)
    await api(client, root, "DELETE", member_url("everyone", "lee"), 204)
    assert await members(client, sam, "everyone") == ["sam"]
