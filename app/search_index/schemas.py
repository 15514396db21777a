from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from app.agreements.models import Status
from app.posts.schemas import AuthorRead


class SearchType(StrEnum):
    post = "post"
    comment = "comment"
    user = "user"
    account = "account"
    term = "term"


class SearchHitRead(BaseModel):
    type: SearchType
    id: int
    title: str
    # Safe HTML: escaped text with the matched words in <mark>.
    snippet: str
    score: float | None = None
    post_id: int | None = None
    author: AuthorRead | None = None
    accounts: list[str] | None = None
    created_at: datetime | None = None
    # A glossary term's (type `term`; its page is /glossary/{slug}).
    slug: str | None = None
    term: str | None = None
    status: Status | None = None
    # A comment's (type `comment`): whether it is its question's accepted answer.
    accepted: bool | None = None


class SearchResults(BaseModel):
    hits: list[SearchHitRead]
    facets: dict[str, dict[str, int]]
    next_cursor: str | None
    estimated_total: int
