"""Questions' request and response shapes."""

from __future__ import annotations

from app.core.schemas import RequestModel
from app.core.types import DbId


class AcceptAnswer(RequestModel):
    comment_id: DbId
