from __future__ import annotations

from fastapi import APIRouter

from app.accounts import service as accounts
from app.auth.deps import CurrentViewer
from app.core.deps import DbSession
from app.core.pagination import Page, PageQuery
from app.feeds import service
from app.groups import service as groups
from app.posts.schemas import PostRead
from app.topics import service as topics
from app.users import service as users
from app.users.models import Department

router = APIRouter(prefix="/api/v1", tags=["feeds"])


@router.get("/feed")
async def home_feed(session: DbSession, viewer: CurrentViewer, page: PageQuery) -> Page[PostRead]:
    items, cursor = await service.home(session, viewer, page)
    return Page(items=items, next_cursor=cursor)


@router.get("/feed/company")
async def company_feed(
    session: DbSession, viewer: CurrentViewer, page: PageQuery
) -> Page[PostRead]:
    items, cursor = await service.company(session, viewer, page)
    return Page(items=items, next_cursor=cursor)


@router.get("/accounts/{slug}/feed")
async def account_feed(
    slug: str,
    session: DbSession,
    viewer: CurrentViewer,
    page: PageQuery,
    department: Department | None = None,
) -> Page[PostRead]:
    account = await accounts.get_visible(session, viewer, slug=slug)
    items, cursor = await service.account(
        session,
        viewer,
        page,
        account_id=account.id,
        department=department.value if department else None,
    )
    return Page(items=items, next_cursor=cursor)


@router.get("/users/{handle}/feed")
async def user_feed(
    handle: str, session: DbSession, viewer: CurrentViewer, page: PageQuery
) -> Page[PostRead]:
    user = await users.get(session, handle=handle)
    items, cursor = await service.author(session, viewer, page, user_id=user.id)
    return Page(items=items, next_cursor=cursor)


@router.get("/topics/{name}/feed")
async def topic_feed(
    name: str, session: DbSession, viewer: CurrentViewer, page: PageQuery
) -> Page[PostRead]:
    topic = await topics.get_shown(session, viewer, name=name)
    items, cursor = await service.topic(session, viewer, page, topic_id=topic.id)
    return Page(items=items, next_cursor=cursor)


@router.get("/groups/{slug}/feed")
async def group_feed(
    slug: str, session: DbSession, viewer: CurrentViewer, page: PageQuery
) -> Page[PostRead]:
    group = await groups.get_visible(session, viewer, slug=slug)
    items, cursor = await service.group(session, viewer, page, group_id=group.id)
    return Page(items=items, next_cursor=cursor)
