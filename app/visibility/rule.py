"""The rule itself, in its Python form and its SQL form."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    not_,
    or_,
    select,
    true,
)

from app.accounts.models import Account
from app.files.models import File
from app.groups.models import Group
from app.posts.models import Post, PostAccount, PostAttachment


@dataclass(frozen=True, slots=True)
class PostVisibility:
    """What the rule needs to know about one post: its group and its confidential accounts.
    Stored with the post's live events and checked per connection; checked per recipient
    before a notification is written."""

    group_id: int | None
    group_private: bool
    confidential_account_ids: tuple[int, ...]

    @classmethod
    def of(
        cls,
        *,
        group_id: int | None,
        group_private: bool,
        confidential_account_ids: Iterable[int],
    ) -> PostVisibility:
        return cls(group_id, group_private, tuple(sorted(set(confidential_account_ids))))

    @property
    def restricted(self) -> bool:
        """Whether anyone may be unable to see the post (else everyone can)."""
        return self.group_private or bool(self.confidential_account_ids)

    def as_dict(self) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "group_private": self.group_private,
            "confidential_account_ids": list(self.confidential_account_ids),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PostVisibility:
        return cls.of(
            group_id=data["group_id"],
            group_private=data["group_private"],
            confidential_account_ids=data["confidential_account_ids"],
        )


def _post_rule(
    group_ids: Any, team_account_ids: Any, is_admin: ColumnElement[bool]
) -> ColumnElement[bool]:
    """The SQL form of `Viewer.can_see`, over values or over bound parameters."""
    return and_(
        or_(Post.group_private.is_(False), Post.group_id.in_(group_ids)),
        or_(
            Post.confidential.is_(False),
            is_admin,
            not_(
                exists(
                    select(PostAccount.post_id)
                    .join(Account, Account.id == PostAccount.account_id)
                    .where(
                        PostAccount.post_id == Post.id,
                        Account.confidential.is_(True),
                        Account.id.not_in(team_account_ids),
                    )
                )
            ),
        ),
    )


# A file no post carries (yet): only its uploader may see it.
UNATTACHED_FILE = not_(
    exists(select(PostAttachment.post_id).where(PostAttachment.file_id == File.id))
)


def _file_rule(viewer_id: int, post_rule: ColumnElement[bool]) -> ColumnElement[bool]:
    """A file is visible exactly when a post that carries it is; before it is attached, to
    its uploader."""
    on_visible_post = exists(
        select(PostAttachment.post_id)
        .join(Post, Post.id == PostAttachment.post_id)
        .where(PostAttachment.file_id == File.id, post_rule)
    )
    return or_(and_(File.uploader_id == viewer_id, UNATTACHED_FILE), on_visible_post)


def _hidden_accounts(team_account_ids: Any, is_admin: ColumnElement[bool]) -> Select[Any]:
    """The SQL form of "accounts the viewer may not see" (the few confidential ones outside
    their teams): the negation of `Viewer.can_see_account`, over values or parameters."""
    return select(Account.id).where(
        Account.confidential.is_(True), not_(is_admin), Account.id.not_in(team_account_ids)
    )


# The rule with the viewer as parameters, so hot statements can be built once;
# `Viewer.params()` gives the values.
VISIBLE_POST = _post_rule(
    bindparam("viewer_group_ids", expanding=True),
    bindparam("viewer_team_ids", expanding=True),
    bindparam("viewer_is_admin", type_=Boolean),
)
HIDDEN_ACCOUNTS = _hidden_accounts(
    bindparam("viewer_team_ids", expanding=True), bindparam("viewer_is_admin", type_=Boolean)
)


@dataclass(frozen=True, slots=True)
class Viewer:
    id: int
    is_admin: bool
    group_ids: frozenset[int]
    team_account_ids: frozenset[int]

    def can_see_group(self, *, group_id: int, private: bool) -> bool:
        return not private or group_id in self.group_ids

    def can_see_account(self, *, account_id: int, confidential: bool) -> bool:
        return not confidential or self.is_admin or account_id in self.team_account_ids

    def can_see(self, post: PostVisibility | None) -> bool:
        """Whether the viewer may see the post (None: the thing concerns no post)."""
        if post is None:
            return True
        if post.group_private and post.group_id not in self.group_ids:
            return False
        return self.is_admin or all(
            a in self.team_account_ids for a in post.confidential_account_ids
        )

    # SQL forms of the same rule.

    def params(self) -> dict[str, object]:
        """Values for the `viewer_*` parameters of `VISIBLE_POST` in a prebuilt statement."""
        return {
            "viewer_group_ids": sorted(self.group_ids),
            "viewer_team_ids": sorted(self.team_account_ids),
            "viewer_is_admin": self.is_admin,
        }

    def post_clause(self) -> ColumnElement[bool]:
        return _post_rule(
            sorted(self.group_ids),
            sorted(self.team_account_ids),
            true() if self.is_admin else false(),
        )

    def file_clause(self) -> ColumnElement[bool]:
        """The SQL form of "the viewer may see this file" (a filter on `File` rows)."""
        return _file_rule(self.id, self.post_clause())

    def hidden_accounts(self) -> Select[Any]:
        """The ids of the accounts the viewer may not see (`HIDDEN_ACCOUNTS` with values)."""
        return _hidden_accounts(sorted(self.team_account_ids), true() if self.is_admin else false())

    def account_clause(self) -> ColumnElement[bool]:
        if self.is_admin:
            return true()
        return or_(Account.confidential.is_(False), Account.id.in_(self.team_account_ids))

    def group_clause(self) -> ColumnElement[bool]:
        return or_(Group.private.is_(False), Group.id.in_(self.group_ids))
