"""Collateral pages: the library and marketing's to-do list, the verdict form on an asset's
page and on an account's Collateral tab."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from app.accounts import service as accounts
from app.accounts.models import Account
from app.accounts.pages import account_header
from app.collateral import service
from app.collateral.deps import LibraryQuery
from app.collateral.schemas import VerdictCreate
from app.core.pagination import MAX_LIMIT, PageParams, PageQuery
from app.core.types import PathId
from app.posts import service as posts
from app.web.context import Page, PageContext, parse_form, safe_next, see_other

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=2_000)]


@router.get("/collateral")
async def library_page(
    ctx: Page,
    page: PageQuery,
    where: LibraryQuery,
    sort: service.Sort = "newest",
) -> Response:
    items, cursor = await service.library(
        ctx.session, ctx.viewer, where=where, sort=sort, page=page
    )
    return ctx.render(
        "collateral/library.html",
        section="collateral",
        tab="library",
        items=items,
        voices=await service.voices(ctx.session, ctx.viewer, items),
        next_cursor=cursor,
        where=where,
        sort=sort,
        filters=await service.filters(ctx.session),
    )


@router.get("/collateral/attention")
async def attention_page(ctx: Page) -> Response:
    todo = await service.attention(ctx.session, ctx.viewer)
    every = [*todo.needs_revision, *todo.unused, *todo.low_score]
    return ctx.render(
        "collateral/attention.html",
        section="collateral",
        tab="attention",
        todo=todo,
        voices=await service.voices(ctx.session, ctx.viewer, every),
    )


def _verdict(verdict: str, reason: str, account: str, stage: str, note: str) -> VerdictCreate:
    return parse_form(
        VerdictCreate,
        {
            "verdict": verdict,
            "reason": reason or None,
            "account": account.strip().lstrip("$") or None,
            "stage": stage or None,
            "note": note.strip() or None,
        },
    )


@router.post("/posts/{post_id}/verdicts")
async def give_verdict(
    post_id: PathId,
    ctx: Page,
    verdict: FormText,
    reason: FormText = "",
    account: FormText = "",
    stage: FormText = "",
    note: FormText = "",
    next: FormText = "",
) -> Response:
    post = await posts.get_visible(ctx.session, ctx.viewer, post_id)
    data = _verdict(verdict, reason, account, stage, note)
    await service.give_verdict(ctx.session, user=ctx.user, viewer=ctx.viewer, post=post, data=data)
    return see_other(safe_next(next, default=f"/posts/{post_id}") + "#collateral")


@router.get("/posts/{post_id}/collateral")
async def panel(post_id: PathId, ctx: Page) -> Response:
    """The asset's panel on its page (stats, verdict form, the latest verdicts): rendered
    with the page, and again when a `collateral.changed` event arrives."""
    post = await posts.get_visible(ctx.session, ctx.viewer, post_id)
    shape = await posts.read_one(ctx.session, ctx.viewer, post.id)
    verdicts, _ = await service.list_verdicts(
        ctx.session, ctx.viewer, post=post, page=PageParams(limit=MAX_LIMIT, cursor=None)
    )
    return ctx.render("collateral/_panel.html", post=shape, verdicts=verdicts)


async def _account(ctx: PageContext, slug: str) -> Account:
    return await accounts.get_visible(ctx.session, ctx.viewer, slug=slug)


@router.get("/accounts/{slug}/collateral")
async def account_tab(slug: str, ctx: Page, page: PageQuery) -> Response:
    account, header = await account_header(ctx, slug)
    used, cursor = await service.for_account(ctx.session, ctx.viewer, account=account, page=page)
    return ctx.render(
        "collateral/account.html",
        **header,
        used=used,
        assets=await service.live_assets(ctx.session, ctx.viewer),
        next_cursor=cursor,
    )


@router.post("/accounts/{slug}/collateral")
async def account_verdict(
    slug: str,
    ctx: Page,
    post_id: Annotated[int, Form(ge=1)],
    verdict: FormText,
    reason: FormText = "",
    stage: FormText = "",
    note: FormText = "",
) -> Response:
    account = await _account(ctx, slug)
    post = await posts.get_visible(ctx.session, ctx.viewer, post_id)
    data = _verdict(verdict, reason, account.slug, stage, note)
    await service.give_verdict(ctx.session, user=ctx.user, viewer=ctx.viewer, post=post, data=data)
    return see_other(f"/accounts/{account.slug}/collateral")
