"""GET /api/v1/stream: the live WebSocket."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.routing import WebSocketRoute

from app.auth import service as auth
from app.auth.deps import SESSION_COOKIE
from app.core.db import transaction, utcnow
from app.core.types import MAX_ID, is_db_id
from app.live import service
from app.live.hub import CLOSE_POLICY_VIOLATION, CLOSE_UNAUTHORIZED, Connection, Hub
from app.outbox import events
from app.outbox import service as outbox
from app.posts import service as posts


def _same_origin(websocket: WebSocket) -> bool:
    """A browser sends its cookie to any site's socket: only our own pages may use it."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    page = urlsplit(origin)
    # The scheme too: behind a proxy http:// and https:// share the host, and a page served
    # over plain http (which anyone on the network can rewrite) must not ride the session
    # of the https site, nor an https page a socket that travels in the clear.
    page_scheme = {"ws": "http", "wss": "https"}.get(websocket.url.scheme)
    return page.scheme == page_scheme and page.netloc == websocket.headers.get("host")


async def _token(websocket: WebSocket) -> str | None:
    """The session cookie, else the token of a first `auth` message sent in time
    (`TANDEM_LIVE_AUTH_TIMEOUT_SECONDS`, 5 s by default)."""
    cookie = websocket.cookies.get(SESSION_COOKIE)
    if cookie and _same_origin(websocket):
        return cookie
    timeout = websocket.app.state.settings.live_auth_timeout_seconds
    try:
        first = orjson.loads(await asyncio.wait_for(websocket.receive_text(), timeout))
    except (TimeoutError, orjson.JSONDecodeError, KeyError):
        return None
    if isinstance(first, dict) and first.get("type") == "auth":
        token = first.get("token")
        return token if isinstance(token, str) else None
    return None


async def stream(websocket: WebSocket) -> None:
    hub: Hub = websocket.app.state.hub
    await websocket.accept()
    token = await _token(websocket)
    principal = None
    if token:
        async with transaction(hub.sessionmaker, write=False) as session:
            principal = await auth.principal_for_token(session, token)
            if principal is not None:
                channels = await service.subscriptions(session, principal[1])
                cursor = await outbox.last_seq(session)
                expiry = await auth.expires_at(session, token)
    if token is None or principal is None:
        await websocket.close(CLOSE_UNAUTHORIZED, "sign in first")
        return
    user, viewer = principal
    connection = Connection(
        hub, websocket, user=user, viewer=viewer, token_hash=auth.token_hash(token), cursor=cursor
    )
    hub.attach(connection, channels)
    # An expired token closes its sockets, as a revoked one does.
    seconds_left = (expiry - utcnow()).total_seconds() if expiry else 0.0
    expire = asyncio.get_running_loop().call_later(
        max(seconds_left, 0.0), connection.close, CLOSE_UNAUTHORIZED
    )
    try:
        await _receive(connection)
    finally:
        expire.cancel()
        hub.detach(connection)
        await connection.shutdown()


async def _receive(connection: Connection) -> None:
    """Client messages: `resume` replays what was missed (`after`: an event id, 0 for all
    that is kept); `watch` follows one post's thread (`post_id`) or every post (`feed:
    "company"`). An id that is not an integer within the columns' range (a float, true,
    -1, 2**63) closes the socket with 1008 and says why: a client bug should show, not
    pass for a resume from somewhere else. Other messages are ignored."""
    try:
        while True:
            message = await connection.websocket.receive_text()
            if connection.closing:
                continue  # closed by us: wait for the peer's answer, which ends the loop
            try:
                body: Any = orjson.loads(message)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(body, dict):
                continue
            kind = body.get("type")
            if kind == "resume":
                if not is_db_id(body.get("after"), minimum=0):
                    connection.close(
                        CLOSE_POLICY_VIOLATION, f"resume: after must be an integer, 0 to {MAX_ID}"
                    )
                    continue
                await connection.resume(body["after"])
            elif kind == "watch" and "post_id" in body:
                if not is_db_id(body["post_id"]):
                    connection.close(
                        CLOSE_POLICY_VIOLATION, f"watch: post_id must be an integer, 1 to {MAX_ID}"
                    )
                    continue
                await _watch(connection, body["post_id"])
            elif kind == "watch" and body.get("feed") == "company":
                # Every post the user may see (the visibility rule still applies per event).
                connection.hub.watch(connection, events.COMPANY)
    except (WebSocketDisconnect, RuntimeError, KeyError):
        # Gone, closed by us (a 1013 or 4401 from `Connection.close`), or a binary frame.
        return


async def _watch(connection: Connection, post_id: int) -> None:
    """Get comments and reactions on a post the user has open, if they may see it."""
    async with transaction(connection.hub.sessionmaker, write=False) as session:
        post = await posts.find_visible(session, connection.viewer, post_id)
    if post is not None:
        connection.hub.watch(connection, events.post(post_id))


# A plain Starlette route: FastAPI's dependency machinery would stay alive, per socket, for
# the whole connection (~5 KB each) and this endpoint needs none of it.
router = APIRouter(routes=[WebSocketRoute("/api/v1/stream", stream)])
