"""Feeds: what each one contains, newest first, and keyset pagination that never skips or
repeats a post, even when new posts arrive between two pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.pagination import encode_cursor
from app.users.models import Department
from tests.factories import Person, api, make_account, make_post, make_user
from tests.helpers_visibility import assert_error, expect_error, follow, page_ids, walk

# Feeds a post by `writer` on $acme #pricing in the group `team` appears in, for `reader`
# (who follows the writer, acme and #pricing, and is in `team`).
FEEDS = {
    "home": "/api/v1/feed",
    "company": "/api/v1/feed/company",
    "account": "/api/v1/accounts/acme/feed",
    "account_department": "/api/v1/accounts/acme/feed?department=marketing",
    "user": "/api/v1/users/writer/feed",
    "topic": "/api/v1/topics/pricing/feed",
    "group": "/api/v1/groups/team/feed",
}


async def _setup(app: FastAPI, client: httpx.AsyncClient) -> tuple[Person, Person]:
    """A reader who follows a marketing writer, $acme and #pricing, both in group `team`."""
    writer = await make_user(app, "writer", department=Department.marketing)
    reader = await make_user(app, "reader")
    await make_account(client, reader, "Acme", slug="acme")
    await api(client, writer, "POST", "/api/v1/groups", 201, json={"name": "Team"})
    await api(client, reader, "PUT", "/api/v1/groups/team/members/reader", 204)
    await follow(client, reader, "users/writer", "accounts/acme", "topics/pricing")
    return writer, reader


async def _posts(client: httpx.AsyncClient, who: Person, n: int, *, start: int = 0) -> list[int]:
    """`n` posts by `who` that appear in every feed of FEEDS, newest first."""
    ids = [
        (await make_post(client, who, f"Note {i} on $acme #pricing", group="team"))["id"]
        for i in range(start, start + n)
    ]
    return ids[::-1]


# Content ----------------------------------------------------------------------------------


