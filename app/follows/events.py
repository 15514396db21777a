"""What following tells the others: feeds rebuild, sockets re-subscribe, people are told."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.core.events import DomainEvent


class Target(StrEnum):
    user = "user"
    account = "account"
    topic = "topic"


@dataclass(frozen=True, slots=True)
class Followed(DomainEvent):
    follower_id: int
    target: Target
    target_id: int
    # False when the follow existed already (following twice changes nothing).
    new: bool


@dataclass(frozen=True, slots=True)
class Unfollowed(DomainEvent):
    follower_id: int
    target: Target
    target_id: int
