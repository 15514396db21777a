"""Posts, comments and reactions: the writing side of Tandem."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repository as accounts_repo
from app.accounts.models import Account
from app.core.db import insert_ignore, utcnow
from app.core.errors import Forbidden, Invalid
from app.core.pagination import PageParams, page_of
from app.core.text import references, render_markdown
from app.core.visibility import Viewer
from app.feeds import service as feeds
from app.groups import service as groups
from app.groups.models import Group
from app.live import events as live
from app.notifications import service as notifications
from app.notifications.models import NotificationKind
from app.notifications.service import PostContext
from app.posts import repository
from app.posts.models import (
    Comment,
    Post,
    PostAccount,
    PostKind,
    PostMention,
    PostTopic,
    Reaction,
    ReactionKind,
)
from app.posts.schemas import CommentCreate, PostCreate, PostRead, PostUpdate
from app.topics import service as topics
from app.topics.models import Topic
from app.users import repository as users_repo
from app.users.models import User

BODY_LIMITS = {PostKind.blog: 100_000}
DEFAULT_BODY_LIMIT = 5_000
COMMENT_LIMIT = 5_000


def _check_text(kind: PostKind, title: str | None, body: str) -> None:
    limit = BODY_LIMITS.get(kind, DEFAULT_BODY_LIMIT)
    if len(body) > limit:
        raise Invalid(
            f"A {kind.value} may be at most {limit:,} characters; this one has {len(body):,}.",
            field="body.body",
            code="too_long",
        )
    if not body.strip():
        raise Invalid("The post needs some text.", field="body.body")
    if kind is PostKind.blog and not (title and title.strip()):
        raise Invalid("A blog post needs a title.", field="body.title")


async def _resolve_accounts(
    session: AsyncSession, viewer: Viewer, *, explicit: list[str], parsed: list[str]
) -> list[Account]:
    """Explicit slugs must exist (422 otherwise); unknown `$slug`s in the text stay text."""
    wanted = list(dict.fromkeys(s.strip().lstrip("$").lower() for s in explicit))
    found = await accounts_repo.visible_by_slugs(session, viewer, list({*wanted, *parsed}))
    by_slug = {a.slug: a for a in found}
    unknown = [s for s in wanted if s not in by_slug]
    if unknown:
        raise Invalid(
            f"Unknown account: {', '.join(unknown)}.", field="body.accounts", code="unknown_account"
        )
    return [by_slug[s] for s in dict.fromkeys([*wanted, *parsed]) if s in by_slug]


def _topic_names(explicit: list[str], parsed: list[str]) -> list[str]:
    names = [topics.normalize(t, field="body.topics") for t in explicit]
    return list(dict.fromkeys([*names, *parsed]))


def _context(post: Post, accounts: list[Account]) -> PostContext:
    return PostContext(
        post_id=post.id,
        group_id=post.group_id,
        group_private=post.group_private,
        confidential_account_ids=tuple(a.id for a in accounts if a.confidential),
    )


async def _group_for_post(session: AsyncSession, viewer: Viewer, slug: str) -> Group:
    group = await groups.visible_by_slug(session, viewer, slug)
    if group is None:
        raise Invalid("Unknown group.", field="body.group", code="unknown_group")
    if group.id not in viewer.group_ids:
        raise Forbidden("Join the group before posting in it.")
    return group


async def create(
    session: AsyncSession, *, author: User, viewer: Viewer, data: PostCreate
) -> PostRead:
    """Publish a post, link what it references and notify who it concerns; returns the post
    in its API shape (built from what was written, not read back)."""
    _check_text(data.kind, data.title, data.body)
    refs = references(data.body)
    accounts = await _resolve_accounts(
        session, viewer, explicit=data.accounts, parsed=refs.accounts
    )
    topic_names = _topic_names(data.topics, refs.topics)
    mentioned = await users_repo.by_handles(session, refs.mentions)
    group = await _group_for_post(session, viewer, data.group) if data.group else None
    post = Post(
        kind=data.kind.value,
        title=data.title or None,
        body=data.body,
        body_html=_render(data.body, accounts, mentioned),
        author_id=author.id,
        group_id=group.id if group else None,
        group_private=bool(group and group.private),
        confidential=any(a.confidential for a in accounts),
    )
    session.add(post)
    await session.flush()
    topic_rows = await topics.ensure(session, topic_names)
    await _link(session, post.id, accounts=accounts, topic_rows=topic_rows, mentioned=mentioned)
    await topics.adjust_counts(session, [t.id for t in topic_rows], +1)
    await feeds.fan_out(
        session,
        post_id=post.id,
        author_id=author.id,
        account_ids=[a.id for a in accounts],
        topic_ids=[t.id for t in topic_rows],
        group_id=post.group_id,
    )
    await notifications.notify(
        session,
        actor_id=author.id,
        targets=[
            *((u.id, NotificationKind.mention) for u in mentioned),
            *((a.owner_id, NotificationKind.account_post) for a in accounts if a.owner_id),
        ],
        post=_context(post, accounts),
    )
    read = repository.shape_of(
        post,
        author=author,
        accounts=accounts,
        topic_names=[t.name for t in topic_rows],
        mentions=[u.handle for u in mentioned],
        group=group,
    )
    await _post_event(
        session,
        live.POST_CREATED,
        post,
        data=read.model_dump(mode="json"),
        account_ids=[a.id for a in accounts],
        topic_ids=[t.id for t in topic_rows],
        seen_by=_context(post, accounts).visibility(),
    )
    return read


async def _post_event(
    session: AsyncSession,
    type: str,
    post: Post,
    *,
    data: dict[str, object],
    account_ids: Collection[int],
    topic_ids: Collection[int],
    seen_by: dict[str, object],
) -> None:
    await live.post_changed(
        session,
        type,
        data=data,
        post_id=post.id,
        author_id=post.author_id,
        account_ids=account_ids,
        topic_ids=topic_ids,
        group_id=post.group_id,
        seen_by=seen_by,
    )


async def _thread_event(
    session: AsyncSession, type: str, post: Post, data: dict[str, object]
) -> None:
    await live.thread_activity(
        session,
        type,
        data=data,
        post_id=post.id,
        participant_ids=await repository.participant_ids(session, post),
        seen_by=(await _post_context(session, post)).visibility(),
    )


def _render(body: str, accounts: list[Account], mentioned: list[User]) -> str:
    return render_markdown(
        body, accounts=[a.slug for a in accounts], users=[u.handle for u in mentioned]
    )


async def _link(
    session: AsyncSession,
    post_id: int,
    *,
    accounts: list[Account],
    topic_rows: list[Topic],
    mentioned: list[User],
) -> None:
    tables = (
        (PostAccount, [{"post_id": post_id, "account_id": a.id} for a in accounts]),
        (PostTopic, [{"post_id": post_id, "topic_id": t.id} for t in topic_rows]),
        (PostMention, [{"post_id": post_id, "user_id": u.id} for u in mentioned]),
    )
    for model, rows in tables:
        if rows:
            await session.execute(insert(model), rows)


async def update_post(
    session: AsyncSession, *, actor: User, viewer: Viewer, post: Post, data: PostUpdate
) -> Post:
    """Edit a post (author only); references are re-parsed and new mentions notified."""
    if post.author_id != actor.id:
        raise Forbidden("Only the author can edit a post.")
    kind = PostKind(post.kind)
    title = data.title if "title" in data.model_fields_set else post.title
    body = data.body if data.body is not None else post.body
    _check_text(kind, title, body)
    old_refs, new_refs = references(post.body), references(body)
    account_ids, topic_ids, mention_ids = await repository.link_ids(session, post.id)
    current_accounts = await session.scalars(select(Account).where(Account.id.in_(account_ids)))
    current_topics = await session.scalars(select(Topic).where(Topic.id.in_(topic_ids)))
    # What was given explicitly (not parsed from the old body) stays unless replaced.
    explicit_accounts = (
        data.accounts
        if data.accounts is not None
        else [a.slug for a in current_accounts if a.slug not in old_refs.accounts]
    )
    explicit_topics = (
        data.topics
        if data.topics is not None
        else [t.name for t in current_topics if t.name not in old_refs.topics]
    )
    accounts = await _resolve_accounts(
        session, viewer, explicit=explicit_accounts, parsed=new_refs.accounts
    )
    topic_rows = await topics.ensure(session, _topic_names(explicit_topics, new_refs.topics))
    mentioned = await users_repo.by_handles(session, new_refs.mentions)

    for model in (PostAccount, PostTopic, PostMention):
        await session.execute(delete(model).where(model.post_id == post.id))
    await _link(session, post.id, accounts=accounts, topic_rows=topic_rows, mentioned=mentioned)
    new_topic_ids = {t.id for t in topic_rows}
    await topics.adjust_counts(session, topic_ids - new_topic_ids, -1)
    await topics.adjust_counts(session, new_topic_ids - topic_ids, +1)
    if {a.id for a in accounts} != account_ids or new_topic_ids != topic_ids:
        await feeds.fan_out(
            session,
            post_id=post.id,
            author_id=post.author_id,
            account_ids=[a.id for a in accounts],
            topic_ids=new_topic_ids,
            group_id=post.group_id,
            replace=True,
        )

    post.title = title or None
    post.body = body
    post.body_html = _render(body, accounts, mentioned)
    post.confidential = any(a.confidential for a in accounts)
    post.updated_at = utcnow()
    await session.flush()
    await notifications.notify(
        session,
        actor_id=actor.id,
        targets=[(u.id, NotificationKind.mention) for u in mentioned if u.id not in mention_ids],
        post=_context(post, accounts),
    )
    [read] = await repository.read_posts(session, [post.id])
    await _post_event(
        session,
        live.POST_UPDATED,
        post,
        data=read.model_dump(mode="json"),
        account_ids=[a.id for a in accounts],
        topic_ids=new_topic_ids,
        seen_by=_context(post, accounts).visibility(),
    )
    return post


async def delete_post(session: AsyncSession, *, actor: User, post: Post) -> None:
    """Delete a post (its author or an admin) with its comments, reactions and links."""
    if post.author_id != actor.id and not actor.is_admin:
        raise Forbidden("Only the author or an admin can delete a post.")
    account_ids, topic_ids, _ = await repository.link_ids(session, post.id)
    await topics.adjust_counts(session, topic_ids, -1)
    seen_by = (await _post_context(session, post)).visibility()
    await session.execute(delete(Post).where(Post.id == post.id))
    await feeds.forget_post(session, post_id=post.id)
    await _post_event(
        session,
        live.POST_DELETED,
        post,
        data={"id": post.id},
        account_ids=account_ids,
        topic_ids=topic_ids,
        seen_by=seen_by,
    )


async def _post_context(session: AsyncSession, post: Post) -> PostContext:
    return PostContext(
        post_id=post.id,
        group_id=post.group_id,
        group_private=post.group_private,
        confidential_account_ids=tuple(await repository.confidential_account_ids(session, post.id)),
    )


async def add_comment(
    session: AsyncSession, *, author: User, viewer: Viewer, post: Post, data: CommentCreate
) -> Comment:
    """Comment on a post, or reply to a comment (replies are one level deep)."""
    if len(data.body) > COMMENT_LIMIT:
        raise Invalid(
            f"A comment may be at most {COMMENT_LIMIT:,} characters; this one has "
            f"{len(data.body):,}.",
            field="body.body",
            code="too_long",
        )
    if not data.body.strip():
        raise Invalid("The comment needs some text.", field="body.body")
    parent = await session.get(Comment, data.parent_id) if data.parent_id else None
    if data.parent_id and (parent is None or parent.post_id != post.id):
        raise Invalid("parent_id is not a comment on this post.", field="body.parent_id")
    refs = references(data.body)
    accounts = await accounts_repo.visible_by_slugs(session, viewer, refs.accounts)
    mentioned = await users_repo.by_handles(session, refs.mentions)
    comment = Comment(
        post_id=post.id,
        # A reply to a reply joins the thread of the top-level comment.
        parent_id=(parent.parent_id or parent.id) if parent else None,
        author_id=author.id,
        body=data.body,
        body_html=_render(data.body, accounts, mentioned),
    )
    session.add(comment)
    await session.flush()
    await session.execute(
        update(Post).where(Post.id == post.id).values(comment_count=Post.comment_count + 1)
    )
    await notifications.notify(
        session,
        actor_id=author.id,
        targets=[
            *([(parent.author_id, NotificationKind.reply)] if parent else []),
            (post.author_id, NotificationKind.comment),
            *((u.id, NotificationKind.mention) for u in mentioned),
        ],
        post=await _post_context(session, post),
        comment_id=comment.id,
    )
    [read] = await repository.read_comments(session, [comment])
    await _thread_event(session, live.COMMENT_CREATED, post, read.model_dump(mode="json"))
    return comment


async def list_comments(
    session: AsyncSession, *, post: Post, page: PageParams
) -> tuple[list[Comment], str | None]:
    stmt = select(Comment).where(Comment.post_id == post.id)
    after = page.after_id()
    if after is not None:
        stmt = stmt.where(Comment.id < after)
    rows = list(await session.scalars(stmt.order_by(Comment.id.desc()).limit(page.limit + 1)))
    return page_of(rows, page.limit, key=lambda c: c.id)


async def react(session: AsyncSession, *, user: User, post: Post, kind: ReactionKind) -> None:
    """Add a reaction; doing it twice changes nothing."""
    added = await insert_ignore(
        session, Reaction, {"post_id": post.id, "user_id": user.id, "kind": kind.value}
    )
    if not added:
        return
    column = getattr(Post, f"{kind.value}_count")
    await session.execute(update(Post).where(Post.id == post.id).values({column: column + 1}))
    await notifications.notify(
        session,
        actor_id=user.id,
        targets=[(post.author_id, NotificationKind.reaction)],
        post=await _post_context(session, post),
    )
    await _reaction_event(session, post=post, user=user, kind=kind, added=True)


async def _reaction_event(
    session: AsyncSession, *, post: Post, user: User, kind: ReactionKind, added: bool
) -> None:
    data: dict[str, object] = {
        "post_id": post.id,
        "user_id": user.id,
        "kind": kind.value,
        "added": added,
        "reactions": await repository.reaction_counts(session, post.id),
    }
    await _thread_event(session, live.REACTION_CHANGED, post, data)


async def unreact(session: AsyncSession, *, user: User, post: Post, kind: ReactionKind) -> None:
    result = await session.execute(
        delete(Reaction).where(
            Reaction.post_id == post.id, Reaction.user_id == user.id, Reaction.kind == kind.value
        )
    )
    if getattr(result, "rowcount", 0):
        column = getattr(Post, f"{kind.value}_count")
        await session.execute(update(Post).where(Post.id == post.id).values({column: column - 1}))
        await _reaction_event(session, post=post, user=user, kind=kind, added=False)
