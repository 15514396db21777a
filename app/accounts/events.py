"""What an account tells the others: it changed (search). A change of its team or owner is
an `app.visibility.events.AccessChanged`."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class AccountChanged(DomainEvent):
    account_id: int
    # Its confidentiality changed: what restricts its posts changed too.
    restrictions_changed: bool = False
