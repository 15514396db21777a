"""Profiles, the people directory, topic and group pages."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.users.models import Department
from tests.factories import api, make_post, make_user
from tests.pages_helpers import browse_as, page, submit


async def test_profile_shows_department_posts_and_follow(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    nina = await make_user(app, "nina", department=Department.marketing)
    await make_post(client, nina, "My campaign recap")
    browse_as(client, sam)
    markup = await page(client, "/users/nina")
    assert "<h1>Nina</h1>" in markup
    assert "My campaign recap" in markup
    assert "badge--marketing" in markup
    await submit(client, sam, "/users/nina/follow?follow=true")
    assert "Following" in await page(client, "/users/nina")
    assert "Follow" not in (await page(client, "/users/sam")).split("<h2", 1)[0].split("<h1>")[1]
    await page(client, "/users/nobody", expect=404)


async def test_people_directory_filters_by_department(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    await make_user(app, "nina", department=Department.marketing)
    browse_as(client, sam)
    markup = await page(client, "/people?department=marketing")
    assert "/users/nina" in markup
    assert 'class="person-tile__name">Sam<' not in markup


async def test_topic_page_lists_posts_and_follows(client: httpx.AsyncClient, app: FastAPI) -> None:
    sam = await make_user(app, "sam")
    await make_post(client, sam, "Talking #pricing today")
    browse_as(client, sam)
    markup = await page(client, "/topics/pricing")
    assert "<h1>#pricing</h1>" in markup
    assert "Talking" in markup
    await submit(client, sam, "/topics/pricing/follow?follow=true")
    assert 'aria-pressed="true"' in await page(client, "/topics/pricing")
    await page(client, "/topics/unknown", expect=404)


async def test_group_page_join_and_post(client: httpx.AsyncClient, app: FastAPI) -> None:
    sam, kim = await make_user(app, "sam"), await make_user(app, "kim")
    await api(client, sam, "POST", "/api/v1/groups", 201, json={"name": "Field team"})
    browse_as(client, kim)
    markup = await page(client, "/groups/field-team")
    assert "Join group" in markup
    assert "data-composer" not in markup
    await submit(client, kim, "/groups/field-team/join?join=true")
    markup = await page(client, "/groups/field-team")
    assert "Leave group" in markup
    await submit(client, kim, "/posts", {"body": "Hello team", "group": "field-team"})
    assert "Hello team" in await page(client, "/groups/field-team")


async def test_a_lead_is_marked_on_the_profile_and_in_the_directory(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    admin = await make_user(app, "boss", admin=True)
    sam = await make_user(app, "sam")
    await make_user(app, "nina", department=Department.marketing)
    browse_as(client, sam)
    assert "badge--lead" not in await page(client, "/users/nina")
    await api(client, admin, "PATCH", "/api/v1/users/nina", 200, json={"is_lead": True})
    browse_as(client, sam)
    profile = await page(client, "/users/nina")
    assert 'title="Signs agreements for Marketing">Marketing lead</span>' in profile
    directory = await page(client, "/people?department=marketing")
    assert directory.count("badge--lead") == 1
    assert "badge--lead" not in await page(client, "/users/sam")
