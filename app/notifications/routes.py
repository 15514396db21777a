from __future__ import annotations

from fastapi import APIRouter, Response

from app.auth.deps import CurrentViewer
from app.core.deps import DbSession
from app.core.pagination import Page, PageQuery
from app.notifications import service
from app.notifications.schemas import MarkRead, NotificationRead, UnreadCount

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


@router.get("")
async def list_notifications(
    session: DbSession, viewer: CurrentViewer, page: PageQuery, unread: bool = False
) -> Page[NotificationRead]:
    rows, cursor = await service.list_for(session, viewer, unread_only=unread, page=page)
    return Page(
        items=[NotificationRead.of(n, actor) for n, actor in rows],
        next_cursor=cursor,
    )


@router.get("/unread-count")
async def unread_count(session: DbSession, viewer: CurrentViewer) -> UnreadCount:
    return UnreadCount(count=await service.unread_count(session, viewer))


@router.post("/read", status_code=204)
async def mark_read(body: MarkRead, session: DbSession, viewer: CurrentViewer) -> Response:
    await service.mark_read(session, user_id=viewer.id, ids=body.ids, all_=body.all)
    return Response(status_code=204)
