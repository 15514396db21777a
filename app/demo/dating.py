"""What a demo step told people happened when the step did, not at seeding time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import Notification


@asynccontextmanager
async def notifications_at(session: AsyncSession, at: datetime, *where: Any) -> AsyncIterator[None]:
    """The notifications written inside the block (and matching `where`) are dated `at`."""
    first = int(await session.scalar(select(func.max(Notification.id))) or 0)
    yield
    await session.execute(
        update(Notification).where(Notification.id > first, *where).values(created_at=at)
    )
