"""Post queries: loading visible posts and turning rows into API shapes in few round trips."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Result, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Account
from app.accounts.schemas import AccountRef
from app.core.visibility import Viewer
from app.groups.models import Group
from app.groups.schemas import GroupRef
from app.posts.models import Comment, Post, PostAccount, PostMention, PostTopic
from app.posts.schemas import AuthorRead, CommentRead, PostRead
from app.topics.models import Topic
from app.users.models import User


async def visible_post(session: AsyncSession, viewer: Viewer, post_id: int) -> Post | None:
    return await session.scalar(select(Post).where(Post.id == post_id, viewer.post_clause()))


async def confidential_account_ids(session: AsyncSession, post_id: int) -> list[int]:
    rows = await session.scalars(
        select(PostAccount.account_id)
        .join(Account, Account.id == PostAccount.account_id)
        .where(PostAccount.post_id == post_id, Account.confidential.is_(True))
    )
    return list(rows)


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


async def read_posts(session: AsyncSession, ids: list[int]) -> list[PostRead]:
    """API shapes for the posts `ids`, in that order: two queries whatever the page size."""
    if not ids:
        return []
    rows = await session.execute(
        select(Post, User, Group)
        .join(User, User.id == Post.author_id)
        .outerjoin(Group, Group.id == Post.group_id)
        .where(Post.id.in_(ids))
    )
    links: Result[str, int, str, str | None] = await session.execute(
        union_all(
            select(literal("a"), PostAccount.post_id, Account.slug, Account.name)
            .join(Account, Account.id == PostAccount.account_id)
            .where(PostAccount.post_id.in_(ids)),
            select(literal("t"), PostTopic.post_id, Topic.name, null())
            .join(Topic, Topic.id == PostTopic.topic_id)
            .where(PostTopic.post_id.in_(ids)),
            select(literal("m"), PostMention.post_id, User.handle, null())
            .join(User, User.id == PostMention.user_id)
            .where(PostMention.post_id.in_(ids)),
        )
    )
    accounts: dict[int, list[AccountRef]] = defaultdict(list)
    topics: dict[int, list[str]] = defaultdict(list)
    mentions: dict[int, list[str]] = defaultdict(list)
    for kind, post_id, name, label in links:
        if kind == "a":
            accounts[post_id].append(AccountRef(slug=name, name=label))
        elif kind == "t":
            topics[post_id].append(name)
        else:
            mentions[post_id].append(name)
    by_id: dict[int, PostRead] = {}
    for post, author, group in rows:
        by_id[post.id] = PostRead(
            id=post.id,
            kind=post.kind,
            title=post.title,
            body=post.body,
            body_html=post.body_html,
            author=_author(author),
            accounts=sorted(accounts[post.id], key=lambda a: a.slug),
            topics=sorted(topics[post.id]),
            mentions=sorted(mentions[post.id]),
            group=GroupRef.model_validate(group) if group else None,
            created_at=post.created_at,
            updated_at=post.updated_at,
            comment_count=post.comment_count,
            reactions={
                "like": post.like_count,
                "insightful": post.insightful_count,
                "celebrate": post.celebrate_count,
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
