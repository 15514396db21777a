"""The posts domain's presenters: rows and objects turned into `PostRead` and `CommentRead`.

Rows come from our own tables, so the models are built without re-validation
(`model_construct`): a feed page builds twenty of them per request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from app.accounts.models import Account
from app.accounts.schemas import AccountRef
from app.files.models import File
from app.files.schemas import FileRef
from app.groups.models import Group
from app.groups.schemas import GroupRef
from app.posts import extensions
from app.posts.models import Comment, Post
from app.posts.schemas import AuthorRead, CommentRead, PostRead
from app.users.models import User


def author_read(user: User) -> AuthorRead:
    return AuthorRead.model_construct(
        id=user.id, handle=user.handle, display_name=user.display_name, department=user.department
    )


def _shape(
    post: Row[Any] | Post,
    *,
    author: AuthorRead,
    accounts: list[AccountRef],
    topics: list[str],
    mentions: list[str],
    group: GroupRef | None,
    attachments: list[FileRef],
) -> PostRead:
    """A post's API shape from a row or an object: both name their columns alike."""
    return PostRead.model_construct(
        id=post.id,
        kind=post.kind,
        title=post.title,
        body=post.body,
        body_html=post.body_html,
        author=author,
        accounts=accounts,
        topics=sorted(topics),
        mentions=sorted(mentions),
        group=group,
        created_at=post.created_at,
        updated_at=post.updated_at,
        comment_count=post.comment_count,
        reactions={
            "like": post.like_count,
            "insightful": post.insightful_count,
            "celebrate": post.celebrate_count,
        },
        attachments=attachments,
    )


def _file_ref(file: File) -> FileRef:
    return FileRef.model_construct(
        id=file.id, name=file.name, content_type=file.content_type, size=file.size
    )


def post_from_row(r: Row[Any]) -> PostRead:
    """A post from a row of `repository.hydrate`'s statement."""
    shape = _shape(
        r,
        author=AuthorRead.model_construct(
            id=r.author_id, handle=r.handle, display_name=r.display_name, department=r.department
        ),
        accounts=[
            AccountRef.model_construct(slug=slug, name=name) for slug, name in sorted(r.accounts)
        ],
        topics=r.topics,
        mentions=r.mentions,
        group=None
        if r.group_slug is None
        else GroupRef.model_construct(
            slug=r.group_slug, name=r.group_name, private=r.group_private
        ),
        attachments=[
            FileRef.model_construct(id=i, name=name, content_type=content_type, size=size)
            for _, i, name, content_type, size in sorted(r.attachments, key=lambda a: a[0])
        ],
    )
    extensions.fill(shape, r)
    return shape


def post_as_written(
    post: Post,
    *,
    author: User,
    accounts: list[Account],
    topic_names: list[str],
    mentions: list[str],
    group: Group | None,
    attachments: list[File],
) -> PostRead:
    """A post just written, from the rows the writer holds: the same shape `post_from_row`
    reads back (tests compare the two), without the round trip."""
    return _shape(
        post,
        author=author_read(author),
        accounts=[
            AccountRef.model_construct(slug=a.slug, name=a.name)
            for a in sorted(accounts, key=lambda a: a.slug)
        ],
        topics=topic_names,
        mentions=mentions,
        group=None
        if group is None
        else GroupRef.model_construct(slug=group.slug, name=group.name, private=group.private),
        attachments=[_file_ref(f) for f in attachments],
    )


def comment_read(comment: Comment, author: User) -> CommentRead:
    return CommentRead(
        id=comment.id,
        post_id=comment.post_id,
        parent_id=comment.parent_id,
        body=comment.body,
        body_html=comment.body_html,
        author=author_read(author),
        created_at=comment.created_at,
    )
