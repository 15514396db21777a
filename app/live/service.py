"""What a live connection listens to, and what it may be sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.follows import repository as follows
from app.follows.events import Target
from app.outbox import events
from app.visibility import PostVisibility, Viewer

_CHANNEL_OF = {
    Target.user.value: events.author,
    Target.account.value: events.account,
    Target.topic.value: events.topic,
}


async def subscriptions(session: AsyncSession, viewer: Viewer) -> frozenset[str]:
    """The channels of everything that puts a post in the viewer's home feed (themselves,
    people, accounts and topics they follow, their groups), and their personal channel."""
    followed = await session.execute(follows.followed(viewer.id).all())
    return frozenset(
        {
            events.user(viewer.id),
            events.author(viewer.id),
            *(events.group(g) for g in viewer.group_ids),
            *(_CHANNEL_OF[target](ident) for ident, target in followed),
        }
    )


def may_see(viewer: Viewer, visibility: dict[str, Any] | None) -> bool:
    """The visibility rule, applied to the post an event concerns (as stored with it)."""
    return viewer.can_see(None if visibility is None else PostVisibility.from_dict(visibility))
