"""Posts, comments and reactions: the writing side of Tandem.

A write resolves what the text references (accounts, people, topics, the group: the domains
below), writes the post and its links, and publishes one domain event (`app.posts.events`);
feeds, notifications, topic counters and the outbox react to it in the same transaction.
Services return the API shapes (`PostRead`, `CommentRead`), built once.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as accounts
from app.accounts.models import Account
from app.core import events
from app.core.errors import Forbidden, Invalid, NotFound
from app.core.pagination import PageParams
from app.core.text import references, render_markdown
from app.files import service as files
from app.files.models import File
from app.files.storage import Storage
from app.groups import service as groups
from app.groups.models import Group
from app.posts import extensions, read, repository
from app.posts.events import (
    CommentAdded,
    PostCreated,
    PostDeleted,
    PostPlace,
    PostUpdated,
    ReactionChanged,
)
from app.posts.models import Comment, Post, PostKind, ReactionKind
from app.posts.repository import PostRows
from app.posts.schemas import CommentCreate, CommentRead, PostCreate, PostRead, PostUpdate
from app.topics import service as topics
from app.topics.models import Topic
from app.users import service as users
from app.users.models import User
from app.visibility import PostVisibility, Viewer

BODY_LIMITS = {PostKind.blog: 100_000}
DEFAULT_BODY_LIMIT = 5_000
COMMENT_LIMIT = 5_000
# What one text may link: beyond these a post is refused (each topic is a row, a feed
# audience and a live channel; one post once created 33,334 topics).
MAX_TOPICS = 30
MAX_MENTIONS = 50
MAX_ACCOUNTS = 20


def _check_links(*, accounts: int, topics: int, mentions: int, field: str) -> None:
    for count, limit, what in (
        (accounts, MAX_ACCOUNTS, "accounts"),
        (topics, MAX_TOPICS, "topics"),
        (mentions, MAX_MENTIONS, "mentions"),
    ):
        if count > limit:
            raise Invalid(
                f"A text may name at most {limit} {what}; this one names {count}.",
                field=field,
                code=f"too_many_{what}",
            )


def _check_details(
    kind: PostKind,
    collateral: dict[str, Any] | None,
    story: dict[str, Any] | None,
    to_department: object = None,
) -> None:
    """The details of one kind are given only with that kind (their domain checks them)."""
    for given, owner, field in (
        (collateral, PostKind.collateral, "collateral"),
        (story, PostKind.win_story, "story"),
        (to_department, PostKind.question, "to_department"),
    ):
        if given is not None and kind is not owner:
            raise Invalid(
                f"Only a {owner.value.replace('_', ' ')} post has `{field}`.", field=f"body.{field}"
            )


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
    _check_links(accounts=len({*wanted, *parsed}), topics=0, mentions=0, field="body.accounts")
    found = await accounts.visible_by_slugs(session, viewer, list({*wanted, *parsed}))
    by_slug = {a.slug: a for a in found}
    unknown = [s for s in wanted if s not in by_slug]
    if unknown:
        raise Invalid(
            f"Unknown account: {', '.join(unknown)}.", field="body.accounts", code="unknown_account"
        )
    return [by_slug[s] for s in dict.fromkeys([*wanted, *parsed]) if s in by_slug]


def _topic_names(explicit: list[str], parsed: list[str]) -> list[str]:
    names = list(dict.fromkeys([*(t.strip().lstrip("#").lower() for t in explicit), *parsed]))
    _check_links(accounts=0, topics=len(names), mentions=0, field="body.topics")
    return list(dict.fromkeys(topics.normalize(t, field="body.topics") for t in names))


async def _group_for_post(session: AsyncSession, viewer: Viewer, slug: str) -> Group:
    group = await groups.visible_by_slug(session, viewer, slug)
    if group is None:
        raise Invalid("Unknown group.", field="body.group", code="unknown_group")
    if group.id not in viewer.group_ids:
        raise Forbidden("Join the group before posting in it.")
    return group


def _render(body: str, accounts: list[Account], mentioned: list[User]) -> str:
    return render_markdown(
        body, accounts=[a.slug for a in accounts], users=[u.handle for u in mentioned]
    )


def _place(post: Post, accounts: list[Account], topic_ids: set[int]) -> PostPlace:
    return PostPlace(
        post_id=post.id,
        author_id=post.author_id,
        group_id=post.group_id,
        account_ids=frozenset(a.id for a in accounts),
        topic_ids=frozenset(topic_ids),
        visibility=PostVisibility.of(
            group_id=post.group_id,
            group_private=post.group_private,
            confidential_account_ids=(a.id for a in accounts if a.confidential),
        ),
    )


async def _link(
    session: AsyncSession,
    place: PostPlace,
    tagged: list[Account],
    topic_rows: list[Topic],
    mentioned: list[User],
) -> None:
    await repository.link(
        session,
        place.post_id,
        account_ids=[a.id for a in tagged],
        topic_ids=[t.id for t in topic_rows],
        mention_ids=[u.id for u in mentioned],
        restricted=place.visibility.restricted,
    )


async def visibility_of(session: AsyncSession, post: Post) -> PostVisibility:
    """Who may see the post, as the live events and notifications carry it."""
    return PostVisibility.of(
        group_id=post.group_id,
        group_private=post.group_private,
        confidential_account_ids=await repository.confidential_account_ids(session, post.id),
    )


async def _attachments(session: AsyncSession, viewer: Viewer, ids: list[int]) -> list[File]:
    """The files to attach, in order, once each; 404 for one the author may not see."""
    return await files.visible_files(session, viewer, list(dict.fromkeys(ids)))


async def _delete_unused_files(
    session: AsyncSession, storage: Storage, file_ids: Collection[int]
) -> None:
    """Files no post carries any more go (their bytes after the commit)."""
    unused = set(file_ids) - await repository.attached_elsewhere(session, file_ids)
    await files.delete(session, storage, unused)


async def create(
    session: AsyncSession, *, author: User, viewer: Viewer, data: PostCreate
) -> PostRead:
    """Publish a post and link what it references; returns the post in its API shape (built
    from what was written, not read back)."""
    _check_text(data.kind, data.title, data.body)
    _check_details(data.kind, data.collateral, data.story, data.to_department)
    attachments = await _attachments(session, viewer, data.attachments)
    refs = references(data.body)
    _check_links(accounts=0, topics=0, mentions=len(refs.mentions), field="body.body")
    tagged = await _resolve_accounts(session, viewer, explicit=data.accounts, parsed=refs.accounts)
    topic_names = _topic_names(data.topics, refs.topics)
    mentioned = await users.by_handles(session, refs.mentions)
    group = await _group_for_post(session, viewer, data.group) if data.group else None
    post = Post(
        kind=data.kind,
        title=data.title or None,
        body=data.body,
        body_html=_render(data.body, tagged, mentioned),
        author_id=author.id,
        group_id=group.id if group else None,
        group_private=bool(group and group.private),
        confidential=any(a.confidential for a in tagged),
    )
    session.add(post)
    await session.flush()
    topic_rows = await topics.ensure(session, topic_names)
    place = _place(post, tagged, {t.id for t in topic_rows})
    await _link(session, place, tagged, topic_rows, mentioned)
    await repository.attach(session, post.id, [f.id for f in attachments])
    shape = read.post_as_written(
        post,
        author=author,
        accounts=tagged,
        topic_names=[t.name for t in topic_rows],
        mentions=[u.handle for u in mentioned],
        group=group,
        attachments=attachments,
    )
    await events.publish(
        session,
        PostCreated(
            place=place,
            post=shape,
            mention_ids=tuple(u.id for u in mentioned),
            account_owner_ids=tuple(a.owner_id for a in tagged if a.owner_id),
            collateral=data.collateral,
            to_department=data.to_department.value if data.to_department else None,
            story=data.story,
        ),
    )
    # What the other domains add to the shape (a collateral post's details, just written).
    [shape] = await extensions.apply(session, viewer, [shape.model_copy()])
    return shape


async def update_post(
    session: AsyncSession,
    *,
    actor: User,
    viewer: Viewer,
    post: Post,
    data: PostUpdate,
    storage: Storage,
) -> PostRead:
    """Edit a post (author only); references are re-parsed, given attachments replace the
    post's (files no post carries any more are deleted). Returns the edited post."""
    if post.author_id != actor.id:
        raise Forbidden("Only the author can edit a post.")
    kind = PostKind(post.kind)
    title = data.title if "title" in data.model_fields_set else post.title
    body = data.body if data.body is not None else post.body
    _check_text(kind, title, body)
    _check_details(kind, data.collateral, data.story)
    old_refs, new_refs = references(post.body), references(body)
    _check_links(accounts=0, topics=0, mentions=len(new_refs.mentions), field="body.body")
    account_ids, topic_ids, mention_ids = await repository.link_ids(session, post.id)
    current_accounts = await accounts.by_ids(session, account_ids)
    current_topics = await topics.by_ids(session, topic_ids)
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
    tagged = await _resolve_accounts(
        session, viewer, explicit=explicit_accounts, parsed=new_refs.accounts
    )
    topic_rows = await topics.ensure(session, _topic_names(explicit_topics, new_refs.topics))
    mentioned = await users.by_handles(session, new_refs.mentions)
    previous = _place(post, current_accounts, topic_ids)
    attached = await repository.attachment_ids(session, post.id)
    if data.attachments is not None:
        wanted = [f.id for f in await _attachments(session, viewer, data.attachments)]
    else:
        wanted = attached
    content_changed = body != post.body or wanted != attached

    post.confidential = any(a.confidential for a in tagged)
    place = _place(post, tagged, {t.id for t in topic_rows})
    await repository.unlink(session, post.id)
    await _link(session, place, tagged, topic_rows, mentioned)
    post.title = title or None
    post.body = body
    post.body_html = _render(body, tagged, mentioned)
    if wanted != attached:
        await repository.attach(session, post.id, wanted)
        await _delete_unused_files(session, storage, set(attached) - set(wanted))
    await session.flush()
    shape = await read_one(session, viewer, post.id)
    await events.publish(
        session,
        PostUpdated(
            place=place,
            previous=previous,
            post=shape,
            actor_id=actor.id,
            new_mention_ids=tuple(u.id for u in mentioned if u.id not in mention_ids),
            content_changed=content_changed,
            collateral=data.collateral,
            story=data.story,
        ),
    )
    changed_details = data.story is not None or data.collateral is not None
    if changed_details or (content_changed and kind is PostKind.collateral):
        # The reactors changed what the shape shows (a new version, a new status, a story).
        return await read_one(session, viewer, post.id)
    return shape


