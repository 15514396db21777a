"""X-Forwarded-* against real servers: believed only from TANDEM_FORWARDED_ALLOW_IPS, so a
client cannot shed its failed logins by naming a new address in every request; and behind a
TLS proxy the live socket is wss:, which only an https page may open with the cookie.

Each server runs both ways the app is served: `tandem serve` itself, and uvicorn with the
flags `tandem serve` passes (as the other live tests run it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from app.core.migrate import upgrade
from tests.conftest import fresh_database
from tests.factories import PASSWORD
from tests.live.conftest import close_code, receive_until
from tests.live.servers import AppServer, app_server

# Three failures per client at any emails, two at one email from one client.
LIMITS = {"TANDEM_LOGIN_ATTEMPTS_PER_CLIENT": "3", "TANDEM_LOGIN_ATTEMPTS_PER_EMAIL": "2"}
TOKEN = "/api/v1/auth/token"


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = fresh_database("sqlite", tmp_path_factory.mktemp("forwarded"), "forwarded")
    upgrade(url)
    return url


@pytest.fixture(params=["tandem serve", "uvicorn"])
def untrusting(
    request: pytest.FixtureRequest, database_url: str, live_logs: Path
) -> Iterator[AppServer]:
    """A server that believes no proxy (the default)."""
    with app_server(
        database_url, live_logs, cli=request.param == "tandem serve", **LIMITS
    ) as server:
        yield server


@pytest.fixture(params=["tandem serve", "uvicorn"])
def behind_proxy(
    request: pytest.FixtureRequest, database_url: str, live_logs: Path
) -> Iterator[AppServer]:
    """A server that believes X-Forwarded-For from its local proxy (127.0.0.1)."""
    with app_server(
        database_url,
        live_logs,
        cli=request.param == "tandem serve",
        TANDEM_FORWARDED_ALLOW_IPS="127.0.0.1",
        **LIMITS,
    ) as server:
        yield server


def fail_login(http: httpx.Client, email: str, forwarded_for: str | None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    body = {"email": email, "password": "wrong password"}
    return http.post(TOKEN, json=body, headers=headers).status_code


def sign_up(http: httpx.Client, handle: str) -> str:
    body = {
        "email": f"{handle}@example.com",
        "password": PASSWORD,
        "display_name": handle.title(),
        "handle": handle,
        "department": "sales",
    }
    response = http.post("/api/v1/auth/signup", json=body)
    assert response.status_code == 201, response.text
    return f"{handle}@example.com"


def test_a_rotating_forwarded_for_from_an_untrusted_peer_does_not_reset_the_limit(
    untrusting: AppServer,
) -> None:
    with httpx.Client(base_url=untrusting.url, timeout=30) as http:
        statuses = [
            fail_login(http, f"guess{i}@example.com", f"203.0.113.{i}") for i in range(1, 5)
        ]
        # The header is ignored: all four came from this peer, whose limit is three.
        assert statuses == [401, 401, 401, 429]


def test_the_forwarded_for_of_a_trusted_proxy_is_the_client(behind_proxy: AppServer) -> None:
    with httpx.Client(base_url=behind_proxy.url, timeout=30) as http:
        owner = sign_up(http, f"owner{behind_proxy.port}")
        # Each forwarded address is a client of its own: none reaches the limit...
        rotating = [
            fail_login(http, f"guess{i}@example.com", f"203.0.113.{i}") for i in range(1, 5)
        ]
        assert rotating == [401] * 4
        # ... one address is limited whatever emails it tries...
        same = [fail_login(http, f"other{i}@example.com", "198.51.100.7") for i in range(4)]
        assert same == [401, 401, 401, 429]
        # ... and the proxy's own address was charged for none of it.
        response = http.post(TOKEN, json={"email": owner, "password": PASSWORD})
        assert response.status_code == 200, response.text


async def test_behind_a_tls_proxy_only_an_https_page_may_use_the_cookie(
    behind_proxy: AppServer,
) -> None:
    with httpx.Client(base_url=behind_proxy.url, timeout=30) as http:
        email = sign_up(http, f"tls{behind_proxy.port}")
        token = http.post(TOKEN, json={"email": email, "password": PASSWORD}).json()
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        # What the proxy adds to the socket's upgrade request: the page's wss: scheme.
        headers = {
            "Cookie": f"tandem_session={token['access_token']}",
            "X-Forwarded-Proto": "https",
        }
        page = f"https://127.0.0.1:{behind_proxy.port}"
        async with connect(behind_proxy.ws_url, additional_headers=headers, origin=page) as ws:
            post = http.post("/api/v1/posts", json={"body": "From our https page"}, headers=bearer)
            assert post.status_code == 201, post.text
            got = await receive_until(ws, "post.created")
            assert got["data"]["id"] == post.json()["id"]
        # The same host in plain http: its cookie is ignored, and no `auth` message follows.
        plain = f"http://127.0.0.1:{behind_proxy.port}"
        async with connect(behind_proxy.ws_url, additional_headers=headers, origin=plain) as ws:
            assert await close_code(ws) == 4401
