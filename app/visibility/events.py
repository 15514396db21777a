"""The one event for "who may see what changed": a team or an owner, a group's members, a
person's own account. Every write that changes it publishes `AccessChanged`; the live domain
then reloads the viewer of the users' open sockets, on every process."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class AccessChanged(DomainEvent):
    user_ids: frozenset[int]
