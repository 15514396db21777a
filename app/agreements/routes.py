from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from app.agreements import contracts, glossary, service
from app.agreements.models import Signable, Status
from app.agreements.schemas import (
    PERIOD_PATTERN,
    AgreementCreate,
    AgreementRead,
    AgreementSummary,
    AgreementUpdate,
    CheckCreate,
    CheckRead,
    CommentCreate,
    DiscussionRead,
    Period,
    Scorecard,
    SignoffCreate,
    SignoffRead,
    TermCreate,
    TermRead,
    TermSummary,
    TermUpdate,
)
from app.auth.deps import CurrentUser
from app.core.deps import DbSession
from app.core.pagination import Page, PageQuery
from app.core.types import OneLine, PathId

router = APIRouter(prefix="/api/v1", tags=["agreements"])

Slug = Annotated[str, Path(max_length=64), OneLine]
Text = Annotated[str | None, Query(max_length=100), OneLine]
ClauseNumber = Annotated[int, Path(ge=1, le=50)]


async def _term_signable(slug: Slug, session: DbSession) -> Signable:
    return await glossary.signable_of(session, slug)


async def _agreement_signable(agreement_id: PathId, session: DbSession) -> Signable:
    return await contracts.signable_of(session, agreement_id)


def _follow_and_discuss(prefix: str, load: Callable[..., Awaitable[Signable]]) -> None:
    """Following and the discussion thread, the same for terms and agreements (`load` is the
    dependency that finds the one the path names; a default, since the annotations of these
    nested functions are read as module-level names)."""
    Subject = Depends(load)

    @router.put(f"{prefix}/follow", status_code=204, name=f"follow {prefix}")
    async def follow(
        session: DbSession, user: CurrentUser, subject: Signable = Subject
    ) -> Response:
        await service.follow(session, subject, user=user)
        return Response(status_code=204)

    @router.delete(f"{prefix}/follow", status_code=204, name=f"unfollow {prefix}")
    async def unfollow(
        session: DbSession, user: CurrentUser, subject: Signable = Subject
    ) -> Response:
        await service.unfollow(session, subject, user=user)
        return Response(status_code=204)

    @router.get(f"{prefix}/comments", name=f"discussion of {prefix}")
    async def discussion(
        session: DbSession, user: CurrentUser, page: PageQuery, subject: Signable = Subject
    ) -> Page[DiscussionRead]:
        items, cursor = await service.discussion(session, subject, page)
        return Page(items=items, next_cursor=cursor)

    @router.post(f"{prefix}/comments", status_code=201, name=f"discuss {prefix}")
    async def discuss(
        body: CommentCreate, session: DbSession, user: CurrentUser, subject: Signable = Subject
    ) -> DiscussionRead:
        return await service.discuss(session, subject, user=user, body=body.body)


# The glossary.


@router.post("/glossary", status_code=201)
async def propose_term(body: TermCreate, session: DbSession, user: CurrentUser) -> TermRead:
    return await glossary.propose(session, user=user, data=body)


@router.get("/glossary")
async def list_terms(
    session: DbSession, page: PageQuery, q: Text = None, status: Status | None = None
) -> Page[TermSummary]:
    items, cursor = await glossary.list_terms(session, q=q, status=status, page=page)
    return Page(items=items, next_cursor=cursor)


@router.get("/glossary/{slug}")
async def get_term(slug: Slug, session: DbSession, user: CurrentUser) -> TermRead:
    term, signable = await glossary.get(session, slug)
    return await glossary.read(session, term, signable, user)


@router.patch("/glossary/{slug}")
async def edit_term(
    slug: Slug, body: TermUpdate, session: DbSession, user: CurrentUser
) -> TermRead:
    return await glossary.edit(session, user=user, slug=slug, data=body)


@router.post("/glossary/{slug}/signoffs", status_code=201)
async def sign_term(
    slug: Slug, body: SignoffCreate, session: DbSession, user: CurrentUser
) -> SignoffRead:
    return await glossary.sign(session, user=user, slug=slug, data=body)


_follow_and_discuss("/glossary/{slug}", _term_signable)


# Agreements.


@router.post("/agreements", status_code=201)
async def propose_agreement(
    body: AgreementCreate, session: DbSession, user: CurrentUser
) -> AgreementRead:
    return await contracts.propose(session, user=user, data=body)


@router.get("/agreements")
async def list_agreements(
    session: DbSession, user: CurrentUser, page: PageQuery, status: Status | None = None
) -> Page[AgreementSummary]:
    items, cursor = await contracts.list_agreements(session, status=status, page=page)
    return Page(items=items, next_cursor=cursor)


@router.get("/agreements/{agreement_id}")
async def get_agreement(
    agreement_id: PathId, session: DbSession, user: CurrentUser
) -> AgreementRead:
    agreement, signable = await contracts.get(session, agreement_id)
    return await contracts.read(session, agreement, signable, user)


@router.patch("/agreements/{agreement_id}")
async def edit_agreement(
    agreement_id: PathId, body: AgreementUpdate, session: DbSession, user: CurrentUser
) -> AgreementRead:
    return await contracts.edit(session, user=user, agreement_id=agreement_id, data=body)


@router.post("/agreements/{agreement_id}/signoffs", status_code=201)
async def sign_agreement(
    agreement_id: PathId, body: SignoffCreate, session: DbSession, user: CurrentUser
) -> SignoffRead:
    return await contracts.sign(session, user=user, agreement_id=agreement_id, data=body)


_follow_and_discuss("/agreements/{agreement_id}", _agreement_signable)


@router.get("/agreements/{agreement_id}/scorecard")
async def scorecard(
    agreement_id: PathId,
    session: DbSession,
    user: CurrentUser,
    period: Annotated[Period | None, Query(description="YYYY-MM; this month if left out")] = None,
) -> Scorecard:
    return await contracts.scorecard(session, agreement_id=agreement_id, period=period)


@router.put("/agreements/{agreement_id}/clauses/{number}/checks/{period}")
async def record_check(
    agreement_id: PathId,
    number: ClauseNumber,
    period: Annotated[str, Path(pattern=PERIOD_PATTERN)],
    body: CheckCreate,
    session: DbSession,
    user: CurrentUser,
) -> CheckRead:
    return await contracts.record_check(
        session, user=user, agreement_id=agreement_id, number=number, period=period, data=body
    )
