"""What the agreements domain tells the others: a term or agreement changed (a new version, a
sign-off, a dispute) and who is to hear of it; a glossary term to index again."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class AgreementChanged(DomainEvent):
    signable_id: int
    actor_id: int
    # The followers and the leads of the required departments.
    recipient_ids: tuple[int, ...]
    # Where it is (`/glossary/mql`) and what happened, in words.
    path: str
    summary: str


@dataclass(frozen=True, slots=True)
class TermChanged(DomainEvent):
    """A term was created, edited or changed status: search indexes it again."""

    signable_id: int
