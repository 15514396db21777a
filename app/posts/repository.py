"""The posts domain's statements: posts, their links, comments and reactions.

The hydrating statement (`hydrate`) reads posts in their API shape, with their links
aggregated as JSON, in one round trip whatever the page size; the feeds wrap their own id
statements in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from functools import cache
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Subquery,
    and_,
    delete,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from app.accounts.models import Account
from app.core.db import dialect_name, in_ids, insert_ignore, rows
from app.core.pagination import PageParams, paginate
from app.core.sqljson import json_list, json_tuple
from app.files.models import File
from app.groups.models import Group
from app.posts import extensions
from app.posts.models import (
    Comment,
    Post,
    PostAccount,
    PostAttachment,
    PostMention,
    PostTopic,
    Reaction,
)
from app.topics.models import Topic
from app.users.models import User
from app.visibility import Viewer

# A statement of post rows in their API shape.
PostRows: TypeAlias = Select[*tuple[Any, ...]]
Column: TypeAlias = ColumnElement[Any] | InstrumentedAttribute[Any]


async def visible_post(session: AsyncSession, viewer: Viewer, post_id: int) -> Post | None:
    return await session.scalar(select(Post).where(Post.id == post_id, viewer.post_clause()))


async def comment_of(session: AsyncSession, post_id: int, comment_id: int) -> Comment | None:
    return await session.scalar(
        select(Comment).where(Comment.id == comment_id, Comment.post_id == post_id)
    )


async def confidential_account_ids(session: AsyncSession, post_id: int) -> list[int]:
    found = await session.scalars(
        select(PostAccount.account_id)
        .join(Account, Account.id == PostAccount.account_id)
        .where(PostAccount.post_id == post_id, Account.confidential.is_(True))
    )
    return list(found)


async def commenter_ids(session: AsyncSession, post_id: int) -> set[int]:
    found = await session.scalars(
        select(Comment.author_id).where(Comment.post_id == post_id).distinct()
    )
    return set(found)


async def reaction_counts(session: AsyncSession, post_id: int) -> dict[str, int]:
    row = (
        await session.execute(
            select(Post.like_count, Post.insightful_count, Post.celebrate_count).where(
                Post.id == post_id
            )
        )
    ).one()
    return {"like": row[0], "insightful": row[1], "celebrate": row[2]}


async def link_ids(session: AsyncSession, post_id: int) -> tuple[set[int], set[int], set[int]]:
    """The account, topic and mentioned-user ids linked to a post."""
    found = await session.execute(
        union_all(
            select(literal("a"), PostAccount.account_id).where(PostAccount.post_id == post_id),
            select(literal("t"), PostTopic.topic_id).where(PostTopic.post_id == post_id),
            select(literal("m"), PostMention.user_id).where(PostMention.post_id == post_id),
        )
    )
    links: dict[str, set[int]] = {"a": set(), "t": set(), "m": set()}
    for kind, ident in found:
        links[kind].add(ident)
    return links["a"], links["t"], links["m"]


async def link(
    session: AsyncSession,
    post_id: int,
    *,
    account_ids: Iterable[int],
    topic_ids: Iterable[int],
    mention_ids: Iterable[int],
    restricted: bool,
) -> None:
    topics = [{"post_id": post_id, "topic_id": i, "restricted": restricted} for i in topic_ids]
    tables = (
        (PostAccount, [{"post_id": post_id, "account_id": i} for i in account_ids]),
        (PostTopic, topics),
        (PostMention, [{"post_id": post_id, "user_id": i} for i in mention_ids]),
    )
    for model, values in tables:
        if values:
            await session.execute(insert(model), values)


async def unlink(session: AsyncSession, post_id: int) -> None:
    for model in (PostAccount, PostTopic, PostMention):
        await session.execute(delete(model).where(model.post_id == post_id))


async def attachment_ids(session: AsyncSession, post_id: int) -> list[int]:
    """The ids of the files the post carries, in its order."""
    found = await session.scalars(
        select(PostAttachment.file_id)
        .where(PostAttachment.post_id == post_id)
        .order_by(PostAttachment.position)
    )
    return list(found)


async def attach(session: AsyncSession, post_id: int, file_ids: list[int]) -> None:
    """The post carries exactly `file_ids`, in that order."""
    await session.execute(delete(PostAttachment).where(PostAttachment.post_id == post_id))
    if file_ids:
        await session.execute(
            insert(PostAttachment),
            [{"post_id": post_id, "file_id": f, "position": i} for i, f in enumerate(file_ids)],
        )


async def attached_elsewhere(session: AsyncSession, file_ids: Collection[int]) -> set[int]:
    """Those of `file_ids` that some post carries."""
    if not file_ids:
        return set()
    found = await session.scalars(
        select(PostAttachment.file_id).where(PostAttachment.file_id.in_(set(file_ids))).distinct()
    )
    return set(found)


async def delete_post(session: AsyncSession, post_id: int) -> None:
    """The post and, by cascade, its comments, reactions and links."""
    await session.execute(delete(Post).where(Post.id == post_id))


async def add_to_count(session: AsyncSession, post_id: int, column: str, delta: int) -> None:
    """Move one of a post's counters. A counter is not an edit: `updated_at` stays."""
    counter = getattr(Post, column)
    await session.execute(
        update(Post)
        .where(Post.id == post_id)
        .values({counter: counter + delta, Post.updated_at: Post.updated_at})
    )


