"""The API docs in a real browser whose network stops at 127.0.0.1: Swagger UI and ReDoc
render from the app's own files, under their Content-Security-Policy, with nothing blocked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


def offline(session: Any) -> list[str]:
    """Close the tab's network except 127.0.0.1; the URLs it tried to reach elsewhere."""
    elsewhere: list[str] = []

    def route(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort("internetdisconnected")

    session.context.route("**/*", route)
    return elsewhere


def test_swagger_ui_renders_offline_and_tries_a_request(tab: Any, screenshot_dir: Path) -> None:
    session = tab(None)
    elsewhere = offline(session)
    page = session.page
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Tandem")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 20
    # "Try it out" sends a request from the page: connect-src 'self' lets it through.
    health = page.locator(".opblock", has=page.locator("[data-path='/healthz']"))
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    status = health.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text("200")
    page.screenshot(path=str(screenshot_dir / "api-docs-swagger.png"))
    assert elsewhere == []
    assert session.csp_violations() == []


def test_redoc_renders_offline(tab: Any, screenshot_dir: Path) -> None:
    session = tab(None)
    elsewhere = offline(session)
    page = session.page
    page.goto("/redoc")
    # ReDoc lays out the whole spec in script before it shows anything: on a loaded machine
    # (the other browser tests running beside it) that takes longer than the 5 s default.
    expect(page.get_by_role("heading", name=re.compile(r"^Tandem"))).to_be_visible(timeout=30_000)
    expect(page.get_by_text("/api/v1/auth/token").first).to_be_attached()
    page.screenshot(path=str(screenshot_dir / "api-docs-redoc.png"))
    assert elsewhere == []
    # ReDoc's footer shows Redocly's logo from their CDN, whatever its options: the policy
    # blocks it (the image hides itself), the only thing blocked.
    assert all(v.startswith("img-src https://") for v in session.csp_violations()), (
        session.csp_violations()
    )
