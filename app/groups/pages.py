"""Group pages: the group's posts and members, joining and leaving."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.core.pagination import PageParams, PageQuery
from app.feeds import service as feeds
from app.groups import service
from app.web.context import Page, see_other
from app.web.feed import feed_page

router = APIRouter(include_in_schema=False)

SHOWN_MEMBERS = 100


@router.get("/groups/{slug}")
async def group_page(slug: str, ctx: Page, page: PageQuery) -> Response:
    group = await service.get_visible(ctx.session, ctx.viewer, slug=slug)
    members, _ = await service.members(
        ctx.session, group, page=PageParams(limit=SHOWN_MEMBERS, cursor=None)
    )
    counts = await service.member_counts(ctx.session, [group.id])
    items, cursor = await feeds.group(ctx.session, ctx.viewer, page, group_id=group.id)
    return await feed_page(
        ctx,
        "groups/detail.html",
        items,
        cursor,
        group=group,
        members=members,
        member_count=counts.get(group.id, 0),
        is_member=group.id in ctx.viewer.group_ids,
    )


@router.post("/groups/{slug}/join")
async def join_group(slug: str, ctx: Page, join: bool = True) -> Response:
    group = await service.get_visible(ctx.session, ctx.viewer, slug=slug)
    if join:
        await service.add_member(
            ctx.session, actor=ctx.user, viewer=ctx.viewer, group=group, handle=ctx.user.handle
        )
    else:
        await service.remove_member(
            ctx.session, actor=ctx.user, group=group, handle=ctx.user.handle
        )
    return see_other(f"/groups/{group.slug}")
