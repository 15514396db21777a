"""GET /api/v1/stream against a real uvicorn server, with the `websockets` client."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.auth.models import ApiToken
from app.auth.service import token_hash
from app.core.migrate import upgrade
from tests.conftest import fresh_database
from tests.live.conftest import (
    Api,
    close_code,
    nothing_more,
    open_stream,
    receive,
    receive_until,
    until_delivered,
)
from tests.live.servers import AUTH_TIMEOUT, AppServer, app_server


async def test_follower_of_an_account_receives_a_post_tagged_with_it(
    server: AppServer, api: Api
) -> None:
    rep, reader = await api.signup("rep"), await api.signup("reader")
    account = await api.call(rep, "POST", "/api/v1/accounts", 201, json={"name": "Acme Live"})
    await api.call(reader, "PUT", f"/api/v1/accounts/{account['slug']}/follow", 204)
    async with await open_stream(server, reader) as ws:
        post = await api.post(rep, f"Renewal call with ${account['slug']} went well")
        message = await receive_until(ws, "post.created")
        assert message["data"]["id"] == post["id"]
        assert message["data"]["body"] == post["body"]
        assert [a["slug"] for a in message["data"]["accounts"]] == [account["slug"]]
        assert isinstance(message["id"], int)


async def test_mention_arrives_as_a_notification(server: AppServer, api: Api) -> None:
    author, dana = await api.signup("author"), await api.signup("dana")
    async with await open_stream(server, dana) as ws:
        post = await api.post(author, f"Thanks @{dana.handle} for the deck")
        message = await receive_until(ws, "notification.created")
        assert message["data"]["kind"] == "mention"
        assert message["data"]["post_id"] == post["id"]
        assert message["data"]["actor"]["handle"] == author.handle


async def test_comment_on_my_post_arrives(server: AppServer, api: Api) -> None:
    author, colleague = await api.signup("author"), await api.signup("colleague")
    post = await api.post(author, "Who has the pricing sheet?")
    async with await open_stream(server, author) as ws:
        comment = await api.call(
            colleague, "POST", f"/api/v1/posts/{post['id']}/comments", 201, json={"body": "Me"}
        )
        # The comment, and the notification the same write created, each once.
        got = {m["type"]: m for m in [await receive(ws), await receive(ws)]}
        got.pop("post.created", None)  # the author's own post may still be on its way
        while len(got) < 2:
            message = await receive(ws)
            got[message["type"]] = message
        assert got["comment.created"]["data"]["id"] == comment["id"]
        assert got["comment.created"]["data"]["post_id"] == post["id"]
        assert got["notification.created"]["data"]["kind"] == "comment"
        assert await nothing_more(ws, 0.5) == []


async def test_private_group_post_reaches_members_only(server: AppServer, api: Api) -> None:
    owner, member, outsider = (
        await api.signup("owner"),
        await api.signup("member"),
        await api.signup("outsider"),
    )
    group = await api.call(
        owner,
        "POST",
        "/api/v1/groups",
        201,
        json={"name": f"Deal desk {owner.handle}", "private": True},
    )
    await api.call(owner, "PUT", f"/api/v1/groups/{group['slug']}/members/{member.handle}", 204)
    # The outsider follows the author, so the author channel carries the post to them too:
    # only the visibility rule keeps it away.
    await api.call(outsider, "PUT", f"/api/v1/users/{owner.handle}/follow", 204)
    async with (
        await open_stream(server, member) as member_ws,
        await open_stream(server, outsider) as outsider_ws,
    ):
        secret = await api.post(owner, "Discount floor is 18%", group=group["slug"])
        public = await api.post(owner, "Public update after the secret one")
        got = await receive_until(member_ws, "post.created", id=secret["id"])
        assert got["data"]["group"]["slug"] == group["slug"]
        first = await receive_until(outsider_ws, "post.created")
        assert first["data"]["id"] == public["id"]
        assert all(m["data"].get("id") != secret["id"] for m in await nothing_more(outsider_ws))


async def test_leaving_a_group_stops_delivery_on_the_open_socket(
    server: AppServer, api: Api
) -> None:
    creator, member, friend = (
        await api.signup("creator"),
        await api.signup("member"),
        await api.signup("friend"),
    )
    group = await api.call(
        creator, "POST", "/api/v1/groups", 201, json={"name": f"Field {creator.handle}"}
    )
    await api.call(member, "PUT", f"/api/v1/groups/{group['slug']}/members/{member.handle}", 204)
    await api.call(member, "PUT", f"/api/v1/users/{friend.handle}/follow", 204)
    async with await open_stream(server, member) as ws:
        before = await api.post(creator, "Kick-off", group=group["slug"])
        await receive_until(ws, "post.created", id=before["id"])
        await api.call(
            member, "DELETE", f"/api/v1/groups/{group['slug']}/members/{member.handle}", 204
        )
        # No wait: the socket holds what follows the change until it has re-subscribed.
        after = await api.post(creator, "Second meeting", group=group["slug"])
        marker = await api.post(friend, "Still connected?")
        got = await receive_until(ws, "post.created", id=marker["id"])
        assert got["data"]["id"] == marker["id"]
        assert all(m["data"].get("id") != after["id"] for m in await nothing_more(ws, 0.5))


async def test_following_on_an_open_socket_starts_delivery(server: AppServer, api: Api) -> None:
    reader, writer = await api.signup("reader"), await api.signup("writer")
    async with await open_stream(server, reader) as ws:
        await api.call(reader, "PUT", f"/api/v1/users/{writer.handle}/follow", 204)
        post = await api.post(writer, "First post since you followed me")
        got = await receive_until(ws, "post.created", id=post["id"])
        assert got["data"]["author"]["handle"] == writer.handle


async def test_watching_the_company_feed_delivers_every_visible_post(
    server: AppServer, api: Api
) -> None:
    reader, stranger = await api.signup("reader"), await api.signup("stranger")
    group = await api.call(
        stranger,
        "POST",
        "/api/v1/groups",
        201,
        json={"name": f"Closed {stranger.handle}", "private": True},
    )
    async with await open_stream(server, reader) as ws:
        await ws.send(json.dumps({"type": "watch", "feed": "company"}))
        await until_delivered(ws, lambda: api.post(stranger, "Is anyone watching?"))
        hidden = await api.post(stranger, "Members only", group=group["slug"])
        shown = await api.post(stranger, "For everyone")
        got = await receive_until(ws, "post.created", id=shown["id"])
        assert got["data"]["author"]["handle"] == stranger.handle
        assert all(m["data"].get("id") != hidden["id"] for m in await nothing_more(ws, 0.5))


async def test_resume_after_a_disconnect_replays_exactly_what_was_missed(
    server: AppServer, api: Api
) -> None:
    reader, writer = await api.signup("reader"), await api.signup("writer")
    await api.call(reader, "PUT", f"/api/v1/users/{writer.handle}/follow", 204)
    async with await open_stream(server, reader) as ws:
        seen = await api.post(writer, "Seen live")
        last = (await receive_until(ws, "post.created", id=seen["id"]))["id"]
    missed = [(await api.post(writer, f"Missed {n}"))["id"] for n in range(3)]
    async with await open_stream(server, reader, after=last) as ws:
        replayed = [await receive(ws) for _ in missed]
        assert [m["data"]["id"] for m in replayed] == missed
        ids = [m["id"] for m in replayed]
        assert ids == sorted(ids)
        assert ids[0] > last
        assert await nothing_more(ws, 0.5) == []
        # ...and then it is live again, with nothing between replay and live.
        fresh = await api.post(writer, "Live again")
        got = await receive(ws)
        assert got["data"]["id"] == fresh["id"]
        assert got["id"] > ids[-1]


async def test_resume_replays_only_what_the_user_may_see(server: AppServer, api: Api) -> None:
    owner, outsider = await api.signup("owner"), await api.signup("outsider")
    account = await api.call(
        owner, "POST", "/api/v1/accounts", 201, json={"name": "Secret Co", "confidential": True}
    )
    await api.call(outsider, "PUT", f"/api/v1/users/{owner.handle}/follow", 204)
    async with await open_stream(server, outsider) as ws:
        marker = await api.post(owner, "Marker")
        last = (await receive_until(ws, "post.created", id=marker["id"]))["id"]
    await api.post(owner, f"Pricing for ${account['slug']}")
    visible = await api.post(owner, "Visible to all")
    async with await open_stream(server, outsider, after=last) as ws:
        got = await receive(ws)
        assert got["data"]["id"] == visible["id"]
        assert await nothing_more(ws, 0.5) == []


async def test_a_wrong_token_closes_with_4401(server: AppServer) -> None:
    async with connect(server.ws_url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": "tdm_not-a-token"}))
        assert await close_code(ws) == 4401


async def test_no_auth_message_within_the_auth_timeout_closes_with_4401(
    server: AppServer,
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with connect(server.ws_url) as ws:
        assert await close_code(ws, timeout=10) == 4401
    assert loop.time() - started >= AUTH_TIMEOUT


async def test_session_cookie_authenticates(server: AppServer, api: Api) -> None:
    author = await api.signup("cookie")
    cookie = {"Cookie": f"tandem_session={author.token}"}
    async with connect(server.ws_url, additional_headers=cookie) as ws:
        post = await api.post(author, "My own post reaches my own socket")
        got = await receive_until(ws, "post.created")
        assert got["data"]["id"] == post["id"]


async def test_the_cookie_signs_in_a_socket_opened_by_our_own_page(
    server: AppServer, api: Api
) -> None:
    author = await api.signup("ourpage")
    cookie = {"Cookie": f"tandem_session={author.token}"}
    own_page = f"http://127.0.0.1:{server.port}"
    async with connect(server.ws_url, additional_headers=cookie, origin=own_page) as ws:
        post = await api.post(author, "Sent from our own page")
        got = await receive_until(ws, "post.created")
        assert got["data"]["id"] == post["id"]


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",  # another site
        "https://127.0.0.1:{port}",  # our host and port, but an https page for a ws: socket
        "http://127.0.0.1:1",  # our host, another port
    ],
)
async def test_the_cookie_of_a_socket_opened_by_another_origin_is_ignored(
    server: AppServer, api: Api, origin: str
) -> None:
    user = await api.signup("foreign")
    cookie = {"Cookie": f"tandem_session={user.token}"}
    page = origin.format(port=server.port)
    async with connect(server.ws_url, additional_headers=cookie, origin=page) as ws:
        # No `auth` message follows: the socket is closed once the auth timeout passes.
        assert await close_code(ws) == 4401


async def test_logout_closes_the_sockets_of_that_token(server: AppServer, api: Api) -> None:
    user = await api.signup("leaver")
    async with await open_stream(server, user) as ws:
        await api.call(user, "POST", "/api/v1/auth/logout", 204)
        assert await close_code(ws) == 4401


@pytest.fixture
def tight_server(server: AppServer, live_logs: Path, tmp_path: Path) -> Iterator[AppServer]:
    """A process with a short send queue and timeout, on a database of the same kind."""
    backend = "sqlite" if server.database_url.startswith("sqlite") else "postgres"
    database_url = fresh_database(backend, tmp_path, "tight")
    upgrade(database_url)
    tight_env = {
        **server.env,
        "TANDEM_LIVE_SEND_QUEUE": "8",
        "TANDEM_LIVE_SEND_TIMEOUT_SECONDS": "1",
    }
    # Through `tandem serve`, whose log carries Tandem's lines (the slow client's close).
    with app_server(database_url, live_logs, cli=True, **tight_env) as tight:
        yield tight


async def test_slow_client_is_dropped_without_delaying_a_fast_one(
    tight_server: AppServer,
) -> None:
    api = Api(tight_server.url)
    writer, fast, slow = (
        await api.signup("writer"),
        await api.signup("fast"),
        await api.signup("slow"),
    )
    for reader in (fast, slow):
        await api.call(reader, "PUT", f"/api/v1/users/{writer.handle}/follow", 204)
    # The slow client never reads: a small receive buffer fills, then the server's
    # socket buffer, then its send queue.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", tight_server.port))
    slow_ws = await open_stream(tight_server, slow, max_queue=1, sock=sock)
    async with await open_stream(tight_server, fast) as fast_ws:
        body = "Long field report. " * 3000  # ~57 KB of markdown, ~115 KB per event
        loop = asyncio.get_running_loop()
        delays = []
        for n in range(60):
            post = await api.post(writer, body, kind="blog", title=f"Report {n}")
            sent = loop.time()
            await receive_until(fast_ws, "post.created", id=post["id"])
            delays.append(loop.time() - sent)
        assert max(delays) < 2.0, delays
    # The server's side of it: the slow one was closed with 1013 (the close frame itself
    # waits behind megabytes the client would have to read first). Only the slow one.
    dropped = f"closing live connection of user {slow.id} with 1013"
    for _ in range(100):
        if dropped in tight_server.log_path.read_text():
            break
        await asyncio.sleep(0.1)
    log = tight_server.log_path.read_text()
    assert dropped in log, log[-2000:]
    assert f"user {fast.id} with 1013" not in log
    slow_ws.transport.abort()
    await api.close()


async def test_a_socket_closes_when_its_token_expires(server: AppServer, api: Api) -> None:
    user = await api.signup("expiring")
    engine = create_async_engine(server.database_url)
    async with engine.begin() as conn:
        await conn.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == token_hash(user.token))
            .values(expires_at=datetime.now(UTC) + timedelta(seconds=2))
        )
    await engine.dispose()
    async with await open_stream(server, user) as ws:
        assert await close_code(ws, timeout=10) == 4401


async def _closed_by_server(ws: Any, timeout: float = 5.0) -> tuple[int | None, str]:
    """Read until the server closes the socket: its close code and reason."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    except ConnectionClosed as closed:
        return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, "")


