from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from app.accounts.schemas import AccountRef
from app.core.schemas import RequestModel
from app.core.types import DbId, MultiLine, OneLine
from app.files.schemas import FileRef
from app.groups.schemas import GroupRef
from app.posts.models import PostKind
from app.users.models import Department

# Generous transport caps; the per-kind limits are checked in the service with clear messages.
Body = Annotated[str, Field(min_length=1, max_length=200_000), MultiLine]
Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), OneLine]
Name = Annotated[str, Field(max_length=64), OneLine]
SlugList = Annotated[list[Name], Field(max_length=20)]
MAX_ATTACHMENTS = 10
# File ids from POST /api/v1/files, in the order the post shows them.
Attachments = Annotated[list[DbId], Field(max_length=MAX_ATTACHMENTS)]
# A collateral post's catalogue data, checked by the collateral domain (posts do not know
# it): `{stage, audience, industries}`, and `status` on an edit.
CollateralDetails = Annotated[
    dict[str, Any],
    Field(
        max_length=8,
        description="Only for a collateral post: {stage, audience: [str], industries: [str]}, "
        "and on an edit also status (active, needs_revision, retired).",
    ),
]


# A win story's structured fields, checked by the stories domain: `{problem, solution,
# outcome, quote?, customer_contact?}`.
StoryDetails = Annotated[
    dict[str, Any],
    Field(
        max_length=8,
        description="Only for a win story: {problem, solution, outcome, quote, "
        "customer_contact} (on an edit, the fields given).",
    ),
]


class PostCreate(RequestModel):
    kind: PostKind = PostKind.update
    title: Title | None = None
    body: Body
    accounts: SlugList = Field(default_factory=list)
    topics: SlugList = Field(default_factory=list)
    group: Name | None = None
    attachments: Attachments = Field(default_factory=list)
    collateral: CollateralDetails | None = None
    # Only for a question: the department asked (the questions domain routes it there).
    to_department: Department | None = None
    story: StoryDetails | None = None


class PostUpdate(RequestModel):
    title: Title | None = None
    body: Body | None = None
    accounts: SlugList | None = None
    topics: SlugList | None = None
    # Given: the post's attachments become these; omitted: they stay.
    attachments: Attachments | None = None
    collateral: CollateralDetails | None = None
    story: StoryDetails | None = None


class AuthorRead(BaseModel):
    id: int
    handle: str
    display_name: str
    department: Department


class PostRead(BaseModel):
    id: int
    kind: PostKind
    title: str | None
    body: str
    body_html: str
    author: AuthorRead
    accounts: list[AccountRef]
    topics: list[str]
    mentions: list[str]
    group: GroupRef | None
    created_at: datetime
    updated_at: datetime
    comment_count: int
    reactions: dict[str, int]
    attachments: list[FileRef]
    # A collateral post's {stage, audience, industries, status, version, stats}, the stats
    # counting the verdicts the reader may see (added by the collateral domain).
    collateral: dict[str, Any] | None = None
    # A question's {to_department, status, accepted_comment_id, first_answer_at, ...} (added
    # by the questions domain).
    question: dict[str, Any] | None = None
    # A win story's {problem, solution, outcome, quote, status, history, next, ...} (added by
    # the stories domain).
    story: dict[str, Any] | None = None


class CommentCreate(RequestModel):
    body: Body
    parent_id: DbId | None = None


class CommentRead(BaseModel):
    id: int
    post_id: int
    parent_id: int | None
    body: str
    body_html: str
    author: AuthorRead
    created_at: datetime
