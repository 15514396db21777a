"""Question pages: the open questions by department, an account's Questions tab, and the
asker's "Accept as the answer" form on a question's page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from app.accounts.pages import account_header
from app.core.pagination import PageParams, PageQuery
from app.core.types import MAX_ID, PathId
from app.posts import service as posts
from app.posts.schemas import PostRead
from app.questions import service
from app.questions.models import QuestionStatus
from app.users.models import Department
from app.web.context import Page, see_other

router = APIRouter(include_in_schema=False)

CommentId = Annotated[int, Form(ge=1, le=MAX_ID)]


@router.get("/questions")
async def questions_page(
    ctx: Page,
    page: PageQuery,
    to_department: Department | None = None,
    status: QuestionStatus = QuestionStatus.open,
) -> Response:
    items, cursor = await service.list_questions(
        ctx.session,
        ctx.viewer,
        to_department=to_department,
        status=status,
        account_id=None,
        page=page,
    )
    return ctx.render(
        "questions/list.html",
        section="questions",
        items=items,
        next_cursor=cursor,
        to_department=to_department.value if to_department else None,
        state=status.value,
    )


@router.get("/accounts/{slug}/questions")
async def account_tab(
    slug: str, ctx: Page, page: PageQuery, status: QuestionStatus | None = None
) -> Response:
    """The account's questions: every status, open first (the first page of each), or one
    status page by page (its "More" link)."""
    account, header = await account_header(ctx, slug)
    shown = [status] if status else list(QuestionStatus)
    sections: list[tuple[str, list[PostRead], str | None]] = []
    for each in shown:
        items, cursor = await service.list_questions(
            ctx.session,
            ctx.viewer,
            to_department=None,
            status=each,
            account_id=account.id,
            page=page if status else PageParams(limit=page.limit, cursor=None),
        )
        sections.append((each.value, items, cursor))
    return ctx.render(
        "questions/account.html",
        **header,
        sections=sections,
        # `status` is the response's: the page's chosen status is its `state`.
        state=status.value if status else None,
    )


@router.post("/posts/{post_id}/accept")
async def accept_answer(post_id: PathId, ctx: Page, comment_id: CommentId) -> Response:
    post = await posts.get_visible(ctx.session, ctx.viewer, post_id)
    await service.accept(ctx.session, user=ctx.user, post=post, comment_id=comment_id)
    return see_other(f"/posts/{post.id}#comment-{comment_id}")
