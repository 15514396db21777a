from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Response

from app.auth.deps import CurrentUser, CurrentViewer
from app.core.deps import DbSession
from app.core.pagination import Page, PageParams, PageQuery
from app.groups import service
from app.groups.models import Group
from app.groups.schemas import GroupCreate, GroupDetail, GroupRead
from app.users.schemas import UserSummary
from app.visibility import Viewer

router = APIRouter(prefix="/api/v1/groups", tags=["groups"])

DETAIL_MEMBERS = 100


def _read(group: Group, counts: dict[int, int], viewer: Viewer) -> GroupRead:
    return GroupRead(
        id=group.id,
        slug=group.slug,
        name=group.name,
        private=group.private,
        member_count=counts.get(group.id, 0),
        is_member=group.id in viewer.group_ids,
        created_at=group.created_at,
    )


@router.post("", status_code=201)
async def create_group(
    body: GroupCreate, session: DbSession, user: CurrentUser, viewer: CurrentViewer
) -> GroupRead:
    group = await service.create(session, creator=user, data=body, viewer=viewer)
    return _read(group, {group.id: 1}, replace(viewer, group_ids=viewer.group_ids | {group.id}))


@router.get("")
async def list_groups(
    session: DbSession, viewer: CurrentViewer, page: PageQuery
) -> Page[GroupRead]:
    rows, cursor = await service.list_groups(session, viewer, page=page)
    counts = await service.member_counts(session, [g.id for g in rows])
    return Page(items=[_read(g, counts, viewer) for g in rows], next_cursor=cursor)


@router.get("/{slug}")
async def get_group(slug: str, session: DbSession, viewer: CurrentViewer) -> GroupDetail:
    group = await service.get_visible(session, viewer, slug=slug)
    counts = await service.member_counts(session, [group.id])
    members, _ = await service.members(
        session, group, page=PageParams(limit=DETAIL_MEMBERS, cursor=None)
    )
    return GroupDetail(
        **_read(group, counts, viewer).model_dump(),
        members=[UserSummary.model_validate(u) for u in members],
    )


@router.get("/{slug}/members")
async def list_members(
    slug: str, session: DbSession, viewer: CurrentViewer, page: PageQuery
) -> Page[UserSummary]:
    group = await service.get_visible(session, viewer, slug=slug)
    rows, cursor = await service.members(session, group, page=page)
    return Page(items=[UserSummary.model_validate(u) for u in rows], next_cursor=cursor)


@router.put("/{slug}/members/{handle}", status_code=204)
async def add_member(
    slug: str, handle: str, session: DbSession, user: CurrentUser, viewer: CurrentViewer
) -> Response:
    group = await service.get_visible(session, viewer, slug=slug)
    await service.add_member(session, actor=user, viewer=viewer, group=group, handle=handle)
    return Response(status_code=204)


@router.delete("/{slug}/members/{handle}", status_code=204)
async def remove_member(
    slug: str, handle: str, session: DbSession, user: CurrentUser, viewer: CurrentViewer
) -> Response:
    group = await service.get_visible(session, viewer, slug=slug)
    await service.remove_member(session, actor=user, group=group, handle=handle)
    return Response(status_code=204)
