"""The files domain's statements."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.files.models import File
from app.visibility import UNATTACHED_FILE, Viewer


async def visible(session: AsyncSession, viewer: Viewer, file_id: int) -> File | None:
    return await session.scalar(select(File).where(File.id == file_id, viewer.file_clause()))


async def visible_among(session: AsyncSession, viewer: Viewer, ids: Collection[int]) -> list[File]:
    if not ids:
        return []
    found = await session.scalars(select(File).where(File.id.in_(set(ids)), viewer.file_clause()))
    return list(found)


async def by_ids(session: AsyncSession, ids: Collection[int]) -> list[File]:
    if not ids:
        return []
    return list(await session.scalars(select(File).where(File.id.in_(set(ids)))))


async def unattached_before(session: AsyncSession, cutoff: datetime) -> list[File]:
    found = await session.scalars(
        select(File).where(File.created_at < cutoff, UNATTACHED_FILE).order_by(File.id)
    )
    return list(found)


async def delete_rows(session: AsyncSession, ids: Collection[int]) -> None:
    """The files' rows and, by cascade, the posts' links to them."""
    if ids:
        await session.execute(delete(File).where(File.id.in_(set(ids))))