async def add_reaction(session: AsyncSession, post_id: int, user_id: int, kind: str) -> bool:
    """True if the reaction is new."""
    return await insert_ignore(
        session, Reaction, {"post_id": post_id, "user_id": user_id, "kind": kind}
    )


async def remove_reaction(session: AsyncSession, post_id: int, user_id: int, kind: str) -> bool:
    """True if there was such a reaction."""
    result = await session.execute(
        delete(Reaction).where(
            Reaction.post_id == post_id, Reaction.user_id == user_id, Reaction.kind == kind
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def comments_page(
    session: AsyncSession, post_id: int, page: PageParams
) -> tuple[list[Comment], str | None]:
    return await paginate(
        session, select(Comment).where(Comment.post_id == post_id), Comment.id, page
    )


async def users_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in await session.scalars(select(User).where(User.id.in_(set(ids))))}


async def reacted_kinds(
    session: AsyncSession, user_id: int, post_ids: list[int]
) -> dict[int, set[str]]:
    if not post_ids:
        return {}
    mine: dict[int, set[str]] = defaultdict(set)
    found = await session.execute(
        select(Reaction.post_id, Reaction.kind).where(
            Reaction.user_id == user_id, Reaction.post_id.in_(post_ids)
        )
    )
    for post_id, kind in found:
        mine[post_id].add(kind)
    return mine


# Posts in their API shape.


def _hydrate(ids: Subquery, dialect: str) -> PostRows:
    """The API shape of the posts whose ids `ids` yields, newest first, in one statement:
    the post, its author and group joined, its accounts, topics, mentions and attachments
    aggregated."""
    accounts = json_list(
        json_tuple(dialect, Account.slug, Account.name),
        and_(PostAccount.post_id == Post.id, Account.id == PostAccount.account_id),
        dialect,
    )
    topics = json_list(
        Topic.name, and_(PostTopic.post_id == Post.id, Topic.id == PostTopic.topic_id), dialect
    )
    mentioned = aliased(User)
    mentions = json_list(
        mentioned.handle,
        and_(PostMention.post_id == Post.id, mentioned.id == PostMention.user_id),
        dialect,
    )
    attachments = json_list(
        json_tuple(
            dialect,
            PostAttachment.position,
            File.id,
            File.name,
            File.content_type,
            File.size,
        ),
        and_(PostAttachment.post_id == Post.id, File.id == PostAttachment.file_id),
        dialect,
    )
    return (
        select(
            Post.id,
            Post.kind,
            Post.title,
            Post.body,
            Post.body_html,
            Post.created_at,
            Post.updated_at,
            Post.comment_count,
            Post.like_count,
            Post.insightful_count,
            Post.celebrate_count,
            User.id.label("author_id"),
            User.handle,
            User.display_name,
            User.department,
            Group.slug.label("group_slug"),
            Group.name.label("group_name"),
            Group.private.label("group_private"),
            accounts.label("accounts"),
            topics.label("topics"),
            mentions.label("mentions"),
            attachments.label("attachments"),
            *extensions.columns(dialect),
        )
        .select_from(ids)
        .join(Post, Post.id == ids.c[0])
        .join(User, User.id == Post.author_id)
        .outerjoin(Group, Group.id == Post.group_id)
        .order_by(Post.id.desc())
    )


@cache
def _by_ids(dialect: str) -> PostRows:
    return _hydrate(select(Post.id).where(in_ids(Post.id, dialect)).subquery(), dialect)


def hydrate(ids: Select[Any], dialect: str) -> PostRows:
    """`ids` (a statement selecting post ids) turned into the statement of their API shapes,
    so a feed page is read in one round trip. Build it once: it is a statement, not a query."""
    return _hydrate(ids.subquery(), dialect)


async def hydrated_rows(
    session: AsyncSession, statement: PostRows, params: dict[str, Any]
) -> list[Row[Any]]:
    return list(await rows(session, statement, params))


async def rows_by_ids(session: AsyncSession, ids: list[int]) -> list[Row[Any]]:
    return list(await rows(session, _by_ids(dialect_name(session)), {"ids": ids}))
