"""The stories' statements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.accounts.models import Account
from app.core.db import dialect_name
from app.core.pagination import PageParams, keyset, page_of
from app.core.sqljson import json_list, json_object, json_tuple
from app.posts.models import Post, PostAccount, PostKind
from app.stories.models import Story, StoryStatus, StoryStep
from app.users.models import User
from app.visibility import Viewer


async def get(session: AsyncSession, post_id: int) -> Story | None:
    return await session.get(Story, post_id)


async def owner_ids(session: AsyncSession, post_id: int) -> set[int]:
    """The owners of the post's accounts."""
    stmt = (
        select(Account.owner_id)
        .join(PostAccount, PostAccount.account_id == Account.id)
        .where(PostAccount.post_id == post_id, Account.owner_id.is_not(None))
    )
    return {i for i in await session.scalars(stmt) if i is not None}


async def account_names(session: AsyncSession, post_id: int) -> list[str]:
    stmt = (
        select(Account.name)
        .join(PostAccount, PostAccount.account_id == Account.id)
        .where(PostAccount.post_id == post_id)
        .order_by(Account.name)
    )
    return list(await session.scalars(stmt))


async def of_posts(session: AsyncSession, post_ids: Sequence[int]) -> dict[int, Any]:
    """The stories of these posts as the JSON read with a post (a post just written)."""
    if not post_ids:
        return {}
    column = details_column(dialect_name(session)).label("story")
    rows = await session.execute(select(Post.id, column).where(Post.id.in_(list(post_ids))))
    return {row.id: row.story for row in rows if row.story is not None}


async def leads_of(session: AsyncSession, department: str) -> list[int]:
    stmt = select(User.id).where(
        User.department == department, User.is_active.is_(True), User.is_lead.is_(True)
    )
    return list(await session.scalars(stmt))


async def collateral_post(session: AsyncSession, viewer: Viewer, post_id: int) -> Post | None:
    stmt = select(Post).where(
        Post.id == post_id, Post.kind == PostKind.collateral, viewer.post_clause()
    )
    return await session.scalar(stmt)


def details_column(dialect: str) -> Any:
    """A post's story as JSON, read with the post (`app.posts.extensions`): its fields, the
    handles of its reviewer and consent recorder, the owners of the post's accounts (who may
    record consent), whether it may be published, and its history."""
    reviewer, recorder, mover = aliased(User), aliased(User), aliased(User)
    handle_of = lambda who, column: (  # noqa: E731
        select(who.handle).where(who.id == column).scalar_subquery()
    )
    history = json_list(
        json_tuple(
            dialect,
            StoryStep.id,
            StoryStep.from_status,
            StoryStep.to_status,
            handle_of(mover, StoryStep.actor_id),
            StoryStep.at,
            StoryStep.note,
        ),
        StoryStep.post_id == Story.post_id,
        dialect,
    )
    owners = json_list(
        Account.owner_id,
        and_(
            PostAccount.post_id == Story.post_id,
            Account.id == PostAccount.account_id,
            Account.owner_id.is_not(None),
        ),
        dialect,
    )
    fields: dict[str, Any] = {
        "problem": Story.problem,
        "solution": Story.solution,
        "outcome": Story.outcome,
        "quote": Story.quote,
        "customer_contact": Story.customer_contact,
        "status": Story.status,
        "reviewer": handle_of(reviewer, Story.reviewer_id),
        "submitted_at": Story.submitted_at,
        "consent_by": Story.consent_by,
        "consent_note": Story.consent_note,
        "consent_at": Story.consent_at,
        "consent_recorded_by": handle_of(recorder, Story.consent_recorded_by_id),
        "published_at": Story.published_at,
        "case_study_id": Story.case_study_id,
        "restricted": or_(Post.confidential, Post.group_private),
        "owner_ids": owners,
        "history": history,
    }
    return select(json_object(dialect, fields)).where(Story.post_id == Post.id).scalar_subquery()


