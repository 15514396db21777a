from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.accounts import service as accounts
from app.auth.deps import CurrentUser, CurrentViewer
from app.core.deps import DbSession
from app.core.pagination import Page, PageQuery
from app.core.types import OneLine, PathId
from app.posts import service as posts
from app.posts.schemas import PostRead
from app.stories import service
from app.stories.models import StoryStatus
from app.stories.schemas import CaseStudyLink, StoryTransition, TestimonialRead

router = APIRouter(prefix="/api/v1", tags=["stories"])

Slug = Annotated[str | None, Query(max_length=64), OneLine]
Industry = Annotated[str | None, Query(max_length=100), OneLine]


@router.post("/posts/{post_id}/story/transitions")
async def move_story(
    post_id: PathId,
    body: StoryTransition,
    session: DbSession,
    user: CurrentUser,
    viewer: CurrentViewer,
) -> dict[str, Any]:
    """Move a win story one step; answers the story as it is now."""
    post = await posts.get_visible(session, viewer, post_id)
    await service.transition(session, user=user, post=post, data=body)
    return await _story(session, viewer, post_id)


@router.put("/posts/{post_id}/story/case-study")
async def link_case_study(
    post_id: PathId,
    body: CaseStudyLink,
    session: DbSession,
    user: CurrentUser,
    viewer: CurrentViewer,
) -> dict[str, Any]:
    """Marketing links the case study it made of the story (a collateral post; null
    unlinks); answers the story."""
    post = await posts.get_visible(session, viewer, post_id)
    await service.link_case_study(
        session, user=user, viewer=viewer, post=post, case_study_id=body.post_id
    )
    return await _story(session, viewer, post_id)


async def _story(session: DbSession, viewer: CurrentViewer, post_id: int) -> dict[str, Any]:
    shape = await posts.read_one(session, viewer, post_id)
    assert shape.story is not None
    return shape.story


@router.get("/stories")
async def list_stories(
    session: DbSession,
    viewer: CurrentViewer,
    page: PageQuery,
    status: StoryStatus | None = None,
    account: Slug = None,
    industry: Industry = None,
) -> Page[PostRead]:
    """Win stories the caller may see, newest first."""
    account_id = (await accounts.get_visible(session, viewer, slug=account)).id if account else None
    items, cursor = await service.list_stories(
        session, viewer, status=status, account_id=account_id, industry=industry, page=page
    )
    return Page(items=items, next_cursor=cursor)


@router.get("/testimonials")
async def list_testimonials(
    session: DbSession,
    viewer: CurrentViewer,
    page: PageQuery,
    industry: Industry = None,
    q: Annotated[str | None, Query(max_length=200), OneLine] = None,
) -> Page[TestimonialRead]:
    """Published win stories the caller may see, newest published first."""
    items, cursor = await service.testimonials(session, viewer, industry=industry, q=q, page=page)
    return Page(items=items, next_cursor=cursor)
