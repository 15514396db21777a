"""Topics (`#name`): created on first use, listed for autocomplete, followed.

The vocabulary side of topics: the posts domain resolves the `#names` of a text here, as it
resolves `$accounts` and `@people` in theirs. The counters react to post events
(`app.topics.handlers`).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import insert_ignore_all
from app.core.errors import Invalid, NotFound
from app.core.pagination import PageParams, keyset, page_of
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


async def by_ids(session: AsyncSession, ids: Collection[int]) -> list[Topic]:
    if not ids:
        return []
    return list(await session.scalars(select(Topic).where(Topic.id.in_(ids))))


async def list_topics(
    session: AsyncSession, *, prefix: str | None, page: PageParams
) -> tuple[list[Topic], str | None]:
    """Topics by name (for autocomplete), optionally those starting with `prefix`."""
    stmt = select(Topic)
    if prefix:
        stmt = stmt.where(Topic.name.startswith(prefix.lstrip("#").lower(), autoescape=True))
    after = page.after_key()
    stmt = keyset(
        stmt,
        Topic.name,
        after=None if after is None else str(after[0]),
        limit=page.limit + 1,
        ascending=True,
    )
    found = list(await session.scalars(stmt))
    return page_of(found, page.limit, key=lambda t: [t.name])
