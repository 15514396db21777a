"""People: the directory and profile pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.core.pagination import PageQuery
from app.core.types import OneLine
from app.feeds import service as feeds
from app.follows import service as follows
from app.follows.events import Target
from app.users import service
from app.users.models import Department
from app.web.context import Page, see_other
from app.web.feed import feed_page

router = APIRouter(include_in_schema=False)


@router.get("/people")
async def people_page(
    ctx: Page,
    page: PageQuery,
    q: Annotated[str | None, Query(max_length=100), OneLine] = None,
    department: Department | None = None,
) -> Response:
    rows, cursor = await service.list_users(
        ctx.session, q=q, department=department.value if department else None, page=page
    )
    return ctx.render(
        "users/people.html",
        people=rows,
        q=q or "",
        department=department.value if department else None,
        next_cursor=cursor,
    )


@router.get("/users/{handle}")
async def profile_page(handle: str, ctx: Page, page: PageQuery) -> Response:
    user = await service.get(ctx.session, handle=handle)
    items, cursor = await feeds.author(ctx.session, ctx.viewer, page, user_id=user.id)
    return await feed_page(
        ctx,
        "users/profile.html",
        items,
        cursor,
        person=user,
        following=user.id != ctx.user.id
        and await follows.is_following(
            ctx.session, user=ctx.user, target=Target.user, target_id=user.id
        ),
    )


@router.post("/users/{handle}/follow")
async def follow_user(handle: str, ctx: Page, follow: bool = True) -> Response:
    user = await service.get(ctx.session, handle=handle)
    if follow:
        await follows.follow_user(ctx.session, follower=ctx.user, followee=user)
    else:
        await follows.unfollow_user(ctx.session, follower=ctx.user, followee=user)
    return see_other(f"/users/{user.handle}")
