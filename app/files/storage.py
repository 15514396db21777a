"""Where uploaded bytes live: one small interface, a local folder or an S3-compatible store.

Blobs are named by random keys the files domain makes (never by a user's file name), are
written from a stream of chunks and read back as one, so no file is ever whole in memory:
the local folder writes a temporary file beside the final one and renames it into place (a
reader never sees half a file), S3 takes a multipart upload of bounded parts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path
from typing import Any, Protocol

# How much of a blob a write buffers before it goes to the disk.
CHUNK_BYTES = 256 * 1024
# How much is read per step when streaming a blob out: fewer, larger steps cost fewer thread
# hops and response messages (bench/files.py).
READ_BYTES = 1024 * 1024
# S3 parts: 5 MiB is the smallest part S3 accepts (except the last one).
S3_PART_BYTES = 5 * 1024 * 1024

_KEY = re.compile(r"[0-9a-f]{8,64}(\.[a-z]{1,16})?")


class BlobMissing(LookupError):
    """No blob under that key."""


def check_key(key: str) -> str:
    """Keys are made by the files domain; anything else (a path, `..`) is a bug, refused."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class Storage(Protocol):
    """Blobs by key. `put` consumes `chunks` and stores them under `key` (all or nothing: an
    exception from `chunks` leaves nothing behind); `open` streams a blob back."""

    name: str

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> int: ...

    def open(self, key: str) -> AsyncIterator[bytes]: ...

    async def delete(self, key: str) -> None: ...

    async def size(self, key: str) -> int | None:
        """The blob's size, None when there is none."""
        ...


class Behind:
    """Blocking calls run in a thread one after the other while the caller goes on: each
    call waits for the one before it (their order kept); `wait` for the last one."""

    def __init__(self) -> None:
        self._last: asyncio.Future[Any] | None = None

    async def run(self, call: Callable[..., Any], *args: Any) -> None:
        await self.wait()
        self._last = asyncio.ensure_future(asyncio.to_thread(call, *args))

    async def wait(self) -> None:
        """The last call's end; its exception, if it raised."""
        if self._last is not None:
            last, self._last = self._last, None
            # Shielded: a cancelled caller must not leave a call running unawaited.
            await asyncio.shield(last)

    async def settle(self) -> None:
        """The last call's end, whatever became of it (on the way out of a failure)."""
        last, self._last = self._last, None
        if last is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(last)


class LocalStorage:
    """A folder: `<root>/<first two characters of the key>/<key>`."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        target = self.path(key)
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        # Same folder as the target: the rename is atomic (one filesystem).
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        size = 0
        writes = Behind()
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    pending = bytearray()
                    async for chunk in chunks:
                        size += len(chunk)
                        if not pending and len(chunk) >= CHUNK_BYTES:
                            await writes.run(out.write, chunk)  # whole already: no copy
                            continue
                        pending += chunk
                        if len(pending) >= CHUNK_BYTES:
                            # Written while the next block arrives.
                            await writes.run(out.write, pending)
                            pending = bytearray()
                    await writes.run(_finish, out, pending)
                    await writes.wait()
                finally:
                    await writes.settle()
            await asyncio.to_thread(os.replace, temp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        return size

    async def open(self, key: str) -> AsyncIterator[bytes]:
        try:
            source = await asyncio.to_thread(self.path(key).open, "rb")
        except FileNotFoundError:
            raise BlobMissing(key) from None
        try:
            while chunk := await asyncio.to_thread(source.read, READ_BYTES):
                yield chunk
        finally:
            source.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path(key).unlink, missing_ok=True)

    async def size(self, key: str) -> int | None:
        try:
            return (await asyncio.to_thread(self.path(key).stat)).st_size
        except FileNotFoundError:
            return None


def _finish(out: Any, pending: bytearray) -> None:
    out.write(pending)
    out.flush()
    # Durable before the row that points at it commits.
    os.fsync(out.fileno())


class S3Storage:
    """An S3-compatible bucket (AWS S3, MinIO, moto) through an open aioboto3 client."""

    name = "s3"

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        check_key(key)
        iterator = aiter(chunks)
        first = await _read_part(iterator)
        if len(first) < S3_PART_BYTES:
            # Small enough for one request.
            await self.client.put_object(Bucket=self.bucket, Key=key, Body=bytes(first))
            return len(first)
        upload = await self.client.create_multipart_upload(Bucket=self.bucket, Key=key)
        upload_id = upload["UploadId"]
        parts: list[dict[str, Any]] = []
        size = 0
        try:
            part = first
            while part:
                number = len(parts) + 1
                answer = await self.client.upload_part(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=bytes(part),
                )
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
                size += len(part)
                part = await _read_part(iterator)
            await self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            await asyncio.shield(
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            )
            raise
        return size

    async def open(self, key: str) -> AsyncIterator[bytes]:
        check_key(key)
        try:
            answer = await self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            raise BlobMissing(key) from None
        body = answer["Body"]
        try:
            while chunk := await body.read(CHUNK_BYTES):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        check_key(key)
        await self.client.delete_object(Bucket=self.bucket, Key=key)

    async def size(self, key: str) -> int | None:
        check_key(key)
        try:
            answer = await self.client.head_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        return int(answer["ContentLength"])


async def _read_part(chunks: AsyncIterator[bytes]) -> bytearray:
    """Up to one S3 part (a little more: the last chunk that crosses the size)."""
    part = bytearray()
    async for chunk in chunks:
        part += chunk
        if len(part) >= S3_PART_BYTES:
            break
    return part
