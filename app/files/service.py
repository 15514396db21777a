"""Files: uploads checked and stored as they stream in, downloads, and their end.

An upload is read from the request in chunks, hashed, measured and written to the storage
as it arrives (never whole in memory); the first chunk decides its type (`sniff`), a text
is checked to the end, an image is verified whole and thumbnailed (`images`). Whatever
fails, nothing stays in the storage. The row is written only once the bytes are stored.

Who may see a file is the visibility rule's (`Viewer.file_clause`): its uploader until a
post carries it, then whoever may see such a post. A file dies with the last post that
carries it: its row in that transaction, its bytes after the commit.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import tempfile
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.db import after_commit, transaction, utcnow
from app.core.errors import AppError, Invalid, NotFound
from app.files import images, repository, sniff
from app.files.models import File
from app.files.schemas import FileRead, FileRef
from app.files.storage import CHUNK_BYTES, Behind, BlobMissing, Storage
from app.users.models import User
from app.visibility import Viewer

log = logging.getLogger("tandem.files")

MAX_NAME = 255
# Unattached uploads older than this may be collected (`tandem files gc`).
UNATTACHED_TTL = timedelta(hours=24)
_UNSAFE_IN_NAMES = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Stored:
    """An upload in the storage, not yet recorded."""

    name: str
    content_type: str
    size: int
    sha256: str
    storage_key: str
    thumbnail_key: str | None

    @property
    def keys(self) -> list[str]:
        return [k for k in (self.storage_key, self.thumbnail_key) if k]


class TooLarge(AppError):
    status = 413
    code = "payload_too_large"


def clean_name(name: str) -> str:
    """The file's own name: no folders, no control characters, at most `MAX_NAME`
    characters (the extension kept)."""
    base = _UNSAFE_IN_NAMES.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if len(base) > MAX_NAME:
        extension = sniff.extension_of(base)[:16]
        base = base[: MAX_NAME - len(extension)] + extension
    return base or "file"


def new_key() -> str:
    return secrets.token_hex(16)


async def _head(chunks: AsyncIterator[bytes]) -> bytes:
    """At least `sniff.HEAD_BYTES` of the stream (less if it is shorter)."""
    head = bytearray()
    async for chunk in chunks:
        head += chunk
        if len(head) >= sniff.HEAD_BYTES:
            break
    return bytes(head)


class _Intake:
    """One upload's bytes on their way to the storage: counted against the limit, hashed,
    checked as text, copied aside for Pillow when an image."""

    def __init__(self, kind: sniff.Kind, name: str, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hash = hashlib.sha256()
        self.text = sniff.TextCheck(sniff.extension_of(name)) if kind.text else None
        self.copy: IO[bytes] | None = tempfile.TemporaryFile() if kind.image else None

    def take(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise TooLarge(f"The file is larger than {self.max_bytes:,} bytes.")
        if self.text is not None:
            self.text.feed(chunk)
        if self.copy is not None:
            self.copy.write(chunk)
        return chunk

    async def stream(self, head: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """The bytes in blocks of `CHUNK_BYTES`, each hashed in a thread while the next one
        is parsed from the request (hashlib lets go of the GIL): hashing on the event loop
        was a fifth of an upload's time (bench/files.py)."""
        hashing = Behind()
        try:
            async for block in _blocks(head, rest):
                self.take(block)
                await hashing.run(self.hash.update, block)
                yield block
            await hashing.wait()
        finally:
            await hashing.settle()

    def close(self) -> None:
        if self.copy is not None:
            self.copy.close()


