"""Win story pages: the composer's story fields, the board by status with each reader's
steps, the step forms and their refusals, a story's panel on its page, the case-study link,
an account's Stories tab and the testimonials (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.users.models import Department
from tests.factories import Person, api, make_account, make_post, make_user
from tests.pages_helpers import assert_no_active_markup, browse_as, page, submit, text_of
from tests.stories.test_api import FIELDS, move, story_of
from tests.stories.test_api import submit as story_post

FORM = {f"story_{name}": value for name, value in FIELDS.items()}


@dataclass
class Crew:
    sam: Person  # rep, owns Acme (Manufacturing) and the confidential Vault (Defense)
    lee: Person  # rep, owns Globex (Banking)
    mia: Person  # marketer


@pytest.fixture
async def crew(app: FastAPI, client: httpx.AsyncClient) -> Crew:
    people = Crew(
        sam=await make_user(app, "sam"),
        lee=await make_user(app, "lee"),
        mia=await make_user(app, "mia", department=Department.marketing),
    )
    await make_account(client, people.sam, "Acme", industry="Manufacturing")
    await make_account(client, people.sam, "Vault", confidential=True, industry="Defense")
    await make_account(client, people.lee, "Globex", industry="Banking")
    await make_account(client, people.lee, "Initech", industry="Software")
    return people


def words(markup: str) -> str:
    return " ".join(text_of(markup).split())


async def publish(client: httpx.AsyncClient, crew: Crew, post: dict[str, Any]) -> None:
    owner = crew.lee if "$globex" in post["body"] else crew.sam
    await move(client, crew.mia, post, "in_review")
    await move(client, crew.mia, post, "consent_requested")
    await move(client, owner, post, "consent_granted", note="Said yes on a call.")
    await move(client, crew.mia, post, "published")


def columns(markup: str) -> dict[str, str]:
    """The board's columns: status -> the column's markup."""
    found = re.findall(
        r'<section class="story-column story-column--(\w+)"[^>]*>(.*?)</section>', markup, re.S
    )
    return dict(found)


def count_of(column: str) -> int:
    match = re.search(r'<span class="count">(\d+)</span>', column)
    assert match is not None
    return int(match.group(1))


def card(markup: str, post_id: int) -> str:
    """One card of the board: from its id to the next card or the column's end."""
    start = markup.index(f'id="story-{post_id}"')
    ends = [markup.find(mark, start) for mark in ('<li class="card story-card', "</ol>")]
    return markup[start : min(e for e in ends if e != -1)]


def buttons(markup: str) -> list[str]:
    return [
        " ".join(text_of(b).split())
        for b in re.findall(r"<(?:button|summary)[^>]*>(.*?)</(?:button|summary)>", markup, re.S)
    ]


def post_id_of(response: httpx.Response) -> int:
    return int(response.headers["location"].rsplit("/", 1)[1])