BAD_IDS = [2**63, 2**64 + 1, -1, 1.5, 1.0, True, "12", None]


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
@pytest.mark.parametrize(("kind", "field"), [("resume", "after"), ("watch", "post_id")])
async def test_an_id_out_of_range_closes_the_socket_with_1008_and_the_server_carries_on(
    server: AppServer, api: Api, kind: str, field: str, bad: object
) -> None:
    user = await api.signup("badid")
    async with await open_stream(server, user) as ws:
        await ws.send(json.dumps({"type": kind, field: bad}))
        code, reason = await _closed_by_server(ws)
    assert code == 1008
    assert reason.startswith(f"{kind}: {field} must be an integer")
    # The handler did not crash; the next socket of the same user works as before.
    async with await open_stream(server, user) as ws:
        post = await api.post(user, "After the bad id")
        await receive_until(ws, "post.created", id=post["id"])


async def test_ids_at_the_ends_of_the_range_are_accepted(server: AppServer, api: Api) -> None:
    user = await api.signup("edges")
    first = await api.post(user, "Before the socket")
    async with await open_stream(server, user) as ws:
        await ws.send(json.dumps({"type": "watch", "post_id": 2**63 - 1}))  # no such post
        await ws.send(json.dumps({"type": "resume", "after": 2**63 - 1}))  # nothing after it
        await ws.send(json.dumps({"type": "resume", "after": 0}))  # everything kept
        await receive_until(ws, "post.created", id=first["id"])
        post = await api.post(user, "While connected")
        await receive_until(ws, "post.created", id=post["id"])
