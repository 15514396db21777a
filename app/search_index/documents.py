"""Search documents built from the current database rows (never from event payloads), so
the index always converges on the database's truth: a row that is gone becomes a delete."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Account
from app.core.visibility import account_key, group_key
from app.posts.models import Comment, Post, PostAccount, PostTopic
from app.topics.models import Topic
from app.users.models import User

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_text(rendered_html: str) -> str:
    """The visible text of sanitized rendered HTML."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", rendered_html))).strip()


def unix(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


async def posts(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Documents for the posts among `ids` that exist, by id."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Post, User).join(User, User.id == Post.author_id).where(Post.id.in_(ids))
    )
    found = [(p, u) for p, u in rows]
    post_ids = [p.id for p, _ in found]
    accounts: dict[int, list[Account]] = defaultdict(list)
    for post_id, account in await session.execute(
        select(PostAccount.post_id, Account)
        .join(Account, Account.id == PostAccount.account_id)
        .where(PostAccount.post_id.in_(post_ids))
        .order_by(Account.slug)
    ):
        accounts[post_id].append(account)
    topics: dict[int, list[str]] = defaultdict(list)
    for post_id, name in await session.execute(
        select(PostTopic.post_id, Topic.name)
        .join(Topic, Topic.id == PostTopic.topic_id)
        .where(PostTopic.post_id.in_(post_ids))
        .order_by(Topic.name)
    ):
        topics[post_id].append(name)
    docs: dict[int, dict[str, Any]] = {}
    for post, author in found:
        restricted = [group_key(post.group_id)] if post.group_private and post.group_id else []
        restricted += [account_key(a.id) for a in accounts[post.id] if a.confidential]
        docs[post.id] = {
            "id": post.id,
            "title": post.title or "",
            "body": plain_text(post.body_html),
            "kind": post.kind,
            "author_id": author.id,
            "author_handle": author.handle,
            "author_name": author.display_name,
            "department": author.department,
            "accounts": [a.slug for a in accounts[post.id]],
            "topics": topics[post.id],
            "group_id": post.group_id,
            "created_at": unix(post.created_at),
            "restricted_by": sorted(restricted),
        }
    return docs


async def comment_ids_of_posts(session: AsyncSession, post_ids: Sequence[int]) -> list[int]:
    if not post_ids:
        return []
    return list(await session.scalars(select(Comment.id).where(Comment.post_id.in_(post_ids))))


async def comments(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Documents for the comments among `ids` that exist; they carry their post's
    accounts, topics and visibility keys, so a comment is never seen where its post isn't."""
    if not ids:
        return {}
    result = await session.execute(
        select(Comment, User).join(User, User.id == Comment.author_id).where(Comment.id.in_(ids))
    )
    rows = [(c, u) for c, u in result]
    parents = await posts(session, sorted({c.post_id for c, _ in rows}))
    docs: dict[int, dict[str, Any]] = {}
    for comment, author in rows:
        post = parents.get(comment.post_id)
        if post is None:
            continue
        docs[comment.id] = {
            "id": comment.id,
            "post_id": comment.post_id,
            "body": plain_text(comment.body_html),
            "author_id": author.id,
            "author_handle": author.handle,
            "author_name": author.display_name,
            "department": author.department,
            "accounts": post["accounts"],
            "topics": post["topics"],
            "created_at": unix(comment.created_at),
            "restricted_by": post["restricted_by"],
        }
    return docs


async def users(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Documents for the active users among `ids`."""
    if not ids:
        return {}
    found = await session.scalars(select(User).where(User.id.in_(ids), User.is_active))
    return {
        u.id: {
            "id": u.id,
            "handle": u.handle,
            "name": u.display_name,
            "title": u.title or "",
            "department": u.department,
        }
        for u in found
    }


async def accounts(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    found = await session.scalars(select(Account).where(Account.id.in_(ids)))
    return {
        a.id: {
            "id": a.id,
            "slug": a.slug,
            "name": a.name,
            "industry": a.industry or "",
            "restricted_by": [account_key(a.id)] if a.confidential else [],
        }
        for a in found
    }
