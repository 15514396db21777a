"""Win stories' request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.accounts.schemas import AccountRef
from app.core.schemas import RequestModel
from app.core.types import DbId, MultiLine, OneLine
from app.posts.schemas import AuthorRead
from app.stories.models import StoryStatus

Part = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), MultiLine
]
Quote = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), MultiLine]
Contact = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), OneLine]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), MultiLine]


class StoryCreate(RequestModel):
    """A win story's structured fields (the post's `story` on create)."""

    problem: Part
    solution: Part
    outcome: Part
    quote: Quote | None = None
    # Who at the customer would speak for it (name and role), for marketing to ask.
    customer_contact: Contact | None = None


class StoryUpdate(RequestModel):
    """The post's `story` on an edit: the fields given replace the story's."""

    problem: Part | None = None
    solution: Part | None = None
    outcome: Part | None = None
    quote: Quote | None = None
    customer_contact: Contact | None = None


class StoryTransition(RequestModel):
    to: StoryStatus
    # Required for `consent_granted`: who at the customer agreed, how and when.
    note: Note | None = None
    # For `consent_granted`: the customer's person who agreed (default: the story's contact).
    granted_by: Contact | None = None


class CaseStudyLink(RequestModel):
    # A collateral post; null unlinks.
    post_id: DbId | None


class TestimonialRead(BaseModel):
    post_id: int
    account: AccountRef | None
    industry: str | None
    outcome: str
    quote: str | None
    quoted: str | None = Field(
        default=None,
        description="Who at the customer agreed to these words (the consent's `granted_by`).",
    )
    author: AuthorRead
    published_at: datetime
    case_study_id: int | None = Field(
        default=None, description="The collateral post marketing made of it, if any."
    )