async def delete_post(session: AsyncSession, *, actor: User, post: Post, storage: Storage) -> None:
    """Delete a post (its author or an admin) with its comments, reactions and links, and
    the files no other post carries."""
    if post.author_id != actor.id and not actor.is_admin:
        raise Forbidden("Only the author or an admin can delete a post.")
    account_ids, topic_ids, _ = await repository.link_ids(session, post.id)
    place = PostPlace(
        post_id=post.id,
        author_id=post.author_id,
        group_id=post.group_id,
        account_ids=frozenset(account_ids),
        topic_ids=frozenset(topic_ids),
        visibility=await visibility_of(session, post),
    )
    attached = await repository.attachment_ids(session, post.id)
    await repository.delete_post(session, post.id)
    await _delete_unused_files(session, storage, attached)
    await events.publish(session, PostDeleted(place=place))


async def add_comment(
    session: AsyncSession, *, author: User, viewer: Viewer, post: Post, data: CommentCreate
) -> CommentRead:
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
    parent = (
        await repository.comment_of(session, post.id, data.parent_id) if data.parent_id else None
    )
    if data.parent_id and parent is None:
        raise Invalid("parent_id is not a comment on this post.", field="body.parent_id")
    refs = references(data.body)
    _check_links(
        accounts=len(refs.accounts), topics=0, mentions=len(refs.mentions), field="body.body"
    )
    tagged = await accounts.visible_by_slugs(session, viewer, refs.accounts)
    mentioned = await users.by_handles(session, refs.mentions)
    comment = Comment(
        post_id=post.id,
        # A reply to a reply joins the thread of the top-level comment.
        parent_id=(parent.parent_id or parent.id) if parent else None,
        author_id=author.id,
        body=data.body,
        body_html=_render(data.body, tagged, mentioned),
    )
    session.add(comment)
    await session.flush()
    await repository.add_to_count(session, post.id, "comment_count", +1)
    shape = read.comment_read(comment, author)
    await events.publish(
        session,
        CommentAdded(
            comment=shape,
            post_author_id=post.author_id,
            parent_author_id=parent.author_id if parent else None,
            mention_ids=tuple(u.id for u in mentioned),
            visibility=await visibility_of(session, post),
        ),
    )
    return shape


