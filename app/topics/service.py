"""Topics (`#name`): created on first use, counted, listed for autocomplete."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import insert_ignore_all
from app.core.errors import Invalid, NotFound
from app.core.pagination import PageParams, page_of
from app.core.text import TOPIC_NAME_RE
from app.topics.models import Topic


def normalize(name: str, *, field: str = "topics") -> str:
    clean = name.strip().lstrip("#").lower()
    if not TOPIC_NAME_RE.match(clean):
        raise Invalid(f"{name!r} is not a valid topic name.", field=field)
    return clean


async def ensure(session: AsyncSession, names: Collection[str]) -> list[Topic]:
    """The topics called `names`, creating the missing ones (safe under concurrency)."""
    if not names:
        return []
    await insert_ignore_all(session, Topic, [{"name": n, "post_count": 0} for n in names])
    return list(await session.scalars(select(Topic).where(Topic.name.in_(names))))


async def get(session: AsyncSession, *, name: str) -> Topic:
    topic = await session.scalar(select(Topic).where(Topic.name == name.lower()))
    if topic is None:
        raise NotFound("No such topic.")
    return topic


async def adjust_counts(session: AsyncSession, topic_ids: Collection[int], delta: int) -> None:
    if topic_ids:
        await session.execute(
            update(Topic).where(Topic.id.in_(topic_ids)).values(post_count=Topic.post_count + delta)
        )


async def list_topics(
    session: AsyncSession, *, prefix: str | None, page: PageParams
) -> tuple[list[Topic], str | None]:
    """Topics by name (for autocomplete), optionally those starting with `prefix`."""
    stmt = select(Topic)
    if prefix:
        stmt = stmt.where(Topic.name.startswith(prefix.lstrip("#").lower(), autoescape=True))
    after = page.after_key()
    if after is not None:
        stmt = stmt.where(Topic.name > str(after[0]))
    rows = list(await session.scalars(stmt.order_by(Topic.name).limit(page.limit + 1)))
    return page_of(rows, page.limit, key=lambda t: [t.name])
