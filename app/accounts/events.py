"""What an account tells the others: it changed (search), its team changed (sockets reload
what their users may see)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class AccountChanged(DomainEvent):
    account_id: int
    # Its confidentiality changed: what restricts its posts changed too.
    restrictions_changed: bool = False


@dataclass(frozen=True, slots=True)
class TeamChanged(DomainEvent):
    """`user_id` joined or left the team of `account_id` (owners are on the team)."""

    account_id: int
    user_id: int