async def list_comments(
    session: AsyncSession, *, post: Post, page: PageParams
) -> tuple[list[CommentRead], str | None]:
    """The post's comments, newest first."""
    found, cursor = await repository.comments_page(session, post.id, page)
    return await _comment_reads(session, found), cursor


async def _comment_reads(session: AsyncSession, comments: list[Comment]) -> list[CommentRead]:
    authors = await repository.users_by_id(session, {c.author_id for c in comments})
    return [read.comment_read(c, authors[c.author_id]) for c in comments]


async def get_comment(session: AsyncSession, *, post: Post, comment_id: int) -> CommentRead:
    comment = await repository.comment_of(session, post.id, comment_id)
    if comment is None:
        raise NotFound("No such comment.")
    [shape] = await _comment_reads(session, [comment])
    return shape


async def react(session: AsyncSession, *, user: User, post: Post, kind: ReactionKind) -> None:
    """Add a reaction; doing it twice changes nothing."""
    if await repository.add_reaction(session, post.id, user.id, kind.value):
        await repository.add_to_count(session, post.id, f"{kind.value}_count", +1)
        await _reaction_changed(session, post=post, user=user, kind=kind, added=True)


async def unreact(session: AsyncSession, *, user: User, post: Post, kind: ReactionKind) -> None:
    if await repository.remove_reaction(session, post.id, user.id, kind.value):
        await repository.add_to_count(session, post.id, f"{kind.value}_count", -1)
        await _reaction_changed(session, post=post, user=user, kind=kind, added=False)


