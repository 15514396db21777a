"""Posts, comments, reactions, topics and follows through the JSON API."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.pagination import encode_cursor
from app.users.models import Department
from tests.checks import all_pages, api_error, detail_fields
from tests.factories import Person, api, make_account, make_post, make_user

POSTS = "/api/v1/posts"


@dataclass
class Crew:
    sam: Person  # sales rep, owns the accounts
    dana: Person  # marketer
    lee: Person  # another rep
    root: Person  # admin


@pytest.fixture
async def crew(app: FastAPI, client: httpx.AsyncClient) -> Crew:
    people = Crew(
        sam=await make_user(app, "sam", department=Department.sales),
        dana=await make_user(app, "dana", department=Department.marketing),
        lee=await make_user(app, "lee", department=Department.sales),
        root=await make_user(app, "root", admin=True),
    )
    for name in ("Acme", "Globex", "Initech"):
        await make_account(client, people.sam, name)
    return people


def post_url(post: dict[str, Any], *rest: str) -> str:
    return "/".join([POSTS, str(post["id"]), *rest])


async def get_post(client: httpx.AsyncClient, who: Person, post: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = await api(client, who, "GET", post_url(post), 200)
    return result


async def notification_kinds(client: httpx.AsyncClient, who: Person) -> list[str]:
    page = await api(client, who, "GET", "/api/v1/notifications", 200)
    return [n["kind"] for n in page["items"]]


async def company_feed_ids(client: httpx.AsyncClient, who: Person) -> list[int]:
    page = await api(client, who, "GET", "/api/v1/feed/company", 200)
    return [p["id"] for p in page["items"]]


def account_slugs(post: dict[str, Any]) -> list[str]:
    return [a["slug"] for a in post["accounts"]]


# Creating posts


@pytest.mark.parametrize("kind", ["update", "blog", "win_story", "question", "collateral"])
async def test_every_kind_of_post_is_created(
    client: httpx.AsyncClient, crew: Crew, kind: str
) -> None:
    details = {"collateral": {"stage": "decision"}} if kind == "collateral" else {}
    post = await make_post(client, crew.sam, "Some *text*", kind=kind, title="A title", **details)
    assert post["kind"] == kind
    assert post["title"] == "A title"
    assert post["author"] == {
        "id": crew.sam.id,
        "handle": "sam",
        "display_name": "Sam",
        "department": "sales",
    }
    assert post["group"] is None
    assert (post["comment_count"], post["reactions"]) == (
        0,
        {"like": 0, "insightful": 0, "celebrate": 0},
    )
    read = await get_post(client, crew.dana, post)
    if kind == "win_story":
        # What a viewer may do next is the viewer's: the marketer reviews, the author waits.
        assert (post["story"].pop("next"), read["story"].pop("next")) == (
            [],
            ["in_review", "declined"],
        )
    assert read == post


async def test_created_post_answers_as_it_reads_back_with_every_link(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    # The create answer is built from what was written, not read back: it must still be
    # exactly what GET answers (links sorted, group, counters, timestamps).
    await api(client, crew.sam, "POST", "/api/v1/groups", 201, json={"name": "Deal desk"})
    post = await make_post(
        client,
        crew.sam,
        "$initech and $acme: @dana @lee please look #Pricing #churn",
        accounts=["globex"],
        topics=["renewals"],
        group="deal-desk",
        kind="question",
    )
    assert account_slugs(post) == ["acme", "globex", "initech"]
    assert post["topics"] == ["churn", "pricing", "renewals"]
    assert post["mentions"] == ["dana", "lee"]
    assert post["group"] == {"slug": "deal-desk", "name": "Deal desk", "private": False}
    assert await get_post(client, crew.sam, post) == post


async def test_post_kind_defaults_to_update(client: httpx.AsyncClient, crew: Crew) -> None:
    assert (await make_post(client, crew.sam, "Quick note"))["kind"] == "update"


@pytest.mark.parametrize("title", [None, "", "   "])
async def test_blog_without_title_is_refused(
    client: httpx.AsyncClient, crew: Crew, title: str | None
) -> None:
    body = {"kind": "blog", "title": title, "body": "Long form"}
    error = await api_error(client, crew.sam, "POST", POSTS, 422, json=body)
    assert detail_fields(error) == ["body.title"]
    assert await company_feed_ids(client, crew.sam) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "rant", "body": "x"}, "body.kind"),
        ({"body": ""}, "body.body"),
        ({"body": "   "}, "body.body"),
        ({"body": "x", "topics": ["not a topic!"]}, "body.topics"),
    ],
)
async def test_bad_post_input_is_refused_per_field(
    client: httpx.AsyncClient, crew: Crew, body: dict[str, Any], field: str
) -> None:
    error = await api_error(client, crew.sam, "POST", POSTS, 422, json=body)
    assert detail_fields(error) == [field]


async def test_body_references_merge_with_explicit_accounts_and_topics(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await make_post(
        client,
        crew.sam,
        "Call with $acme, @dana joined #pricing #Pricing",
        accounts=["Globex", "acme"],
        topics=["#renewal"],
    )
    assert post["accounts"] == [
        {"slug": "acme", "name": "Acme"},
        {"slug": "globex", "name": "Globex"},
    ]
    assert post["topics"] == ["pricing", "renewal"]
    assert post["mentions"] == ["dana"]
    assert '<a href="/accounts/acme" class="ref"' in post["body_html"]
    assert '<a href="/users/dana" class="ref"' in post["body_html"]
    assert '<a href="/topics/pricing" class="ref"' in post["body_html"]


async def test_unknown_account_or_user_in_body_stays_text(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await make_post(client, crew.sam, "Price is $20 for $nosuch, ask @nobody")
    assert (post["accounts"], post["mentions"]) == ([], [])
    assert "$nosuch" in post["body_html"]
    assert "@nobody" in post["body_html"]
    assert "/accounts/" not in post["body_html"]
    assert "/users/" not in post["body_html"]


async def test_unknown_account_in_accounts_is_refused(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    body = {"body": "About $acme", "accounts": ["acme", "nosuch"]}
    error = await api_error(client, crew.sam, "POST", POSTS, 422, "unknown_account", json=body)
    assert detail_fields(error) == ["body.accounts"]
    assert "nosuch" in error["message"]
    assert await company_feed_ids(client, crew.sam) == []


async def test_confidential_account_of_another_team_counts_as_unknown(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    await make_account(client, crew.sam, "Secret", confidential=True)
    body = {"body": "x", "accounts": ["secret"]}
    await api_error(client, crew.lee, "POST", POSTS, 422, "unknown_account", json=body)
    post = await make_post(client, crew.lee, "Heard about $secret")
    assert post["accounts"] == []


# Markdown and sanitizing


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parsed_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


async def test_markdown_is_rendered_to_html(client: httpx.AsyncClient, crew: Crew) -> None:
    body = "# Plan\n\n**bold** _it_ ~~old~~\n\n- one\n- two\n\n[site](https://example.com)"
    html = (await make_post(client, crew.sam, body))["body_html"]
    for fragment in ("<h1>Plan</h1>", "<strong>bold</strong>", "<em>it</em>", "<li>one</li>"):
        assert fragment in html
    [(_, link)] = [t for t in parsed_tags(html) if t[0] == "a"]
    assert link["href"] == "https://example.com"
    assert "noopener" in (link["rel"] or "")


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "![img](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '[x](https://example.com "a\\" onmouseover=\\"alert(1)")',
        "<style>body{display:none}</style>",
    ],
)
async def test_rendered_html_is_sanitized(client: httpx.AsyncClient, crew: Crew, body: str) -> None:
    html = (await make_post(client, crew.sam, body))["body_html"]
    for tag, attrs in parsed_tags(html):
        assert tag not in {"script", "iframe", "style"}, html
        assert not any(name.startswith("on") for name in attrs), html
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").lower().startswith("javascript:"), html


async def test_raw_html_is_escaped_as_text(client: httpx.AsyncClient, crew: Crew) -> None:
    html = (await make_post(client, crew.sam, "<b>hi</b> <script>x()</script>"))["body_html"]
    assert "&lt;b&gt;hi&lt;/b&gt;" in html
    assert "&lt;script&gt;" in html
    assert [t for t, _ in parsed_tags(html)] == ["p"]


# Length limits


@pytest.mark.parametrize(
    ("kind", "length", "ok"),
    [
        ("update", 5_000, True),
        ("update", 5_001, False),
        ("question", 5_001, False),
        ("blog", 100_000, True),
        ("blog", 100_001, False),
    ],
)
async def test_post_length_limits(
    client: httpx.AsyncClient, crew: Crew, kind: str, length: int, ok: bool
) -> None:
    body = {"kind": kind, "title": "T", "body": "a" * length}
    if ok:
        await api(client, crew.sam, "POST", POSTS, 201, json=body)
        return
    error = await api_error(client, crew.sam, "POST", POSTS, 422, "too_long", json=body)
    limit = "100,000" if kind == "blog" else "5,000"
    assert f"at most {limit} characters" in error["message"]
    assert f"{length:,}" in error["message"]
    assert detail_fields(error) == ["body.body"]


async def test_edit_respects_length_limit(client: httpx.AsyncClient, crew: Crew) -> None:
    post = await make_post(client, crew.sam, "short")
    patch = {"body": "a" * 5_001}
    await api_error(client, crew.sam, "PATCH", post_url(post), 422, "too_long", json=patch)
    assert (await get_post(client, crew.sam, post))["body"] == "short"


@pytest.mark.parametrize(("length", "status"), [(5_000, 201), (5_001, 422)])
async def test_comment_length_limit(
    client: httpx.AsyncClient, crew: Crew, length: int, status: int
) -> None:
    post = await make_post(client, crew.sam, "Post")
    await api(
        client, crew.dana, "POST", post_url(post, "comments"), status, json={"body": "a" * length}
    )
    assert (await get_post(client, crew.sam, post))["comment_count"] == (1 if status == 201 else 0)


# Editing and deleting


async def test_author_edit_reparses_references_and_notifies_new_mentions(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await make_post(
        client, crew.sam, "Met $acme with @dana #pricing", accounts=["globex"], topics=["renewal"]
    )
    edited = await api(
        client,
        crew.sam,
        "PATCH",
        post_url(post),
        200,
        json={"body": "Now $initech, @lee and @dana #churn"},
    )
    # Explicit links stay, links parsed from the old body go.
    assert account_slugs(edited) == ["globex", "initech"]
    assert edited["topics"] == ["churn", "renewal"]
    assert edited["mentions"] == ["dana", "lee"]
    assert '<a href="/accounts/initech" class="ref"' in edited["body_html"]
    assert await get_post(client, crew.dana, post) == edited
    assert await notification_kinds(client, crew.lee) == ["mention"]
    assert await notification_kinds(client, crew.dana) == ["mention"]


async def test_edit_replaces_explicit_links_and_title(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await make_post(client, crew.sam, "Notes", kind="blog", title="Old", accounts=["acme"])
    patch = {"title": "New", "accounts": ["globex"], "topics": ["q3"]}
    edited = await api(client, crew.sam, "PATCH", post_url(post), 200, json=patch)
    assert (edited["title"], edited["body"]) == ("New", "Notes")
    assert account_slugs(edited) == ["globex"]
    assert edited["topics"] == ["q3"]
    error = await api_error(client, crew.sam, "PATCH", post_url(post), 422, json={"title": None})
    assert detail_fields(error) == ["body.title"]


@pytest.mark.parametrize("editor", ["lee", "root"])
async def test_only_the_author_edits(client: httpx.AsyncClient, crew: Crew, editor: str) -> None:
    post = await make_post(client, crew.sam, "Mine")
    who = getattr(crew, editor)
    await api_error(client, who, "PATCH", post_url(post), 403, "forbidden", json={"body": "Yours"})
    assert (await get_post(client, crew.sam, post))["body"] == "Mine"


@pytest.mark.parametrize("deleter", ["sam", "root"])
async def test_author_or_admin_deletes_post(
    client: httpx.AsyncClient, crew: Crew, deleter: str
) -> None:
    post = await make_post(client, crew.sam, "Going away #temp")
    await api(client, crew.dana, "POST", post_url(post, "comments"), 201, json={"body": "ok"})
    await api(client, getattr(crew, deleter), "DELETE", post_url(post), 204)
    await api_error(client, crew.sam, "GET", post_url(post), 404, "not_found")
    await api_error(client, crew.sam, "GET", post_url(post, "comments"), 404)
    topics = await api(client, crew.sam, "GET", "/api/v1/topics", 200, params={"q": "temp"})
    assert topics["items"] == [{"name": "temp", "post_count": 0}]


async def test_others_cannot_delete_post(client: httpx.AsyncClient, crew: Crew) -> None:
    post = await make_post(client, crew.sam, "Mine")
    await api_error(client, crew.lee, "DELETE", post_url(post), 403, "forbidden")
    await get_post(client, crew.sam, post)


async def test_unknown_post_is_not_found(client: httpx.AsyncClient, crew: Crew) -> None:
    for method in ("GET", "DELETE"):
        await api_error(client, crew.sam, method, f"{POSTS}/999999", 404, "not_found")
    await api_error(client, crew.sam, "GET", f"{POSTS}/abc", 422)


# Comments


async def comment(
    client: httpx.AsyncClient, who: Person, post: dict[str, Any], body: str, **fields: Any
) -> dict[str, Any]:
    json = {"body": body, **fields}
    result: dict[str, Any] = await api(
        client, who, "POST", post_url(post, "comments"), 201, json=json
    )
    return result


async def test_comments_and_replies_thread_one_level_deep(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await make_post(client, crew.sam, "Thoughts?")
    top = await comment(client, crew.dana, post, "First **comment**")
    reply = await comment(client, crew.lee, post, "A reply", parent_id=top["id"])
    nested = await comment(client, crew.sam, post, "Reply to reply", parent_id=reply["id"])
    assert top["parent_id"] is None
    assert top["body_html"] == "<p>First <strong>comment</strong></p>\n"
    assert reply["parent_id"] == top["id"]
    assert nested["parent_id"] == top["id"]
    assert (nested["post_id"], nested["author"]["handle"]) == (post["id"], "sam")
    listed = await api(client, crew.dana, "GET", post_url(post, "comments"), 200)
    assert [c["id"] for c in listed["items"]] == [nested["id"], reply["id"], top["id"]]
    assert (await get_post(client, crew.dana, post))["comment_count"] == 3


async def test_comments_paginate(client: httpx.AsyncClient, crew: Crew) -> None:
    post = await make_post(client, crew.sam, "Thoughts?")
    made = [(await comment(client, crew.dana, post, f"c{i}"))["id"] for i in range(3)]
    pages = await all_pages(client, crew.sam, post_url(post, "comments"), limit=2)
    assert [[c["id"] for c in page] for page in pages] == [made[:0:-1], made[:1]]


@pytest.mark.parametrize("parent", ["other_post", "missing"])
async def test_reply_parent_must_be_a_comment_on_the_same_post(
    client: httpx.AsyncClient, crew: Crew, parent: str
) -> None:
    post = await make_post(client, crew.sam, "One")
    other = await make_post(client, crew.sam, "Two")
    foreign = await comment(client, crew.dana, other, "Elsewhere")
    parent_id = foreign["id"] if parent == "other_post" else 999999
    error = await api_error(
        client,
        crew.dana,
        "POST",
        post_url(post, "comments"),
        422,
        json={"body": "Reply", "parent_id": parent_id},
    )
    assert detail_fields(error) == ["body.parent_id"]
    assert (await get_post(client, crew.sam, post))["comment_count"] == 0


# Reactions


def reaction_url(post: dict[str, Any], kind: str) -> str:
    return post_url(post, "reactions", kind)


async def test_reactions_are_idempotent_and_counted_per_kind(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await make_post(client, crew.sam, "We won!", kind="win_story")
    for kind in ("like", "insightful", "celebrate"):
        for _ in range(2):
            await api(client, crew.dana, "PUT", reaction_url(post, kind), 204)
    await api(client, crew.lee, "PUT", reaction_url(post, "celebrate"), 204)
    reactions = (await get_post(client, crew.sam, post))["reactions"]
    assert reactions == {"like": 1, "insightful": 1, "celebrate": 2}
    assert await notification_kinds(client, crew.sam) == ["reaction"] * 4


async def test_removing_a_reaction_is_idempotent(client: httpx.AsyncClient, crew: Crew) -> None:
    post = await make_post(client, crew.sam, "Post")
    await api(client, crew.dana, "PUT", reaction_url(post, "like"), 204)
    await api(client, crew.lee, "PUT", reaction_url(post, "like"), 204)
    for _ in range(2):
        await api(client, crew.dana, "DELETE", reaction_url(post, "like"), 204)
    await api(client, crew.dana, "DELETE", reaction_url(post, "insightful"), 204)
    reactions = (await get_post(client, crew.sam, post))["reactions"]
    assert reactions == {"like": 1, "insightful": 0, "celebrate": 0}


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_unknown_reaction_kind_is_refused(
    client: httpx.AsyncClient, crew: Crew, method: str
) -> None:
    post = await make_post(client, crew.sam, "Post")
    error = await api_error(client, crew.dana, method, reaction_url(post, "love"), 422)
    assert detail_fields(error) == ["path.kind"]


# Topics


async def test_topics_list_prefix_matches_with_post_counts(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    await make_post(client, crew.sam, "#pricing #pipeline")
    await make_post(client, crew.dana, "#Pricing again", topics=["product"])
    await make_post(client, crew.dana, "#renewal")

    async def names(**params: str) -> list[tuple[str, int]]:
        page = await api(client, crew.lee, "GET", "/api/v1/topics", 200, params=params)
        return [(t["name"], t["post_count"]) for t in page["items"]]

    assert await names(q="p") == [("pipeline", 1), ("pricing", 2), ("product", 1)]
    assert await names(q="#PRI") == [("pricing", 2)]
    assert await names(q="ricing") == []
    assert await names(q="%") == []
    assert len(await names()) == 4


async def test_topics_list_paginates_by_name(client: httpx.AsyncClient, crew: Crew) -> None:
    await make_post(client, crew.sam, "#alpha #beta #gamma")
    pages = await all_pages(client, crew.sam, "/api/v1/topics", limit=2)
    assert [[t["name"] for t in page] for page in pages] == [["alpha", "beta"], ["gamma"]]


@pytest.mark.parametrize("key", [[], [{"name": "x"}], [None], "alpha", 3])
async def test_topics_list_rejects_crafted_cursor(
    client: httpx.AsyncClient, crew: Crew, key: object
) -> None:
    params = {"cursor": encode_cursor(key)}
    error = await api_error(client, crew.sam, "GET", "/api/v1/topics", 422, params=params)
    assert detail_fields(error) == ["query.cursor"]


# Follows


async def follow_twice(client: httpx.AsyncClient, who: Person, url: str, method: str) -> None:
    for _ in range(2):
        await api(client, who, method, url, 204)


async def home_feed_ids(client: httpx.AsyncClient, who: Person) -> list[int]:
    page = await api(client, who, "GET", "/api/v1/feed", 200)
    return [p["id"] for p in page["items"]]


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/users/sam/follow", "Plain post"),
        ("/api/v1/accounts/acme/follow", "About $acme"),
        ("/api/v1/topics/pricing/follow", "About #pricing"),
    ],
)
async def test_follow_and_unfollow_are_idempotent(
    client: httpx.AsyncClient, crew: Crew, url: str, body: str
) -> None:
    post = await make_post(client, crew.sam, body)
    await follow_twice(client, crew.dana, url, "PUT")
    assert await home_feed_ids(client, crew.dana) == [post["id"]]
    await follow_twice(client, crew.dana, url, "DELETE")
    assert await home_feed_ids(client, crew.dana) == []


async def test_following_a_user_notifies_them_once(client: httpx.AsyncClient, crew: Crew) -> None:
    url = "/api/v1/users/sam/follow"
    await follow_twice(client, crew.dana, url, "PUT")
    assert await notification_kinds(client, crew.sam) == ["follow"]


async def test_following_yourself_is_refused(client: httpx.AsyncClient, crew: Crew) -> None:
    await api_error(client, crew.sam, "PUT", "/api/v1/users/sam/follow", 422)


async def test_following_a_new_topic_creates_it(client: httpx.AsyncClient, crew: Crew) -> None:
    await api(client, crew.sam, "PUT", "/api/v1/topics/Competitors/follow", 204)
    topics = await api(client, crew.sam, "GET", "/api/v1/topics", 200, params={"q": "comp"})
    assert topics["items"] == [{"name": "competitors", "post_count": 0}]


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("PUT", "/api/v1/users/nobody/follow", 404),
        ("DELETE", "/api/v1/users/nobody/follow", 404),
        ("PUT", "/api/v1/accounts/nosuch/follow", 404),
        ("DELETE", "/api/v1/topics/neverused/follow", 404),
        ("PUT", "/api/v1/topics/not%20a%20topic/follow", 422),
        ("PUT", "/api/v1/accounts/secret/follow", 404),
    ],
)
async def test_following_what_does_not_exist_or_is_hidden_is_refused(
    client: httpx.AsyncClient, crew: Crew, method: str, url: str, status: int
) -> None:
    await make_account(client, crew.sam, "Secret", confidential=True)
    await api_error(client, crew.dana, method, url, status)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/posts", {"body": "Poll attached", "poll": ["yes", "no"]}),
        ("PATCH", "/api/v1/posts/{id}", {"body": "Edited", "rating": 5}),
        ("POST", "/api/v1/posts/{id}/comments", {"body": "Nice", "attachments": [1]}),
    ],
)
async def test_unknown_fields_in_a_body_are_refused_not_dropped(
    client: httpx.AsyncClient, crew: Crew, method: str, path: str, body: dict[str, object]
) -> None:
    post = await make_post(client, crew.sam, "A post to edit")
    url = path.format(id=post["id"])
    error = await api_error(client, crew.sam, method, url, 422, "validation_error", json=body)
    unknown = sorted(set(body) - {"body"})
    assert detail_fields(error) == [f"body.{name}" for name in unknown]
    after = await api(client, crew.sam, "GET", f"/api/v1/posts/{post['id']}", 200)
    assert after["body"] == "A post to edit"
    assert after["comment_count"] == 0
