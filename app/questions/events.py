"""What the questions domain tells the others: a question reached its department's people,
an answer was accepted."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import DomainEvent
from app.visibility import PostVisibility


@dataclass(frozen=True, slots=True)
class QuestionRouted(DomainEvent):
    post_id: int
    asker_id: int
    # Who may see the question: never anyone else.
    recipient_ids: tuple[int, ...]
    visibility: PostVisibility


@dataclass(frozen=True, slots=True)
class AnswerAccepted(DomainEvent):
    post_id: int
    comment_id: int
    asker_id: int
    answer_author_id: int
    visibility: PostVisibility
