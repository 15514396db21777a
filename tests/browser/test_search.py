"""Search in a real browser: a post written through the composer is found, highlighted."""

from __future__ import annotations

import re
from typing import Any

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


def test_search_finds_a_new_post_with_the_word_highlighted(tab: Any) -> None:
    session = tab("nina")
    page = session.page
    page.goto("/")
    page.get_by_label("What did you learn?").fill("The zephyrine objection came up again")
    page.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_load_state()
    # The index is fed by the outbox after the commit: give it a moment (bounded).
    for _ in range(50):
        page.goto("/search?q=zephyrine")
        if page.locator(".search-hit").count():
            break
        page.wait_for_timeout(200)
    hit = page.locator(".search-hit")
    expect(hit).to_have_count(1)
    expect(hit.locator("mark")).to_have_text(re.compile("zephyrine", re.IGNORECASE))
    expect(page.locator(".search-facets")).to_contain_text("Marketing 1")
    assert session.dialogs == []
    assert session.csp_violations() == []
