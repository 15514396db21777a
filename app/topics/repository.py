"""The topics' statements: their counters, and how many posts of a topic a viewer may see."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import keyset
from app.posts.models import Post, PostTopic
from app.topics.models import Topic
from app.visibility import Viewer


async def add_to(
    session: AsyncSession, topic_ids: Collection[int], *, total: int = 0, public: int = 0
) -> None:
    """Move the topics' counts: of all their posts, and of those everyone may see."""
    values: dict[Any, Any] = {}
    if total:
        values[Topic.post_count] = Topic.post_count + total
    if public:
        values[Topic.public_post_count] = Topic.public_post_count + public
    if topic_ids and values:
        await session.execute(update(Topic).where(Topic.id.in_(topic_ids)).values(values))


def visible_count(viewer: Viewer) -> ColumnElement[int]:
    """How many of a topic's posts the viewer may see: the public ones, plus the restricted
    links (a partial index of the few) whose post passes the visibility rule."""
    restricted = (
        select(func.count())
        .select_from(PostTopic)
        .join(Post, Post.id == PostTopic.post_id)
        .where(PostTopic.topic_id == Topic.id, PostTopic.restricted.is_(True), viewer.post_clause())
        .correlate(Topic)
        .scalar_subquery()
    )
    return Topic.public_post_count + restricted


def shown(visible: ColumnElement[int]) -> ColumnElement[bool]:
    """A topic is shown to a viewer when they may see one of its posts, or when it has no
    post at all (followed before anyone used it: it hides nothing). A topic whose posts are
    all hidden answers as an unknown one does."""
    return or_(visible > 0, Topic.post_count == 0)


def page(viewer: Viewer, *, prefix: str | None, after: str | None, limit: int) -> Select[str, int]:
    """Topics shown to the viewer, by name, with the count of posts they may see."""
    visible = visible_count(viewer)
    stmt = select(Topic.name, visible.label("visible")).where(shown(visible))
    if prefix:
        stmt = stmt.where(Topic.name.startswith(prefix, autoescape=True))
    return keyset(stmt, Topic.name, after=after, limit=limit, ascending=True)


async def shown_by_name(
    session: AsyncSession, viewer: Viewer, name: str
) -> tuple[Topic, int] | None:
    visible = visible_count(viewer)
    found = (
        await session.execute(select(Topic, visible).where(Topic.name == name, shown(visible)))
    ).first()
    return None if found is None else (found[0], int(found[1]))
