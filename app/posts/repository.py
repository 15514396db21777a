"""Post queries: loading visible posts and turning rows into API shapes in few round trips."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any, TypeAlias

from sqlalchemy import (
    JSON,
    ColumnElement,
    Row,
    Select,
    Subquery,
    and_,
    func,
    literal,
    literal_column,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from app.accounts.models import Account
from app.accounts.schemas import AccountRef
from app.core.db import dialect_name, in_ids, rows
from app.core.visibility import Viewer
from app.groups.models import Group
from app.groups.schemas import GroupRef
from app.posts.models import (
    Comment,
    Post,
    PostAccount,
    PostKind,
    PostMention,
    PostTopic,
    Reaction,
)
from app.posts.schemas import AuthorRead, CommentRead, PostRead
from app.topics.models import Topic
from app.users.models import Department, User


async def visible_post(session: AsyncSession, viewer: Viewer, post_id: int) -> Post | None:
    return await session.scalar(select(Post).where(Post.id == post_id, viewer.post_clause()))


async def comment_of(session: AsyncSession, post_id: int, comment_id: int) -> Comment | None:
    return await session.scalar(
        select(Comment).where(Comment.id == comment_id, Comment.post_id == post_id)
    )


async def confidential_account_ids(session: AsyncSession, post_id: int) -> list[int]:
    rows = await session.scalars(
        select(PostAccount.account_id)
        .join(Account, Account.id == PostAccount.account_id)
        .where(PostAccount.post_id == post_id, Account.confidential.is_(True))
    )
    return list(rows)


async def participant_ids(session: AsyncSession, post: Post) -> set[int]:
    """The post's author and everyone who commented on it."""
    commenters = await session.scalars(
        select(Comment.author_id).where(Comment.post_id == post.id).distinct()
    )
    return {post.author_id, *commenters}


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
    rows = await session.execute(
        union_all(
            select(literal("a"), PostAccount.account_id).where(PostAccount.post_id == post_id),
            select(literal("t"), PostTopic.topic_id).where(PostTopic.post_id == post_id),
            select(literal("m"), PostMention.user_id).where(PostMention.post_id == post_id),
        )
    )
    links: dict[str, set[int]] = {"a": set(), "t": set(), "m": set()}
    for kind, ident in rows:
        links[kind].add(ident)
    return links["a"], links["t"], links["m"]


def _author(user: User) -> AuthorRead:
    return AuthorRead(
        id=user.id, handle=user.handle, display_name=user.display_name, department=user.department
    )


# A statement of post rows in their API shape.
PostRows: TypeAlias = Select[*tuple[Any, ...]]
Column: TypeAlias = ColumnElement[Any] | InstrumentedAttribute[Any]


def _json_list(item: Column, where: ColumnElement[bool], dialect: str) -> Any:
    """A JSON array of `item` over the rows matching `where` (correlated, one per post)."""
    agg: ColumnElement[Any]
    if dialect == "postgresql":
        agg = func.coalesce(func.json_agg(item), literal_column("'[]'::json"))
    else:
        agg = func.json_group_array(item)
    return select(type_coerce(agg, JSON)).where(where).scalar_subquery()


def _json_pair(a: Column, b: Column, dialect: str) -> Any:
    return func.json_build_array(a, b) if dialect == "postgresql" else func.json_array(a, b)


