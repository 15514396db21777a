from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from app.agreements.models import Status
from app.auth.deps import CurrentViewer
from app.collateral.models import Stage
from app.core.deps import AppSettings, DbSession
from app.core.types import OneLine
from app.posts.models import PostKind
from app.search_index import service
from app.search_index.schemas import SearchResults, SearchType
from app.users.models import Department
from search import SearchBackend

router = APIRouter(prefix="/api/v1", tags=["search"])


async def _backend(request: Request) -> SearchBackend:
    backend: SearchBackend = request.app.state.search
    return backend


SearchEngine = Annotated[SearchBackend, Depends(_backend)]


@router.get("/search")
async def search(
    session: DbSession,
    viewer: CurrentViewer,
    engine: SearchEngine,
    settings: AppSettings,
    q: Annotated[str, OneLine] = "",
    type: SearchType = SearchType.post,
    account: Annotated[str | None, OneLine] = None,
    department: Department | None = None,
    author: Annotated[str | None, OneLine] = None,
    topic: Annotated[str | None, OneLine] = None,
    kind: PostKind | None = None,
    stage: Stage | None = None,
    industry: Annotated[str | None, Query(max_length=64), OneLine] = None,
    audience: Annotated[str | None, Query(max_length=64), OneLine] = None,
    status: Status | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: Annotated[str | None, OneLine] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchResults:
    """Posts (blogs included), comments, people, accounts or glossary terms matching `q`, as
    the caller may see them; `q` may be empty when a filter is given."""
    params = service.SearchParams(
        q=q,
        type=type,
        account=account,
        department=department.value if department else None,
        author=author,
        topic=topic,
        kind=kind.value if kind else None,
        stage=stage.value if stage else None,
        industry=industry,
        audience=audience,
        status=status.value if status else None,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
    return await service.search(
        session, engine, viewer, params, timeout=settings.search_timeout_seconds
    )
