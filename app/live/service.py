"""What a live connection listens to, and what it may be sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.visibility import Viewer
from app.follows.models import AccountFollow, TopicFollow, UserFollow
from app.live import events


async def subscriptions(session: AsyncSession, viewer: Viewer) -> frozenset[str]:
    """The channels of everything that puts a post in the viewer's home feed (themselves,
    people, accounts and topics they follow, their groups), and their personal channel."""
    rows = await session.execute(
        union_all(
            select(UserFollow.followee_id, literal(0)).where(UserFollow.follower_id == viewer.id),
            select(AccountFollow.account_id, literal(1)).where(AccountFollow.user_id == viewer.id),
            select(TopicFollow.topic_id, literal(2)).where(TopicFollow.user_id == viewer.id),
        )
    )
    naming = (events.author, events.account, events.topic)
    return frozenset(
        {
            events.user(viewer.id),
            events.author(viewer.id),
            *(events.group(g) for g in viewer.group_ids),
            *(naming[source](ident) for ident, source in rows),
        }
    )


def may_see(viewer: Viewer, visibility: dict[str, Any] | None) -> bool:
    """The visibility rule, applied to the post an event concerns."""
    if visibility is None:
        return True
    return viewer.can_see_post(
        group_id=visibility["group_id"],
        group_private=visibility["group_private"],
        confidential_account_ids=visibility["confidential_account_ids"],
    )
