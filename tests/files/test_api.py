"""Uploads, downloads and attachments through the JSON API, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from app.core import events
from app.core.db import transaction, utcnow
from app.files import service as files
from app.posts.events import PostUpdated
from app.users.models import Department
from tests.checks import api_error, error_body, running_app
from tests.factories import Person, api, make_post, make_user
from tests.files import samples

FILES = "/api/v1/files"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
POSTS = "/api/v1/posts"


@dataclass
class Crew:
    sam: Person  # uploads, posts
    dana: Person  # in the private group with sam
    lee: Person  # an outsider
    root: Person  # admin


@pytest.fixture
async def crew(app: FastAPI, client: httpx.AsyncClient) -> Crew:
    people = Crew(
        sam=await make_user(app, "sam"),
        dana=await make_user(app, "dana", department=Department.marketing),
        lee=await make_user(app, "lee"),
        root=await make_user(app, "root", admin=True),
    )
    await api(client, people.sam, "POST", "/api/v1/groups", 201,
              json={"name": "Deal room", "private": True})  # fmt: skip
    await api(client, people.sam, "PUT", "/api/v1/groups/deal-room/members/dana", 204)
    return people


def blobs(root: Path) -> set[Path]:
    """Every file in a storage folder (temporary parts included)."""
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def media(app: FastAPI) -> Path:
    root: Path = app.state.storage.root
    return root


async def upload(
    client: httpx.AsyncClient,
    who: Person,
    name: str,
    data: bytes,
    expect: int = 201,
    content_type: str = "application/octet-stream",
) -> Any:
    response = await client.post(
        FILES, headers=who.headers, files={"file": (name, data, content_type)}
    )
    assert response.status_code == expect, response.text
    return response.json()


async def upload_error(
    client: httpx.AsyncClient, who: Person, name: str, data: bytes, status: int, code: str
) -> dict[str, Any]:
    response = await client.post(FILES, headers=who.headers, files={"file": (name, data)})
    return error_body(response, status, code)


def file_url(file: dict[str, Any], *rest: str) -> str:
    return "/".join([FILES, str(file["id"]), *rest])


async def fetch(client: httpx.AsyncClient, who: Person, url: str) -> bytes:
    """A file's bytes (or its thumbnail's), which `who` may see."""
    response = await client.get(url, headers=who.headers)
    assert response.status_code == 200, response.text
    return response.content


# Uploading and downloading


async def test_upload_and_download_round_trip_with_its_sha256(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    data = samples.pdf()
    file = await upload(client, crew.sam, "Q3 pricing.pdf", data)
    assert file == {
        "id": file["id"],
        "name": "Q3 pricing.pdf",
        "content_type": "application/pdf",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    response = await client.get(file_url(file), headers=crew.sam.headers)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-length"] == str(len(data))
    assert response.headers["etag"] == f'"{file["sha256"]}"'


async def test_a_download_is_an_attachment_that_can_run_nothing(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    file = await upload(client, crew.sam, "Ré sumé “final”.pdf", samples.pdf())
    headers = (await client.get(file_url(file), headers=crew.sam.headers)).headers
    disposition = headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Ré sumé “final”.pdf')}" in disposition
    assert headers["x-content-type-options"] == "nosniff"
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "sandbox" in csp


async def test_an_image_is_shown_inline_and_has_a_small_thumbnail(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    file = await upload(client, crew.sam, "whiteboard.png", samples.png(1200, 800))
    assert file["content_type"] == "image/png"
    full = await client.get(file_url(file), headers=crew.sam.headers)
    assert full.headers["content-disposition"].startswith("inline;")
    assert full.headers["content-type"] == "image/png"
    thumb = await client.get(file_url(file, "thumbnail"), headers=crew.sam.headers)
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/webp"
    assert thumb.headers["x-content-type-options"] == "nosniff"
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.format == "WEBP"
        assert image.size == (480, 320)


async def test_a_document_has_no_thumbnail(client: httpx.AsyncClient, crew: Crew) -> None:
    file = await upload(client, crew.sam, "deck.pdf", samples.pdf())
    await api_error(client, crew.sam, "GET", file_url(file, "thumbnail"), 404, "not_found")


async def test_an_unchanged_file_answers_304_to_its_etag(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    file = await upload(client, crew.sam, "deck.pdf", samples.pdf())
    etag = f'"{file["sha256"]}"'
    again = await client.get(file_url(file), headers={**crew.sam.headers, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("notes.txt", "Call notes: they want SSO ✓\n".encode(), "text/plain"),
        ("pipeline.csv", b"account,stage\nAcme,decision\n", "text/csv"),
        ("plan.md", b"# Plan\n\n- call Acme\n", "text/markdown"),
        ("proposal.docx", samples.docx(), DOCX),
        ("photo.JPG", samples.jpeg(), "image/jpeg"),
    ],
)
async def test_allowed_types_are_recognised_from_their_content(
    client: httpx.AsyncClient, crew: Crew, name: str, data: bytes, content_type: str
) -> None:
    file = await upload(client, crew.sam, name, data)
    assert file["content_type"] == content_type
    response = await client.get(file_url(file), headers=crew.sam.headers)
    assert response.content == data
    if content_type.startswith("text/"):
        assert response.headers["content-type"] == f"{content_type}; charset=utf-8"


async def test_a_name_without_extension_gets_the_one_of_its_content(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    file = await upload(client, crew.sam, "scan", samples.png(10, 10))
    assert (file["name"], file["content_type"]) == ("scan.png", "image/png")


async def test_the_name_keeps_no_folders_or_control_characters(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    body = _multipart("C:\\Users\\sam\\../../etc/de\x07ck.pdf", samples.pdf())
    headers = {**crew.sam.headers, "Content-Type": "multipart/form-data; boundary=tandemboundary"}
    response = await client.post(FILES, headers=headers, content=body)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "deck.pdf"


# Refused uploads


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("empty.pdf", b"", "empty_file"),
        ("report.pdf", samples.ELF, "file_type_mismatch"),
        ("report.pdf", samples.MZ, "file_type_mismatch"),
        ("setup.exe", samples.MZ, "unsupported_file_type"),
        ("logo.svg", samples.SVG_WITH_SCRIPT, "unsupported_file_type"),
        ("logo.png", samples.SVG_WITH_SCRIPT, "file_type_mismatch"),
        ("data.bin", bytes(range(256)) * 4, "unsupported_file_type"),
        ("archive.zip", samples.plain_zip(), "unsupported_file_type"),
        ("proposal.docx", samples.plain_zip(), "file_type_mismatch"),
        ("photo.png", samples.jpeg(), "file_type_mismatch"),
        ("notes.txt", b"\xff\xfe not utf-8 \x80", "file_type_mismatch"),
        ("notes.txt", b"text with a NUL \x00 byte", "file_type_mismatch"),
        ("broken.png", samples.png()[:300], "corrupt_image"),
        ("broken.png", samples.png()[:-20], "corrupt_image"),
    ],
)
async def test_bad_uploads_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, crew: Crew, media: Path, name: str, data: bytes, code: str
) -> None:
    before = blobs(media)
    error = await upload_error(client, crew.sam, name, data, 422, code)
    assert error["details"][0]["field"] == "body.file"
    assert blobs(media) == before


async def test_a_request_without_the_file_field_is_a_422(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    no_file = await client.post(FILES, headers=crew.sam.headers, data={"other": "x"})
    assert error_body(no_file, 422, "validation_error")["details"][0]["field"] == "body.file"
    not_multipart = await client.post(FILES, headers=crew.sam.headers, json={"file": "x"})
    error_body(not_multipart, 422, "validation_error")
    empty_body = await client.post(
        FILES, headers={**crew.sam.headers, "Content-Type": "multipart/form-data; boundary=x"}
    )
    error_body(empty_body, 422)


async def test_uploading_needs_a_signed_in_user(client: httpx.AsyncClient) -> None:
    response = await client.post(FILES, files={"file": ("a.pdf", samples.pdf())})
    error_body(response, 401, "unauthorized")


@pytest.fixture
async def small_limit_app(
    database_url: str, tmp_path: Path, client: httpx.AsyncClient
) -> AsyncIterator[FastAPI]:
    # After `client`: inside the test's rolled-back transaction, which this app then shares.
    async with running_app(
        database_url, max_upload_bytes=50_000, media_dir=str(tmp_path / "media")
    ) as application:
        yield application


@pytest.fixture
async def small_client(small_limit_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=small_limit_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def _chunked(data: bytes, size: int = 8192) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _multipart(name: str, data: bytes, boundary: str = "tandemboundary") -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )


@pytest.mark.parametrize(
    "how",
    [
        "content-length over the limit",
        "streamed past the limit without a length",
        "a file just over the limit",
    ],
)
async def test_an_upload_over_the_limit_is_413_and_leaves_nothing_behind(
    client: httpx.AsyncClient,
    small_client: httpx.AsyncClient,
    small_limit_app: FastAPI,
    crew: Crew,
    how: str,
) -> None:
    media: Path = small_limit_app.state.storage.root
    pdf = samples.pdf()
    headers = {**crew.sam.headers, "Content-Type": "multipart/form-data; boundary=tandemboundary"}
    if how == "content-length over the limit":
        body = _multipart("big.pdf", pdf + b" " * 200_000)
        response = await small_client.post(FILES, headers=headers, content=body)
    elif how == "streamed past the limit without a length":
        body = _multipart("big.pdf", pdf + b" " * 200_000)
        response = await small_client.post(FILES, headers=headers, content=_chunked(body))
    else:
        # Within the multipart slack the middleware allows: the file's own count says no.
        body = _multipart("big.pdf", pdf + b" " * (50_001 - len(pdf)))
        response = await small_client.post(FILES, headers=headers, content=_chunked(body))
    assert error_body(response, 413, "payload_too_large")
    assert blobs(media) == set()
    # Exactly at the limit is fine.
    ok = _multipart("fits.pdf", pdf + b" " * (50_000 - len(pdf)))
    stored = await small_client.post(FILES, headers=headers, content=_chunked(ok))
    assert stored.status_code == 201, stored.text
    assert stored.json()["size"] == 50_000
    assert len(blobs(media)) == 1


# Who sees a file


async def test_an_unattached_upload_is_seen_by_its_uploader_only(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    file = await upload(client, crew.sam, "whiteboard.png", samples.png(20, 20))
    await fetch(client, crew.sam, file_url(file))
    for other in (crew.dana, crew.lee, crew.root):
        await api_error(client, other, "GET", file_url(file), 404, "not_found")
        await api_error(client, other, "GET", file_url(file, "thumbnail"), 404, "not_found")
    await api_error(client, crew.sam, "GET", f"{FILES}/999999999", 404, "not_found")


async def test_a_file_on_a_private_group_post_is_hidden_from_outsiders_everywhere(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    image = await upload(client, crew.sam, "discount.png", samples.png(40, 40))
    deck = await upload(client, crew.sam, "terms.pdf", samples.pdf())
    post = await make_post(
        client, crew.sam, "Secret terms", group="deal-room", attachments=[image["id"], deck["id"]]
    )
    refs = [{k: f[k] for k in ("id", "name", "content_type", "size")} for f in (image, deck)]
    assert post["attachments"] == refs
    # A member sees the post with its files, and the files.
    read = await api(client, crew.dana, "GET", f"{POSTS}/{post['id']}", 200)
    assert read["attachments"] == refs
    await fetch(client, crew.dana, file_url(image))
    await fetch(client, crew.dana, file_url(image, "thumbnail"))
    feed = await api(client, crew.dana, "GET", "/api/v1/groups/deal-room/feed", 200)
    assert feed["items"][0]["attachments"] == refs
    # An outsider (an admin too: a private group is its members') sees none of it.
    for outsider in (crew.lee, crew.root):
        for url in (file_url(image), file_url(image, "thumbnail"), file_url(deck)):
            await api_error(client, outsider, "GET", url, 404, "not_found")
        await api_error(client, outsider, "GET", f"{POSTS}/{post['id']}", 404, "not_found")
        company = await api(client, outsider, "GET", "/api/v1/feed/company", 200)
        assert post["id"] not in [p["id"] for p in company["items"]]


async def test_a_file_on_a_confidential_account_post_follows_the_account(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    await api(client, crew.sam, "POST", "/api/v1/accounts", 201,
              json={"name": "Vault", "confidential": True})  # fmt: skip
    deck = await upload(client, crew.sam, "vault.pdf", samples.pdf())
    await make_post(client, crew.sam, "About $vault", attachments=[deck["id"]])
    await api_error(client, crew.lee, "GET", file_url(deck), 404)
    await fetch(client, crew.root, file_url(deck))  # admins see confidential accounts


async def test_a_public_post_makes_its_files_visible_to_everyone(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    deck = await upload(client, crew.sam, "deck.pdf", samples.pdf())
    post = await make_post(client, crew.sam, "The new deck", attachments=[deck["id"]])
    assert (await client.get(file_url(deck), headers=crew.lee.headers)).content == samples.pdf()
    company = await api(client, crew.lee, "GET", "/api/v1/feed/company", 200)
    [card] = [p for p in company["items"] if p["id"] == post["id"]]
    assert [a["id"] for a in card["attachments"]] == [deck["id"]]


# Attaching


async def test_attaching_someone_elses_unattached_upload_is_404_and_writes_nothing(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    mine = await upload(client, crew.lee, "mine.pdf", samples.pdf())
    theirs = await upload(client, crew.sam, "theirs.pdf", samples.pdf())
    for ids in ([theirs["id"]], [mine["id"], theirs["id"]], [mine["id"], 987654321]):
        error = await api_error(
            client, crew.lee, "POST", POSTS, 404, "not_found",
            json={"body": "Stolen goods", "attachments": ids},
        )  # fmt: skip
        assert error["details"] == [{"field": "body.attachments"}]
    feed = await api(client, crew.lee, "GET", "/api/v1/users/lee/feed", 200)
    assert feed["items"] == []
    await api_error(client, crew.lee, "GET", file_url(theirs), 404)
    # Lee's own file is still unattached: Lee sees it, nobody else does.
    await api_error(client, crew.sam, "GET", file_url(mine), 404)


async def test_a_file_seen_on_another_post_may_be_attached_again(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    deck = await upload(client, crew.sam, "deck.pdf", samples.pdf())
    await make_post(client, crew.sam, "The deck", attachments=[deck["id"]])
    shared = await make_post(client, crew.lee, "Used it today", attachments=[deck["id"]])
    assert [a["id"] for a in shared["attachments"]] == [deck["id"]]


async def test_attachments_keep_their_order_once_each_and_at_most_ten(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    files = [await upload(client, crew.sam, f"f{i}.txt", f"file {i}".encode()) for i in range(11)]
    ids = [f["id"] for f in files]
    post = await make_post(client, crew.sam, "Many", attachments=[ids[2], ids[0], ids[2]])
    assert [a["id"] for a in post["attachments"]] == [ids[2], ids[0]]
    read = await api(client, crew.sam, "GET", f"{POSTS}/{post['id']}", 200)
    assert read == post
    error = await api_error(client, crew.sam, "POST", POSTS, 422, "validation_error",
                            json={"body": "Too many", "attachments": ids})  # fmt: skip
    assert error["details"][0]["field"] == "body.attachments"


async def test_patch_replaces_the_attachments_when_given_and_keeps_them_otherwise(
    client: httpx.AsyncClient, crew: Crew, media: Path
) -> None:
    a, b, c = [await upload(client, crew.sam, f"{n}.pdf", samples.pdf(n)) for n in "abc"]
    post = await make_post(client, crew.sam, "Files", attachments=[a["id"], b["id"]])
    url = f"{POSTS}/{post['id']}"
    kept = await api(client, crew.sam, "PATCH", url, 200, json={"body": "Files, edited"})
    assert [f["id"] for f in kept["attachments"]] == [a["id"], b["id"]]
    before = blobs(media)
    replaced = await api(
        client, crew.sam, "PATCH", url, 200, json={"attachments": [c["id"], a["id"]]}
    )
    assert [f["id"] for f in replaced["attachments"]] == [c["id"], a["id"]]
    assert (await api(client, crew.sam, "GET", url, 200)) == replaced
    # The file no post carries any more is gone, row and bytes.
    await api_error(client, crew.sam, "GET", file_url(b), 404)
    assert len(before - blobs(media)) == 1
    cleared = await api(client, crew.sam, "PATCH", url, 200, json={"attachments": []})
    assert cleared["attachments"] == []


async def test_patch_with_a_hidden_file_is_404_and_changes_nothing(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    a = await upload(client, crew.sam, "a.pdf", samples.pdf())
    theirs = await upload(client, crew.lee, "lee.pdf", samples.pdf())
    post = await make_post(client, crew.sam, "Files", attachments=[a["id"]])
    url = f"{POSTS}/{post['id']}"
    await api_error(client, crew.sam, "PATCH", url, 404, "not_found",
                    json={"body": "Changed", "attachments": [theirs["id"]]})  # fmt: skip
    assert await api(client, crew.sam, "GET", url, 200) == post


async def test_deleting_a_post_deletes_its_files_unless_another_post_carries_them(
    client: httpx.AsyncClient, crew: Crew, media: Path
) -> None:
    before = blobs(media)
    only = await upload(client, crew.sam, "only.png", samples.png(30, 30))
    shared = await upload(client, crew.sam, "shared.pdf", samples.pdf())
    stored = blobs(media) - before
    assert len(stored) == 3  # the image, its thumbnail, the PDF
    post = await make_post(client, crew.sam, "Both", attachments=[only["id"], shared["id"]])
    other = await make_post(client, crew.lee, "Reuse", attachments=[shared["id"]])
    await api(client, crew.sam, "DELETE", f"{POSTS}/{post['id']}", 204)
    await api_error(client, crew.sam, "GET", file_url(only), 404)
    await fetch(client, crew.lee, file_url(shared))
    assert len(blobs(media) - before) == 1
    await api(client, crew.lee, "DELETE", f"{POSTS}/{other['id']}", 204)
    await api_error(client, crew.lee, "GET", file_url(shared), 404)
    assert blobs(media) - before == set()


async def test_post_updated_says_whether_the_body_or_the_attachments_changed(
    client: httpx.AsyncClient, crew: Crew, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []

    async def record(_session: object, event: PostUpdated) -> None:
        seen.append(event.content_changed)

    # Beside the real handlers, for this test only.
    monkeypatch.setitem(events._handlers, PostUpdated, [*events.handlers_of(PostUpdated), record])
    a, b = [await upload(client, crew.sam, f"{n}.pdf", samples.pdf(n)) for n in "ab"]
    post = await make_post(client, crew.sam, "Files", kind="blog", title="T", attachments=[a["id"]])
    url = f"{POSTS}/{post['id']}"
    for change in (
        {"title": "A new title"},  # not the content
        {"topics": ["pricing"]},
        {"attachments": [a["id"]]},  # the same list
        {"body": "Files"},  # the same body
        {"body": "Other words"},
        {"attachments": [a["id"], b["id"]]},
        {"attachments": [b["id"], a["id"]]},  # another order
    ):
        await api(client, crew.sam, "PATCH", url, 200, json=change)
    assert seen == [False, False, False, False, True, True, True]


async def test_gc_deletes_unattached_uploads_older_than_a_day(
    app: FastAPI, client: httpx.AsyncClient, crew: Crew, media: Path
) -> None:
    before = blobs(media)
    loose = await upload(client, crew.sam, "loose.png", samples.png(20, 20))
    kept = await upload(client, crew.sam, "kept.pdf", samples.pdf())
    await make_post(client, crew.sam, "Kept", attachments=[kept["id"]])

    async def collect(hours: int) -> int:
        async with transaction(app.state.sessionmaker) as session:
            later = utcnow() + timedelta(hours=hours)
            return await files.collect_garbage(session, app.state.storage, now=later)

    assert await collect(23) == 0
    assert await collect(25) == 1
    await api_error(client, crew.sam, "GET", file_url(loose), 404)
    await fetch(client, crew.sam, file_url(kept))
    assert len(blobs(media) - before) == 1
