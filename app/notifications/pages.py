"""The notifications page: list, open one (marks it read), mark all read."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.core.errors import NotFound
from app.core.pagination import PageParams, PageQuery, encode_cursor
from app.core.types import PathId
from app.notifications import service
from app.web.context import Page, see_other

router = APIRouter(include_in_schema=False)


@router.get("/notifications")
async def notifications_page(ctx: Page, page: PageQuery, unread: bool = False) -> Response:
    rows, cursor = await service.list_for(ctx.session, ctx.viewer, unread_only=unread, page=page)
    return ctx.render(
        "notifications/list.html", notifications=rows, next_cursor=cursor, unread_only=unread
    )


@router.post("/notifications/read")
async def mark_all_read(ctx: Page) -> Response:
    await service.mark_read(ctx.session, user_id=ctx.user.id, ids=None, all_=True)
    return see_other("/notifications")


@router.post("/notifications/{notification_id}/read")
async def mark_one_read(notification_id: PathId, ctx: Page) -> Response:
    await service.mark_read(ctx.session, user_id=ctx.user.id, ids=[notification_id], all_=False)
    return see_other("/notifications")


@router.post("/notifications/{notification_id}/open")
async def open_notification(notification_id: PathId, ctx: Page) -> Response:
    """Mark one read and go to what it is about (the post, at the comment)."""
    # Looked up through the list service so a notification about a post the viewer may no
    # longer see stays hidden, exactly as in the API.
    rows, _ = await service.list_for(
        ctx.session, ctx.viewer, unread_only=False, page=_one_after(notification_id)
    )
    if not rows or rows[0][0].id != notification_id:
        raise NotFound("No such notification.")
    notification, actor = rows[0]
    await service.mark_read(ctx.session, user_id=ctx.user.id, ids=[notification.id], all_=False)
    if notification.path is not None:
        return see_other(notification.path)
    if notification.post_id is None:
        return see_other(f"/users/{actor.handle}")
    anchor = f"#comment-{notification.comment_id}" if notification.comment_id else ""
    return see_other(f"/posts/{notification.post_id}{anchor}")


def _one_after(notification_id: int) -> PageParams:
    return PageParams(limit=1, cursor=encode_cursor(notification_id + 1))
