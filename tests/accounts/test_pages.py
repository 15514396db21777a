"""The account 360° page and the accounts directory."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.users.models import Department
from tests.factories import api, make_account, make_post, make_user
from tests.pages_helpers import browse_as, page, submit


async def test_account_page_shows_facts_people_by_department_and_scoped_search(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    nina = await make_user(app, "nina", department=Department.marketing)
    await make_account(
        client, sam, "Acme", industry="Manufacturing", tier="1", crm_id="CRM-42", owner_handle="sam"
    )
    await make_post(client, nina, "Webinar invite for $acme")
    browse_as(client, sam)
    markup = await page(client, "/accounts/acme")
    for fact in ("Manufacturing", "CRM-42", "<dt>Tier</dt><dd>1</dd>"):
        assert fact in markup
    assert '<a href="/users/sam">Sam</a>' in markup
    assert 'class="badge badge--marketing">Marketing</span></h3>' in markup
    assert 'action="/search"' in markup
    assert 'name="account" value="acme"' in markup
    assert "Webinar invite" in markup


async def test_department_tabs_filter_the_account_feed(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    nina = await make_user(app, "nina", department=Department.marketing)
    await make_account(client, sam, "Acme")
    await make_post(client, sam, "Sales call with $acme")
    await make_post(client, nina, "Campaign for $acme")
    browse_as(client, sam)
    marketing = await page(client, "/accounts/acme?department=marketing")
    assert "Campaign for" in marketing
    assert "Sales call" not in marketing
    assert 'href="/accounts/acme?department=marketing" aria-current="page"' in marketing
    sales = await page(client, "/accounts/acme?department=sales")
    assert "Sales call" in sales
    assert "Campaign for" not in sales


async def test_follow_button_follows_and_unfollows(client: httpx.AsyncClient, app: FastAPI) -> None:
    sam = await make_user(app, "sam")
    await make_account(client, sam, "Acme")
    browse_as(client, sam)
    assert 'aria-pressed="false"' in await page(client, "/accounts/acme")
    await submit(client, sam, "/accounts/acme/follow?follow=true")
    assert ">\n    Following<" in await page(client, "/accounts/acme")
    await submit(client, sam, "/accounts/acme/follow?follow=false")
    assert 'aria-pressed="false"' in await page(client, "/accounts/acme")


async def test_confidential_account_is_hidden_from_outsiders(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam, kim = await make_user(app, "sam"), await make_user(app, "kim")
    await make_account(client, sam, "Secret Co", owner_handle="sam", confidential=True)
    await make_account(client, sam, "Acme")
    browse_as(client, kim)
    await page(client, "/accounts/secret-co", expect=404)
    listing = await page(client, "/accounts")
    assert "Acme" in listing
    assert "Secret Co" not in listing
    browse_as(client, sam)
    assert "Confidential" in await page(client, "/accounts/secret-co")


async def test_accounts_directory_filters(client: httpx.AsyncClient, app: FastAPI) -> None:
    sam = await make_user(app, "sam")
    await make_account(client, sam, "Acme")
    await make_account(client, sam, "Globex")
    browse_as(client, sam)
    markup = await page(client, "/accounts?q=glob")
    assert "Globex" in markup
    assert "Acme" not in markup
    assert "No accounts match" in await page(client, "/accounts?q=zzz")
    await api(client, sam, "GET", "/api/v1/accounts/acme", 200)
