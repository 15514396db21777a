"""Searching as a viewer: the query is checked, the viewer's deny keys (the visibility
rule's search-filter form) are added, and the engine does the rest, so hits, counts, facets
and snippets only ever cover what the viewer may see."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import release
from app.core.errors import AppError, Invalid
from app.posts.schemas import AuthorRead
from app.search_index.schemas import SearchHitRead, SearchResults, SearchType
from app.visibility import Viewer, search_deny_keys
from search import (
    ACCOUNTS,
    COMMENTS,
    POSTS,
    TERMS,
    USERS,
    InvalidSearch,
    SearchBackend,
    SearchError,
    SearchHit,
    SearchQuery,
    SearchUnavailable,
)
from search.documents import spec_for

MAX_QUERY = 200

INDEX_OF = {
    SearchType.post: POSTS,
    SearchType.comment: COMMENTS,
    SearchType.user: USERS,
    SearchType.account: ACCOUNTS,
    SearchType.term: TERMS,
}


class SearchDown(AppError):
    """The search engine cannot answer now; writes still succeed and are indexed later."""

    status = 503
    code = "search_unavailable"


@dataclass(frozen=True, slots=True)
class SearchParams:
    q: str = ""
    type: SearchType = SearchType.post
    account: str | None = None
    department: str | None = None
    author: str | None = None
    topic: str | None = None
    kind: str | None = None
    stage: str | None = None
    industry: str | None = None
    audience: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    cursor: str | None = None
    limit: int = 20


def _unix(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def _filters(params: SearchParams) -> dict[str, Any]:
    values = {
        "account": params.account.strip().lstrip("$").lower() if params.account else None,
        "department": params.department,
        "author": params.author.strip().lstrip("@") if params.author else None,
        "topic": params.topic.strip().lstrip("#").lower() if params.topic else None,
        "kind": params.kind,
        "stage": params.stage,
        "industry": params.industry.strip().lower() if params.industry else None,
        "audience": params.audience.strip().lower() if params.audience else None,
        "status": params.status,
        "since": _unix(params.since),
        "until": _unix(params.until),
    }
    return {k: v for k, v in values.items() if v not in (None, "")}


def _check(params: SearchParams, filters: dict[str, Any]) -> None:
    q = params.q.strip()
    if len(q) > MAX_QUERY:
        raise Invalid(
            f"The search text may be at most {MAX_QUERY} characters; this one has {len(q)}.",
            field="query.q",
            code="query_too_long",
        )
    # Browsing by filters alone (newest first) is allowed; nothing at all is not a search.
    if not q and not filters:
        raise Invalid(
            "Type something to search for, or choose a filter.",
            field="query.q",
            code="query_empty",
        )
    index = INDEX_OF[params.type]
    unsupported = [name for name in filters if name not in spec_for(index).filters]
    if unsupported:
        raise Invalid(
            f"Results of type {params.type.value} cannot be filtered by "
            f"{', '.join(sorted(unsupported))}.",
            field=f"query.{sorted(unsupported)[0]}",
            code="unsupported_filter",
        )


def _hit(hit: SearchHit) -> SearchHitRead:
    f = hit.fields
    author = None
    if "author_id" in f:
        author = AuthorRead(
            id=f["author_id"],
            handle=f["author_handle"],
            display_name=f["author_name"],
            department=f["department"],
        )
    created = f.get("created_at")
    term = f if hit.type == SearchType.term else {}
    return SearchHitRead(
        type=SearchType(hit.type),
        id=int(hit.id),
        title=hit.title,
        snippet=hit.snippet,
        score=hit.score,
        post_id=int(f["post_id"]) if "post_id" in f else None,
        author=author,
        accounts=list(f["accounts"]) if "accounts" in f else None,
        created_at=datetime.fromtimestamp(created, UTC) if isinstance(created, int) else None,
        slug=term.get("slug"),
        term=term.get("term"),
        status=term.get("status"),
        # A comment indexed before the flag existed has none: not accepted, as far as the
        # index knows (`tandem reindex --index comments` adds it).
        accepted=bool(f.get("accepted")) if hit.type == SearchType.comment else None,
    )


async def search(
    session: AsyncSession,
    backend: SearchBackend,
    viewer: Viewer,
    params: SearchParams,
    *,
    timeout: float = 3.0,
) -> SearchResults:
    """One page of what `viewer` may see matching `params`; 503 when the engine does not
    answer within `timeout` seconds."""
    filters = _filters(params)
    _check(params, filters)
    index = INDEX_OF[params.type]
    query = SearchQuery(
        q=params.q.strip(),
        deny=await search_deny_keys(session, viewer),
        facets=spec_for(index).facets,
        limit=params.limit,
        cursor=params.cursor,
        **filters,
    )
    await release(session)
    try:
        result = await asyncio.wait_for(backend.search(index, query), timeout)
    except TimeoutError as exc:
        raise SearchDown(
            "Search is not answering right now; try again shortly.", headers={"Retry-After": "5"}
        ) from exc
    except InvalidSearch as exc:
        raise Invalid(str(exc).capitalize() + ".", field="query.cursor") from exc
    except SearchUnavailable as exc:
        raise SearchDown("Search is unavailable right now; try again shortly.") from exc
    except SearchError as exc:
        raise SearchDown(f"Search failed: {exc}") from exc
    return SearchResults(
        hits=[_hit(h) for h in result.hits],
        facets=result.facets,
        next_cursor=result.next_cursor,
        estimated_total=result.estimated_total,
    )
