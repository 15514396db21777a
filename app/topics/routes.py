from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.auth.deps import CurrentViewer
from app.core.deps import DbSession
from app.core.pagination import Page, PageQuery
from app.core.types import OneLine
from app.topics import service

router = APIRouter(prefix="/api/v1/topics", tags=["topics"])


class TopicRead(BaseModel):
    name: str
    post_count: int


@router.get("")
async def list_topics(
    session: DbSession,
    viewer: CurrentViewer,
    page: PageQuery,
    q: Annotated[str | None, Query(max_length=64), OneLine] = None,
) -> Page[TopicRead]:
    """Topics with a post the caller may see (or none at all), each counting only those."""
    rows, cursor = await service.list_topics(session, viewer, prefix=q, page=page)
    return Page(
        items=[TopicRead(name=t.name, post_count=t.post_count) for t in rows], next_cursor=cursor
    )
