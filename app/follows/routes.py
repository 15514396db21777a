from __future__ import annotations

from fastapi import APIRouter, Response

from app.accounts import service as accounts
from app.auth.deps import CurrentUser, CurrentViewer
from app.core.deps import DbSession
from app.follows import service
from app.users import service as users

router = APIRouter(prefix="/api/v1", tags=["follows"])


@router.put("/users/{handle}/follow", status_code=204)
async def follow_user(handle: str, session: DbSession, user: CurrentUser) -> Response:
    followee = await users.get(session, handle=handle)
    await service.follow_user(session, follower=user, followee=followee)
    return Response(status_code=204)


@router.delete("/users/{handle}/follow", status_code=204)
async def unfollow_user(handle: str, session: DbSession, user: CurrentUser) -> Response:
    followee = await users.get(session, handle=handle)
    await service.unfollow_user(session, follower=user, followee=followee)
    return Response(status_code=204)


@router.put("/accounts/{slug}/follow", status_code=204)
async def follow_account(
    slug: str, session: DbSession, user: CurrentUser, viewer: CurrentViewer
) -> Response:
    account = await accounts.get_visible(session, viewer, slug=slug)
    await service.follow_account(session, user=user, account=account)
    return Response(status_code=204)


@router.delete("/accounts/{slug}/follow", status_code=204)
async def unfollow_account(
    slug: str, session: DbSession, user: CurrentUser, viewer: CurrentViewer
) -> Response:
    account = await accounts.get_visible(session, viewer, slug=slug)
    await service.unfollow_account(session, user=user, account=account)
    return Response(status_code=204)


@router.put("/topics/{name}/follow", status_code=204)
async def follow_topic(name: str, session: DbSession, user: CurrentUser) -> Response:
    await service.follow_topic(session, user=user, name=name)
    return Response(status_code=204)


@router.delete("/topics/{name}/follow", status_code=204)
async def unfollow_topic(
    name: str, session: DbSession, user: CurrentUser, viewer: CurrentViewer
) -> Response:
    await service.unfollow_topic(session, user=user, viewer=viewer, name=name)
    return Response(status_code=204)
