from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.accounts import service as accounts
from app.auth.deps import CurrentUser, CurrentViewer
from app.core.deps import DbSession
from app.core.pagination import Page, PageQuery
from app.core.types import OneLine, PathId
from app.posts import service as posts
from app.posts.schemas import PostRead
from app.questions import service
from app.questions.models import QuestionStatus
from app.questions.schemas import AcceptAnswer
from app.users.models import Department

router = APIRouter(prefix="/api/v1", tags=["questions"])


@router.post("/posts/{post_id}/accept", status_code=204)
async def accept_answer(
    post_id: PathId,
    body: AcceptAnswer,
    session: DbSession,
    user: CurrentUser,
    viewer: CurrentViewer,
) -> Response:
    post = await posts.get_visible(session, viewer, post_id)
    await service.accept(session, user=user, post=post, comment_id=body.comment_id)
    return Response(status_code=204)


@router.get("/questions")
async def list_questions(
    session: DbSession,
    viewer: CurrentViewer,
    page: PageQuery,
    to_department: Department | None = None,
    status: QuestionStatus = QuestionStatus.open,
    account: Annotated[str | None, Query(max_length=64), OneLine] = None,
) -> Page[PostRead]:
    """Questions the caller may see, oldest first: by default the open ones."""
    account_id = (await accounts.get_visible(session, viewer, slug=account)).id if account else None
    items, cursor = await service.list_questions(
        session,
        viewer,
        to_department=to_department,
        status=status,
        account_id=account_id,
        page=page,
    )
    return Page(items=items, next_cursor=cursor)
