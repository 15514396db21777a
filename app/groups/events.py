"""What a group tells the others: a membership changed (feeds and sockets follow groups)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class MembershipChanged(DomainEvent):
    group_id: int
    user_id: int
    member: bool
