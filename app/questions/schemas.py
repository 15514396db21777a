"""Questions' request and response shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from app.core.schemas import RequestModel
from app.core.types import DbId
from app.questions.models import QuestionStatus
from app.users.models import Department


class AcceptAnswer(RequestModel):
    comment_id: DbId


class QuestionRead(BaseModel):
    """What a question post carries as `question`."""

    to_department: Department | None
    status: QuestionStatus
    asked_at: datetime
    first_answer_id: int | None
    first_answer_at: datetime | None
    accepted_comment_id: int | None
    accepted_at: datetime | None
    # How long it waited for its first answer (until now while it has none), in hours.
    waited_hours: float
