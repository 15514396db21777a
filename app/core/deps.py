"""Request dependencies of the plumbing: `DbSession`, `AppSettings`, the secret key.

Who is calling (`CurrentUser`, `CurrentViewer`, `AdminUser`) is `app.auth.deps`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.core.db import transaction

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def _db_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with transaction(
        request.app.state.sessionmaker, write=request.method not in SAFE_METHODS
    ) as session:
        yield session


# scope="function": commit before the response is sent, so an acknowledged write is stored.
DbSession = Annotated[AsyncSession, Depends(_db_session, scope="function")]


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(_settings)]


async def _sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return sessions


# For the few bulk writes that commit in chunks of their own (imports), beside DbSession.
Sessions = Annotated[async_sessionmaker[AsyncSession], Depends(_sessions)]


def secret_key(request: Request) -> str:
    """The resolved secret key, read once at startup (demo mode keeps it in a file)."""
    key: str = request.app.state.secret_key
    return key
