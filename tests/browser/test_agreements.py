"""The glossary and agreements in the browser: a marketing lead proposes "qualified lead", the
sales lead rejects it with a comment, she edits it, both approve, and a post using the term
shows the agreed definition on hover and on keyboard focus; an agreement with its scorecard;
screenshots at desktop and phone widths."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import World, call
from tests.factories import PASSWORD, Person

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

SHOTS = Path("/tmp")
FIRST = (
    "A contact at a target account who asked for a demo or for pricing, at a company of 200+ "
    "employees in a region we sell to."
)
SECOND = (
    "A contact at a target account who asked for a demo or for pricing, whose title is manager "
    "or above, at a company of 200+ employees in a region we sell to."
)
REJECTION = "Students ask for demos too: add a rule on the contact's title."


def create_lead(world: World, handle: str, department: str) -> None:
    """A department lead, created and promoted by the seed's admin, signed in through the
    API: the seed's people stay as the other browser tests expect them."""
    email = f"{handle}@example.com"
    user = call(
        world,
        "ada",
        "POST",
        "/api/v1/users",
        json={
            "email": email,
            "password": PASSWORD,
            "display_name": handle.title(),
            "handle": handle,
            "department": department,
        },
    )
    call(world, "ada", "PATCH", f"/api/v1/users/{handle}", json={"is_lead": True})
    token = httpx.post(
        world.base_url + "/api/v1/auth/token",
        json={"email": email, "password": PASSWORD},
        timeout=10,
    ).json()["access_token"]
    world.people[handle] = Person(user["id"], handle, email, token, department)


