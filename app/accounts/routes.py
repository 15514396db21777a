from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.datastructures import UploadFile as StarletteUpload

from app.accounts import service
from app.accounts.models import Account
from app.accounts.schemas import (
    AccountCreate,
    AccountDetail,
    AccountRead,
    Contributor,
    ImportResult,
    ImportRowError,
)
from app.auth.deps import AdminUser, CurrentUser, CurrentViewer
from app.core.db import release
from app.core.deps import AppSettings, DbSession, Sessions
from app.core.errors import AppError, Invalid
from app.core.pagination import Page, PageQuery
from app.core.schemas import multipart_file
from app.core.types import OneLine
from app.users.models import User
from app.users.schemas import UserSummary

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])


def _read(account: Account, owners: dict[int, User]) -> AccountRead:
    owner = owners.get(account.owner_id) if account.owner_id else None
    fields = {name: getattr(account, name) for name in AccountRead.model_fields if name != "owner"}
    return AccountRead(owner=UserSummary.model_validate(owner) if owner else None, **fields)


@router.post("", status_code=201)
async def create_account(
    body: AccountCreate, session: DbSession, user: CurrentUser, viewer: CurrentViewer
) -> AccountRead:
    account = await service.create(session, creator=user, data=body, viewer=viewer)
    return _read(account, await service.owners(session, [account]))


@router.get("")
async def list_accounts(
    session: DbSession,
    viewer: CurrentViewer,
    page: PageQuery,
    q: Annotated[str | None, Query(max_length=100), OneLine] = None,
) -> Page[AccountRead]:
    rows, cursor = await service.list_accounts(session, viewer, q=q, page=page)
    owners = await service.owners(session, rows)
    return Page(items=[_read(a, owners) for a in rows], next_cursor=cursor)


IMPORT_PATH = "/api/v1/accounts/import"


@router.post("/import", openapi_extra=multipart_file())
async def import_accounts(
    request: Request,
    session: DbSession,
    sessions: Sessions,
    _admin: AdminUser,
    settings: AppSettings,
) -> ImportResult:
    """Import a CRM export. The body is read only once the caller is known to be an admin."""
    file = (await request.form()).get("file")
    if not isinstance(file, StarletteUpload):
        raise Invalid("Send the CSV as the multipart field 'file'.", field="body.file",
                      code="validation_error")  # fmt: skip
    content = await file.read(settings.max_import_bytes + 1)
    if len(content) > settings.max_import_bytes:
        raise AppError(
            f"The file is larger than {settings.max_import_bytes} bytes.",
            code="payload_too_large",
            status=413,
        )
    # The import writes in short transactions of its own: this request's session (which
    # checked the caller) must not hold SQLite's write lock meanwhile.
    await release(session)
    report = await service.import_csv(sessions, content=content)
    return ImportResult(
        created=report.created,
        updated=report.updated,
        errors=[ImportRowError(row=row, message=message) for row, message in report.errors],
    )


@router.get("/{slug}")
async def get_account(slug: str, session: DbSession, viewer: CurrentViewer) -> AccountDetail:
    account = await service.get_visible(session, viewer, slug=slug)
    view = await service.overview(session, viewer, account)
    base = _read(account, {view.owner.id: view.owner} if view.owner else {})
    return AccountDetail(
        **base.model_dump(),
        team=[UserSummary.model_validate(u) for u in view.team],
        contributors=[
            Contributor(user=UserSummary.model_validate(u), department=u.department, posts=n)
            for u, n in view.contributors
        ],
    )


@router.put("/{slug}/team/{handle}", status_code=204)
async def add_team_member(
    slug: str, handle: str, session: DbSession, user: CurrentUser, viewer: CurrentViewer
) -> Response:
    account = await service.get_visible(session, viewer, slug=slug)
    await service.add_to_team(session, actor=user, account=account, handle=handle)
    return Response(status_code=204)


@router.delete("/{slug}/team/{handle}", status_code=204)
async def remove_team_member(
    slug: str, handle: str, session: DbSession, user: CurrentUser, viewer: CurrentViewer
) -> Response:
    account = await service.get_visible(session, viewer, slug=slug)
    await service.remove_from_team(session, actor=user, account=account, handle=handle)
    return Response(status_code=204)
