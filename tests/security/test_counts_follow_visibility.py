"""Item 2: topic names and counts follow the visibility rule: autocomplete lists only topics
with a post the caller may see (or none at all), counts only those posts, and a topic seen
only on hidden posts answers as an unknown one."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.users.models import Department
from tests.checks import api_error
from tests.factories import api, make_account, make_post, make_user

TOPICS = "/api/v1/topics"


async def _names(client: httpx.AsyncClient, who: object, q: str) -> list[tuple[str, int]]:
    page = await api(client, who, "GET", TOPICS, 200, params={"q": q})  # type: ignore[arg-type]
    return [(t["name"], t["post_count"]) for t in page["items"]]


async def test_hidden_posts_give_no_topic_and_no_count_away(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    owner = await make_user(app, "owner")
    member = await make_user(app, "member", department=Department.marketing)
    outsider = await make_user(app, "outsider")
    await make_account(client, owner, "Vault", slug="vault", confidential=True)
    group = await api(
        client, member, "POST", "/api/v1/groups", 201, json={"name": "Club", "private": True}
    )
    await make_post(client, owner, "Deal at $vault #megadeal #pricing")
    await make_post(client, member, "Our plan #clubplan #pricing", group=group["slug"])
    await make_post(client, outsider, "Public #pricing")

    assert await _names(client, outsider, "") == [("pricing", 1)]
    assert await _names(client, owner, "") == [("megadeal", 1), ("pricing", 2)]
    assert await _names(client, member, "") == [("clubplan", 1), ("pricing", 2)]
    for path in ("/api/v1/topics/megadeal/feed", "/api/v1/topics/clubplan/feed"):
        await api_error(client, outsider, "GET", path, 404, "not_found")
        await api_error(client, outsider, "GET", "/api/v1/topics/neverused/feed", 404, "not_found")
    await api_error(client, outsider, "DELETE", "/api/v1/topics/megadeal/follow", 404, "not_found")
    assert (await api(client, owner, "GET", "/api/v1/topics/megadeal/feed", 200))["items"]


async def test_counts_move_with_edits_that_restrict_or_free_a_post(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    owner = await make_user(app, "owner")
    outsider = await make_user(app, "outsider")
    await make_account(client, owner, "Vault", slug="vault", confidential=True)
    post = await make_post(client, owner, "Plain #renewals")
    assert await _names(client, outsider, "renew") == [("renewals", 1)]
    await api(
        client, owner, "PATCH", f"/api/v1/posts/{post['id']}", 200,
        json={"body": "Now about $vault #renewals"},
    )  # fmt: skip
    assert await _names(client, outsider, "renew") == []
    assert await _names(client, owner, "renew") == [("renewals", 1)]
    await api(
        client, owner, "PATCH", f"/api/v1/posts/{post['id']}", 200,
        json={"body": "Public again #renewals #churn"},
    )  # fmt: skip
    assert await _names(client, outsider, "") == [("churn", 1), ("renewals", 1)]
    await api(client, owner, "DELETE", f"/api/v1/posts/{post['id']}", 204)
    # A topic nobody's post carries any more hides nothing: listed with 0, as before.
    assert await _names(client, outsider, "") == [("churn", 0), ("renewals", 0)]