def sideways(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def shoot(tab: Any, who: str, path: str, name: str) -> None:
    """Screenshots of `path` at 1280 and 375 px; at 375 the page itself never scrolls
    sideways (a wide table scrolls inside its own box)."""
    for width in (1280, 375):
        session = tab(who, width)
        session.page.goto(path)
        session.page.screenshot(path=str(SHOTS / f"agreements-{name}-{width}.png"), full_page=True)
        assert sideways(session.page) <= 0, (path, width)
        assert session.csp_violations() == []


def test_a_term_is_disputed_revised_agreed_and_explained_in_a_post(
    tab: Any, live_server: World
) -> None:
    create_lead(live_server, "greta", "marketing")
    create_lead(live_server, "stefan", "sales")

    # Greta proposes the definition on /glossary.
    greta_tab = tab("greta")
    greta = greta_tab.page
    greta.goto("/glossary")
    greta.get_by_label("Term", exact=True).fill("Qualified lead")
    greta.get_by_label("Aliases (comma-separated)").fill("QL")
    greta.get_by_label("Definition (Markdown)").fill(FIRST)
    greta.get_by_role("button", name="Propose", exact=True).click()
    greta.wait_for_url(re.compile(r"/glossary/qualified-lead$"))
    expect(greta.get_by_role("heading", level=1)).to_have_text("Qualified lead")
    expect(greta.locator(".subject-head .chip")).to_have_text("Proposed")

    # Stefan rejects it, saying why: disputed, and his reason opens the discussion.
    stefan_tab = tab("stefan")
    stefan = stefan_tab.page
    stefan.goto("/glossary/qualified-lead")
    stefan.get_by_label("Why reject it?").fill(REJECTION)
    stefan.get_by_role("button", name="Reject version 1").click()
    expect(stefan.locator(".subject-head .chip")).to_have_text("Disputed")
    rejection = stefan.locator(".thread__item--rejection")
    expect(rejection).to_contain_text(REJECTION)
    expect(rejection).to_contain_text("Rejected version 1")

    # Greta edits it: version 2, back to proposed.
    greta.reload()
    expect(greta.locator(".thread")).to_contain_text(REJECTION)
    greta.get_by_text("Edit the definition").click()
    greta.get_by_label("Definition (Markdown)").fill(SECOND)
    greta.get_by_role("button", name="Save as version 2").click()
    expect(greta.locator(".subject-head")).to_contain_text("version 2")
    expect(greta.locator(".subject-head .chip")).to_have_text("Proposed")
    expect(greta.locator("#diff ins").first).to_be_visible()

    # Both approve version 2: agreed.
    stefan.reload()
    stefan.get_by_role("button", name="Approve version 2").click()
    expect(stefan.locator(".decision--approved")).to_contain_text("Sales")
    greta.reload()
    greta.get_by_role("button", name="Approve version 2").click()
    expect(greta.locator(".subject-head .chip")).to_have_text("Agreed")
    expect(greta.locator("#history")).to_contain_text("Rejected by Stefan for Sales")

    # A post that uses the term explains it, on hover and on keyboard focus.
    post = call(
        live_server,
        "stefan",
        "POST",
        "/api/v1/posts",
        json={"body": "Two qualified lead calls booked for next week."},
    )
    stefan.goto("/")
    card = stefan.locator(f"#post-{post['id']}")
    word = card.locator(".term__word")
    tip = card.locator(".term__tip")
    expect(card.locator(".term--agreed")).to_have_count(1)
    expect(tip).to_be_hidden()
    word.hover()
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("whose title is manager or above")
    expect(tip).to_contain_text("Agreed")
    stefan.mouse.move(5, 5)
    expect(tip).to_be_hidden()
    card.locator(".post-card__author").focus()
    for _ in range(5):
        stefan.keyboard.press("Tab")
        if stefan.evaluate("document.activeElement.classList.contains('term__word')"):
            break
    expect(word).to_be_focused()
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("whose title is manager or above")
    stefan.screenshot(path=str(SHOTS / "agreements-term-tip-1280.png"))
    word.click()
    stefan.wait_for_url(re.compile(r"/glossary/qualified-lead$"))

    shoot(tab, "greta", "/glossary", "glossary")
    shoot(tab, "stefan", "/glossary/qualified-lead", "term")
    for session in (greta_tab, stefan_tab):
        assert session.csp_violations() == []
        assert session.dialogs == []


def test_an_agreement_is_proposed_and_scored_month_by_month(tab: Any, live_server: World) -> None:
    if "greta" not in live_server.people:
        create_lead(live_server, "greta", "marketing")
    today = date.today()
    start = (today.replace(day=1) - timedelta(days=40)).replace(day=1)
    end = today + timedelta(days=120)
    greta = tab("greta").page
    greta.goto("/agreements")
    greta.get_by_label("Title").fill("Sales and marketing SLA, this quarter")
    greta.get_by_label("Starts").fill(start.isoformat())
    greta.get_by_label("Ends").fill(end.isoformat())
    rows = [
        ("sales", "Share a win story every month", "stories_submitted", "1"),
        ("marketing", "Answer reps' questions within a day", "question_first_answer_hours", "24"),
        ("marketing", "Reply to reps' posts", "cross_department_reply_share", "0.5"),
        ("marketing", "Brief sales on each campaign before it launches", "", ""),
    ]
    for n, (owner, text, metric, target) in enumerate(rows, start=1):
        greta.get_by_label(f"Owner of clause {n}").select_option(owner)
        greta.get_by_label(f"Commitment of clause {n}").fill(text)
        greta.get_by_label(f"Metric of clause {n}").select_option(metric)
        greta.get_by_label(f"Target of clause {n}").fill(target)
    greta.get_by_role("button", name="Propose the agreement").click()
    greta.wait_for_url(re.compile(r"/agreements/\d+$"))
    expect(greta.locator("#clauses")).to_contain_text(
        "Measured: median hours to first answer, target ≤ 24 hours"
    )
    table = greta.locator(".scorecard")
    expect(table.locator("tbody tr")).to_have_count(4)
    months = (today.year - start.year) * 12 + today.month - start.month + 1
    expect(table.locator("thead th")).to_have_count(1 + months)
    expect(greta.locator(".score-notes")).to_contain_text("Not recorded yet")

    # Greta records this month's briefing as met from its cell.
    last_cell = greta.locator("#score-4 td").last
    last_cell.locator("summary").click()
    last_cell.get_by_label("Met", exact=True).check()
    last_cell.get_by_label("Note").fill("Briefed on the 3rd.")
    last_cell.get_by_role("button", name="Save").click()
    greta.wait_for_url(re.compile(r"/agreements/\d+#scorecard$"))
    expect(greta.locator("#score-4 td").last).to_contain_text("✓ met")
    expect(greta.locator("#score-4 td").last).to_contain_text("Briefed on the 3rd.")
    path = greta.url.split(live_server.base_url, 1)[1].split("#", 1)[0]
    shoot(tab, "greta", path, "agreement")
    shoot(tab, "greta", "/agreements", "list")
