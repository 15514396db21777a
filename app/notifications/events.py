"""What notifications tell the others: one was written (the live domain delivers it)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import DomainEvent
from app.notifications.schemas import NotificationRead
from app.visibility import PostVisibility


@dataclass(frozen=True, slots=True)
class NotificationCreated(DomainEvent):
    notification: NotificationRead
    user_id: int
    # The post it points at, checked again per socket; None: it concerns no post.
    visibility: PostVisibility | None
