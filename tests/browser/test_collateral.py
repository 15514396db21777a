"""Collateral in the browser: a marketer publishes an asset, reps judge it on an account page,
the third failure for the same reason sends it back to her, her new version tells the reps."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import World, call
from tests.files import samples

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

LIVE = 15_000  # ms


def test_an_asset_is_judged_on_an_account_flagged_and_revised(
    tab: Any, live_server: World, screenshot_dir: Path
) -> None:
    nina = tab("nina").page
    nina.goto("/posts/new?kind=collateral")
    nina.get_by_label("Title").fill("Acme-ready pricing one-pager")
    nina.get_by_label("Text").fill("One page on editions and multi-year terms for $acme.")
    nina.locator("select[name=collateral_stage]").select_option("decision")
    nina.locator("input[name=collateral_audience]").fill("CFO, Procurement")
    nina.locator("[data-attach-input]").set_input_files(
        [
            {"name": "pricing.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()},
            {"name": "cover.png", "mimeType": "image/png", "buffer": samples.png()},
        ]
    )
    expect(nina.locator(".upload--done")).to_have_count(2, timeout=LIVE)
    nina.get_by_role("button", name="Publish").click()
    expect(nina.locator("[data-collateral-panel]")).to_be_visible()
    post_id = int(re.search(r"/posts/(\d+)", nina.url).group(1))  # type: ignore[union-attr]
    expect(nina.locator(".collateral-line")).to_contain_text("Decision")
    expect(nina.locator(".attachment--image img")).to_have_count(1)
    expect(nina.locator(".attachment--file")).to_contain_text("pricing.pdf")

    # Sam, on Acme's Collateral tab: not used, missing pricing.
    sam = tab("sam").page
    sam.goto("/accounts/acme/collateral")
    sam.get_by_label("Asset", exact=True).select_option(str(post_id))
    sam.get_by_label("Not used").check()
    sam.get_by_label("Reason (for anything but helped)").select_option("missing_pricing")
    sam.get_by_label("Note", exact=True).fill(
        "Acme asked for the multi-year price, it is not in there."
    )
    sam.get_by_role("button", name="Record verdict").click()
    used = sam.locator(f"#asset-{post_id}")
    expect(used).to_contain_text("Not used · missing pricing")
    expect(used).to_contain_text("Acme asked for the multi-year price")
    sam.screenshot(path=str(screenshot_dir / "collateral-account-1280.png"), full_page=True)

    # The asset's page updates live while two more reps say the same.
    nina.goto(f"/posts/{post_id}")
    expect(nina.locator("[data-live-status]")).to_have_attribute("data-state", "live", timeout=LIVE)
    for rep in ("kim", "dana"):
        call(
            live_server,
            rep,
            "POST",
            f"/api/v1/posts/{post_id}/verdicts",
            json={"verdict": "not_used", "reason": "missing_pricing"},
        )
    panel = nina.locator("[data-collateral-panel]")
    expect(panel.locator('[data-stat="not_used"]')).to_have_text("3", timeout=LIVE)
    expect(panel).to_contain_text("Needs revision: missing pricing", timeout=LIVE)
    nina.screenshot(path=str(screenshot_dir / "collateral-panel-1280.png"), full_page=True)

    nina.goto("/collateral/attention")
    expect(nina.locator("#needs-revision-title + p + .asset-list")).to_contain_text(
        "Acme-ready pricing one-pager"
    )
    nina.goto("/notifications")
    expect(nina.get_by_text("your asset needs revision").first).to_be_visible()

    # A new version, from the edit page (the new PDF replaces the old): Sam is told.
    nina.goto(f"/posts/{post_id}/edit")
    nina.get_by_label("Text").fill(
        "One page on editions, multi-year terms and the 2027 price list for $acme."
    )
    nina.get_by_role("button", name="Remove pricing.pdf").click()
    nina.locator("[data-attach-input]").set_input_files(
        [{"name": "pricing-2027.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()}]
    )
    expect(nina.locator(".upload--done")).to_have_count(2, timeout=LIVE)
    nina.get_by_role("button", name="Save").click()
    expect(nina.locator(".attachment--file")).to_contain_text("pricing-2027.pdf")
    expect(nina.locator(".attachment--file")).not_to_contain_text("pricing.pdf ")
    expect(nina.locator(".collateral-line")).to_contain_text("v2")
    expect(nina.locator(".collateral-line")).to_contain_text("Active")
    sam.goto("/notifications")
    expect(sam.get_by_text("published a new version of an asset you judged").first).to_be_visible()

    phone = tab("nina", 375).page
    phone.goto("/collateral")
    expect(phone.get_by_role("link", name="Acme-ready pricing one-pager")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    phone.screenshot(path=str(screenshot_dir / "collateral-library-375.png"), full_page=True)
