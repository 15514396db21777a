from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.auth import service
from app.auth.deps import BearerCredentials, CurrentUser, request_token
from app.auth.schemas import SignupRead, SignupRequest, TokenRead, TokenRequest
from app.core.deps import AppSettings, DbSession
from app.core.errors import Forbidden
from app.users import service as users
from app.users.schemas import MeRead, UserCreate

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/signup", status_code=201)
async def signup(body: SignupRequest, session: DbSession, settings: AppSettings) -> SignupRead:
    if not settings.allow_signup:
        raise Forbidden("Self-signup is turned off; ask an admin for an account.")
    user = await users.create(session, data=UserCreate(**body.model_dump()))
    token = await service.issue_token(session, user=user, ttl_hours=settings.token_ttl_hours)
    return SignupRead(user=MeRead.model_validate(user), access_token=token)


@router.post("/auth/token")
async def token(
    body: TokenRequest, request: Request, session: DbSession, settings: AppSettings
) -> TokenRead:
    access_token = await service.login(
        session,
        email=body.email,
        password=body.password,
        client=request.client.host if request.client else "unknown",
        limiter=request.app.state.login_limiter,
        ttl_hours=settings.token_ttl_hours,
    )
    return TokenRead(access_token=access_token)


@router.post("/auth/logout", status_code=204)
async def logout(
    request: Request, session: DbSession, _user: CurrentUser, credentials: BearerCredentials
) -> Response:
    token_value = request_token(request, credentials)
    if token_value:
        await service.revoke(session, token=token_value)
    return Response(status_code=204)


@router.get("/me")
async def me(user: CurrentUser) -> MeRead:
    return MeRead.model_validate(user)
