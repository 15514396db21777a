"""Home, company feed and the search page shell."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.core.pagination import PageQuery
from app.core.web import Page
from app.feeds import service
from app.posts.pages import feed_page

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(ctx: Page, page: PageQuery) -> Response:
    items, cursor = await service.home(ctx.session, ctx.viewer, page)
    return await feed_page(ctx, "feeds/home.html", items, cursor, tab="following")


@router.get("/company")
async def company(ctx: Page, page: PageQuery) -> Response:
    items, cursor = await service.company(ctx.session, ctx.viewer, page)
    return await feed_page(ctx, "feeds/home.html", items, cursor, tab="company")


@router.get("/search")
async def search_page(
    ctx: Page,
    q: Annotated[str, Query(max_length=200)] = "",
    account: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    # The shell only: the search domain fills `search/results.html` (block `results`) when its
    # service lands, and can move this route into its own pages.py.
    return ctx.render("search/results.html", q=q, account=account, hits=None)
