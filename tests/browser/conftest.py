"""Browser tests: a real uvicorn server (SQLite temp db) driven by the system Chromium.

Gated by TANDEM_TEST_BROWSER (the Chromium executable, e.g. /usr/bin/chromium): skipped
without it, a failure under TANDEM_TEST_REQUIRE_ALL=1. No browser is ever downloaded.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.auth.deps import SESSION_COOKIE
from app.core.migrate import upgrade
from app.main import create_app
from app.users.models import Department
from tests.conftest import run_sync, service_url, test_settings
from tests.factories import PASSWORD, Person, api, make_account, make_post, make_user
from tests.live.servers import CHEAP_HASHING

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
XSS_PAYLOADS = [
    "<script>window.__xss = 'script'; alert('script')</script>",
    "<img src=x onerror=\"window.__xss = 'img'; alert('img')\">",
    "[a harmless link](javascript:alert('link'))",
    "<svg onload=\"window.__xss = 'svg'; alert('svg')\">",
]


@dataclass
class World:
    """What the seed wrote: people (with tokens) and the ids tests look for."""

    base_url: str
    people: dict[str, Person]
    ids: dict[str, int] = field(default_factory=dict)


def call(world: World, who: str, method: str, path: str, **kwargs: Any) -> Any:
    """An API call as one of the world's people, from the test (not the browser)."""
    response = httpx.request(
        method, world.base_url + path, headers=world.people[who].headers, timeout=10, **kwargs
    )
    assert response.status_code < 300, (response.status_code, response.text)
    return response.json() if response.content else None


def fits(page: Any, width: int) -> None:
    """The page is no wider than the screen (nothing scrolls sideways)."""
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, scrolled


async def _seed(database_url: str) -> World:
    app = create_app(test_settings(database_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://seed") as c:
            sam = await make_user(app, "sam", password=PASSWORD)
            nina = await make_user(app, "nina", department=Department.marketing, password=PASSWORD)
            kim = await make_user(app, "kim", password=PASSWORD)
            dana = await make_user(app, "dana", department=Department.customer_success)
            # The admin page's tests create the people they change through this admin.
            ada = await make_user(app, "ada", department=Department.leadership, admin=True)
            world = World("", {"sam": sam, "nina": nina, "kim": kim, "dana": dana, "ada": ada})
            for who, name, extra in (
                (sam, "Acme Corp", {"slug": "acme", "industry": "Manufacturing", "tier": "1"}),
                (sam, "Globex", {"industry": "Energy", "tier": "2"}),
                (nina, "Initech", {"industry": "Software", "tier": "2"}),
            ):
                await make_account(
                    c, who, name, owner_handle=who.handle, crm_id="CRM-" + name[:3], **extra
                )
            await api(c, nina, "PUT", "/api/v1/users/sam/follow", 204)
            await api(c, sam, "PUT", "/api/v1/accounts/acme/follow", 204)
            await make_post(
                c, dana, "Renewal call with $acme went well: they want the pricing module #renewal"
            )
            await make_post(
                c,
                nina,
                "Our **Q3 webinar** on forecasting is live. "
                "Sales: share it with $acme and $globex. #webinar",
            )
            blog = await make_post(
                c,
                nina,
                "## What we learned\n\nReps told us the same objection three times: *price*.\n\n"
                "- Lead with the ROI calculator\n- Bring a customer story\n\n"
                + "Spreadsheets feel free, so the comparison has to be about the hours a "
                "planning team spends reconciling them every quarter. "
                * 12
                + "\n\n> The ROI calculator did more than any slide. (a rep, after the call)",
                kind="blog",
                title="How we position pricing against spreadsheets",
            )
            win = await make_post(
                c,
                sam,
                "Closed $acme for 3 years! Thanks @nina for the case study. #wins",
                kind="win_story",
            )
            await api(
                c,
                nina,
                "POST",
                f"/api/v1/posts/{win['id']}/comments",
                201,
                json={"body": "Huge! 🎉"},
            )
            await api(
                c,
                dana,
                "POST",
                f"/api/v1/posts/{win['id']}/comments",
                201,
                json={"body": "Onboarding starts Monday"},
            )
            await api(c, nina, "PUT", f"/api/v1/posts/{win['id']}/reactions/celebrate", 204)
            await api(
                c, sam, "POST", "/api/v1/groups", 201, json={"name": "Deal room", "private": True}
            )
            secret = await make_post(
                c, sam, "Secret discount for $acme: 40% off", group="deal-room"
            )
            xss = await make_post(
                c, nina, "Payloads: " + " ".join(XSS_PAYLOADS), kind="blog", title=XSS_PAYLOADS[0]
            )
            for payload in XSS_PAYLOADS:
                await api(
                    c,
                    nina,
                    "POST",
                    f"/api/v1/posts/{xss['id']}/comments",
                    201,
                    json={"body": payload},
                )
            world.ids.update(blog=blog["id"], win=win["id"], secret=secret["id"], xss=xss["id"])
            return world


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return service_url("TANDEM_TEST_BROWSER")


@pytest.fixture(scope="session")
def live_server(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite+aiosqlite:///{tmp / 'browser.db'}"
    upgrade(database_url)
    world: World = run_sync(_seed(database_url))
    port = _free_port()
    env = {
        **os.environ,
        "TANDEM_DATABASE_URL": database_url,
        "TANDEM_SECRET_KEY": "browser-test-secret",
        "TANDEM_AUTO_MIGRATE": "false",
        "TANDEM_ALLOW_SIGNUP": "false",
        **CHEAP_HASHING,
    }
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    world.base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(world.base_url + "/healthz", timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start; see {tmp / 'server.log'}")
                time.sleep(0.2)
        yield world
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    # Per module: Playwright's sync API holds an event loop on this thread while it runs,
    # and the async tests of later modules need the thread back.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("TANDEM_TEST_SCREENSHOTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Session:
    """One signed-in (or signed-out) browser tab, recording dialogs and CSP violations."""

    def __init__(self, browser: Any, world: World, who: str | None, width: int = 1280) -> None:
        self.world = world
        self.context = browser.new_context(
            base_url=world.base_url, viewport={"width": width, "height": 900}
        )
        if who is not None:
            self.context.add_cookies(
                [{"name": SESSION_COOKIE, "value": world.people[who].token, "url": world.base_url}]
            )
        self.dialogs: list[str] = []
        self.page = self.context.new_page()
        self.page.add_init_script(
            "window.__csp = [];"
            "document.addEventListener('securitypolicyviolation',"
            " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def csp_violations(self) -> list[str]:
        return list(self.page.evaluate("window.__csp"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any, live_server: World) -> Iterator[Any]:
    """Factory: tab("sam") opens a tab signed in as sam; closed after the test."""
    opened: list[Session] = []

    def open_tab(who: str | None, width: int = 1280) -> Session:
        session = Session(browser, live_server, who, width)
        opened.append(session)
        return session

    yield open_tab
    for session in opened:
        session.close()
