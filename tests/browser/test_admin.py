"""The admin page in a real browser: an admin makes someone a lead and deactivates someone
else (after confirming); the page at desktop and phone widths."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.browser.conftest import Session, World

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


class ConfirmingSession(Session):
    """A tab whose person answers OK to every confirmation (the default tab dismisses)."""

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept()


def create_person(world: World, handle: str, department: str) -> None:
    """Someone new, created by the seed's admin through the API: the people the tests
    change are their own, never the ones the other browser tests sign in as."""
    response = httpx.post(
        world.base_url + "/api/v1/users",
        headers=world.people["ada"].headers,
        json={
            "email": f"{handle}@example.com",
            "display_name": handle.title(),
            "handle": handle,
            "department": department,
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text


def no_sideways_scroll(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_an_admin_makes_someone_a_lead_and_deactivates_someone_else(
    browser: Any, tab: Any, live_server: World
) -> None:
    create_person(live_server, "leena", "marketing")
    create_person(live_server, "otto", "sales")
    session = tab("ada")
    page = session.page
    page.goto("/people")
    page.get_by_role("link", name="Admin", exact=True).click()
    page.wait_for_url(re.compile(r"/admin$"))
    expect(page.get_by_role("heading", name="Admin")).to_be_visible()

    # Lead: tick the box, save; the badge and the confirmation show, the filter is kept.
    page.goto("/admin?department=marketing")
    leena = page.locator("#person-leena")
    leena.get_by_label("Lead of Leena's department").check()
    leena.get_by_role("button", name="Save Leena").click()
    page.wait_for_url(re.compile(r"/admin\?department=marketing&saved=leena$"))
    expect(page.locator(".alert--success")).to_contain_text("Saved: Leena (@leena)")
    expect(page.locator("#person-leena .badge--lead")).to_have_text("Marketing lead")
    assert session.dialogs == []

    # Deactivate: the default tab dismisses the confirmation, and nothing happens.
    page.goto("/admin?q=otto")
    page.locator("#person-otto").get_by_role("button", name="Deactivate Otto").click()
    assert len(session.dialogs) == 1
    assert session.dialogs[0].startswith("Deactivate Otto (@otto)? They are signed out")
    expect(page.locator("#person-otto .admin-status")).to_have_text("Active")

    # Confirmed, Otto is deactivated (and can be reactivated from the same row).
    confirming = ConfirmingSession(browser, live_server, "ada")
    try:
        other = confirming.page
        other.goto("/admin?q=otto")
        other.locator("#person-otto").get_by_role("button", name="Deactivate Otto").click()
        other.wait_for_url(re.compile(r"/admin\?q=otto&saved=otto$"))
        row = other.locator("#person-otto")
        expect(row.locator(".admin-status")).to_have_text("Deactivated")
        expect(row.get_by_role("button", name="Reactivate Otto")).to_be_visible()
        assert len(confirming.dialogs) == 1
        assert confirming.csp_violations() == []
    finally:
        confirming.close()
    assert session.csp_violations() == []

    # Both at a desk and on a phone: the table fits its width, the forms stay usable.
    for width in (1280, 375):
        wide = tab("ada", width)
        wide.page.goto("/admin")
        wide.page.wait_for_load_state("networkidle")
        assert no_sideways_scroll(wide.page) <= 0, width
        expect(wide.page.get_by_role("button", name="Save Leena")).to_be_visible()
        expect(wide.page.get_by_label("Department of Otto")).to_be_visible()
        wide.page.screenshot(path=f"/tmp/admin-{width}.png", full_page=True)
        assert wide.csp_violations() == []
