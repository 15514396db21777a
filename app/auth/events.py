"""What sign-in tells the others: a token was revoked (its sockets close)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class SessionRevoked(DomainEvent):
    user_id: int
    token_hash: str
