"""Outbox events written only for the search indexer (no channels: the live dispatcher
publishes nothing for them). Posts and comments need none of their own: the indexer reads
the live events `post.*` and `comment.created`.

Visibility keys live in the documents (a post's private group, its confidential accounts),
so they change only when a post is re-tagged (a `post.updated`), or when an account's
confidentiality or a group's privacy changes: then the `posts` flag asks the indexer to
rebuild the documents of every post of that account or group. A membership change needs
nothing: the viewer's deny keys are computed per query.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.outbox import service as outbox

USER = "search.user"
ACCOUNT = "search.account"
GROUP = "search.group"
TYPES = frozenset({USER, ACCOUNT, GROUP})


async def user_changed(session: AsyncSession, *, user_id: int) -> None:
    await outbox.emit(session, type=USER, data={"id": user_id})


async def account_changed(session: AsyncSession, *, account_id: int, posts: bool = False) -> None:
    """An account was created or edited; `posts` when its confidentiality changed."""
    await outbox.emit(session, type=ACCOUNT, data={"id": account_id, "posts": posts})


async def group_changed(session: AsyncSession, *, group_id: int) -> None:
    """A group's privacy changed: its posts' visibility keys change."""
    await outbox.emit(session, type=GROUP, data={"id": group_id, "posts": True})
