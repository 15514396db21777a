"""Accounts: the directory and the 360° page of one customer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.accounts import service
from app.accounts.models import Account
from app.core.pagination import PageQuery
from app.core.types import OneLine
from app.feeds import service as feeds
from app.follows import service as follows
from app.follows.events import Target
from app.users.models import Department
from app.web.context import Page, PageContext, see_other
from app.web.feed import feed_page

router = APIRouter(include_in_schema=False)


async def account_header(ctx: PageContext, slug: str) -> tuple[Account, dict[str, Any]]:
    """For another domain's tab of the account page (Collateral, Questions, Stories): the
    account, if the viewer may see it, and what the account's header shows."""
    account = await service.get_visible(ctx.session, ctx.viewer, slug=slug)
    view = await service.overview(ctx.session, ctx.viewer, account)
    following = await follows.is_following(
        ctx.session, user=ctx.user, target=Target.account, target_id=account.id
    )
    header = {"section": "accounts", "account": account, "owner": view.owner}
    return account, {**header, "following": following}


@router.get("/accounts")
async def accounts_page(
    ctx: Page, page: PageQuery, q: Annotated[str | None, Query(max_length=100), OneLine] = None
) -> Response:
    rows, cursor = await service.list_accounts(ctx.session, ctx.viewer, q=q, page=page)
    owners = await service.owners(ctx.session, rows)
    return ctx.render(
        "accounts/list.html", accounts=rows, owners=owners, q=q or "", next_cursor=cursor
    )


@router.get("/accounts/{slug}")
async def account_page(
    slug: str, ctx: Page, page: PageQuery, department: Department | None = None
) -> Response:
    account = await service.get_visible(ctx.session, ctx.viewer, slug=slug)
    view = await service.overview(ctx.session, ctx.viewer, account)
    items, cursor = await feeds.account(
        ctx.session,
        ctx.viewer,
        page,
        account_id=account.id,
        department=department.value if department else None,
    )
    return await feed_page(
        ctx,
        "accounts/detail.html",
        items,
        cursor,
        account=account,
        owner=view.owner,
        team_ids={u.id for u in view.team},
        people=view.people_by_department(),
        department=department.value if department else None,
        following=await follows.is_following(
            ctx.session, user=ctx.user, target=Target.account, target_id=account.id
        ),
    )


@router.post("/accounts/{slug}/follow")
async def follow_account(slug: str, ctx: Page, follow: bool = True) -> Response:
    account = await service.get_visible(ctx.session, ctx.viewer, slug=slug)
    if follow:
        await follows.follow_account(ctx.session, user=ctx.user, account=account)
    else:
        await follows.unfollow_account(ctx.session, user=ctx.user, account=account)
    return see_other(f"/accounts/{account.slug}")
