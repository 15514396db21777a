"""What the stories domain tells the others: a story moved one step (its submission
included)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import DomainEvent
from app.visibility import PostVisibility


@dataclass(frozen=True, slots=True)
class StoryMoved(DomainEvent):
    post_id: int
    actor_id: int
    # A `StoryStatus` value: where the story is now.
    status: str
    # Who is told: the author and the reviewer (on submission: marketing's leads).
    recipient_ids: tuple[int, ...]
    # What happened, as the notification says it after the actor's name.
    summary: str
    visibility: PostVisibility
