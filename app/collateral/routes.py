from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from app.accounts import service as accounts
from app.auth.deps import CurrentUser, CurrentViewer
from app.collateral import service
from app.collateral.deps import LibraryQuery
from app.collateral.schemas import (
    AccountCollateralRead,
    AttentionRead,
    VerdictCreate,
    VerdictRead,
)
from app.core.deps import DbSession
from app.core.pagination import Page, PageQuery
from app.core.types import OneLine, PathId
from app.posts import service as posts
from app.posts.schemas import PostRead

router = APIRouter(prefix="/api/v1", tags=["collateral"])


@router.post("/posts/{post_id}/verdicts", status_code=201)
async def give_verdict(
    post_id: PathId,
    body: VerdictCreate,
    session: DbSession,
    user: CurrentUser,
    viewer: CurrentViewer,
) -> VerdictRead:
    post = await posts.get_visible(session, viewer, post_id)
    return await service.give_verdict(session, user=user, viewer=viewer, post=post, data=body)


@router.get("/posts/{post_id}/verdicts")
async def list_verdicts(
    post_id: PathId, session: DbSession, viewer: CurrentViewer, page: PageQuery
) -> Page[VerdictRead]:
    post = await posts.get_visible(session, viewer, post_id)
    items, cursor = await service.list_verdicts(session, viewer, post=post, page=page)
    return Page(items=items, next_cursor=cursor)


@router.get("/collateral")
async def library(
    session: DbSession,
    viewer: CurrentViewer,
    page: PageQuery,
    where: LibraryQuery,
    sort: service.Sort = "newest",
) -> Page[PostRead]:
    items, cursor = await service.library(session, viewer, where=where, sort=sort, page=page)
    return Page(items=items, next_cursor=cursor)


@router.get("/collateral/attention")
async def attention(session: DbSession, viewer: CurrentViewer) -> AttentionRead:
    return await service.attention(session, viewer)


@router.get("/accounts/{slug}/collateral")
async def account_collateral(
    slug: Annotated[str, OneLine],
    session: DbSession,
    viewer: CurrentViewer,
    page: PageQuery,
) -> Page[AccountCollateralRead]:
    account = await accounts.get_visible(session, viewer, slug=slug)
    items, cursor = await service.for_account(session, viewer, account=account, page=page)
    return Page(items=items, next_cursor=cursor)
