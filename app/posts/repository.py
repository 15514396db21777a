"""Post queries: loading visible posts and turning rows into API shapes in few round trips."""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Result,
    any_,
    bindparam,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.expression import Executable

from app.accounts.models import Account
from app.accounts.schemas import AccountRef
from app.core.db import dialect_name
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


def _in_ids(column: InstrumentedAttribute[int], dialect: str) -> ColumnElement[bool]:
    # PostgreSQL takes the ids as one array parameter, so the SQL text (and the prepared
    # statement) is the same for every page; SQLite expands an IN list.
    if dialect == "postgresql":
        return column == any_(bindparam("ids", type_=postgresql.ARRAY(BigInteger)))
    return column.in_(bindparam("ids", expanding=True))


@cache
def _post_statements(dialect: str) -> tuple[Executable, Executable]:
    """The two statements that turn post ids into API shapes, built once per dialect."""
    posts = (
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
        )
        .join(User, User.id == Post.author_id)
        .outerjoin(Group, Group.id == Post.group_id)
        .where(_in_ids(Post.id, dialect))
    )
    links: Executable = union_all(
        select(literal("a"), PostAccount.post_id, Account.slug, Account.name)
        .join(Account, Account.id == PostAccount.account_id)
        .where(_in_ids(PostAccount.post_id, dialect)),
        select(literal("t"), PostTopic.post_id, Topic.name, null())
        .join(Topic, Topic.id == PostTopic.topic_id)
        .where(_in_ids(PostTopic.post_id, dialect)),
        select(literal("m"), PostMention.post_id, User.handle, null())
        .join(User, User.id == PostMention.user_id)
        .where(_in_ids(PostMention.post_id, dialect)),
    )
    return posts, links


async def read_posts(session: AsyncSession, ids: list[int]) -> list[PostRead]:
    """API shapes for the posts `ids`, in that order: two queries whatever the page size."""
    if not ids:
        return []
    posts_statement, links_statement = _post_statements(dialect_name(session))
    rows = await session.execute(posts_statement, {"ids": ids})
    links: Result[str, int, str, str | None] = await session.execute(links_statement, {"ids": ids})
    accounts: dict[int, list[AccountRef]] = defaultdict(list)
    topics: dict[int, list[str]] = defaultdict(list)
    mentions: dict[int, list[str]] = defaultdict(list)
    for kind, post_id, name, label in links:
        if kind == "a":
            accounts[post_id].append(AccountRef.model_construct(slug=name, name=label or ""))
        elif kind == "t":
            topics[post_id].append(name)
        else:
            mentions[post_id].append(name)
    # Rows come from our own tables, so the models are built without re-validation.
    by_id: dict[int, PostRead] = {}
    for r in rows:
        by_id[r.id] = PostRead.model_construct(
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
            accounts=sorted(accounts[r.id], key=lambda a: a.slug),
            topics=sorted(topics[r.id]),
            mentions=sorted(mentions[r.id]),
            group=GroupRef.model_construct(
                slug=r.group_slug, name=r.group_name, private=r.group_private
            )
            if r.group_slug is not None
            else None,
            created_at=r.created_at,
            updated_at=r.updated_at,
            comment_count=r.comment_count,
            reactions={
                "like": r.like_count,
                "insightful": r.insightful_count,
                "celebrate": r.celebrate_count,
            },
        )
    return [by_id[i] for i in ids if i in by_id]


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
