"""The notifications page: open one at the comment, mark all read."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.factories import api, make_post, make_user
from tests.pages_helpers import browse_as, page, submit


async def test_opening_a_notification_marks_it_read_and_goes_to_the_comment(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam, kim = await make_user(app, "sam"), await make_user(app, "kim")
    post = await make_post(client, sam, "hello")
    comment = await api(
        client, kim, "POST", f"/api/v1/posts/{post['id']}/comments", 201, json={"body": "hi"}
    )
    await api(client, kim, "PUT", "/api/v1/users/sam/follow", 204)
    browse_as(client, sam)
    markup = await page(client, "/notifications")
    assert "commented on your post" in markup
    assert "started following you" in markup
    [note] = [
        n
        for n in (await api(client, sam, "GET", "/api/v1/notifications"))["items"]
        if n["kind"] == "comment"
    ]
    response = await submit(client, sam, f"/notifications/{note['id']}/open")
    assert response.headers["location"] == f"/posts/{post['id']}#comment-{comment['id']}"
    assert 'aria-label="Notifications, 1 unread"' in await page(client, "/")
    await submit(client, sam, "/notifications/read")
    markup = await page(client, "/notifications")
    assert 'aria-label="Notifications, 0 unread"' in markup
    assert "Mark all read" not in markup


async def test_someone_elses_notification_cannot_be_opened(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam, kim = await make_user(app, "sam"), await make_user(app, "kim")
    await api(client, kim, "PUT", "/api/v1/users/sam/follow", 204)
    [note] = (await api(client, sam, "GET", "/api/v1/notifications"))["items"]
    browse_as(client, kim)
    await submit(client, kim, f"/notifications/{note['id']}/open", expect=404)
    assert "You are all caught up" in await page(client, "/notifications")


async def test_one_notification_can_be_marked_read_in_place(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam, kim = await make_user(app, "sam"), await make_user(app, "kim")
    await api(client, kim, "PUT", "/api/v1/users/sam/follow", 204)
    [note] = (await api(client, sam, "GET", "/api/v1/notifications"))["items"]
    browse_as(client, sam)
    assert f'action="/notifications/{note["id"]}/read"' in await page(client, "/notifications")
    response = await submit(client, sam, f"/notifications/{note['id']}/read")
    assert response.headers["location"] == "/notifications"
    assert 'aria-label="Notifications, 0 unread"' in await page(client, "/notifications")
