"""The questions' statements."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import PageParams, keyset, page_of
from app.follows.models import AccountFollow, TopicFollow
from app.posts.models import Comment, Post, PostAccount
from app.questions.models import Question, QuestionStatus
from app.users.models import User
from app.visibility import Viewer


async def get(session: AsyncSession, post_id: int) -> Question | None:
    return await session.get(Question, post_id)


DETAILS = (
    Question.post_id,
    Question.to_department,
    Question.status,
    Question.asked_at,
    Question.first_answer_id,
    Question.first_answer_at,
    Question.accepted_comment_id,
    Question.accepted_at,
)


async def of_posts(session: AsyncSession, post_ids: Sequence[int]) -> dict[int, Any]:
    """The questions of these posts as rows (no ORM objects: a feed page reads them)."""
    if not post_ids:
        return {}
    rows = await session.execute(select(*DETAILS).where(Question.post_id.in_(list(post_ids))))
    return {row.post_id: row for row in rows}


async def followers_in(
    session: AsyncSession,
    department: str,
    *,
    account_ids: Collection[int],
    topic_ids: Collection[int],
) -> list[User]:
    """The department's active members who follow one of the accounts or topics."""
    follows = []
    if account_ids:
        follows.append(
            exists(
                select(AccountFollow.user_id).where(
                    AccountFollow.user_id == User.id,
                    AccountFollow.account_id.in_(list(account_ids)),
                )
            )
        )
    if topic_ids:
        follows.append(
            exists(
                select(TopicFollow.user_id).where(
                    TopicFollow.user_id == User.id, TopicFollow.topic_id.in_(list(topic_ids))
                )
            )
        )
    if not follows:
        return []
    stmt = select(User).where(
        User.department == department, User.is_active.is_(True), or_(*follows)
    )
    return list(await session.scalars(stmt))


async def leads_of(session: AsyncSession, department: str) -> list[User]:
    stmt = select(User).where(
        User.department == department, User.is_active.is_(True), User.is_lead.is_(True)
    )
    return list(await session.scalars(stmt))


async def comment(session: AsyncSession, comment_id: int) -> Comment | None:
    return await session.get(Comment, comment_id)


async def page_ids(
    session: AsyncSession,
    viewer: Viewer,
    *,
    to_department: str | None,
    status: QuestionStatus,
    account_id: int | None,
    page: PageParams,
) -> tuple[list[int], str | None]:
    """The questions the viewer may see, oldest first."""
    stmt = (
        select(Question.post_id)
        .join(Post, Post.id == Question.post_id)
        .where(Question.status == status, viewer.post_clause())
    )
    if to_department is not None:
        stmt = stmt.where(Question.to_department == to_department)
    if account_id is not None:
        stmt = stmt.where(
            exists(
                select(PostAccount.post_id).where(
                    PostAccount.post_id == Question.post_id, PostAccount.account_id == account_id
                )
            )
        )
    stmt = keyset(
        stmt, Question.post_id, after=page.after_id(), limit=page.limit + 1, ascending=True
    )
    ids = list(await session.scalars(stmt))
    return page_of(ids, page.limit, key=lambda i: i)
