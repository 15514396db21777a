from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.core.deps import CurrentUser, CurrentViewer, DbSession
from app.core.errors import NotFound
from app.core.pagination import Page, PageQuery
from app.core.types import PathId
from app.posts import repository, service
from app.posts.models import Post, ReactionKind
from app.posts.schemas import CommentCreate, CommentRead, PostCreate, PostRead, PostUpdate

router = APIRouter(prefix="/api/v1/posts", tags=["posts"])


async def _visible_post(post_id: PathId, session: DbSession, viewer: CurrentViewer) -> Post:
    post = await repository.visible_post(session, viewer, post_id)
    if post is None:
        raise NotFound("No such post.")
    return post


VisiblePost = Annotated[Post, Depends(_visible_post)]


async def _read(session: DbSession, post_id: int) -> PostRead:
    return (await repository.read_posts(session, [post_id]))[0]


@router.post("", status_code=201)
async def create_post(
    body: PostCreate, session: DbSession, user: CurrentUser, viewer: CurrentViewer
) -> PostRead:
    return await service.create(session, author=user, viewer=viewer, data=body)


@router.get("/{post_id}")
async def get_post(post: VisiblePost, session: DbSession) -> PostRead:
    return await _read(session, post.id)


@router.patch("/{post_id}")
async def update_post(
    body: PostUpdate,
    post: VisiblePost,
    session: DbSession,
    user: CurrentUser,
    viewer: CurrentViewer,
) -> PostRead:
    await service.update_post(session, actor=user, viewer=viewer, post=post, data=body)
    return await _read(session, post.id)


@router.delete("/{post_id}", status_code=204)
async def delete_post(post: VisiblePost, session: DbSession, user: CurrentUser) -> Response:
    await service.delete_post(session, actor=user, post=post)
    return Response(status_code=204)


@router.post("/{post_id}/comments", status_code=201)
async def add_comment(
    body: CommentCreate,
    post: VisiblePost,
    session: DbSession,
    user: CurrentUser,
    viewer: CurrentViewer,
) -> CommentRead:
    comment = await service.add_comment(session, author=user, viewer=viewer, post=post, data=body)
    return (await repository.read_comments(session, [comment]))[0]


@router.get("/{post_id}/comments")
async def list_comments(
    post: VisiblePost, session: DbSession, page: PageQuery
) -> Page[CommentRead]:
    rows, cursor = await service.list_comments(session, post=post, page=page)
    return Page(items=await repository.read_comments(session, rows), next_cursor=cursor)


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
