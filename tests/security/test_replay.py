"""Item 6: `resume` does not replay what a deleted post said, nor what a post said before it
was restricted (a real server)."""

from __future__ import annotations

import json

from tests.live.conftest import Api, nothing_more, open_stream, received_until
from tests.live.servers import AppServer


async def test_a_deleted_post_s_text_is_not_replayed(server: AppServer, api: Api) -> None:
    author, reader = await api.signup("author"), await api.signup("reader")
    await api.call(reader, "PUT", f"/api/v1/users/{author.handle}/follow", 204)
    post = await api.post(author, "The discount floor is SECRET-FLOOR-18")
    await api.call(reader, "POST", f"/api/v1/posts/{post['id']}/comments", 201,
                   json={"body": "Noted, SECRET-COMMENT"})  # fmt: skip
    await api.call(author, "DELETE", f"/api/v1/posts/{post['id']}", 204)
    marker = await api.post(author, "After the delete")
    async with await open_stream(server, reader, after=0) as ws:
        seen = await received_until(ws, "post.created", id=marker["id"])
        seen += await nothing_more(ws, 0.3)
    text = json.dumps(seen)
    assert "SECRET-FLOOR" not in text
    assert "SECRET-COMMENT" not in text
    # The ids and types stay: a client that saw the post learns it is gone.
    assert ("post.created", post["id"]) in [(m["type"], m["data"].get("id")) for m in seen]
    assert ("post.deleted", post["id"]) in [(m["type"], m["data"].get("id")) for m in seen]


async def test_a_post_restricted_since_is_not_replayed_to_outsiders(
    server: AppServer, api: Api
) -> None:
    owner, outsider = await api.signup("owner"), await api.signup("outsider")
    account = await api.call(owner, "POST", "/api/v1/accounts", 201,
                             json={"name": f"Vault {owner.id}", "confidential": True})  # fmt: skip
    await api.call(outsider, "PUT", f"/api/v1/users/{owner.handle}/follow", 204)
    post = await api.post(owner, "Public for now: PRICE-LIST-A")
    await api.call(owner, "PATCH", f"/api/v1/posts/{post['id']}", 200,
                   json={"body": f"Now about ${account['slug']}"})  # fmt: skip
    marker = await api.post(owner, "A later public post")
    async with await open_stream(server, outsider, after=0) as ws:
        seen = await received_until(ws, "post.created", id=marker["id"])
        seen += await nothing_more(ws, 0.3)
    assert "PRICE-LIST-A" not in json.dumps(seen)
    assert all(m["data"].get("id") != post["id"] for m in seen)
