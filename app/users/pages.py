"""People: the directory and profile pages, and the admin page (roles, leads, deactivation)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response

from app.auth.deps import AdminUser
from app.core.errors import AppError
from app.core.pagination import DEFAULT_LIMIT, PageParams, PageQuery
from app.core.types import OneLine
from app.feeds import service as feeds
from app.follows import service as follows
from app.follows.events import Target
from app.users import service
from app.users.models import Department
from app.users.schemas import UserUpdate
from app.web.context import Page, PageContext, parse_form, see_other
from app.web.feed import feed_page

router = APIRouter(include_in_schema=False)

SearchText = Annotated[str | None, Query(max_length=100), OneLine]
FormChoice = Annotated[str, Form(max_length=32)]


@router.get("/people")
async def people_page(
    ctx: Page,
    page: PageQuery,
    q: SearchText = None,
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


def _admin_query(q: str | None, department: Department | None, page: PageParams) -> str:
    """The admin page's filters as a query string ("" without any), kept across a change."""
    params = {
        "q": q or "",
        "department": department.value if department else "",
        "cursor": page.cursor or "",
        "limit": str(page.limit) if page.limit != DEFAULT_LIMIT else "",
    }
    kept = urlencode({name: value for name, value in params.items() if value})
    return f"?{kept}" if kept else ""


async def _admin_page(
    ctx: PageContext,
    *,
    q: str | None,
    department: Department | None,
    page: PageParams,
    status: int = 200,
    **context: object,
) -> Response:
    rows, cursor = await service.list_everyone(
        ctx.session, q=q, department=department.value if department else None, page=page
    )
    return ctx.render(
        "users/admin.html",
        status=status,
        section="admin",
        people=rows,
        q=q or "",
        department=department.value if department else None,
        next_cursor=cursor,
        here=_admin_query(q, department, page),
        **context,
    )


@router.get("/admin")
async def admin_page(
    ctx: Page,
    _admin: AdminUser,
    page: PageQuery,
    q: SearchText = None,
    department: Department | None = None,
    saved: Annotated[str | None, Query(max_length=30)] = None,
) -> Response:
    """Admins only: everyone (deactivated people too), with their department, role, lead
    flag and activity to change."""
    return await _admin_page(
        ctx,
        q=q,
        department=department,
        page=page,
        saved=await service.by_handle(ctx.session, saved) if saved else None,
    )


def _user_update(department: str, role: str, is_lead: list[str], active: str) -> UserUpdate:
    """The admin form's fields as the API's body: a field the form did not send stays as it
    is. The lead checkbox follows a hidden `false`, so an unticked box still says so."""
    fields: dict[str, object] = {"department": department, "role": role, "active": active}
    body = {name: value for name, value in fields.items() if value}
    if is_lead:
        body["is_lead"] = "true" in is_lead
    return parse_form(UserUpdate, body)


@router.post("/admin/users/{handle}")
async def admin_update_user(
    handle: str,
    ctx: Page,
    admin: AdminUser,
    page: PageQuery,
    q: SearchText = None,
    department_filter: Annotated[Department | None, Query(alias="department")] = None,
    department: FormChoice = "",
    role: FormChoice = "",
    is_lead: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    active: FormChoice = "",
) -> Response:
    """The admin page's form: the same change as `PATCH /api/v1/users/{handle}`, then back
    to the page (its filters kept) with a confirmation, or the page again with the refusal."""
    user = await service.get_any(ctx.session, handle=handle)
    back = _admin_query(q, department_filter, page)
    try:
        data = _user_update(department, role, is_lead, active)
        await service.update(ctx.session, admin=admin, user=user, data=data)
    except AppError as exc:
        # Refused before anything was written (self-demotion, a value the form cannot send).
        return await _admin_page(
            ctx,
            q=q,
            department=department_filter,
            page=page,
            status=exc.status,
            problem=exc.message,
            problem_person=user,
        )
    return see_other("/admin" + (back + "&" if back else "?") + urlencode({"saved": user.handle}))