def _on_account(account_id: int) -> Any:
    return exists(
        select(PostAccount.post_id).where(
            PostAccount.post_id == Story.post_id, PostAccount.account_id == account_id
        )
    )


def _in_industry(industry: str) -> Any:
    return exists(
        select(PostAccount.post_id)
        .join(Account, Account.id == PostAccount.account_id)
        .where(
            PostAccount.post_id == Story.post_id,
            func.lower(Account.industry) == industry.lower(),
        )
    )


async def page_ids(
    session: AsyncSession,
    viewer: Viewer,
    *,
    status: StoryStatus | None,
    account_id: int | None,
    industry: str | None,
    page: PageParams,
) -> tuple[list[int], str | None]:
    """The stories the viewer may see, newest first."""
    stmt = select(Story.post_id).join(Post, Post.id == Story.post_id).where(viewer.post_clause())
    if status is not None:
        stmt = stmt.where(Story.status == status)
    if account_id is not None:
        stmt = stmt.where(_on_account(account_id))
    if industry:
        stmt = stmt.where(_in_industry(industry))
    stmt = keyset(stmt, Story.post_id, after=page.after_id(), limit=page.limit + 1)
    return page_of(list(await session.scalars(stmt)), page.limit, key=lambda i: i)


async def counts_by_status(session: AsyncSession, viewer: Viewer) -> dict[StoryStatus, int]:
    stmt = (
        select(Story.status, func.count())
        .join(Post, Post.id == Story.post_id)
        .where(viewer.post_clause())
        .group_by(Story.status)
    )
    return {StoryStatus(s): n for s, n in await session.execute(stmt)}


async def testimonials(
    session: AsyncSession,
    viewer: Viewer,
    *,
    industry: str | None,
    q: str | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> Sequence[Any]:
    """Published stories the viewer may see, newest published first: (post id, published at,
    outcome, quote, who agreed to it, case study, the first account tagged and its industry,
    the author)."""
    first_account = (
        select(func.min(PostAccount.account_id))
        .where(PostAccount.post_id == Story.post_id)
        .scalar_subquery()
    )
    stmt = (
        select(
            Story.post_id,
            Story.published_at,
            Story.outcome,
            Story.quote,
            Story.consent_by,
            Story.case_study_id,
            Account.slug,
            Account.name,
            Account.industry,
            User.id.label("author_id"),
            User.handle,
            User.display_name,
            User.department,
        )
        .join(Post, Post.id == Story.post_id)
        .join(User, User.id == Post.author_id)
        .outerjoin(Account, Account.id == first_account)
        .where(Story.status == StoryStatus.published, viewer.post_clause())
    )
    if industry:
        stmt = stmt.where(_in_industry(industry))
    if q:
        texts = (Story.outcome, Story.quote, Story.problem, Story.solution, Account.name)
        stmt = stmt.where(or_(*(column.icontains(q, autoescape=True) for column in texts)))
    if after is not None:
        stmt = stmt.where(tuple_(Story.published_at, Story.post_id) < tuple_(*after))
    stmt = stmt.order_by(Story.published_at.desc(), Story.post_id.desc()).limit(limit)
    return list(await session.execute(stmt))


async def testimonial_industries(session: AsyncSession, viewer: Viewer) -> list[str]:
    """The industries of the accounts tagged on the published stories the viewer may see,
    each once whatever its case, in alphabetical order."""
    stmt = (
        select(func.min(Account.industry))
        .select_from(Story)
        .join(Post, Post.id == Story.post_id)
        .join(PostAccount, PostAccount.post_id == Story.post_id)
        .join(Account, Account.id == PostAccount.account_id)
        .where(
            Story.status == StoryStatus.published,
            viewer.post_clause(),
            func.trim(func.coalesce(Account.industry, "")) != "",
        )
        .group_by(func.lower(func.trim(Account.industry)))
    )
    names = [str(name).strip() for name in await session.scalars(stmt)]
    return sorted(names, key=str.lower)