async def _blocks(head: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    pending = bytearray(head)
    async for chunk in rest:
        pending += chunk
        if len(pending) >= CHUNK_BYTES:
            yield bytes(pending)
            pending.clear()
    if pending:
        yield bytes(pending)


async def receive(
    storage: Storage, *, name: str, chunks: AsyncIterator[bytes], max_bytes: int
) -> Stored:
    """Check and store an upload as it streams in; 422 for an empty file or a type that is
    not allowed (or not what the name says), 413 past `max_bytes`. On any failure nothing
    is left in the storage."""
    name = clean_name(name)
    head = await _head(chunks)
    if not head:
        raise Invalid("The file is empty.", field="body.file", code="empty_file")
    if len(head) > max_bytes:
        raise TooLarge(f"The file is larger than {max_bytes:,} bytes.")
    kind = sniff.judge(name, head[: sniff.HEAD_BYTES])
    if not sniff.extension_of(name):
        name = clean_name(name + kind.extension)
    key = new_key()
    thumbnail_key = f"{key}.thumb" if kind.image else None
    intake = _Intake(kind, name, max_bytes)
    try:
        await storage.put(key, intake.stream(head, chunks))
        if intake.text is not None:
            intake.text.finish()
        if intake.copy is not None and thumbnail_key is not None:
            intake.copy.seek(0)
            small = await asyncio.to_thread(images.thumbnail, intake.copy, kind.content_type)
            await storage.put(thumbnail_key, _one(small))
    except BaseException:
        # Shielded: a client that went away must not leave a blob behind.
        await asyncio.shield(_delete_blobs(storage, [k for k in (key, thumbnail_key) if k]))
        raise
    finally:
        intake.close()
    return Stored(
        name=name,
        content_type=kind.content_type,
        size=intake.size,
        sha256=intake.hash.hexdigest(),
        storage_key=key,
        thumbnail_key=thumbnail_key,
    )


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


def read(file: File) -> FileRead:
    return FileRead(
        id=file.id,
        name=file.name,
        content_type=file.content_type,
        size=file.size,
        sha256=file.sha256,
    )


def ref(file: File) -> FileRef:
    return FileRef(id=file.id, name=file.name, content_type=file.content_type, size=file.size)


async def upload(
    sessions: async_sessionmaker[AsyncSession],
    storage: Storage,
    *,
    uploader: User,
    name: str,
    chunks: AsyncIterator[bytes],
    max_bytes: int,
) -> FileRead:
    """Store an upload, then record it in a transaction of its own: no database connection
    (nor SQLite's write lock) is held while the bytes arrive. If the row cannot be written,
    the stored bytes are removed."""
    stored = await receive(storage, name=name, chunks=chunks, max_bytes=max_bytes)
    try:
        async with transaction(sessions) as session:
            file = File(
                uploader_id=uploader.id,
                name=stored.name,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                storage_key=stored.storage_key,
                thumbnail_key=stored.thumbnail_key,
            )
            session.add(file)
            await session.flush()
            return read(file)
    except BaseException:
        await asyncio.shield(_delete_blobs(storage, stored.keys))
        raise


# Reading.


async def get_visible(session: AsyncSession, viewer: Viewer, file_id: int) -> File:
    """The file, if the viewer may see it; 404 otherwise, exactly as if it did not exist."""
    file = await repository.visible(session, viewer, file_id)
    if file is None:
        raise NotFound("No such file.")
    return file


async def visible_files(session: AsyncSession, viewer: Viewer, ids: list[int]) -> list[File]:
    """The files `ids`, in that order, each visible to the viewer; 404 if one is not (an
    unknown id, someone else's upload not yet attached), as if it did not exist."""
    found = {f.id: f for f in await repository.visible_among(session, viewer, ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"No such file: {missing[0]}.", details=[{"field": "body.attachments"}])
    return [found[i] for i in ids]


async def content(storage: Storage, file: File) -> AsyncIterator[bytes]:
    """The file's bytes, streamed from the storage. Opened before it is returned, so a blob
    that is missing is a 404 before any header is sent, not a response cut short."""
    chunks = storage.open(file.storage_key)
    try:
        first = await anext(chunks, b"")
    except BlobMissing:
        log.error("file %s: its bytes (%s) are missing from %s", file.id, file.storage_key,
                  storage.name)  # fmt: skip
        raise NotFound("No such file.") from None
    return _chained(first, chunks)


async def _chained(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if first:
        yield first
    async for chunk in rest:
        yield chunk


def require_thumbnail(file: File) -> str:
    """The key of the file's thumbnail; 404 for a file that has none (not an image)."""
    if file.thumbnail_key is None:
        raise NotFound("This file has no thumbnail.")
    return file.thumbnail_key


async def thumbnail(storage: Storage, file: File) -> bytes:
    """An image's thumbnail (small: read whole); 404 for a file that has none."""
    key = require_thumbnail(file)
    try:
        return b"".join([chunk async for chunk in storage.open(key)])
    except BlobMissing:
        raise NotFound("This file has no thumbnail.") from None


# The end of files.


async def delete(session: AsyncSession, storage: Storage, file_ids: Collection[int]) -> None:
    """Delete files: their rows now (and their links), their bytes once the transaction has
    committed. A blob that cannot be deleted is logged, never an error of the request."""
    files = await repository.by_ids(session, file_ids)
    if not files:
        return
    await repository.delete_rows(session, [f.id for f in files])
    keys = [k for f in files for k in (f.storage_key, f.thumbnail_key) if k]

    async def delete_blobs() -> None:
        await _delete_blobs(storage, keys)

    after_commit(session, delete_blobs)


async def _delete_blobs(storage: Storage, keys: list[str]) -> None:
    for key in keys:
        try:
            await storage.delete(key)
        except Exception:
            log.exception("could not delete the stored file %s from %s", key, storage.name)


async def collect_garbage(
    session: AsyncSession, storage: Storage, *, now: datetime | None = None
) -> int:
    """Delete the uploads no post carries that are older than `UNATTACHED_TTL`; how many."""
    stale = await repository.unattached_before(session, (now or utcnow()) - UNATTACHED_TTL)
    await delete(session, storage, [f.id for f in stale])
    return len(stale)
