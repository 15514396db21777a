"""The S3 backend through the API, against a real S3-protocol server: `TANDEM_TEST_S3_URL`
when set (MinIO, say, with `TANDEM_TEST_S3_KEY` and `TANDEM_TEST_S3_SECRET`), else moto's
standalone server started here on 127.0.0.1. Skipped without either (failing under
TANDEM_TEST_REQUIRE_ALL=1)."""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import aioboto3
import httpx
import pytest
from fastapi import FastAPI

from tests.checks import error_body, running_app
from tests.conftest import service_url
from tests.factories import Person, api, make_post, make_user
from tests.files import samples

FILES = "/api/v1/files"


@dataclass(frozen=True)
class S3:
    url: str
    key: str
    secret: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3]:
    key = os.environ.get("TANDEM_TEST_S3_KEY", "tandem-test")
    secret = os.environ.get("TANDEM_TEST_S3_SECRET", "tandem-test-secret")
    if os.environ.get("TANDEM_TEST_S3_URL"):
        yield S3(os.environ["TANDEM_TEST_S3_URL"], key, secret)
        return
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        service_url("TANDEM_TEST_S3_URL")  # skips, or fails under TANDEM_TEST_REQUIRE_ALL=1
        raise
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3(f"http://127.0.0.1:{port}", key, secret)
    finally:
        server.stop()


class Bucket:
    """A bucket of its own for one test, read with a client of the test's own."""

    def __init__(self, s3: S3, client: Any, name: str) -> None:
        self.s3, self.client, self.name = s3, client, name

    async def keys(self) -> set[str]:
        listed = await self.client.list_objects_v2(Bucket=self.name)
        return {o["Key"] for o in listed.get("Contents", [])}

    async def pending_uploads(self) -> list[Any]:
        listed = await self.client.list_multipart_uploads(Bucket=self.name)
        return list(listed.get("Uploads", []))


@pytest.fixture
async def bucket(s3_server: S3) -> AsyncIterator[Bucket]:
    name = f"tandem-test-{uuid.uuid4().hex[:12]}"
    async with aioboto3.Session().client(
        "s3",
        endpoint_url=s3_server.url,
        aws_access_key_id=s3_server.key,
        aws_secret_access_key=s3_server.secret,
        region_name="us-east-1",
    ) as client:
        await client.create_bucket(Bucket=name)
        bucket = Bucket(s3_server, client, name)
        yield bucket
        for key in await bucket.keys():
            await client.delete_object(Bucket=name, Key=key)
        await client.delete_bucket(Bucket=name)


@pytest.fixture
async def s3_app(
    database_url: str, bucket: Bucket, client: httpx.AsyncClient
) -> AsyncIterator[FastAPI]:
    # After `client`: inside the test's rolled-back transaction, which this app then shares.
    async with running_app(
        database_url,
        s3_url=bucket.s3.url,
        s3_bucket=bucket.name,
        s3_key=bucket.s3.key,
        s3_secret=bucket.s3.secret,
        max_upload_bytes=8_000_000,
    ) as application:
        yield application


@pytest.fixture
async def s3_client(s3_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=s3_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def sam(app: FastAPI, client: httpx.AsyncClient) -> Person:
    return await make_user(app, "sam")


async def _upload(client: httpx.AsyncClient, who: Person, name: str, data: bytes) -> Any:
    response = await client.post(FILES, headers=who.headers, files={"file": (name, data)})
    assert response.status_code == 201, response.text
    return response.json()


async def _download(client: httpx.AsyncClient, who: Person, url: str) -> httpx.Response:
    response = await client.get(url, headers=who.headers)
    assert response.status_code == 200, response.text
    return response


async def test_the_app_stores_in_s3_and_reads_back(
    s3_app: FastAPI, s3_client: httpx.AsyncClient, bucket: Bucket, sam: Person
) -> None:
    assert s3_app.state.storage.name == "s3"
    data = samples.pdf()
    file = await _upload(s3_client, sam, "deck.pdf", data)
    assert file["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(await bucket.keys()) == 1
    response = await _download(s3_client, sam, f"{FILES}/{file['id']}")
    assert response.content == data
    assert response.headers["content-length"] == str(len(data))


async def test_a_large_file_goes_up_in_parts_and_comes_back_whole(
    s3_client: httpx.AsyncClient, bucket: Bucket, sam: Person
) -> None:
    data = samples.pdf() + os.urandom(7_000_000)  # more than one 5 MiB part
    file = await _upload(s3_client, sam, "big.pdf", data)
    assert file["size"] == len(data)
    response = await _download(s3_client, sam, f"{FILES}/{file['id']}")
    assert hashlib.sha256(response.content).hexdigest() == file["sha256"]
    assert await bucket.pending_uploads() == []


async def test_an_image_and_its_thumbnail_are_in_s3(
    s3_client: httpx.AsyncClient, bucket: Bucket, sam: Person
) -> None:
    file = await _upload(s3_client, sam, "board.png", samples.png(900, 600))
    assert len(await bucket.keys()) == 2
    thumb = await _download(s3_client, sam, f"{FILES}/{file['id']}/thumbnail")
    assert thumb.headers["content-type"] == "image/webp"


async def test_deleting_the_post_deletes_the_objects(
    s3_client: httpx.AsyncClient, bucket: Bucket, sam: Person
) -> None:
    image = await _upload(s3_client, sam, "board.png", samples.png(90, 60))
    deck = await _upload(s3_client, sam, "deck.pdf", samples.pdf())
    post = await make_post(s3_client, sam, "Files", attachments=[image["id"], deck["id"]])
    assert len(await bucket.keys()) == 3
    await api(s3_client, sam, "DELETE", f"/api/v1/posts/{post['id']}", 204)
    assert await bucket.keys() == set()
    missing = await s3_client.get(f"{FILES}/{deck['id']}", headers=sam.headers)
    error_body(missing, 404, "not_found")


@pytest.mark.parametrize("size", [3_000_000, 8_000_001])
async def test_a_refused_upload_leaves_no_object_and_no_pending_upload(
    s3_client: httpx.AsyncClient, bucket: Bucket, sam: Person, size: int
) -> None:
    # A type refused at the end (not UTF-8 after 3 MB), and a file past the limit after a
    # first multipart part was sent.
    name, data = ("notes.txt", b"a" * size + b"\xff") if size < 8_000_000 else (
        "big.pdf", samples.pdf() + b" " * size
    )  # fmt: skip
    response = await s3_client.post(FILES, headers=sam.headers, files={"file": (name, data)})
    assert response.status_code in (413, 422), response.text
    error_body(response, response.status_code)
    assert await bucket.keys() == set()
    assert await bucket.pending_uploads() == []
