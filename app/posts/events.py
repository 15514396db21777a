"""What the posts domain tells the others, inside the transaction of the write.

Feeds fan a new post out, notifications tell who it concerns, topics keep their counts,
the live domain writes the outbox rows the sockets and the search index read. Posts imports
none of them (`app/handlers.py` subscribes them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.core.events import DomainEvent
from app.posts.models import ReactionKind
from app.posts.schemas import CommentRead, PostRead
from app.visibility import PostVisibility


@dataclass(frozen=True, slots=True)
class PostPlace:
    """Where a post is: who wrote it, what it is about, who may see it."""

    post_id: int
    author_id: int
    group_id: int | None
    account_ids: frozenset[int]
    topic_ids: frozenset[int]
    visibility: PostVisibility


@dataclass(frozen=True, slots=True)
class PostCreated(DomainEvent):
    place: PostPlace
    post: PostRead
    # In the order the text names them (the first kind a person is told wins).
    mention_ids: tuple[int, ...]
    # The owners of the tagged accounts (told about a new post on their account).
    account_owner_ids: tuple[int, ...]
    # A collateral post's catalogue data, as given (its domain checks it).
    collateral: dict[str, Any] | None = None
    # The department a question is addressed to (a `Department` value), as given.
    to_department: str | None = None
    # A win story's fields, as given (its domain checks them).
    story: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PostUpdated(DomainEvent):
    place: PostPlace
    previous: PostPlace
    post: PostRead
    actor_id: int
    # People mentioned by the edit who were not mentioned before.
    new_mention_ids: tuple[int, ...]
    # Whether the body or the list of attachments (ids, in order) changed: what a reader
    # reads, as opposed to the title or the tags.
    content_changed: bool
    # A collateral post's catalogue data, as given with the edit (None: unchanged).
    collateral: dict[str, Any] | None = None
    # A win story's fields, as given with the edit (None: unchanged).
    story: dict[str, Any] | None = None

    @property
    def relinked(self) -> bool:
        """Whether the edit changed the post's accounts or topics."""
        return (self.place.account_ids, self.place.topic_ids) != (
            self.previous.account_ids,
            self.previous.topic_ids,
        )


@dataclass(frozen=True, slots=True)
class PostDeleted(DomainEvent):
    place: PostPlace


@dataclass(frozen=True, slots=True)
class CommentAdded(DomainEvent):
    comment: CommentRead
    post_author_id: int
    # The author of the comment replied to (a reply), else None.
    parent_author_id: int | None
    mention_ids: tuple[int, ...]
    visibility: PostVisibility


@dataclass(frozen=True, slots=True)
class ReactionChanged(DomainEvent):
    post_id: int
    post_author_id: int
    user_id: int
    kind: ReactionKind
    added: bool
    reactions: dict[str, int]
    visibility: PostVisibility
