"""Questions across the divide: a question reaches the right people of the department it
asks, the first answer from that department is on the clock, and the asker accepts one.

A question is written with its post (`handlers`: posts do not know this domain). Addressed to
a department, it is routed to that department's members who follow one of the post's
accounts or topics, or, when none of them may see it, to the department's leads; never to
anyone who may not see the post. The first comment by a member of that department (by anyone
but the asker, for a question asked of everyone) answers it; the asker accepts one comment.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import events
from app.core.db import utcnow
from app.core.errors import Forbidden, Invalid
from app.core.pagination import PageParams
from app.core.sqljson import json_moment, json_object
from app.posts import service as posts
from app.posts.events import CommentAdded, PostPlace
from app.posts.models import Post, PostKind
from app.posts.schemas import PostRead
from app.questions import repository
from app.questions.events import AnswerAccepted, QuestionRouted
from app.questions.models import Question, QuestionStatus
from app.users.models import Department, User
from app.visibility import Viewer, load_viewers


async def asked(
    session: AsyncSession, *, place: PostPlace, post: PostRead, to_department: str | None
) -> None:
    """A new question: its row, and its people told when it asks a department."""
    session.add(
        Question(
            post_id=place.post_id,
            to_department=to_department,
            status=QuestionStatus.open,
            asked_at=post.created_at,
        )
    )
    await session.flush()
    if to_department is None:
        return
    recipients = await _route(session, place, to_department)
    await events.publish(
        session,
        QuestionRouted(
            post_id=place.post_id,
            asker_id=place.author_id,
            recipient_ids=tuple(u.id for u in recipients if u.id != place.author_id),
            visibility=place.visibility,
        ),
    )


async def _route(session: AsyncSession, place: PostPlace, department: str) -> list[User]:
    """The department's followers of the post's accounts or topics who may see it, else its
    leads who may."""
    for candidates in (
        await repository.followers_in(
            session, department, account_ids=place.account_ids, topic_ids=place.topic_ids
        ),
        await repository.leads_of(session, department),
    ):
        candidates = [u for u in candidates if u.id != place.author_id]
        viewers = await load_viewers(session, candidates) if candidates else {}
        allowed = [u for u in candidates if viewers[u.id].can_see(place.visibility)]
        if allowed:
            return allowed
    return []


async def commented(session: AsyncSession, event: CommentAdded) -> None:
    """The first comment from the department asked answers the question."""
    comment = event.comment
    question = await repository.get(session, comment.post_id)
    if question is None or question.status is not QuestionStatus.open:
        return
    if comment.author.id == event.post_author_id:
        return
    if question.to_department not in (None, comment.author.department.value):
        return
    question.status = QuestionStatus.answered
    question.first_answer_id = comment.id
    question.first_answer_at = comment.created_at
    await session.flush()


async def accept(session: AsyncSession, *, user: User, post: Post, comment_id: int) -> None:
    """The asker accepts one comment as the answer (another one later replaces it)."""
    question = await repository.get(session, post.id) if post.kind is PostKind.question else None
    if question is None:
        raise Invalid(
            "Only a question has an accepted answer.", field="path.post_id", code="not_a_question"
        )
    if user.id != post.author_id:
        raise Forbidden("Only whoever asked accepts an answer.", code="not_the_asker")
    comment = await repository.comment(session, comment_id)
    if comment is None or comment.post_id != post.id:
        raise Invalid(
            "That comment is not an answer to this question.",
            field="body.comment_id",
            code="not_an_answer",
        )
    if comment.author_id == post.author_id:
        raise Invalid(
            "Your own comment cannot be the accepted answer.",
            field="body.comment_id",
            code="own_answer",
        )
    if question.accepted_comment_id == comment.id:
        return
    now = utcnow()
    question.status = QuestionStatus.accepted
    question.accepted_comment_id = comment.id
    question.accepted_at = now
    if question.first_answer_at is None:
        question.first_answer_id, question.first_answer_at = comment.id, comment.created_at
    await session.flush()
    await events.publish(
        session,
        AnswerAccepted(
            post_id=post.id,
            comment_id=comment.id,
            asker_id=user.id,
            answer_author_id=comment.author_id,
            visibility=await posts.visibility_of(session, post),
        ),
    )


def details(question: Any, now: datetime) -> dict[str, Any]:
    """A question post's `question`: `{to_department, status, asked_at, first_answer_id,
    first_answer_at, accepted_comment_id, accepted_at, waited_hours}` (`waited_hours` runs
    until the first answer), from a row or from the JSON read with the post."""
    get = question.get if isinstance(question, dict) else partial(getattr, question)
    asked, answered = json_moment(get("asked_at")), json_moment(get("first_answer_at"))
    assert asked is not None
    waited = max(((answered or now) - asked).total_seconds(), 0) / 3600
    return {
        "to_department": get("to_department"),
        "status": QuestionStatus(str(get("status"))).value,
        "asked_at": asked,
        "first_answer_id": get("first_answer_id"),
        "first_answer_at": answered,
        "accepted_comment_id": get("accepted_comment_id"),
        "accepted_at": json_moment(get("accepted_at")),
        "waited_hours": round(waited, 1),
    }


async def add_details(session: AsyncSession, viewer: Viewer, shapes: list[PostRead]) -> None:
    """A question post's `question`: from the JSON read with the post when it was (a feed
    page: no statement of its own), else in one statement (a post just written)."""
    questions = [s for s in shapes if s.kind is PostKind.question]
    missing = [s.id for s in questions if s.question is None]
    found = await repository.of_posts(session, missing) if missing else {}
    now = utcnow()
    for shape in questions:
        raw = shape.question if shape.question is not None else found.get(shape.id)
        shape.question = None if raw is None else details(raw, now)


async def list_questions(
    session: AsyncSession,
    viewer: Viewer,
    *,
    to_department: Department | None,
    status: QuestionStatus,
    account_id: int | None,
    page: PageParams,
) -> tuple[list[PostRead], str | None]:
    """The questions the viewer may see, oldest first (the longest wait at the top)."""
    ids, cursor = await repository.page_ids(
        session,
        viewer,
        to_department=to_department.value if to_department else None,
        status=status,
        account_id=account_id,
        page=page,
    )
    return await posts.read_posts(session, viewer, ids), cursor


def details_column(dialect: str) -> Any:
    """A post's question as JSON, read with the post (`app.posts.extensions`)."""
    fields = {c.key: c for c in repository.DETAILS[1:]}
    return select(json_object(dialect, fields)).where(Question.post_id == Post.id).scalar_subquery()
