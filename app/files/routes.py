from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile

from app.auth.deps import CurrentUser, CurrentViewer
from app.core.db import release
from app.core.deps import AppSettings, DbSession, Sessions
from app.core.schemas import multipart_file
from app.core.types import PathId
from app.files import multipart, service
from app.files.deps import FileStorage
from app.files.images import THUMBNAIL_TYPE
from app.files.models import File
from app.files.schemas import FileRead
from app.files.sniff import IMAGE_TYPES
from app.files.storage import CHUNK_BYTES

FILES_PATH = "/api/v1/files"
router = APIRouter(prefix=FILES_PATH, tags=["files"])

# A downloaded file is never a document of ours: it may load nothing and run nothing, even
# opened in a tab of its own.
DOWNLOAD_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
IfNoneMatch = Annotated[str | None, Header(include_in_schema=False)]


async def _spooled(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK_BYTES):
        yield chunk


async def _file_part(request: Request) -> multipart.FilePart:
    """The upload, read from the body as it arrives. A page's form that sent its CSRF token
    as a form field has had its body parsed already, by the CSRF check (Starlette spools
    the file to disk): then the file comes from there."""
    parsed = getattr(request, "_form", None)
    if parsed is not None:
        upload = parsed.get("file")
        if not isinstance(upload, UploadFile):
            raise multipart.missing("file")
        return multipart.FilePart(filename=upload.filename or "", chunks=_spooled(upload))
    return await multipart.file_part(request.headers.get("content-type", ""), request.stream())


@router.post("", status_code=201, openapi_extra=multipart_file())
async def upload_file(
    request: Request,
    session: DbSession,
    sessions: Sessions,
    user: CurrentUser,
    storage: FileStorage,
    settings: AppSettings,
) -> FileRead:
    """Upload a file (multipart field `file`). It is visible to you alone until you attach
    it to a post; then to whoever may see the post."""
    # The body may take a while to arrive: no database connection (nor SQLite's write
    # lock) is held meanwhile; the upload records itself in a transaction of its own.
    await release(session)
    part = await _file_part(request)
    return await service.upload(
        sessions,
        storage,
        uploader=user,
        name=part.filename,
        chunks=part.chunks,
        max_bytes=settings.max_upload_bytes,
    )


def _headers(file: File, etag: str, *, inline: bool) -> dict[str, str]:
    fallback = file.name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    disposition = "inline" if inline else "attachment"
    return {
        "Content-Disposition": (
            f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(file.name)}"
        ),
        "Content-Security-Policy": DOWNLOAD_POLICY,
        "X-Content-Type-Options": "nosniff",
        "ETag": etag,
        # Revalidated every time: who may see a file can change (a group left).
        "Cache-Control": "private, no-cache",
    }


async def _served(
    session: DbSession, viewer: CurrentViewer, file_id: int, *, thumbnail: bool
) -> tuple[File, dict[str, str]]:
    """The file, if the viewer may see it (404 otherwise), and the headers of its bytes or
    its thumbnail. (The bytes stream from storage after the session has closed: DbSession
    ends before the response is sent.)"""
    file = await service.get_visible(session, viewer, file_id)
    if thumbnail:
        service.require_thumbnail(file)
        headers = _headers(file, f'"{file.sha256}-thumbnail"', inline=True)
        headers["Content-Disposition"] = "inline"
    else:
        headers = _headers(file, f'"{file.sha256}"', inline=file.content_type in IMAGE_TYPES)
    return file, headers


def _media_type(file: File) -> str:
    if file.content_type.startswith("text/"):
        return f"{file.content_type}; charset=utf-8"
    return file.content_type


@router.get(
    "/{file_id}",
    response_class=StreamingResponse,
    responses={200: {"content": {"*/*": {}}, "description": "The bytes, of their stored type"}},
)
async def download_file(
    file_id: PathId,
    session: DbSession,
    viewer: CurrentViewer,
    storage: FileStorage,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The file's bytes: an attachment to save, except images (shown inline)."""
    file, headers = await _served(session, viewer, file_id, thumbnail=False)
    if if_none_match == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    chunks = await service.content(storage, file)
    headers["Content-Length"] = str(file.size)
    return StreamingResponse(chunks, media_type=_media_type(file), headers=headers)


@router.get(
    "/{file_id}/thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/webp": {}}, "description": "A WebP thumbnail"}},
)
async def file_thumbnail(
    file_id: PathId,
    session: DbSession,
    viewer: CurrentViewer,
    storage: FileStorage,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """A small WebP of an image (at most 480 px wide); 404 for other files."""
    file, headers = await _served(session, viewer, file_id, thumbnail=True)
    if if_none_match == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return Response(
        await service.thumbnail(storage, file), media_type=THUMBNAIL_TYPE, headers=headers
    )
