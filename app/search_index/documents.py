"""Search documents built from the current database rows (never from event payloads), so
the index always converges on the database's truth: a row that is gone becomes a delete.

Posts and comments are read with column statements built once per dialect, the ids bound
as one array on PostgreSQL: the indexer and `tandem reindex` turn thousands of rows a
second into documents, and ORM objects or a statement recompiled for every id list cost
more CPU than the queries (the search engine shares the machine's cores).
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Executable, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Account
from app.agreements.models import Signable, Term, TermAlias
from app.collateral.models import Collateral, CollateralTag, TagKind
from app.core.db import dialect_name, in_ids
from app.posts.models import Comment, Post, PostAccount, PostKind, PostTopic
from app.questions.models import Question
from app.topics.models import Topic
from app.users.models import User
from app.visibility import account_key, group_key

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_text(rendered_html: str) -> str:
    """The visible text of sanitized rendered HTML."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", rendered_html))).strip()


def unix(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


# What a document says of its author.
_AUTHOR = (User.id.label("author_id"), User.handle, User.display_name, User.department)


@cache
def _statements(dialect: str) -> dict[str, Executable]:
    """The statements that turn post and comment ids into documents, built once per dialect."""
    return {
        "posts": select(
            Post.id,
            Post.title,
            Post.body_html,
            Post.kind,
            Post.group_id,
            Post.group_private,
            Post.created_at,
            *_AUTHOR,
        )
        .join(User, User.id == Post.author_id)
        .where(in_ids(Post.id, dialect)),
        "accounts": select(PostAccount.post_id, Account.id, Account.slug, Account.confidential)
        .join(Account, Account.id == PostAccount.account_id)
        .where(in_ids(PostAccount.post_id, dialect))
        .order_by(Account.slug),
        "topics": select(PostTopic.post_id, Topic.name)
        .join(Topic, Topic.id == PostTopic.topic_id)
        .where(in_ids(PostTopic.post_id, dialect))
        .order_by(Topic.name),
        "collateral": select(Collateral.post_id, Collateral.stage).where(
            in_ids(Collateral.post_id, dialect)
        ),
        "collateral_tags": select(
            CollateralTag.post_id, CollateralTag.kind, CollateralTag.value
        ).where(in_ids(CollateralTag.post_id, dialect)),
        "comment_ids": select(Comment.id).where(in_ids(Comment.post_id, dialect)),
        "comments": select(
            Comment.id,
            Comment.post_id,
            Comment.body_html,
            Comment.created_at,
            Question.accepted_comment_id,
            *_AUTHOR,
        )
        .join(User, User.id == Comment.author_id)
        .outerjoin(Question, Question.post_id == Comment.post_id)
        .where(in_ids(Comment.id, dialect)),
    }


async def _rows(session: AsyncSession, name: str, ids: Sequence[int]) -> Any:
    return await session.execute(_statements(dialect_name(session))[name], {"ids": list(ids)})


async def posts(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Documents for the posts among `ids` that exist, by id."""
    if not ids:
        return {}
    found = list(await _rows(session, "posts", ids))
    post_ids = [r.id for r in found]
    accounts: dict[int, list[tuple[int, str, bool]]] = defaultdict(list)
    for post_id, account_id, slug, confidential in await _rows(session, "accounts", post_ids):
        accounts[post_id].append((account_id, slug, confidential))
    topics: dict[int, list[str]] = defaultdict(list)
    for post_id, name in await _rows(session, "topics", post_ids):
        topics[post_id].append(name)
    catalogue = await _catalogue(session, [r.id for r in found if r.kind == PostKind.collateral])
    docs: dict[int, dict[str, Any]] = {}
    for r in found:
        tagged = accounts[r.id]
        restricted = [group_key(r.group_id)] if r.group_private and r.group_id else []
        restricted += [account_key(a) for a, _, confidential in tagged if confidential]
        docs[r.id] = {
            "id": r.id,
            "title": r.title or "",
            "body": plain_text(r.body_html),
            "kind": r.kind,
            "author_id": r.author_id,
            "author_handle": r.handle,
            "author_name": r.display_name,
            "department": r.department,
            "accounts": [slug for _, slug, _ in tagged],
            "topics": topics[r.id],
            "group_id": r.group_id,
            "created_at": unix(r.created_at),
            "restricted_by": sorted(restricted),
            **catalogue.get(r.id, _NOT_COLLATERAL),
        }
    return docs


_NOT_COLLATERAL: dict[str, list[str]] = {"stage": [], "industries": [], "audience": []}


async def _catalogue(session: AsyncSession, ids: list[int]) -> dict[int, dict[str, list[str]]]:
    """Collateral posts' stage, industries and audience, lower-cased (filters match any
    case)."""
    if not ids:
        return {}
    found: dict[int, dict[str, list[str]]] = {
        i: {"stage": [], "industries": [], "audience": []} for i in ids
    }
    for post_id, stage in await _rows(session, "collateral", ids):
        found[post_id]["stage"] = [stage.value]
    field = {TagKind.industry: "industries", TagKind.audience: "audience"}
    for post_id, kind, value in await _rows(session, "collateral_tags", ids):
        found[post_id][field[kind]].append(value.lower())
    return found


async def comment_ids_of_posts(session: AsyncSession, post_ids: Sequence[int]) -> list[int]:
    if not post_ids:
        return []
    return [comment_id for (comment_id,) in await _rows(session, "comment_ids", post_ids)]


async def comments(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Documents for the comments among `ids` that exist; they carry their post's
    accounts, topics and visibility keys, so a comment is never seen where its post isn't,
    and whether they are their question's accepted answer (which ranks them higher)."""
    if not ids:
        return {}
    rows = list(await _rows(session, "comments", ids))
    parents = await posts(session, sorted({r.post_id for r in rows}))
    docs: dict[int, dict[str, Any]] = {}
    for r in rows:
        post = parents.get(r.post_id)
        if post is None:
            continue
        docs[r.id] = {
            "id": r.id,
            "post_id": r.post_id,
            "body": plain_text(r.body_html),
            "author_id": r.author_id,
            "author_handle": r.handle,
            "author_name": r.display_name,
            "department": r.department,
            "accounts": post["accounts"],
            "topics": post["topics"],
            "created_at": unix(r.created_at),
            "restricted_by": post["restricted_by"],
            "accepted": r.accepted_comment_id == r.id,
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


async def terms(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Documents for the glossary terms among `ids` (signable ids); every signed-in user sees
    the glossary, so they carry no visibility keys."""
    if not ids:
        return {}
    found = list(
        await session.execute(
            select(Term, Signable.status, Signable.updated_at)
            .join(Signable, Signable.id == Term.signable_id)
            .where(Term.signable_id.in_(ids))
        )
    )
    aliases: dict[int, list[str]] = defaultdict(list)
    rows = await session.execute(
        select(TermAlias.signable_id, TermAlias.alias)
        .where(TermAlias.signable_id.in_([t.signable_id for t, _, _ in found]))
        .order_by(TermAlias.alias_key)
    )
    for signable_id, alias in rows:
        aliases[signable_id].append(alias)
    return {
        t.signable_id: {
            "id": t.signable_id,
            "slug": t.slug,
            "term": t.term,
            "aliases": aliases[t.signable_id],
            "definition": plain_text(t.definition_html),
            "status": status.value,
            "updated_at": unix(updated_at),
        }
        for t, status, updated_at in found
    }