async def test_the_composer_gives_a_win_story_its_fields(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    browse_as(client, crew.sam)
    home = await page(client, "/")
    fields = re.search(
        r'<fieldset[^>]*data-kind-fields="win_story"[^>]*>(.*?)</fieldset>', home, re.S
    )
    assert fields is not None
    assert "hidden disabled" in fields.group(0)
    for label in ("Problem", "Solution", "Outcome", "Quote", "Customer contact"):
        assert label in fields.group(1)
    for name in FORM:
        assert f'name="{name}"' in fields.group(1)
    # The editor offers kinds: there the fields show when it opens on Win story.
    editor = await page(client, "/posts/new?kind=win_story")
    shown = re.search(r'<fieldset[^>]*data-kind-fields="win_story"[^>]*>', editor)
    assert shown is not None
    assert "hidden" not in shown.group(0)

    created = await submit(
        client, crew.sam, "/posts", {"kind": "win_story", "body": "Won $acme!", **FORM}
    )
    story = await story_of(client, crew.sam, {"id": post_id_of(created)})
    assert {k: story[k] for k in FIELDS} == FIELDS
    assert story["status"] == "submitted"
    # The optional ones may stay empty.
    bare = {**FORM, "story_quote": " ", "story_customer_contact": ""}
    created = await submit(
        client, crew.sam, "/posts", {"kind": "win_story", "body": "Won!", **bare}
    )
    story = await story_of(client, crew.sam, {"id": post_id_of(created)})
    assert story["quote"] is None
    assert story["customer_contact"] is None
    assert story["outcome"] == FIELDS["outcome"]
    # None filled: the story is told in its post alone.
    created = await submit(client, crew.sam, "/posts", {"kind": "win_story", "body": "Won $acme"})
    story = await story_of(client, crew.sam, {"id": post_id_of(created)})
    assert (story["problem"], story["outcome"], story["status"]) == ("", "", "submitted")
    # Another kind sends no story, whatever the (disabled) fields held.
    created = await submit(client, crew.sam, "/posts", {"kind": "update", "body": "Hi", **FORM})
    assert (await api(client, crew.sam, "GET", f"/api/v1/posts/{post_id_of(created)}", 200))[
        "story"
    ] is None
    # The feed's card carries the story's chip.
    assert "Win story Submitted" in words(await page(client, "/"))


async def test_a_half_told_story_is_a_form_error(client: httpx.AsyncClient, crew: Crew) -> None:
    browse_as(client, crew.sam)
    before = await api(client, crew.sam, "GET", "/api/v1/stories", 200)
    refused = await submit(
        client,
        crew.sam,
        "/posts",
        {"kind": "win_story", "body": "Won $acme", "story_problem": "Late forecasts."},
        expect=422,
    )
    assert refused.headers["content-type"].startswith("text/html")
    assert "add the solution and the outcome" in words(refused.text)
    too_long = {**FORM, "story_customer_contact": "x" * 201}
    refused = await submit(
        client, crew.sam, "/posts", {"kind": "win_story", "body": "Won", **too_long}, expect=422
    )
    assert "story details are not valid" in words(refused.text)
    assert await api(client, crew.sam, "GET", "/api/v1/stories", 200) == before


async def test_the_board_counts_each_status_and_shows_each_readers_steps(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    browse_as(client, crew.sam)
    empty = words(await page(client, "/stories"))
    assert "No win stories yet" in empty
    assert 'aria-current="page">Stories</a>' in await page(client, "/stories")

    fresh = await story_post(client, crew.sam, "Won $acme: three years.")
    reviewed = await story_post(client, crew.sam, "Won $acme again.", outcome="Second win.")
    await move(client, crew.mia, reviewed, "in_review")
    asked = await story_post(client, crew.sam, "Expanded $acme.", outcome="Third win.")
    await move(client, crew.mia, asked, "in_review")
    await move(client, crew.mia, asked, "consent_requested")
    told = await make_post(client, crew.lee, "Closed $globex, told in the post.", kind="win_story")
    published = await story_post(client, crew.lee, "Won $globex.", outcome="Published win.")
    await publish(client, crew, published)

    board = await page(client, "/stories")
    cols = columns(board)
    assert list(cols) == [
        "submitted",
        "in_review",
        "consent_requested",
        "consent_granted",
        "published",
        "declined",
    ]
    assert {s: count_of(c) for s, c in cols.items()} == {
        "submitted": 2,
        "in_review": 1,
        "consent_requested": 1,
        "consent_granted": 0,
        "published": 1,
        "declined": 0,
    }
    text = words(board)
    for title in ("Submitted", "In review", "Consent requested", "Consent granted", "Declined"):
        assert title in text
    assert "Nothing waiting to be published." in words(cols["consent_granted"])
    # A card: the account, the outcome (or the post's start), the rep, the age.
    first = words(card(board, fresh["id"]))
    assert "Acme" in first
    assert FIELDS["outcome"] in first
    assert "Sam" in first
    assert "just now" in first
    assert "Closed $globex, told in the post." in words(card(board, told["id"]))
    assert f'href="/posts/{fresh["id"]}"' in card(board, fresh["id"])
    # The rep has nothing to do on a submitted story; the consent is theirs to record.
    assert buttons(card(board, fresh["id"])) == []
    assert buttons(card(board, reviewed["id"])) == []
    assert buttons(card(board, asked["id"])) == ["Record consent…", "Record consent"]
    assert 'name="note"' in card(board, asked["id"])
    assert "<details" in card(board, asked["id"])
    # Another rep has nothing to do on Sam's stories.
    browse_as(client, crew.lee)
    assert buttons(card(await page(client, "/stories"), asked["id"])) == []

    browse_as(client, crew.mia)
    board = await page(client, "/stories")
    assert buttons(card(board, fresh["id"])) == ["Start review", "Decline"]
    assert buttons(card(board, told["id"])) == ["Start review", "Decline"]
    assert buttons(card(board, reviewed["id"])) == ["Request consent", "Decline"]
    # Waiting for the customer: marketing may only decline.
    assert buttons(card(board, asked["id"])) == ["Decline"]
    assert buttons(card(board, published["id"])) == []
    # Each form goes back to the board, to the card.
    assert f'name="next" value="/stories#story-{fresh["id"]}"' in card(board, fresh["id"])
    assert 'data-confirm="Decline this win story?' in card(board, fresh["id"])


async def test_a_column_shows_the_newest_and_its_status_pages_through_the_rest(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    made = [
        await story_post(client, crew.sam, f"Win {n} at $acme", outcome=f"Outcome {n}.")
        for n in range(7)
    ]
    browse_as(client, crew.mia)
    board = await page(client, "/stories")
    submitted = columns(board)["submitted"]
    assert count_of(submitted) == 7
    shown = [int(n) for n in re.findall(r'id="story-(\d+)"', submitted)]
    assert shown == [p["id"] for p in reversed(made)][:5]
    assert 'href="/stories?status=submitted">More' in submitted

    one = await page(client, "/stories?status=submitted&limit=4")
    assert list(columns(one)) == ["submitted"]
    assert 'aria-current="page">Submitted</a>' in one
    first = [int(n) for n in re.findall(r'id="story-(\d+)"', one)]
    assert first == [p["id"] for p in reversed(made)][:4]
    more = re.search(r'href="(/stories\?status=submitted&amp;cursor=[^"]+)"', one)
    assert more is not None
    rest = await page(client, more.group(1).replace("&amp;", "&") + "&limit=4")
    assert [int(n) for n in re.findall(r'id="story-(\d+)"', rest)] == [
        p["id"] for p in reversed(made)
    ][4:]
    # A step from a status page comes back to it.
    assert 'name="next" value="/stories?status=submitted&amp;limit=4#story-' in one
    await page(client, "/stories?status=celebrated", expect=422)


async def test_a_form_step_moves_the_story_and_a_refused_one_says_why(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await story_post(client, crew.sam, "Won $acme.")
    url = f"/posts/{post['id']}/story"
    # The rep may not review their own story; nothing moves.
    browse_as(client, crew.sam)
    refused = await submit(client, crew.sam, url, {"to": "in_review"}, expect=403)
    assert refused.headers["content-type"].startswith("text/html")
    assert "Only marketing may mark a story in review." in words(refused.text)
    assert (await story_of(client, crew.sam, post))["status"] == "submitted"

    browse_as(client, crew.mia)
    moved = await submit(
        client, crew.mia, url, {"to": "in_review", "next": f"/stories#story-{post['id']}"}
    )
    assert moved.headers["location"] == f"/stories#story-{post['id']}"
    story = await story_of(client, crew.mia, post)
    assert (story["status"], story["reviewer"]) == ("in_review", "mia")
    # Out of order (a stale board): the refusal in words.
    refused = await submit(client, crew.mia, url, {"to": "in_review"}, expect=409)
    assert "A story in review cannot be in review" in words(refused.text)
    refused = await submit(client, crew.mia, url, {"to": "published"}, expect=409)
    assert "cannot be published" in words(refused.text)
    await submit(client, crew.mia, url, {"to": "celebrated"}, expect=422)
    # Another site is never where a form goes back to.
    moved = await submit(
        client,
        crew.mia,
        url,
        {"to": "consent_requested", "note": "Asking Priya today.", "next": "//evil.example/"},
    )
    assert moved.headers["location"] == f"/posts/{post['id']}#story"
    assert (await story_of(client, crew.mia, post))["history"][-1]["note"] == "Asking Priya today."

    # The consent needs its note: refused without one, recorded with it.
    browse_as(client, crew.sam)
    refused = await submit(client, crew.sam, url, {"to": "consent_granted", "note": " "}, 422)
    assert "Say who at the customer agreed" in words(refused.text)
    assert (await story_of(client, crew.sam, post))["consent"] is None
    await submit(
        client,
        crew.sam,
        url,
        {"to": "consent_granted", "note": "Priya said yes on a call.", "granted_by": ""},
    )
    consent = (await story_of(client, crew.sam, post))["consent"]
    assert consent["granted_by"] == FIELDS["customer_contact"]
    assert consent["note"] == "Priya said yes on a call."
    # The form needs its CSRF token; a post nobody may see is not there.
    browse_as(client, crew.mia)
    await submit(client, crew.mia, url, {"to": "published"}, expect=403, token="forged")
    assert (await story_of(client, crew.mia, post))["status"] == "consent_granted"
    await submit(client, crew.mia, "/posts/999999/story", {"to": "in_review"}, expect=404)
    update = await make_post(client, crew.sam, "Just an update")
    await submit(client, crew.mia, f"/posts/{update['id']}/story", {"to": "in_review"}, 422)


async def test_the_post_page_shows_the_story_its_way_and_the_next_step(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await story_post(client, crew.sam, "Won $acme: three years.")
    url = f"/posts/{post['id']}"
    browse_as(client, crew.sam)
    markup = await page(client, url)
    panel = markup[markup.index('id="story"') : markup.index('id="comments"')]
    text = words(panel)
    for label, value in (("Problem", "problem"), ("Solution", "solution"), ("Outcome", "outcome")):
        assert f"{label} {FIELDS[value]}" in text
    assert f'<blockquote class="story-quote"><p>{FIELDS["quote"]}</p></blockquote>' in panel
    assert f"Customer contact: {FIELDS['customer_contact']}" in text
    assert "Next: Marketing reviews it next." in text
    assert 'aria-current="step"' in panel
    assert "Submitted · @sam · just now" in text
    assert "<form" not in panel  # nothing is the rep's to do yet

    await move(client, crew.mia, post, "in_review")
    await move(client, crew.mia, post, "consent_requested", note="Asking Priya today.")
    markup = await page(client, url)
    text = words(markup[markup.index('id="story"') : markup.index('id="comments"')])
    assert "Waiting for the customer's consent: you or the account's owner records it." in text
    assert "Consent requested · @mia · just now Asking Priya today." in text
    assert "Who at the customer agreed, and how?" in text
    browse_as(client, crew.mia)
    markup = await page(client, url)
    panel = markup[markup.index('id="story"') : markup.index('id="comments"')]
    assert "Waiting for the customer's consent: Sam or the account's owner records it." in words(
        panel
    )
    assert buttons(panel) == ["Decline"]

    await move(client, crew.sam, post, "consent_granted", note="Priya said yes on a call.")
    markup = await page(client, url)
    panel = markup[markup.index('id="story"') : markup.index('id="comments"')]
    text = words(panel)
    assert "The customer agreed: marketing publishes it next." in text
    assert f"{FIELDS['customer_contact']} agreed · just now · recorded by @sam" in text
    assert "Priya said yes on a call." in text
    assert buttons(panel)[:2] == ["Publish", "Decline"]
    assert "Attach the case study" in text

    await move(client, crew.mia, post, "published")
    markup = await page(client, url)
    assert "Published just now" in words(markup)
    assert "Next:" not in words(markup)
    assert 'it is one of the <a href="/testimonials">testimonials</a>.' in markup
    assert 'class="story-chip story-chip--published">Published</span>' in markup

    # Declined: the way stops where it was declined, and says so.
    other = await story_post(client, crew.sam, "Won $acme once more.")
    await move(client, crew.mia, other, "in_review")
    await move(client, crew.mia, other, "declined", note="We have three like it.")
    browse_as(client, crew.sam)
    markup = await page(client, f"/posts/{other['id']}")
    steps = re.search(
        r'<ol class="story-steps story-steps--declined"[^>]*>(.*?)</ol>', markup, re.S
    )
    assert steps is not None
    assert words(steps.group(1)) == "Submitted (done) In review (done) Declined"
    assert "Declined: it will not become a testimonial." in words(markup)
    assert "We have three like it." in words(markup)


async def test_the_story_panel_alone_is_the_readers_own_for_the_live_page(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    """GET /posts/{id}/story: the panel the post page re-reads on `story.changed`."""
    post = await story_post(client, crew.sam, "Won $acme again.")
    await move(client, crew.mia, post, "in_review")
    browse_as(client, crew.mia)
    page_markup = await page(client, f"/posts/{post['id']}")
    assert f'data-live-panel="/posts/{post["id"]}/story"' in page_markup
    assert 'data-live-on="story.changed"' in page_markup
    panel = await page(client, f"/posts/{post['id']}/story")
    assert '<section class="card story-panel story-panel--in_review" id="story"' in panel
    assert "<html" not in panel
    assert buttons(panel) == ["Request consent", "Decline"]
    # The rep reads the same story with the rep's steps (none yet).
    browse_as(client, crew.sam)
    assert "<form" not in await page(client, f"/posts/{post['id']}/story")
    # Not a win story: no panel; a story nobody may see: not there.
    plain = await make_post(client, crew.sam, "Lunch?")
    await page(client, f"/posts/{plain['id']}/story", expect=422)
    secret = await story_post(client, crew.sam, "Won $vault quietly.")
    browse_as(client, crew.lee)
    await page(client, f"/posts/{secret['id']}/story", expect=404)


async def test_marketing_links_the_case_study_from_the_story(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await story_post(client, crew.sam, "Won $acme.")
    await publish(client, crew, post)
    study = await make_post(
        client,
        crew.mia,
        "How Acme trusts its forecast",
        kind="collateral",
        title="Acme case study",
        collateral={"stage": "decision"},
    )
    url = f"/posts/{post['id']}/story/case-study"
    browse_as(client, crew.mia)
    panel = await page(client, f"/posts/{post['id']}")
    assert f'data-load-fragment="{url}/form"' in panel
    assert f'href="{url}">Attach the case study</a>' in panel
    for target in (url, f"{url}/form"):
        form = await page(client, target)
        assert f'<option value="{study["id"]}">Acme case study</option>' in form
        assert '<option value="">None</option>' in form
    assert "<html" not in await page(client, f"{url}/form")

    linked = await submit(client, crew.mia, url, {"post_id": str(study["id"])})
    assert linked.headers["location"] == f"/posts/{post['id']}#story"
    assert (await story_of(client, crew.mia, post))["case_study_id"] == study["id"]
    markup = await page(client, f"/posts/{post['id']}")
    assert f'<a href="/posts/{study["id"]}">Read the case study made of it</a>' in markup
    assert "Change the case study" in markup
    assert f'<option value="{study["id"]}" selected>' in await page(client, f"{url}/form")
    testimonials = await page(client, "/testimonials")
    assert f'<a href="/posts/{study["id"]}">The case study</a>' in testimonials

    await submit(client, crew.mia, url, {"post_id": "nope"}, expect=422)
    await submit(client, crew.mia, url, {"post_id": str(post["id"])}, expect=422)  # not collateral
    browse_as(client, crew.sam)
    assert "Change the case study" not in await page(client, f"/posts/{post['id']}")
    refused = await submit(client, crew.sam, url, {"post_id": ""}, expect=403)
    assert "Only marketing links a story's case study." in words(refused.text)
    browse_as(client, crew.mia)
    await submit(client, crew.mia, url, {"post_id": ""})
    assert (await story_of(client, crew.mia, post))["case_study_id"] is None


async def test_the_account_stories_tab_lists_its_stories_by_status(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    browse_as(client, crew.sam)
    tab = await page(client, "/accounts/acme/stories")
    assert 'href="/accounts/acme/stories" aria-current="page">Stories</a>' in tab
    assert "No win stories about Acme yet" in words(tab)
    assert 'href="/accounts/acme/stories"' in await page(client, "/accounts/acme")

    fresh = await story_post(client, crew.sam, "Won $acme.", outcome="Fresh win.")
    done = await story_post(client, crew.sam, "Won $acme before.", outcome="Published one.")
    await publish(client, crew, done)
    await story_post(client, crew.lee, "Won $globex.", outcome="Not Acme's.")
    tab = await page(client, "/accounts/acme/stories")
    text = words(tab)
    assert text.index("Submitted 1") < text.index("Fresh win.") < text.index("Published 1")
    assert "Published one." in text
    assert "Not Acme's." not in text
    assert "In review 0" not in text
    assert [int(n) for n in re.findall(r'id="story-(\d+)"', tab)] == [fresh["id"], done["id"]]
    only = await page(client, "/accounts/acme/stories?status=published")
    assert [int(n) for n in re.findall(r'id="story-(\d+)"', only)] == [done["id"]]
    assert "All win stories about Acme" in words(only)

    # The tab's own form shares a win about the account, with its fields.
    shared = await submit(
        client,
        crew.sam,
        "/posts",
        {
            "kind": "win_story",
            "accounts": "acme",
            "body": "Acme renewed early",
            "next": "/accounts/acme/stories",
            **FORM,
        },
    )
    assert shared.headers["location"] == "/accounts/acme/stories"
    listed = await api(client, crew.sam, "GET", "/api/v1/stories?account=acme", 200)
    newest = listed["items"][0]
    assert newest["body"] == "Acme renewed early"
    assert newest["story"]["outcome"] == FIELDS["outcome"]
    await page(client, "/accounts/nowhere/stories", expect=404)


async def test_testimonials_filter_by_industry_and_search(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    browse_as(client, crew.lee)
    assert "No testimonials yet" in words(await page(client, "/testimonials"))
    acme = await story_post(client, crew.sam, "Won $acme.")
    globex = await story_post(
        client,
        crew.lee,
        "Won $globex.",
        outcome="Onboarding cut from 9 to 3 weeks.",
        quote="Our advisers were live in a month.",
    )
    await publish(client, crew, acme)
    await publish(client, crew, globex)
    await story_post(client, crew.sam, "Still in review at $acme.", outcome="Not published.")

    listed = await page(client, "/testimonials")
    assert 'aria-current="page">Testimonials</a>' in listed
    assert 'aria-current="page">Stories</a>' in listed
    ids = [int(n) for n in re.findall(r'id="testimonial-(\d+)"', listed)]
    assert ids == [globex["id"], acme["id"]]
    item = re.search(rf'id="testimonial-{acme["id"]}">(.*?)</li>', listed, re.S)
    assert item is not None
    assert f'<blockquote class="testimonial__quote"><p>{FIELDS["quote"]}</p></blockquote>' in (
        item.group(1)
    )
    assert f"Outcome {FIELDS['outcome']}" in words(item.group(1))
    # Attributed to who at the customer agreed (the contact, by default), at their company.
    assert '<figcaption class="testimonial__quoted">Priya Shah, VP Finance, Acme</figcaption>' in (
        item.group(1)
    )
    assert 'href="/accounts/acme"' in item.group(1)
    assert 'href="/users/sam">Sam</a>' in item.group(1)
    assert "published just now" in words(item.group(1))
    assert f'href="/posts/{acme["id"]}#story"' in item.group(1)
    assert "Not published." not in listed
    # The industries that have a testimonial: not Initech's Software (no story is published
    # there), nor confidential Vault's (none can be).
    options = re.findall(r'<option value="([^"]*)"', listed)
    assert options == ["", "Banking", "Manufacturing"]

    banking = await page(client, "/testimonials?industry=Banking")
    assert [int(n) for n in re.findall(r'id="testimonial-(\d+)"', banking)] == [globex["id"]]
    assert '<option value="Banking" selected>' in banking
    found = await page(client, "/testimonials?q=accuracy")
    assert [int(n) for n in re.findall(r'id="testimonial-(\d+)"', found)] == [acme["id"]]
    assert 'value="accuracy"' in found
    # An industry asked for by its link stays chosen though no testimonial has it.
    software = await page(client, "/testimonials?industry=Software&q=accuracy")
    assert "No testimonials match" in words(software)
    assert '<option value="Software" selected>' in software

    first = await page(client, "/testimonials?limit=1")
    assert [int(n) for n in re.findall(r'id="testimonial-(\d+)"', first)] == [globex["id"]]
    more = re.search(r'href="(/testimonials\?cursor=[^"]+)"', first)
    assert more is not None
    rest = await page(client, more.group(1).replace("&amp;", "&") + "&limit=1")
    assert [int(n) for n in re.findall(r'id="testimonial-(\d+)"', rest)] == [acme["id"]]
    # "More" keeps the filter.
    filtered = await page(client, "/testimonials?q=spreadsheets&limit=1")
    assert 'href="/testimonials?q=spreadsheets&amp;cursor=' in filtered
    assert 'href="/stories"' in filtered


async def test_story_text_is_escaped_on_every_page(client: httpx.AsyncClient, crew: Crew) -> None:
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    post = await story_post(
        client,
        crew.sam,
        "Won $acme.",
        problem=payload,
        solution=payload,
        outcome=payload,
        quote=payload,
        customer_contact="<b onclick=alert(3)>Priya</b>",
    )
    await publish(client, crew, post)
    browse_as(client, crew.mia)
    for url in (
        "/stories",
        "/stories?status=published",
        f"/posts/{post['id']}",
        "/testimonials",
        "/accounts/acme/stories",
        "/",
    ):
        markup = await page(client, url)
        assert_no_active_markup(markup)
        if url != "/":  # the feed's card shows the post, not the story's fields
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup, url


async def test_the_editor_changes_a_storys_words_until_the_customer_agreed(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await story_post(client, crew.sam, "Won $acme.")
    edit = f"/posts/{post['id']}/edit"
    browse_as(client, crew.sam)
    editor = await page(client, edit)
    fields = re.search(
        r'<fieldset[^>]*data-kind-fields="win_story"[^>]*>(.*?)</fieldset>', editor, re.S
    )
    assert fields is not None
    assert "hidden" not in fields.group(0).split(">", 1)[0]
    assert f">{FIELDS['problem']}</textarea>" in fields.group(1)
    assert f'value="{FIELDS["customer_contact"]}"' in fields.group(1)
    assert 'name="story_given" value="1"' in fields.group(1)

    changed = {**FORM, "story_outcome": "Accuracy up to 95%.", "story_quote": ""}
    await submit(client, crew.sam, edit, {"body": "Won $acme.", "story_given": "1", **changed})
    story = await story_of(client, crew.sam, post)
    assert (story["outcome"], story["quote"]) == ("Accuracy up to 95%.", None)
    refused = await submit(
        client,
        crew.sam,
        edit,
        {"body": "Won $acme.", "story_given": "1", **FORM, "story_solution": ""},
        expect=422,
    )
    assert "add the solution." in words(refused.text)
    # Without the story's fields (another kind's editor), only the text changes.
    await submit(client, crew.sam, edit, {"body": "Won $acme, three years."})
    assert (await story_of(client, crew.sam, post))["outcome"] == "Accuracy up to 95%."

    await move(client, crew.mia, post, "in_review")
    await move(client, crew.mia, post, "consent_requested")
    await move(client, crew.sam, post, "consent_granted", note="Priya said yes.")
    editor = await page(client, edit)
    assert 'data-kind-fields="win_story"' not in editor
    assert "they cannot change now" in words(editor)
    refused = await submit(
        client, crew.sam, edit, {"body": "Won $acme.", "story_given": "1", **FORM}, expect=409
    )
    assert "its words cannot change now" in words(refused.text)
    assert (await story_of(client, crew.sam, post))["outcome"] == "Accuracy up to 95%."
