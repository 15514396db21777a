from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.auth.deps import CurrentUser, CurrentViewer
from app.core.deps import DbSession
from app.core.pagination import Page, PageQuery
from app.core.types import PathId
from app.files.deps import FileStorage
from app.posts import service
from app.posts.models import Post, ReactionKind
from app.posts.schemas import CommentCreate, CommentRead, PostCreate, PostRead, PostUpdate

router = APIRouter(prefix="/api/v1/posts", tags=["posts"])


async def _visible_post(post_id: PathId, session: DbSession, viewer: CurrentViewer) -> Post:
    return await service.get_visible(session, viewer, post_id)


# The post of the path, if the caller may see it; 404 otherwise.
VisiblePost = Annotated[Post, Depends(_visible_post)]


@router.post("", status_code=201)
async def create_post(
    body: PostCreate, session: DbSession, user: CurrentUser, viewer: CurrentViewer
) -> PostRead:
    return await service.create(session, author=user, viewer=viewer, data=body)


@router.get("/{post_id}")
async def get_post(post: VisiblePost, session: DbSession, viewer: CurrentViewer) -> PostRead:
    return await service.read_one(session, viewer, post.id)


@router.patch("/{post_id}")
async def update_post(
    body: PostUpdate,
    post: VisiblePost,
    session: DbSession,
    user: CurrentUser,
    viewer: CurrentViewer,
    storage: FileStorage,
) -> PostRead:
    return await service.update_post(
        session, actor=user, viewer=viewer, post=post, data=body, storage=storage
    )


@router.delete("/{post_id}", status_code=204)
async def delete_post(
    post: VisiblePost, session: DbSession, user: CurrentUser, storage: FileStorage
) -> Response:
    await service.delete_post(session, actor=user, post=post, storage=storage)
    return Response(status_code=204)


@router.post("/{post_id}/comments", status_code=201)
async def add_comment(
    body: CommentCreate,
    post: VisiblePost,
    session: DbSession,
    user: CurrentUser,
    viewer: CurrentViewer,
) -> CommentRead:
    return await service.add_comment(session, author=user, viewer=viewer, post=post, data=body)


@router.get("/{post_id}/comments")
async def list_comments(
    post: VisiblePost, session: DbSession, page: PageQuery
) -> Page[CommentRead]:
    items, cursor = await service.list_comments(session, post=post, page=page)
    return Page(items=items, next_cursor=cursor)


@router.put("/{post_id}/reactions/{kind}", status_code=204)
async def react(
    kind: ReactionKind, post: VisiblePost, session: DbSession, user: CurrentUser
) -> Response:
    await service.react(session, user=user, post=post, kind=kind)
    return Response(status_code=204)


@router.delete("/{post_id}/reactions/{kind}", status_code=204)
async def unreact(
    kind: ReactionKind, post: VisiblePost, session: DbSession, user: CurrentUser
) -> Response:
    await service.unreact(session, user=user, post=post, kind=kind)
    return Response(status_code=204)
