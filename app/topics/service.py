"""Topics (`#name`): created on first use, listed for autocomplete, followed.

The vocabulary side of topics: the posts domain resolves the `#names` of a text here, as it
resolves `$accounts` and `@people` in theirs. The counters react to post events
(`app.topics.handlers`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import insert_ignore_all
from app.core.errors import Invalid, NotFound
from app.core.pagination import PageParams, page_of
from app.core.text import TOPIC_NAME_RE
from app.topics import repository
from app.topics.models import Topic
from app.visibility import Viewer


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


async def find(session: AsyncSession, *, name: str) -> Topic | None:
    return await session.scalar(select(Topic).where(Topic.name == name.lower()))


async def by_ids(session: AsyncSession, ids: Collection[int]) -> list[Topic]:
    if not ids:
        return []
    return list(await session.scalars(select(Topic).where(Topic.id.in_(ids))))


@dataclass(frozen=True, slots=True)
class TopicView:
    """A topic as a viewer sees it: the posts counted are those they may see."""

    id: int
    name: str
    post_count: int


async def get_shown(session: AsyncSession, viewer: Viewer, *, name: str) -> TopicView:
    """The topic, counted for the viewer; 404 when it is unknown or all its posts are
    hidden from them (the two answer alike)."""
    found = await repository.shown_by_name(session, viewer, name.lower())
    if found is None:
        raise NotFound("No such topic.")
    topic, visible = found
    return TopicView(topic.id, topic.name, visible)


async def list_topics(
    session: AsyncSession, viewer: Viewer, *, prefix: str | None, page: PageParams
) -> tuple[list[TopicView], str | None]:
    """Topics shown to the viewer by name (for autocomplete), optionally those starting with
    `prefix`, each with the count of posts the viewer may see."""
    after = page.after_key()
    stmt = repository.page(
        viewer,
        prefix=prefix.lstrip("#").lower() if prefix else None,
        after=None if after is None else str(after[0]),
        limit=page.limit + 1,
    )
    found = [TopicView(0, name, int(count)) for name, count in await session.execute(stmt)]
    return page_of(found, page.limit, key=lambda t: [t.name])
