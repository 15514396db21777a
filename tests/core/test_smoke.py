from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.factories import api, make_account, make_post, make_user


async def test_post_roundtrip(app: FastAPI, client: httpx.AsyncClient) -> None:
    dana = await make_user(app, "dana")
    sam = await make_user(app, "sam")
    await make_account(client, sam, "Acme Corp", slug="acme")
    post = await make_post(client, sam, "Call with $acme, @dana was there #pricing")
    assert post["accounts"] == [{"slug": "acme", "name": "Acme Corp"}]
    assert post["mentions"] == ["dana"]
    assert post["topics"] == ["pricing"]
    notes = await api(client, dana, "GET", "/api/v1/notifications", 200)
    assert [n["kind"] for n in notes["items"]] == ["mention"]
