"""Win story pages: the board by status (/stories), the testimonials, an account's Stories
tab, the step forms on a story's page and on the board's cards, and marketing's case-study
link.

A refused step (out of order, the wrong side, consent without a note) is the service's
refusal on the error page, as the other page forms show theirs; the service refuses before
it writes anything.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response
from pydantic import ValidationError

from app.accounts.pages import account_header
from app.collateral import service as collateral
from app.core.errors import Invalid
from app.core.pagination import PageParams, PageQuery
from app.core.types import OneLine, PathId
from app.posts import service as posts
from app.posts.schemas import PostRead
from app.stories import service
from app.stories.models import StoryStatus
from app.stories.schemas import CaseStudyLink, StoryTransition
from app.web.context import Page, PageContext, parse_form, safe_next, see_other

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=2_000)]
Industry = Annotated[str | None, Query(max_length=100), OneLine]
SearchText = Annotated[str | None, Query(max_length=200), OneLine]

# The newest cards each column of the board shows; its "More" link pages through the rest.
COLUMN_CARDS = 5


@router.get("/stories")
async def board_page(ctx: Page, page: PageQuery, status: StoryStatus | None = None) -> Response:
    """Every status as a column (its count, its newest cards), or one status page by page."""
    counts = await service.counts(ctx.session, ctx.viewer)
    columns: list[tuple[str, list[PostRead], str | None]] = []
    for each in [status] if status else list(StoryStatus):
        items, cursor = await service.list_stories(
            ctx.session,
            ctx.viewer,
            status=each,
            account_id=None,
            industry=None,
            page=page if status else PageParams(limit=COLUMN_CARDS, cursor=None),
        )
        columns.append((each.value, items, cursor))
    return ctx.render(
        "stories/board.html",
        section="stories",
        tab="board",
        columns=columns,
        counts={s.value: n for s, n in counts.items()},
        state=status.value if status else None,
    )


def _transition(to: str, note: str, granted_by: str) -> StoryTransition:
    fields = {"to": to, "note": note.strip() or None, "granted_by": granted_by.strip() or None}
    return parse_form(StoryTransition, fields)


@router.post("/posts/{post_id}/story")
async def move_story(
    post_id: PathId,
    ctx: Page,
    to: FormText,
    note: FormText = "",
    granted_by: FormText = "",
    next: FormText = "",
) -> Response:
    post = await posts.get_visible(ctx.session, ctx.viewer, post_id)
    data = _transition(to, note, granted_by)
    await service.transition(ctx.session, user=ctx.user, post=post, data=data)
    return see_other(safe_next(next, default=f"/posts/{post.id}#story"))


@router.get("/posts/{post_id}/story")
async def story_panel(post_id: PathId, ctx: Page) -> Response:
    """The story's panel alone (its status, the reader's next steps, its history): read
    again by the post page when a `story.changed` event arrives."""
    post = await posts.get_visible(ctx.session, ctx.viewer, post_id)
    shape = await posts.read_one(ctx.session, ctx.viewer, post.id)
    if shape.story is None:
        raise Invalid("Only a win story has a story panel.", field="path.post_id")
    return ctx.render("stories/_post_panel.html", post=shape)


async def _case_study_form(ctx: PageContext, post_id: int, name: str) -> Response:
    post = await posts.get_visible(ctx.session, ctx.viewer, post_id)
    shape = await posts.read_one(ctx.session, ctx.viewer, post.id)
    if shape.story is None:
        raise Invalid("Only a win story has a case study.", field="path.post_id")
    choices = await collateral.live_assets(ctx.session, ctx.viewer)
    return ctx.render(name, section="stories", post=shape, story=shape.story, case_studies=choices)


@router.get("/posts/{post_id}/story/case-study")
async def case_study_page(post_id: PathId, ctx: Page) -> Response:
    """The case-study form as a page of its own (the story's panel links here)."""
    return await _case_study_form(ctx, post_id, "stories/case_study.html")


@router.get("/posts/{post_id}/story/case-study/form")
async def case_study_fragment(post_id: PathId, ctx: Page) -> Response:
    """The same form alone, which the panel's script puts in the panel."""
    return await _case_study_form(ctx, post_id, "stories/_case_study_form.html")


def _case_study_id(chosen: str) -> int | None:
    """The form's choice: a collateral post's id, or empty for none."""
    try:
        return CaseStudyLink.model_validate(
            {"post_id": int(chosen) if chosen.strip() else None}
        ).post_id
    except (ValueError, ValidationError) as exc:
        raise Invalid("Choose a case study from the list.", field="body.post_id") from exc


@router.post("/posts/{post_id}/story/case-study")
async def link_case_study(
    post_id: PathId,
    ctx: Page,
    # The form's `post_id` is the case study's (the path's is the story's).
    chosen: Annotated[str, Form(alias="post_id", max_length=20)] = "",
    next: FormText = "",
) -> Response:
    post = await posts.get_visible(ctx.session, ctx.viewer, post_id)
    await service.link_case_study(
        ctx.session,
        user=ctx.user,
        viewer=ctx.viewer,
        post=post,
        case_study_id=_case_study_id(chosen),
    )
    return see_other(safe_next(next, default=f"/posts/{post.id}#story"))


@router.get("/testimonials")
async def published_page(
    ctx: Page, page: PageQuery, industry: Industry = None, q: SearchText = None
) -> Response:
    """The testimonials (the published stories), by industry and words, newest first."""
    industry = (industry or "").strip() or None
    query = (q or "").strip() or None
    items, cursor = await service.testimonials(
        ctx.session, ctx.viewer, industry=industry, q=query, page=page
    )
    return ctx.render(
        "stories/testimonials.html",
        section="stories",
        tab="testimonials",
        items=items,
        next_cursor=cursor,
        industry=industry or "",
        query=query or "",
        industries=await service.testimonial_industries(ctx.session, ctx.viewer),
    )


@router.get("/accounts/{slug}/stories")
async def account_tab(
    slug: str, ctx: Page, page: PageQuery, status: StoryStatus | None = None
) -> Response:
    """The account's win stories: every status in the board's order (the first page of
    each), or one status page by page (its "More" link)."""
    account, header = await account_header(ctx, slug)
    sections: list[tuple[str, list[PostRead], str | None]] = []
    for each in [status] if status else list(StoryStatus):
        items, cursor = await service.list_stories(
            ctx.session,
            ctx.viewer,
            status=each,
            account_id=account.id,
            industry=None,
            page=page if status else PageParams(limit=page.limit, cursor=None),
        )
        sections.append((each.value, items, cursor))
    return ctx.render(
        "stories/account.html",
        **header,
        sections=sections,
        state=status.value if status else None,
    )
