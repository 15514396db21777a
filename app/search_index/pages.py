"""The search page: the same service as GET /api/v1/search, rendered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.core.errors import Invalid
from app.core.types import OneLine
from app.search_index import service
from app.search_index.schemas import SearchResults, SearchType
from app.users.models import Department
from app.web.context import Page
from search import SearchBackend

router = APIRouter(include_in_schema=False)


def _backend(request: Request) -> SearchBackend:
    backend: SearchBackend = request.app.state.search
    return backend


@router.get("/search")
async def search_page(
    ctx: Page,
    q: Annotated[str, Query(max_length=200), OneLine] = "",
    account: Annotated[str, Query(max_length=64), OneLine] = "",
    type: SearchType = SearchType.post,
    department: Department | None = None,
    cursor: Annotated[str | None, Query(max_length=200), OneLine] = None,
) -> Response:
    results: SearchResults | None = None
    problem: str | None = None
    params = service.SearchParams(
        q=q,
        type=type,
        account=account or None,
        department=department.value if department else None,
        cursor=cursor,
    )
    if q.strip() or account or department:
        try:
            results = await service.search(
                ctx.session,
                _backend(ctx.request),
                ctx.viewer,
                params,
                timeout=ctx.settings.search_timeout_seconds,
            )
        except Invalid as exc:
            problem = exc.message
        except service.SearchDown as exc:
            problem = exc.message
    return ctx.render(
        "search/results.html",
        q=q,
        account=account,
        type=type.value,
        department=department.value if department else "",
        results=results,
        problem=problem,
        hits=results.hits if results else None,
    )
