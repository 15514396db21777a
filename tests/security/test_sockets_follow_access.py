"""Item 1: every write that changes who may see what reloads the viewer of the affected
users' open sockets (one mechanism: `AccessChanged`), on a real server."""

from __future__ import annotations

from typing import Any

from tests.factories import Person
from tests.live.conftest import (
    Api,
    close_code,
    nothing_more,
    open_stream,
    receive_until,
    received_until,
)
from tests.live.servers import AppServer
from tests.security.helpers import cli, make_admin


def _ids(messages: list[dict[str, Any]]) -> list[object]:
    return [m["data"].get("id") for m in messages if m["type"] == "post.created"]


async def _secret_then_marker(
    api: Api, author: Person, slug: str, marker_author: Person
) -> tuple[dict[str, object], dict[str, object]]:
    secret = await api.post(author, f"Pricing at ${slug} is 30% off")
    marker = await api.post(marker_author, "A public marker")
    return secret, marker


async def test_an_owner_changed_by_csv_import_stops_seeing_the_account_live(
    server: AppServer, api: Api
) -> None:
    former, new = await api.signup("former"), await api.signup("new")
    admin = await make_admin(server, api, f"admin{former.id}")
    account = await api.call(
        former, "POST", "/api/v1/accounts", 201,
        json={"name": f"Vault {former.id}", "confidential": True},
    )  # fmt: skip
    slug = account["slug"]
    for who in (former, new):
        await api.call(who, "PUT", f"/api/v1/accounts/{slug}/follow", 204 if who is former else 404)
    await api.call(former, "PUT", f"/api/v1/users/{new.handle}/follow", 204)
    async with (
        await open_stream(server, former) as former_ws,
        await open_stream(server, new) as new_ws,
    ):
        csv = f"name,owner_email\nVault {former.id},{new.email}\n"
        result = await api.call(
            admin, "POST", "/api/v1/accounts/import", 200,
            files={"file": ("crm.csv", csv.encode(), "text/csv")},
        )  # fmt: skip
        assert (result["created"], result["updated"]) == (0, 1)
        secret, marker = await _secret_then_marker(api, new, slug, new)
        # The new owner's socket sees the account's posts at once (its viewer gained it)...
        got = await receive_until(new_ws, "post.created", id=marker["id"])
        assert got["data"]["id"] == marker["id"]
        # ...and the former owner's gets the public marker but not the secret.
        seen = await received_until(former_ws, "post.created", id=marker["id"])
        assert secret["id"] not in _ids([*seen, *await nothing_more(former_ws)])


async def test_a_teammate_removed_from_the_team_stops_seeing_it_live(
    server: AppServer, api: Api
) -> None:
    owner, mate = await api.signup("owner"), await api.signup("mate")
    account = await api.call(
        owner, "POST", "/api/v1/accounts", 201,
        json={"name": f"Team {owner.id}", "confidential": True},
    )  # fmt: skip
    slug = account["slug"]
    await api.call(owner, "PUT", f"/api/v1/accounts/{slug}/team/{mate.handle}", 204)
    await api.call(mate, "PUT", f"/api/v1/accounts/{slug}/follow", 204)
    await api.call(mate, "PUT", f"/api/v1/users/{owner.handle}/follow", 204)
    async with await open_stream(server, mate) as ws:
        before = await api.post(owner, f"Renewal call at ${slug}")
        await receive_until(ws, "post.created", id=before["id"])
        await api.call(owner, "DELETE", f"/api/v1/accounts/{slug}/team/{mate.handle}", 204)
        secret, marker = await _secret_then_marker(api, owner, slug, owner)
        seen = await received_until(ws, "post.created", id=marker["id"])
        assert secret["id"] not in _ids([*seen, *await nothing_more(ws)])


async def test_a_deactivated_user_s_sockets_close_at_once(server: AppServer, api: Api) -> None:
    leaver = await api.signup("leaver")
    async with await open_stream(server, leaver) as ws:
        post = await api.post(leaver, "Last day")
        await receive_until(ws, "post.created", id=post["id"])
        assert "deactivated" in cli(server, "users", "deactivate", "--handle", leaver.handle)
        assert await close_code(ws) == 4401
    await api.call(leaver, "GET", "/api/v1/me", 401)
