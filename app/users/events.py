"""What the users domain tells the others."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class UserChanged(DomainEvent):
    user_id: int