async def test_home_feed_has_own_followed_and_group_posts_newest_first(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    reader = await make_user(app, "reader")
    dana, eve, carl = [await make_user(app, h) for h in ("dana", "eve", "carl")]
    await make_account(client, eve, "Acme", slug="acme")
    await make_account(client, eve, "Globex", slug="globex")
    await api(client, eve, "POST", "/api/v1/groups", 201, json={"name": "Team"})
    await api(client, eve, "POST", "/api/v1/groups", 201, json={"name": "Other"})
    await api(client, reader, "PUT", "/api/v1/groups/team/members/reader", 204)
    await follow(client, reader, "users/dana", "users/carl", "accounts/acme", "topics/pricing")
    await api(client, reader, "DELETE", "/api/v1/users/carl/follow", 204)

    expected = [
        (await make_post(client, reader, "My own note"))["id"],
        (await make_post(client, dana, "From someone I follow"))["id"],
        (await make_post(client, eve, "About $acme"))["id"],
        (await make_post(client, eve, "About #pricing"))["id"],
        (await make_post(client, eve, "In my group", group="team"))["id"],
    ]
    # None of these match anything the reader follows.
    await make_post(client, carl, "From someone I unfollowed")
    await make_post(client, eve, "About $globex #churn")
    await make_post(client, eve, "In a group I am not in", group="other")
    await make_post(client, eve, "Plain note by a stranger")

    ids, cursor = await page_ids(client, reader, "/api/v1/feed")
    assert ids == expected[::-1]
    assert cursor is None


async def test_home_feed_drops_posts_of_unfollowed_account_and_topic(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    writer, reader = await _setup(app, client)
    await api(client, reader, "DELETE", "/api/v1/users/writer/follow", 204)
    await api(client, reader, "DELETE", "/api/v1/groups/team/members/reader", 204)
    on_account = (await make_post(client, writer, "About $acme"))["id"]
    on_topic = (await make_post(client, writer, "About #pricing"))["id"]
    assert (await page_ids(client, reader, "/api/v1/feed"))[0] == [on_topic, on_account]

    await api(client, reader, "DELETE", "/api/v1/accounts/acme/follow", 204)
    await api(client, reader, "DELETE", "/api/v1/topics/pricing/follow", 204)
    assert (await page_ids(client, reader, "/api/v1/feed"))[0] == []


async def test_company_feed_has_every_visible_post_newest_first(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    people = [await make_user(app, h) for h in ("ann", "bob", "cid")]
    ids = [(await make_post(client, p, f"Hello from {p.handle}"))["id"] for p in people * 2]
    await api(client, people[0], "POST", "/api/v1/groups", 201, json={"name": "Club"})
    ids.append((await make_post(client, people[0], "Public group post", group="club"))["id"])
    stranger = await make_user(app, "stranger")
    assert (await page_ids(client, stranger, "/api/v1/feed/company"))[0] == ids[::-1]


async def test_account_feed_filters_by_author_department(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    rep = await make_user(app, "rep", department=Department.sales)
    marketer = await make_user(app, "marketer", department=Department.marketing)
    await make_account(client, rep, "Acme", slug="acme")
    await make_account(client, rep, "Globex", slug="globex")
    sales = [(await make_post(client, rep, f"Call {i} with $acme"))["id"] for i in range(2)]
    marketing = [
        (await make_post(client, marketer, f"Campaign {i} for $acme"))["id"] for i in (1, 2)
    ]
    await make_post(client, marketer, "Campaign for $globex")

    url = "/api/v1/accounts/acme/feed"
    assert (await page_ids(client, rep, url))[0] == sorted(sales + marketing, reverse=True)
    assert (await page_ids(client, rep, url, department="sales"))[0] == sales[::-1]
    assert (await page_ids(client, rep, url, department="marketing"))[0] == marketing[::-1]
    assert (await page_ids(client, rep, url, department="leadership"))[0] == []
    body = await expect_error(
        client, rep, "GET", url, 422, "validation_error", params={"department": "finance"}
    )
    assert [d["field"] for d in body["error"]["details"]] == ["query.department"]


async def test_user_and_topic_feeds_hold_only_their_posts(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ann, bob = await make_user(app, "ann"), await make_user(app, "bob")
    ann_posts = [(await make_post(client, ann, f"Ann {i} #pricing"))["id"] for i in range(2)]
    bob_post = (await make_post(client, bob, "Bob #pricing #churn"))["id"]
    await make_post(client, bob, "Bob on nothing")
    assert (await page_ids(client, bob, "/api/v1/users/ann/feed"))[0] == ann_posts[::-1]
    assert (await page_ids(client, ann, "/api/v1/topics/churn/feed"))[0] == [bob_post]
    topic_ids = (await page_ids(client, ann, "/api/v1/topics/pricing/feed"))[0]
    assert topic_ids == [bob_post, *ann_posts[::-1]]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/users/nobody/feed",
        "/api/v1/topics/nothing/feed",
        "/api/v1/accounts/nowhere/feed",
        "/api/v1/groups/nogroup/feed",
    ],
)
async def test_feed_of_unknown_owner_is_404(
    app: FastAPI, client: httpx.AsyncClient, url: str
) -> None:
    await expect_error(client, await make_user(app), "GET", url, 404, "not_found")


async def test_feeds_need_authentication(client: httpx.AsyncClient) -> None:
    await expect_error(client, None, "GET", "/api/v1/feed", 401, "unauthorized")


# Limits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "101", "-1", "many"])
@pytest.mark.parametrize("feed", ["home", "company", "account"])
async def test_feed_limit_out_of_bounds_is_422(
    app: FastAPI, client: httpx.AsyncClient, feed: str, limit: str
) -> None:
    _, reader = await _setup(app, client)
    body = await expect_error(
        client, reader, "GET", FEEDS[feed], 422, "validation_error", params={"limit": limit}
    )
    assert [d["field"] for d in body["error"]["details"]] == ["query.limit"]


async def test_feed_limit_bounds_are_inclusive_and_default_is_20(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    writer, reader = await _setup(app, client)
    ids = await _posts(client, writer, 21)
    assert await page_ids(client, reader, "/api/v1/feed", limit=1) == (
        ids[:1],
        encode_cursor(ids[0]),
    )
    default, cursor = await page_ids(client, reader, "/api/v1/feed")
    assert default == ids[:20]
    assert cursor is not None
    assert await page_ids(client, reader, "/api/v1/feed", limit=100) == (ids, None)


# Pagination -------------------------------------------------------------------------------


@pytest.mark.parametrize("feed", list(FEEDS))
async def test_feed_pages_walk_every_post_once_in_order(
    app: FastAPI, client: httpx.AsyncClient, feed: str
) -> None:
    writer, reader = await _setup(app, client)
    ids = await _posts(client, writer, 7)
    pages = await walk(client, reader, FEEDS[feed], limit=3)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for p in pages for i in p] == ids


@pytest.mark.parametrize("feed", ["home", "company"])
async def test_feed_with_exact_multiple_of_limit_ends_without_an_empty_page(
    app: FastAPI, client: httpx.AsyncClient, feed: str
) -> None:
    writer, reader = await _setup(app, client)
    ids = await _posts(client, writer, 6)
    pages = await walk(client, reader, FEEDS[feed], limit=3)
    assert pages == [ids[:3], ids[3:]]


@pytest.mark.parametrize("feed", list(FEEDS))
async def test_feed_stays_correct_when_new_posts_arrive_between_pages(
    app: FastAPI, client: httpx.AsyncClient, feed: str
) -> None:
    writer, reader = await _setup(app, client)
    url = FEEDS[feed]
    original = await _posts(client, writer, 8)
    first, cursor = await page_ids(client, reader, url, limit=3)
    assert first == original[:3]

    newer = await _posts(client, writer, 4, start=100)
    rest: list[int] = []
    while cursor is not None:
        ids, cursor = await page_ids(client, reader, url, limit=3, cursor=cursor)
        rest.extend(ids)
    assert first + rest == original

    # A fresh first page shows the new posts on top.
    assert (await page_ids(client, reader, url, limit=4))[0] == newer


async def test_home_feed_counts_a_post_once_when_it_matches_several_sources(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Each post is by a followed person, on two followed accounts, with two followed topics
    and in the reader's group: it must appear once, and pages must still be full."""
    writer, reader = await _setup(app, client)
    await make_account(client, reader, "Globex", slug="globex")
    await follow(client, reader, "accounts/globex", "topics/churn")
    ids = [
        (await make_post(client, writer, f"{i}: $acme $globex #pricing #churn", group="team"))["id"]
        for i in range(7)
    ][::-1]
    pages = await walk(client, reader, "/api/v1/feed", limit=2)
    assert pages == [ids[0:2], ids[2:4], ids[4:6], ids[6:]]


@pytest.mark.parametrize(
    ("targets", "body"),
    [
        (("accounts/acme", "accounts/globex"), "About $acme and $globex"),
        (("topics/pricing", "topics/churn"), "About #pricing and #churn"),
    ],
    ids=["two_accounts", "two_topics"],
)
async def test_home_feed_pages_stay_full_when_a_post_matches_two_followed_links(
    app: FastAPI, client: httpx.AsyncClient, targets: tuple[str, str], body: str
) -> None:
    """The only way in is via two followed accounts (or topics) of the same post."""
    writer = await make_user(app, "writer")
    reader = await make_user(app, "reader")
    await make_account(client, writer, "Acme", slug="acme")
    await make_account(client, writer, "Globex", slug="globex")
    await follow(client, reader, *targets)
    ids = [(await make_post(client, writer, f"{i}: {body}"))["id"] for i in range(5)][::-1]
    pages = await walk(client, reader, "/api/v1/feed", limit=2)
    assert pages == [ids[0:2], ids[2:4], ids[4:]]


async def test_home_feed_pagination_merges_sources_without_gaps(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Posts reach the home feed through different sources, interleaved in time."""
    writer, reader = await _setup(app, client)
    other = await make_user(app, "other")
    await api(client, other, "PUT", "/api/v1/groups/team/members/other", 204)
    sources: list[tuple[Person, str, dict[str, str]]] = [
        (writer, "By someone I follow", {}),
        (other, "About $acme", {}),
        (other, "About #pricing", {}),
        (reader, "My own", {}),
        (other, "In my group", {"group": "team"}),
    ]
    ids = [
        (await make_post(client, author, f"{body} ({round_})", **fields))["id"]
        for round_ in range(3)
        for author, body, fields in sources
    ]
    await make_post(client, other, "Not followed")
    pages = await walk(client, reader, "/api/v1/feed", limit=4)
    assert [i for p in pages for i in p] == ids[::-1]


# Cursors ----------------------------------------------------------------------------------

BAD_CURSORS = {
    "garbage": "not a cursor!",
    "not_base64_json": "abc",
    "string_key": encode_cursor("x"),
    "negative": encode_cursor(-5),
    "float": encode_cursor(1.5),
    "boolean": encode_cursor(True),
    "list": encode_cursor([1, 2]),
    "huge": encode_cursor(10**30),
    "too_long": "A" * 201,
}


@pytest.mark.parametrize("cursor", list(BAD_CURSORS.values()), ids=list(BAD_CURSORS))
@pytest.mark.parametrize("feed", ["home", "company", "account", "user", "topic", "group"])
async def test_bad_feed_cursor_is_422_in_error_shape(
    app: FastAPI, client: httpx.AsyncClient, feed: str, cursor: str
) -> None:
    _, reader = await _setup(app, client)
    response = await client.get(FEEDS[feed], params={"cursor": cursor}, headers=reader.headers)
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert_error(body, body["error"]["code"])
    assert body["error"]["code"] in {"invalid", "validation_error"}
    assert [d["field"] for d in body["error"]["details"]] == ["query.cursor"]


async def test_cursor_past_the_oldest_post_gives_an_empty_last_page(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    writer, reader = await _setup(app, client)
    ids = await _posts(client, writer, 2)
    page = await api(
        client, reader, "GET", "/api/v1/feed", 200, params={"cursor": encode_cursor(min(ids))}
    )
    assert page == {"items": [], "next_cursor": None}
