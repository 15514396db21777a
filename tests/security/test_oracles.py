"""Item 5: creating an account or a group never confirms a hidden one: a slug taken by what
the caller may not see gives the new one a free variant; a CRM id in use answers alike
whether its account is visible or not."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.checks import api_error
from tests.factories import api, make_account, make_user


@pytest.mark.parametrize("fields", [{"name": "Vault"}, {"name": "Other", "slug": "vault"}])
async def test_a_hidden_account_s_slug_is_not_confirmed(
    app: FastAPI, client: httpx.AsyncClient, fields: dict[str, str]
) -> None:
    owner, outsider = await make_user(app, "owner"), await make_user(app, "outsider")
    await make_account(client, owner, "Vault", slug="vault", confidential=True)
    made = await make_account(client, outsider, **fields)
    assert made["slug"] == "vault-2"
    await api_error(client, outsider, "GET", "/api/v1/accounts/vault", 404, "not_found")
    # Whoever may see the account is told the slug is taken.
    await api_error(client, owner, "POST", "/api/v1/accounts", 409, "slug_taken", json=fields)


async def test_a_private_group_s_slug_is_not_confirmed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    member, outsider = await make_user(app, "member"), await make_user(app, "outsider")
    body = {"name": "Deal desk", "private": True}
    await api(client, member, "POST", "/api/v1/groups", 201, json=body)
    made = await api(client, outsider, "POST", "/api/v1/groups", 201, json={"name": "Deal desk"})
    assert made["slug"] == "deal-desk-2"
    await api_error(client, member, "POST", "/api/v1/groups", 409, "slug_taken", json=body)


async def test_a_crm_id_in_use_answers_alike_visible_or_hidden(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    owner, outsider = await make_user(app, "owner"), await make_user(app, "outsider")
    await make_account(client, owner, "Vault", confidential=True, crm_id="CRM-9")
    await make_account(client, outsider, "Open", crm_id="CRM-1")
    hidden = await api_error(client, outsider, "POST", "/api/v1/accounts", 409, "crm_id_taken",
                             json={"name": "New", "crm_id": "CRM-9"})  # fmt: skip
    visible = await api_error(client, outsider, "POST", "/api/v1/accounts", 409, "crm_id_taken",
                              json={"name": "New", "crm_id": "CRM-1"})  # fmt: skip
    assert hidden == visible
