"""Questions in the browser: a rep asks marketing from the composer, a marketer answers in a
comment, the rep accepts it and the answer shows first on the question's page; /questions
lists what is still waiting, at desktop and phone widths."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import World, call, fits

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

QUESTION = "Is there a case study for $acme in manufacturing?"
ANSWER = "Yes: the Initech rollout, same industry and size. Slides 4 to 9."


def test_a_rep_asks_marketing_and_accepts_the_answer(
    tab: Any, live_server: World, screenshot_dir: Path
) -> None:
    rep = tab("sam")
    sam = rep.page
    sam.goto("/")
    department = sam.get_by_label("Ask a department")
    expect(department).to_be_hidden()
    sam.get_by_label("Kind").select_option("question")
    expect(department).to_be_visible()
    department.select_option("marketing")
    sam.get_by_label("What did you learn?").fill(QUESTION)
    sam.get_by_role("button", name="Post", exact=True).click()
    sam.wait_for_load_state()
    card = sam.locator("article", has_text="Is there a case study for")
    expect(card.locator(".question-chip")).to_contain_text("To Marketing · open")
    asked = call(live_server, "sam", "GET", "/api/v1/questions?to_department=marketing")
    post = next(p for p in asked["items"] if p["body"] == QUESTION)
    assert post["question"]["to_department"] == "marketing"

    # Something else still waiting, for the list.
    call(
        live_server,
        "kim",
        "POST",
        "/api/v1/posts",
        json={
            "kind": "question",
            "body": "Do we have the Globex renewal deck in German? $globex",
            "to_department": "marketing",
        },
    )

    nina = tab("nina").page
    nina.goto(f"/posts/{post['id']}")
    expect(nina.locator(".question-status")).to_contain_text("Asked of Marketing")
    expect(nina.get_by_role("button", name="Accept as the answer")).to_have_count(0)
    nina.get_by_label("Add a comment").fill(ANSWER)
    nina.get_by_role("button", name="Comment", exact=True).click()
    expect(nina.locator(".comment", has_text="Initech rollout")).to_be_visible()

    sam.goto(f"/posts/{post['id']}")
    expect(sam.locator(".question-status")).to_contain_text("Answered in")
    answer = sam.locator(".comment", has_text="Initech rollout")
    answer.get_by_role("button", name="Accept as the answer").click()
    sam.wait_for_url(re.compile(r"#comment-\d+$"))
    panel = sam.locator("#accepted-answer")
    expect(panel).to_contain_text("Accepted answer")
    expect(panel).to_contain_text("Nina")
    expect(panel).to_contain_text("Initech rollout")
    expect(sam.locator(".question-status")).to_contain_text("Accepted")
    expect(sam.locator(".comment--accepted")).to_contain_text("Accepted answer")
    expect(sam.get_by_role("button", name="Accept as the answer")).to_have_count(0)
    above = panel.bounding_box()
    thread = sam.locator("#comments").bounding_box()
    assert above is not None
    assert thread is not None
    assert above["y"] < thread["y"]
    sam.goto(f"/posts/{post['id']}")
    sam.screenshot(path=str(screenshot_dir / "questions-post-1280.png"), full_page=True)

    sam.goto("/questions?to_department=marketing")
    rows = sam.locator(".question-row")
    expect(rows.first).to_contain_text("Globex renewal deck")
    expect(rows.first).to_contain_text("waiting")
    sam.screenshot(path=str(screenshot_dir / "questions-list-1280.png"), full_page=True)
    sam.get_by_role("link", name="Accepted", exact=True).click()
    expect(sam.locator(".question-row").first).to_contain_text("Is there a case study for")
    sam.goto("/accounts/acme/questions")
    expect(sam.locator(".question-row", has_text="case study")).to_be_visible()
    sam.screenshot(path=str(screenshot_dir / "questions-account-1280.png"), full_page=True)
    assert rep.dialogs == []
    assert rep.csp_violations() == []

    phone = tab("sam", 375).page
    phone.goto(f"/posts/{post['id']}")
    expect(phone.locator("#accepted-answer")).to_be_visible()
    fits(phone, 375)
    phone.screenshot(path=str(screenshot_dir / "questions-post-375.png"), full_page=True)
    phone.goto("/questions")
    expect(phone.locator(".question-row").first).to_be_visible()
    fits(phone, 375)
    phone.screenshot(path=str(screenshot_dir / "questions-list-375.png"), full_page=True)
    phone.goto("/accounts/acme/questions")
    fits(phone, 375)
    phone.screenshot(path=str(screenshot_dir / "questions-account-375.png"), full_page=True)
