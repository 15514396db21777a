"""Home and company feed."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.core.pagination import PageQuery
from app.feeds import service
from app.web.context import Page
from app.web.feed import feed_page

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(ctx: Page, page: PageQuery) -> Response:
    items, cursor = await service.home(ctx.session, ctx.viewer, page)
    return await feed_page(ctx, "feeds/home.html", items, cursor, tab="following")


@router.get("/company")
async def company(ctx: Page, page: PageQuery) -> Response:
    items, cursor = await service.company(ctx.session, ctx.viewer, page)
    return await feed_page(ctx, "feeds/home.html", items, cursor, tab="company")
