"""Topic pages: posts with a #topic, and following it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.core.pagination import PageQuery
from app.feeds import service as feeds
from app.follows import service as follows
from app.follows.events import Target
from app.topics import service
from app.web.context import Page, see_other
from app.web.feed import feed_page

router = APIRouter(include_in_schema=False)


@router.get("/topics/{name}")
async def topic_page(name: str, ctx: Page, page: PageQuery) -> Response:
    topic = await service.get_shown(ctx.session, ctx.viewer, name=name)
    items, cursor = await feeds.topic(ctx.session, ctx.viewer, page, topic_id=topic.id)
    return await feed_page(
        ctx,
        "topics/detail.html",
        items,
        cursor,
        topic=topic,
        following=await follows.is_following(
            ctx.session, user=ctx.user, target=Target.topic, target_id=topic.id
        ),
    )


@router.post("/topics/{name}/follow")
async def follow_topic(name: str, ctx: Page, follow: bool = True) -> Response:
    if follow:
        await follows.follow_topic(ctx.session, user=ctx.user, name=name)
    else:
        await follows.unfollow_topic(ctx.session, user=ctx.user, viewer=ctx.viewer, name=name)
    return see_other(f"/topics/{name}")
