from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from app.core.schemas import RequestModel
from app.core.types import DbId
from app.notifications.models import Notification, NotificationKind
from app.users.models import User
from app.users.schemas import UserSummary


class NotificationRead(BaseModel):
    id: int
    kind: NotificationKind
    actor: UserSummary
    post_id: int | None
    comment_id: int | None
    # Set when it is about something other than a post: where, and what happened.
    path: str | None = None
    summary: str | None = None
    created_at: datetime
    read: bool

    @classmethod
    def of(cls, notification: Notification, actor: User) -> NotificationRead:
        return cls(
            id=notification.id,
            kind=NotificationKind(notification.kind),
            actor=UserSummary.model_validate(actor),
            post_id=notification.post_id,
            comment_id=notification.comment_id,
            path=notification.path,
            summary=notification.summary,
            created_at=notification.created_at,
            read=notification.read_at is not None,
        )


class UnreadCount(BaseModel):
    count: int


class MarkRead(RequestModel):
    ids: list[DbId] | None = Field(default=None, max_length=1000)
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> MarkRead:
        if not self.all and not self.ids:
            raise ValueError("give either ids or all: true")
        return self