def _hydrate(ids: Subquery, dialect: str) -> PostRows:
    """The API shape of the posts whose ids `ids` yields, newest first, in one statement:
    the post, its author and group joined, its accounts, topics and mentions aggregated."""
    accounts = _json_list(
        _json_pair(Account.slug, Account.name, dialect),
        and_(PostAccount.post_id == Post.id, Account.id == PostAccount.account_id),
        dialect,
    )
    topics = _json_list(
        Topic.name, and_(PostTopic.post_id == Post.id, Topic.id == PostTopic.topic_id), dialect
    )
    mentioned = aliased(User)
    mentions = _json_list(
        mentioned.handle,
        and_(PostMention.post_id == Post.id, mentioned.id == PostMention.user_id),
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


def hydrated(ids: Select[*tuple[Any, ...]], dialect: str) -> PostRows:
    """`ids` (a statement selecting post ids) turned into the statement of their API shapes,
    so a feed page is read in one round trip. Build it once: it is a statement, not a query."""
    return _hydrate(ids.subquery(), dialect)


def _group_ref(r: Row[Any]) -> GroupRef:
    return GroupRef.model_construct(slug=r.group_slug, name=r.group_name, private=r.group_private)


def _post_read(r: Row[Any]) -> PostRead:
    # Rows come from our own tables, so the models are built without re-validation.
    return PostRead.model_construct(
        id=r.id,
        kind=PostKind(r.kind),
        title=r.title,
        body=r.body,
        body_html=r.body_html,
        author=AuthorRead.model_construct(
            id=r.author_id,
            handle=r.handle,
            display_name=r.display_name,
            department=Department(r.department),
        ),
        accounts=[
            AccountRef.model_construct(slug=slug, name=name) for slug, name in sorted(r.accounts)
        ],
        topics=sorted(r.topics),
        mentions=sorted(r.mentions),
        group=None if r.group_slug is None else _group_ref(r),
        created_at=r.created_at,
        updated_at=r.updated_at,
        comment_count=r.comment_count,
        reactions={
            "like": r.like_count,
            "insightful": r.insightful_count,
            "celebrate": r.celebrate_count,
        },
    )


def shape_of(
    post: Post,
    *,
    author: User,
    accounts: list[Account],
    topic_names: list[str],
    mentions: list[str],
    group: Group | None,
) -> PostRead:
    """The API shape of a post just written, from the rows the writer holds: the same shape
    `read_posts` reads back (tests compare the two), without the round trip."""
    return PostRead.model_construct(
        id=post.id,
        kind=PostKind(post.kind),
        title=post.title,
        body=post.body,
        body_html=post.body_html,
        author=_author(author),
        accounts=[
            AccountRef.model_construct(slug=a.slug, name=a.name)
            for a in sorted(accounts, key=lambda a: a.slug)
        ],
        topics=sorted(topic_names),
        mentions=sorted(mentions),
        group=None
        if group is None
        else GroupRef.model_construct(slug=group.slug, name=group.name, private=group.private),
        created_at=post.created_at,
        updated_at=post.updated_at,
        comment_count=post.comment_count,
        reactions={
            "like": post.like_count,
            "insightful": post.insightful_count,
            "celebrate": post.celebrate_count,
        },
    )


async def read_posts(session: AsyncSession, ids: list[int]) -> list[PostRead]:
    """API shapes for the posts `ids`, in that order, in one query whatever the page size."""
    if not ids:
        return []
    found = await rows(session, _by_ids(dialect_name(session)), {"ids": ids})
    by_id = {r.id: _post_read(r) for r in found}
    return [by_id[i] for i in ids if i in by_id]


async def read_page(
    session: AsyncSession, statement: PostRows, params: dict[str, Any]
) -> list[PostRead]:
    """API shapes from a `hydrated` statement, in its order (newest first)."""
    return [_post_read(r) for r in await rows(session, statement, params)]


async def read_comments(session: AsyncSession, comments: list[Comment]) -> list[CommentRead]:
    authors = {
        u.id: u
        for u in await session.scalars(
            select(User).where(User.id.in_({c.author_id for c in comments}))
        )
    }
    return [
        CommentRead(
            id=c.id,
            post_id=c.post_id,
            parent_id=c.parent_id,
            body=c.body,
            body_html=c.body_html,
            author=_author(authors[c.author_id]),
            created_at=c.created_at,
        )
        for c in comments
    ]


async def reacted_kinds(
    session: AsyncSession, user_id: int, post_ids: list[int]
) -> dict[int, set[str]]:
    """The reactions `user_id` has given, per post (pages show them as pressed buttons)."""
    if not post_ids:
        return {}
    mine: dict[int, set[str]] = defaultdict(set)
    rows = await session.execute(
        select(Reaction.post_id, Reaction.kind).where(
            Reaction.user_id == user_id, Reaction.post_id.in_(post_ids)
        )
    )
    for post_id, kind in rows:
        mine[post_id].add(kind)
    return mine
