"""Who is calling, as request dependencies: `Principal`, `CurrentUser`, `CurrentViewer`,
`AdminUser`. A bearer token or the web session cookie (with its CSRF token on writes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import service as auth
from app.core import csrf
from app.core.deps import SAFE_METHODS, DbSession, secret_key
from app.core.errors import Forbidden, Unauthorized
from app.users.models import User
from app.visibility import Viewer

SESSION_COOKIE = "tandem_session"

_bearer = HTTPBearer(auto_error=False, description="An API token from POST /api/v1/auth/token")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def request_token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str | None:
    """The caller's token: the bearer header, else the web session cookie."""
    if credentials is not None:
        return credentials.credentials
    return request.cookies.get(SESSION_COOKIE)


async def _principal(
    request: Request, session: DbSession, credentials: BearerCredentials
) -> tuple[User, Viewer]:
    token = request_token(request, credentials)
    if not token:
        raise Unauthorized("Sign in first: send an Authorization: Bearer token.")
    if credentials is None and request.method not in SAFE_METHODS:
        # A cookie rides along on cross-site requests; the CSRF token proves the page is ours.
        await csrf.require(request, secret=secret_key(request), seed=token)
    principal = await auth.principal_for_token(session, token)
    if principal is None:
        raise Unauthorized("The token is invalid, expired or revoked.")
    return principal


Principal = Annotated[tuple[User, Viewer], Depends(_principal)]


async def _current_user(principal: Principal) -> User:
    return principal[0]


CurrentUser = Annotated[User, Depends(_current_user)]


async def _current_viewer(principal: Principal) -> Viewer:
    return principal[1]


CurrentViewer = Annotated[Viewer, Depends(_current_viewer)]


async def _admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("Only an admin can do this.")
    return user


AdminUser = Annotated[User, Depends(_admin_user)]
