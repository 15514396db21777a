from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.auth.deps import CurrentUser
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
    _user: CurrentUser,
    page: PageQuery,
    q: Annotated[str | None, Query(max_length=64), OneLine] = None,
) -> Page[TopicRead]:
    rows, cursor = await service.list_topics(session, prefix=q, page=page)
    return Page(
        items=[TopicRead(name=t.name, post_count=t.post_count) for t in rows], next_cursor=cursor
    )
