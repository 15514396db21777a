"""Request dependencies as types: `DbSession`, `CurrentUser`, `CurrentViewer`, `AdminUser`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import service as auth
from app.config import Settings
from app.core.db import transaction
from app.core.errors import Forbidden, Unauthorized
from app.core.visibility import Viewer, load_viewer
from app.users.models import User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_COOKIE = "tandem_session"


async def _db_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with transaction(
        request.app.state.sessionmaker, write=request.method not in SAFE_METHODS
    ) as session:
        yield session


# scope="function": commit before the response is sent, so an acknowledged write is stored.
DbSession = Annotated[AsyncSession, Depends(_db_session, scope="function")]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(_settings)]

_bearer = HTTPBearer(auto_error=False, description="An API token from POST /api/v1/auth/token")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def request_token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str | None:
    """The caller's token: the bearer header, else the web session cookie."""
    if credentials is not None:
        return credentials.credentials
    return request.cookies.get(SESSION_COOKIE)


async def _current_user(
    request: Request, session: DbSession, credentials: BearerCredentials
) -> User:
    token = request_token(request, credentials)
    if not token:
        raise Unauthorized("Sign in first: send an Authorization: Bearer token.")
    user = await auth.user_for_token(session, token)
    if user is None:
        raise Unauthorized("The token is invalid, expired or revoked.")
    return user


CurrentUser = Annotated[User, Depends(_current_user)]


async def _current_viewer(session: DbSession, user: CurrentUser) -> Viewer:
    return await load_viewer(session, user)


CurrentViewer = Annotated[Viewer, Depends(_current_viewer)]


async def _admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("Only an admin can do this.")
    return user


AdminUser = Annotated[User, Depends(_admin_user)]
