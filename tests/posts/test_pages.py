"""Post pages: reading, writing, comments, reactions; visibility and inert user text."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from app.users.models import Department
from tests.factories import api, make_account, make_post, make_user
from tests.pages_helpers import assert_no_active_markup, browse_as, page, submit, text_of

XSS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "[click me](javascript:alert(1))",
    "<svg onload=alert(1)>",
    '"><script>alert(2)</script>',
]


async def test_post_page_shows_the_post_with_department_badge_and_reactions(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    await make_account(client, sam, "Acme")
    post = await make_post(client, sam, "Call with $acme about #pricing")
    browse_as(client, sam)
    markup = await page(client, f"/posts/{post['id']}")
    assert 'class="badge badge--sales">Sales</span>' in markup
    assert 'href="/accounts/acme"' in markup
    assert 'href="/topics/pricing"' in markup
    assert 'aria-pressed="false"' in markup
    assert "0 comments" in markup


async def test_composer_form_publishes_a_post_tagged_with_an_account(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    await make_user(app, "dana", department=Department.marketing)
    await make_account(client, sam, "Acme")
    browse_as(client, sam)
    response = await submit(
        client, sam, "/posts", {"kind": "update", "body": "Pricing call with $acme and @dana"}
    )
    post_id = int(response.headers["location"].rsplit("/", 1)[1])
    post = await api(client, sam, "GET", f"/api/v1/posts/{post_id}", 200)
    assert [a["slug"] for a in post["accounts"]] == ["acme"]
    assert post["mentions"] == ["dana"]


async def test_forms_without_a_csrf_token_are_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    post = await make_post(client, sam, "hello")
    browse_as(client, sam)
    await submit(client, sam, "/posts", {"body": "forged"}, expect=403, token="")
    await submit(
        client, sam, f"/posts/{post['id']}/comments", {"body": "x"}, expect=403, token="bad"
    )
    await submit(client, sam, f"/posts/{post['id']}/delete", expect=403, token="")
    markup = await page(client, "/company")
    assert "forged" not in markup


async def test_comments_and_replies_are_threaded_on_the_post_page(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam, kim = await make_user(app, "sam"), await make_user(app, "kim")
    post = await make_post(client, sam, "Question for the team")
    browse_as(client, kim)
    first = await submit(client, kim, f"/posts/{post['id']}/comments", {"body": "Top comment"})
    comment_id = int(first.headers["location"].rsplit("-", 1)[1])
    browse_as(client, sam)
    await submit(
        client,
        sam,
        f"/posts/{post['id']}/comments",
        {"body": "A reply", "parent_id": str(comment_id)},
    )
    markup = await page(client, f"/posts/{post['id']}")
    assert f'id="comment-{comment_id}"' in markup
    replies = markup.split('comment-list--replies">', 1)[1]
    assert "A reply" in replies
    assert "2 comments" in markup


@pytest.mark.parametrize("payload", XSS)
async def test_user_text_renders_inert_in_posts_comments_and_titles(
    client: httpx.AsyncClient, app: FastAPI, payload: str
) -> None:
    sam = await make_user(app, "sam")
    post = await make_post(client, sam, f"Look {payload}", kind="blog", title=payload)
    await api(
        client, sam, "POST", f"/api/v1/posts/{post['id']}/comments", 201, json={"body": payload}
    )
    browse_as(client, sam)
    for url in (f"/posts/{post['id']}", "/company", "/users/sam"):
        assert_no_active_markup(await page(client, url))


async def test_author_edits_and_deletes_and_others_cannot(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam, kim = await make_user(app, "sam"), await make_user(app, "kim")
    post = await make_post(client, sam, "First draft")
    browse_as(client, kim)
    assert "/edit" not in await page(client, f"/posts/{post['id']}")
    await page(client, f"/posts/{post['id']}/edit", expect=404)
    await submit(client, kim, f"/posts/{post['id']}/edit", {"body": "hijack"}, expect=403)
    await submit(client, kim, f"/posts/{post['id']}/delete", expect=403)
    browse_as(client, sam)
    assert "First draft" in await page(client, f"/posts/{post['id']}/edit")
    await submit(client, sam, f"/posts/{post['id']}/edit", {"body": "Second draft"})
    assert "Second draft" in await page(client, f"/posts/{post['id']}")
    await submit(client, sam, f"/posts/{post['id']}/delete")
    await page(client, f"/posts/{post['id']}", expect=404)


async def test_blog_editor_and_reading_page(client: httpx.AsyncClient, app: FastAPI) -> None:
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    editor = await page(client, "/posts/new?kind=blog")
    assert '<label for="editor-title">Title</label>' in editor
    words = " ".join(["word"] * 500)
    response = await submit(
        client,
        sam,
        "/posts",
        {"kind": "blog", "title": "Positioning for Q3", "body": f"## Why\n\n{words}"},
    )
    markup = await page(client, response.headers["location"])
    assert '<h1 class="post-page__title">Positioning for Q3</h1>' in markup
    assert "3 min read" in markup
    assert "<h2>Why</h2>" in markup


async def test_blog_without_title_is_a_clear_error_page(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    response = await submit(client, sam, "/posts", {"kind": "blog", "body": "x"}, expect=422)
    assert "A blog post needs a title." in response.text
    assert response.headers["content-type"].startswith("text/html")


async def test_preview_renders_sanitized_markdown(client: httpx.AsyncClient, app: FastAPI) -> None:
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    response = await submit(
        client, sam, "/posts/preview", {"body": "**bold** <script>alert(1)</script>"}, expect=200
    )
    assert "<strong>bold</strong>" in response.text
    assert "<script>" not in response.text


async def test_reaction_form_toggles(client: httpx.AsyncClient, app: FastAPI) -> None:
    sam, kim = await make_user(app, "sam"), await make_user(app, "kim")
    post = await make_post(client, sam, "Nice win")
    browse_as(client, kim)
    await submit(client, kim, f"/posts/{post['id']}/reactions/celebrate")
    assert (await api(client, kim, "GET", f"/api/v1/posts/{post['id']}"))["reactions"][
        "celebrate"
    ] == 1
    markup = await page(client, f"/posts/{post['id']}")
    assert 'aria-pressed="true" data-post' in markup
    await submit(client, kim, f"/posts/{post['id']}/reactions/celebrate")
    assert (await api(client, kim, "GET", f"/api/v1/posts/{post['id']}"))["reactions"][
        "celebrate"
    ] == 0


async def test_private_group_post_never_reaches_an_outsider_page(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam, kim = await make_user(app, "sam"), await make_user(app, "kim")
    await make_account(client, sam, "Acme")
    await api(
        client, sam, "POST", "/api/v1/groups", 201, json={"name": "Deal room", "private": True}
    )
    secret = await make_post(client, sam, "Secret discount for $acme #pricing", group="deal-room")
    await make_post(client, sam, "Public note on $acme #pricing")
    browse_as(client, kim)
    await api(client, kim, "PUT", "/api/v1/users/sam/follow", 204)
    await page(client, f"/posts/{secret['id']}", expect=404)
    await page(client, "/groups/deal-room", expect=404)
    for url in ("/", "/company", "/accounts/acme", "/users/sam", "/topics/pricing"):
        markup = await page(client, url)
        assert "Public note" in text_of(markup), url
        assert "Secret discount" not in markup, url
        assert "Deal room" not in markup, url
    browse_as(client, sam)
    assert "Secret discount" in await page(client, "/groups/deal-room")


async def test_live_partials_render_one_card_and_one_comment_for_who_may_see_them(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    kim = await make_user(app, "kim")
    post = await make_post(client, sam, "Call with **Acme** <script>alert(1)</script>")
    top = await api(
        client, sam, "POST", f"/api/v1/posts/{post['id']}/comments", 201, json={"body": "First"}
    )
    reply = await api(
        client,
        kim,
        "POST",
        f"/api/v1/posts/{post['id']}/comments",
        201,
        json={"body": "<img src=x onerror=alert(1)> Second", "parent_id": top["id"]},
    )
    browse_as(client, kim)
    card = await page(client, f"/posts/{post['id']}/card")
    assert card.lstrip().startswith(f'<article class="card post-card" id="post-{post["id"]}"')
    assert "<strong>Acme</strong>" in card
    assert "<html" not in card
    assert_no_active_markup(card)
    first = await page(client, f"/posts/{post['id']}/comments/{top['id']}")
    assert f'id="comment-{top["id"]}"' in first
    assert 'name="parent_id"' in first  # a top-level comment comes with its reply form
    second = await page(client, f"/posts/{post['id']}/comments/{reply['id']}")
    assert 'name="parent_id"' not in second
    assert_no_active_markup(second)
    other = await make_post(client, sam, "Another post")
    await page(client, f"/posts/{other['id']}/comments/{top['id']}", expect=404)


async def test_live_card_of_a_private_group_post_is_not_found_for_an_outsider(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    kim = await make_user(app, "kim")
    await api(
        client, sam, "POST", "/api/v1/groups", 201, json={"name": "Deal room", "private": True}
    )
    secret = await make_post(client, sam, "Secret discount", group="deal-room")
    comment = await api(
        client, sam, "POST", f"/api/v1/posts/{secret['id']}/comments", 201, json={"body": "ok"}
    )
    browse_as(client, kim)
    await page(client, f"/posts/{secret['id']}/card", expect=404)
    await page(client, f"/posts/{secret['id']}/comments/{comment['id']}", expect=404)
