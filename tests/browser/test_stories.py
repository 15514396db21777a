"""Win stories in the browser: a rep submits a win story from the composer with its fields, a
marketer takes it through review and asks for consent on /stories, the rep records the
customer's consent on the story's page, the marketer publishes it and it is one of the
testimonials; the board, the story and the testimonials at desktop and phone widths."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import World, call, fits

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

BODY = "Closed $acme for three years: the forecasting rollout did it. #wins"
FIELDS = {
    "Problem": "Forecasts were built in 40 spreadsheets by 12 regional teams, always a week late.",
    "Solution": "Rolled out forecasting region by region in six weeks, with the ROI calculator.",
    "Outcome": "Forecast accuracy up from 71% to 93%; the quarter closes two days sooner.",
    "Quote": "We finally trust the number we give the board.",
    "Customer contact": "Priya Shah, VP Finance",
}
# Live updates reach an open page within this (ms).
LIVE = 10_000
CONSENT = "Priya said yes on a call on 3 Nov and read the quote back to me."


def more_stories(world: World) -> None:
    """Others on the board: one in review, one waiting for a customer, one published."""
    fields = {
        "problem": "Their renewal quote took three weeks to approve.",
        "solution": "Approval workflow with the pricing module.",
        "outcome": "Quotes approved the same day; renewal signed a month early.",
    }
    reviewed = call(
        world,
        "sam",
        "POST",
        "/api/v1/posts",
        json={"kind": "win_story", "body": "Renewed $globex early", "story": fields},
    )
    asked = call(
        world,
        "kim",
        "POST",
        "/api/v1/posts",
        json={
            "kind": "win_story",
            "body": "Initech pilot turned into a rollout $initech",
            "story": {**fields, "outcome": "Pilot of 20 seats became 400 seats in a quarter."},
        },
    )
    told = call(
        world,
        "sam",
        "POST",
        "/api/v1/posts",
        json={
            "kind": "win_story",
            "body": "Globex chose us over the incumbent $globex",
            "story": {
                **fields,
                "outcome": "Support tickets down 40% in the first quarter after go-live.",
                "quote": "The first vendor whose onboarding ran on time.",
            },
        },
    )
    consent = {"to": "consent_granted", "note": "Their COO agreed by email."}
    ways = (
        (reviewed, [{"to": "in_review"}]),
        (asked, [{"to": "in_review"}, {"to": "consent_requested"}]),
        (told, [{"to": "in_review"}, {"to": "consent_requested"}, consent, {"to": "published"}]),
    )
    for post, steps in ways:
        for step in steps:
            who = "sam" if step["to"] == "consent_granted" else "nina"
            call(world, who, "POST", f"/api/v1/posts/{post['id']}/story/transitions", json=step)


def test_a_win_story_becomes_a_testimonial(
    tab: Any, live_server: World, screenshot_dir: Path
) -> None:
    rep = tab("sam")
    sam = rep.page
    sam.goto("/")
    problem = sam.get_by_label("Problem")
    expect(problem).to_be_hidden()
    sam.get_by_label("Kind").select_option("win_story")
    expect(problem).to_be_visible()
    sam.get_by_label("What did you learn?").fill(BODY)
    for label, value in FIELDS.items():
        sam.get_by_label(label).fill(value)
    sam.locator("[data-composer]").screenshot(
        path=str(screenshot_dir / "stories-composer-1280.png")
    )
    sam.get_by_role("button", name="Post", exact=True).click()
    sam.wait_for_load_state()
    card = sam.locator("article", has_text="the forecasting rollout did it")
    expect(card.locator(".story-chip")).to_have_text("Submitted")
    submitted = call(live_server, "sam", "GET", "/api/v1/stories?status=submitted")
    post = next(p for p in submitted["items"] if p["body"] == BODY)
    assert post["story"]["outcome"] == FIELDS["Outcome"]
    assert post["story"]["customer_contact"] == FIELDS["Customer contact"]
    story = f"#story-{post['id']}"
    more_stories(live_server)

    # The rep has no step on the board: marketing reviews it.
    sam.goto("/stories")
    expect(sam.locator(f".story-column--submitted {story}")).to_contain_text(FIELDS["Outcome"])
    expect(sam.locator(story).get_by_role("button")).to_have_count(0)

    marketer = tab("nina")
    nina = marketer.page
    nina.goto("/stories")
    expect(nina.get_by_role("link", name="Stories", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    column = nina.locator(".story-column--submitted")
    submitted_count = int(column.locator(".count").inner_text())
    ours = nina.locator(f".story-column--submitted {story}")
    expect(ours).to_contain_text("Acme Corp")
    expect(ours).to_contain_text("Sam")
    expect(ours.get_by_role("button", name="Decline")).to_be_visible()
    ours.get_by_role("button", name="Start review").click()
    nina.wait_for_url(re.compile(rf"/stories#story-{post['id']}$"))
    expect(nina.locator(".story-column--submitted .count")).to_have_text(str(submitted_count - 1))
    reviewed = nina.locator(f".story-column--in_review {story}")
    reviewed.get_by_role("button", name="Request consent").click()
    nina.wait_for_url(re.compile(rf"/stories#story-{post['id']}$"))
    waiting = nina.locator(f".story-column--consent_requested {story}")
    expect(waiting).to_be_visible()
    expect(waiting.get_by_role("button")).to_have_text(["Decline"])

    # The marketer keeps the story open while the rep records the customer's yes on it.
    nina.goto(f"/posts/{post['id']}")
    expect(nina.locator("[data-live-status]")).to_have_attribute("data-state", "live", timeout=LIVE)
    expect(nina.locator("#story .story-chip")).to_have_text("Consent requested")
    sam.goto(f"/posts/{post['id']}")
    panel = sam.locator("#story")
    expect(panel.locator(".story-next")).to_contain_text(
        "Waiting for the customer's consent: you or the account's owner records it."
    )
    expect(panel.locator("blockquote")).to_have_text(FIELDS["Quote"])
    panel.get_by_label("Who at the customer agreed, and how?").fill(CONSENT)
    panel.get_by_role("button", name="Record consent").click()
    sam.wait_for_url(re.compile(rf"/posts/{post['id']}#story$"))
    expect(panel.locator(".story-chip")).to_have_text("Consent granted")
    expect(panel.locator(".story-consent")).to_contain_text("Priya Shah, VP Finance agreed")
    expect(panel.locator(".story-consent")).to_contain_text(CONSENT)
    expect(panel.locator(".story-next")).to_contain_text("marketing publishes it next")
    expect(panel.locator("form")).to_have_count(0)
    # The marketer's open page follows: the panel is read again, with the marketer's steps.
    live_panel = nina.locator("#story")
    expect(live_panel.locator(".story-chip")).to_have_text("Consent granted", timeout=LIVE)
    expect(live_panel.locator(".story-consent")).to_contain_text(CONSENT)
    expect(live_panel.get_by_role("button", name="Publish")).to_be_visible()

    # The marketer publishes it from the board.
    nina.goto("/stories")
    nina.locator(f".story-column--consent_granted {story}").get_by_role(
        "button", name="Publish"
    ).click()
    nina.wait_for_url(re.compile(rf"/stories#story-{post['id']}$"))
    expect(nina.locator(f".story-column--published {story}")).to_be_visible()
    nina.goto("/stories")
    nina.screenshot(path=str(screenshot_dir / "stories-board-1280.png"), full_page=True)
    header = nina.evaluate(
        "(() => { const h = document.querySelector('.site-header__inner');"
        " return h.scrollWidth - h.clientWidth; })()"
    )
    assert header <= 0, header
    fits(nina, 1280)

    # And it is one of the testimonials, linked to its account and its rep.
    nina.get_by_role("link", name="Testimonials").click()
    nina.wait_for_url(re.compile(r"/testimonials$"))
    quote = nina.locator(f"#testimonial-{post['id']}")
    expect(quote.locator("blockquote")).to_have_text(FIELDS["Quote"])
    expect(quote).to_contain_text(FIELDS["Outcome"])
    expect(quote.get_by_role("link", name="Acme Corp")).to_have_attribute("href", "/accounts/acme")
    expect(quote.get_by_role("link", name="Sam")).to_have_attribute("href", "/users/sam")
    nina.get_by_label("Industry").select_option("Manufacturing")
    nina.get_by_label("Search testimonials").fill("accuracy")
    nina.get_by_role("button", name="Filter").click()
    nina.wait_for_url(re.compile(r"industry=Manufacturing&q=accuracy"))
    expect(nina.locator(".testimonial")).to_have_count(1)
    nina.get_by_label("Industry").select_option("Energy")
    nina.get_by_role("button", name="Filter").click()
    expect(nina.get_by_text("No testimonials match")).to_be_visible()
    nina.goto("/testimonials")
    nina.screenshot(path=str(screenshot_dir / "stories-testimonials-1280.png"), full_page=True)

    sam.goto(f"/posts/{post['id']}")
    expect(panel.locator(".story-next")).to_contain_text("Published")
    expect(panel.locator(".story-history li")).to_have_count(5)
    expect(panel.locator(".story-history")).to_contain_text(CONSENT)
    sam.screenshot(path=str(screenshot_dir / "stories-post-1280.png"), full_page=True)
    sam.goto("/accounts/acme/stories")
    expect(sam.locator(f"#story-{post['id']} .story-chip")).to_have_text("Published")
    sam.screenshot(path=str(screenshot_dir / "stories-account-1280.png"), full_page=True)
    for session in (rep, marketer):
        assert session.dialogs == []
        assert session.csp_violations() == []

    # At 375 px: the columns one under the other, nothing wider than the phone.
    phone = tab("nina", 375)
    small = phone.page
    for name, url in (
        ("board", "/stories"),
        ("post", f"/posts/{post['id']}"),
        ("testimonials", "/testimonials"),
        ("account", "/accounts/acme/stories"),
    ):
        small.goto(url)
        small.wait_for_load_state("networkidle")
        fits(small, 375)
        small.screenshot(path=str(screenshot_dir / f"stories-{name}-375.png"), full_page=True)
    small.goto("/stories")
    first = small.locator(".story-column--submitted").bounding_box()
    second = small.locator(".story-column--in_review").bounding_box()
    assert first is not None
    assert second is not None
    assert second["y"] > first["y"] + first["height"] - 1  # stacked, not side by side
    assert first["width"] > 300
    assert phone.csp_violations() == []