async def _reaction_changed(
    session: AsyncSession, *, post: Post, user: User, kind: ReactionKind, added: bool
) -> None:
    await events.publish(
        session,
        ReactionChanged(
            post_id=post.id,
            post_author_id=post.author_id,
            user_id=user.id,
            kind=kind,
            added=added,
            reactions=await repository.reaction_counts(session, post.id),
            visibility=await visibility_of(session, post),
        ),
    )


# Reading.


async def get_visible(session: AsyncSession, viewer: Viewer, post_id: int) -> Post:
    """The post, if the viewer may see it; 404 otherwise, exactly as if it did not exist."""
    post = await repository.visible_post(session, viewer, post_id)
    if post is None:
        raise NotFound("No such post.")
    return post


async def find_visible(session: AsyncSession, viewer: Viewer, post_id: int) -> Post | None:
    return await repository.visible_post(session, viewer, post_id)


async def read_one(session: AsyncSession, viewer: Viewer, post_id: int) -> PostRead:
    [shape] = await read_posts(session, viewer, [post_id])
    return shape


async def read_posts(session: AsyncSession, viewer: Viewer, ids: list[int]) -> list[PostRead]:
    """API shapes for the posts `ids`, in that order, in one query whatever their number
    (and what the registered readers add for `viewer`: `app.posts.extensions`)."""
    if not ids:
        return []
    by_id = {r.id: read.post_from_row(r) for r in await repository.rows_by_ids(session, ids)}
    return await extensions.apply(session, viewer, [by_id[i] for i in ids if i in by_id])


def hydrated(ids: Select[Any], dialect: str) -> PostRows:
    """The statement reading the posts `ids` selects in their API shape, in one round trip
    (see `repository.hydrate`); feeds build theirs once per dialect."""
    return repository.hydrate(ids, dialect)


async def read_page(
    session: AsyncSession, viewer: Viewer, statement: PostRows, params: dict[str, Any]
) -> list[PostRead]:
    """API shapes from a `hydrated` statement, in its order (newest first)."""
    shapes = [
        read.post_from_row(r) for r in await repository.hydrated_rows(session, statement, params)
    ]
    return await extensions.apply(session, viewer, shapes)


async def participant_ids(session: AsyncSession, *, post_id: int, author_id: int) -> set[int]:
    """The post's author and everyone who commented on it."""
    return {author_id, *await repository.commenter_ids(session, post_id)}


async def reacted_kinds(
    session: AsyncSession, user_id: int, post_ids: list[int]
) -> dict[int, set[str]]:
    """The reactions `user_id` has given, per post (pages show them as pressed buttons)."""
    return await repository.reacted_kinds(session, user_id, post_ids)
