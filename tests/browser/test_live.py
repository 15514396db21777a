"""Live in the browser: two people in two browser contexts, a real server and socket.

A (sam) writes through the API; B (nina, who follows sam) watches her pages change without
reloading: the "new posts" bar on the home feed, the bell, comments on an open post, and
posts made while her network was down arriving after the reconnect (resume).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import World
from tests.factories import PASSWORD

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

LIVE = 15_000  # ms: the outbox drainer and the socket are fast, a loaded CI box is not


def as_sam(world: World, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(
        method, world.base_url + path, headers=world.people["sam"].headers, timeout=10, **kwargs
    )
    assert response.status_code < 300, (response.status_code, response.text)
    return response.json() if response.content else None


def open_live(session: Any, path: str) -> Any:
    page = session.page
    page.goto(path)
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live", timeout=LIVE)
    return page


def test_a_new_post_arrives_behind_the_new_posts_bar_and_inserts_on_click(
    tab: Any, live_server: World, screenshot_dir: Path
) -> None:
    nina = tab("nina")
    page = open_live(nina, "/")
    phone = tab("nina", 375)
    small = open_live(phone, "/")
    post = as_sam(
        live_server, "POST", "/api/v1/posts", json={"body": "Live: $acme signed the pilot"}
    )

    bar = page.get_by_role("button", name="1 new post")
    expect(bar).to_be_visible(timeout=LIVE)
    assert page.locator(f"#post-{post['id']}").count() == 0  # not inserted until asked
    expect(small.get_by_role("button", name="1 new post")).to_be_visible(timeout=LIVE)
    page.screenshot(path=str(screenshot_dir / "live-new-posts-1280.png"))
    small.screenshot(path=str(screenshot_dir / "live-new-posts-375.png"))

    bar.click()
    card = page.locator("article.post-card").first
    expect(card).to_have_id(f"post-{post['id']}")
    expect(card).to_contain_text("signed the pilot")
    expect(card.get_by_role("link", name="Acme Corp")).to_be_visible()
    expect(bar).to_be_hidden()
    assert page.url.endswith("/")  # no reload: the card came from /posts/{id}/card
    # The inserted card is wired like the others: its reaction button works through the API.
    like = card.get_by_role("button", name=re.compile(r"^Like,"))
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=str(screenshot_dir / "live-inserted-1280.png"))
    for session in (nina, phone):
        assert session.csp_violations() == []  # connect-src 'self' admits our own ws:
        assert session.dialogs == []


def test_topic_page_shows_only_posts_about_its_topic(tab: Any, live_server: World) -> None:
    as_sam(live_server, "POST", "/api/v1/posts", json={"body": "Seeding #livetopic"})
    page = open_live(tab("nina"), "/topics/livetopic")
    as_sam(live_server, "POST", "/api/v1/posts", json={"body": "Unrelated note about $globex"})
    as_sam(live_server, "POST", "/api/v1/posts", json={"body": "More on #livetopic today"})
    bar = page.get_by_role("button", name="1 new post")
    expect(bar).to_be_visible(timeout=LIVE)
    bar.click()
    expect(page.locator("article.post-card").first).to_contain_text("More on #livetopic today")
    assert page.get_by_text("Unrelated note").count() == 0


def test_company_feed_shows_posts_from_people_not_followed(tab: Any, live_server: World) -> None:
    page = open_live(tab("nina"), "/company")  # nina follows sam, not dana
    response = httpx.post(
        live_server.base_url + "/api/v1/posts",
        headers=live_server.people["dana"].headers,
        json={"body": "Customer success: onboarding call done"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    bar = page.get_by_role("button", name="1 new post")
    expect(bar).to_be_visible(timeout=LIVE)
    bar.click()
    expect(page.locator("article.post-card").first).to_contain_text("onboarding call done")


def test_the_bell_counts_up_live_when_mentioned(tab: Any, live_server: World) -> None:
    page = open_live(tab("nina"), "/company")
    bell = page.locator("a.bell")
    before = int(bell.get_attribute("data-unread-count") or "0")
    as_sam(live_server, "POST", "/api/v1/posts", json={"body": "@nina can you join the call?"})
    expect(page.get_by_role("link", name=f"Notifications, {before + 1} unread")).to_be_visible(
        timeout=LIVE
    )
    expect(bell.locator(".bell__count")).to_have_text(str(before + 1))


def test_a_comment_appears_live_on_an_open_post_page(tab: Any, live_server: World) -> None:
    post = as_sam(live_server, "POST", "/api/v1/posts", json={"body": "Who has a case study?"})
    page = open_live(tab("nina"), f"/posts/{post['id']}")
    expect(page.get_by_role("heading", name="0 comments")).to_be_visible()
    comment = as_sam(
        live_server, "POST", f"/api/v1/posts/{post['id']}/comments", json={"body": "Try **Acme**"}
    )
    item = page.locator(f"#comment-{comment['id']}")
    expect(item).to_be_visible(timeout=LIVE)
    expect(item.locator("strong")).to_have_text("Acme")  # the server's sanitized markdown
    expect(page.get_by_role("heading", name="1 comment")).to_be_visible()
    reply = as_sam(
        live_server,
        "POST",
        f"/api/v1/posts/{post['id']}/comments",
        json={"body": "or ask Dana", "parent_id": comment["id"]},
    )
    expect(item.locator(f".comment-list--replies #comment-{reply['id']}")).to_be_visible(
        timeout=LIVE
    )
    as_sam(live_server, "PUT", f"/api/v1/posts/{post['id']}/reactions/insightful")
    expect(page.get_by_role("button", name=re.compile(r"^Insightful,"))).to_contain_text(
        "1", timeout=LIVE
    )


def test_posts_made_while_offline_arrive_after_the_reconnect(
    tab: Any, live_server: World, screenshot_dir: Path
) -> None:
    nina = tab("nina")
    page = open_live(nina, "/")
    status = page.locator("[data-live-status]")
    nina.context.set_offline(True)
    expect(status).to_have_attribute("data-state", "paused", timeout=LIVE)
    expect(status).to_have_attribute("title", re.compile("paused"))
    expect(status).to_contain_text("Live updates paused")
    page.locator(".site-header").screenshot(path=str(screenshot_dir / "live-paused-1280.png"))
    first = as_sam(live_server, "POST", "/api/v1/posts", json={"body": "Offline one"})
    second = as_sam(live_server, "POST", "/api/v1/posts", json={"body": "Offline two"})
    page.wait_for_timeout(500)
    expect(page.get_by_role("button", name=re.compile("new post"))).to_be_hidden()

    nina.context.set_offline(False)
    expect(status).to_have_attribute("data-state", "live", timeout=LIVE)
    bar = page.get_by_role("button", name="2 new posts")
    expect(bar).to_be_visible(timeout=LIVE)
    bar.click()
    cards = page.locator("article.post-card")
    expect(cards.nth(0)).to_have_id(f"post-{second['id']}")
    expect(cards.nth(1)).to_have_id(f"post-{first['id']}")


def test_a_signed_out_socket_shows_the_signed_out_state(tab: Any, live_server: World) -> None:
    # A session of its own (signed in through the form): the seeded token other tests use
    # must survive the sign-out.
    session = tab(None)
    page = session.page
    page.goto("/login")
    page.get_by_label("Email").fill("kim@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    status = page.locator("[data-live-status]")
    expect(status).to_have_attribute("data-state", "live", timeout=LIVE)
    # Sign out in another tab of the same browser: the session is revoked, the socket told.
    other = session.context.new_page()
    other.goto("/")
    other.locator(".user-menu summary").click()
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_url(re.compile("/login"))
    expect(status).to_have_attribute("data-state", "signed-out", timeout=LIVE)
    expect(status).to_have_attribute("title", re.compile("you are signed out"))
