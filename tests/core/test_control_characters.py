"""Control characters in user text (NUL above all, which PostgreSQL refuses and SQLite
stores) are refused alike on both databases, before anything is written: a 422 naming the
field for JSON bodies and query parameters, a per-row error for a CSV import. Text of
several lines (posts, comments, bios) keeps tab and line breaks."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.accounts.models import Account
from app.core.db import transaction
from app.core.types import control_character
from app.groups.models import Group
from app.posts.models import Comment, Post
from app.users.models import User
from tests.checks import error_body
from tests.factories import PASSWORD, api, make_post, make_user
from tests.pages_helpers import browse_as, csrf_for, page, text_of

MODELS = (Post, Comment, Account, Group, User)


async def _counts(app: FastAPI) -> dict[str, int]:
    async with transaction(app.state.sessionmaker, write=False) as session:
        return {
            m.__tablename__: int(await session.scalar(select(func.count()).select_from(m)) or 0)
            for m in MODELS
        }


def _signup(**fields: str) -> dict[str, str]:
    return {
        "email": "new@example.com",
        "password": PASSWORD,
        "display_name": "New Person",
        "handle": "newperson",
        "department": "sales",
        **fields,
    }


# (method, url, body, the field the 422 names); {post} is a post of the caller's.
JSON_BODIES = {
    "NUL in a post body": ("POST", "/api/v1/posts", {"body": "nul \x00 byte"}, "body.body"),
    "BEL in a post body": ("POST", "/api/v1/posts", {"body": "ding \x07"}, "body.body"),
    "DEL in a post body": ("POST", "/api/v1/posts", {"body": "rub \x7f out"}, "body.body"),
    "C1 in a post body": ("POST", "/api/v1/posts", {"body": "csi \x9b 2J"}, "body.body"),
    "tab in a post title": (
        "POST", "/api/v1/posts", {"body": "ok", "kind": "blog", "title": "A\ttitle"}, "body.title"
    ),
    "NUL in an account tag": (
        "POST", "/api/v1/posts", {"body": "ok", "accounts": ["acme\x00"]}, "body.accounts.0"
    ),
    "NUL in a group": ("POST", "/api/v1/posts", {"body": "ok", "group": "g\x00"}, "body.group"),
    "NUL in an edited body": (
        "PATCH", "/api/v1/posts/{post}", {"body": "edited \x00"}, "body.body"
    ),
    "NUL in a comment": (
        "POST", "/api/v1/posts/{post}/comments", {"body": "nul \x00"}, "body.body"
    ),
    "NUL in an account name": ("POST", "/api/v1/accounts", {"name": "Nul\x00 Co"}, "body.name"),
    "ESC in an account domain": (
        "POST", "/api/v1/accounts", {"name": "Esc Co", "domain": "esc\x1b.com"}, "body.domain"
    ),
    "NUL in an account's CRM id": (
        "POST", "/api/v1/accounts", {"name": "Crm Co", "crm_id": "1\x002"}, "body.crm_id"
    ),
    "NUL in a group name": ("POST", "/api/v1/groups", {"name": "Team\x00"}, "body.name"),
    "NUL in a display name": (
        "POST", "/api/v1/auth/signup", _signup(display_name="New\x00Person"), "body.display_name"
    ),
    "newline in a display name": (
        "POST", "/api/v1/auth/signup", _signup(display_name="New\nPerson"), "body.display_name"
    ),
    "NUL in a sign-in email": (
        "POST", "/api/v1/auth/token", {"email": "sam\x00@example.com", "password": "x"},
        "body.email",
    ),
}  # fmt: skip


@pytest.mark.parametrize(("method", "url", "body", "field"), JSON_BODIES.values(), ids=JSON_BODIES)
async def test_a_control_character_in_a_json_body_is_a_422_naming_the_field(
    app: FastAPI,
    client: httpx.AsyncClient,
    method: str,
    url: str,
    body: dict[str, Any],
    field: str,
) -> None:
    sam = await make_user(app, "sam")
    post = await make_post(client, sam, "Already there")
    before = await _counts(app)
    response = await client.request(
        method, url.format(post=post["id"]), headers=sam.headers, json=body
    )
    error = error_body(response, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == [field]
    assert "control characters" in error["details"][0]["message"]
    assert await _counts(app) == before


ADMIN_BODIES = {
    "NUL in a bio": ({"bio": "Hello\x00"}, "body.bio"),
    "tab in a job title": ({"title": "Head\tof sales"}, "body.title"),
    "NUL in a display name": ({"display_name": "A\x00B"}, "body.display_name"),
}


@pytest.mark.parametrize(("fields", "field"), ADMIN_BODIES.values(), ids=ADMIN_BODIES)
async def test_a_control_character_in_a_created_user_is_a_422(
    app: FastAPI, client: httpx.AsyncClient, fields: dict[str, str], field: str
) -> None:
    root = await make_user(app, "root", admin=True)
    body = {"email": "x@example.com", "display_name": "X", "handle": "xx", "department": "sales"}
    before = await _counts(app)
    response = await client.post("/api/v1/users", headers=root.headers, json={**body, **fields})
    error = error_body(response, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == [field]
    assert await _counts(app) == before


async def test_text_of_several_lines_keeps_tabs_and_line_breaks(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam, root = await make_user(app, "sam"), await make_user(app, "root", admin=True)
    body = "First line\r\nSecond line\n\tindented\r"
    post = await make_post(client, sam, body)
    assert post["body"] == body
    comment = await api(
        client, sam, "POST", f"/api/v1/posts/{post['id']}/comments", 201, json={"body": body}
    )
    assert comment["body"] == body
    user = {"email": "b@example.com", "display_name": "B", "handle": "bb", "department": "sales"}
    created = await api(
        client, root, "POST", "/api/v1/users", 201, json={**user, "bio": "Hi\n\tthere"}
    )
    assert created["bio"] == "Hi\n\tthere"


QUERIES = {
    "search text": ("/api/v1/search", "q"),
    "search account filter": ("/api/v1/search", "account"),
    "search author filter": ("/api/v1/search", "author"),
    "search topic filter": ("/api/v1/search", "topic"),
    "search cursor": ("/api/v1/search", "cursor"),
    "people filter": ("/api/v1/users", "q"),
    "accounts filter": ("/api/v1/accounts", "q"),
    "topics filter": ("/api/v1/topics", "q"),
}


@pytest.mark.parametrize(("url", "name"), QUERIES.values(), ids=QUERIES)
async def test_a_control_character_in_a_query_parameter_is_a_422_naming_it(
    app: FastAPI, client: httpx.AsyncClient, url: str, name: str
) -> None:
    sam = await make_user(app, "sam")
    params = {"q": "deal", name: "a\x00b"}
    response = await client.get(url, headers=sam.headers, params=params)
    error = error_body(response, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == [f"query.{name}"]


async def test_a_search_page_with_a_control_character_answers_the_error_page(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    response = await client.get("/search", params={"q": "a\x00b"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")


async def test_a_csv_import_reports_control_characters_per_row_and_imports_the_rest(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    root = await make_user(app, "root", admin=True)
    lines = [
        "name,domain,industry,owner_email,crm_id",
        "Good One,good1.com,,,",  # row 2
        "Bad\x00 Name,bad.com,,,",  # row 3
        "Good Two,good2.com,,,",  # row 4
        "Bell Co,bell.com,Tele\x07com,,",  # row 5
        f"Owner Co,owner.com,,{root.email}\x00,",  # row 6
        "Tab Co,tab.com,,,CRM\t7",  # row 7
        "Good Three,good3.com,,,",  # row 8
    ]
    content = ("\n".join(lines) + "\n").encode()
    response = await client.post(
        "/api/v1/accounts/import",
        headers=root.headers,
        files={"file": ("accounts.csv", content, "text/csv")},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["updated"]) == (3, 0)
    errors = {e["row"]: e["message"] for e in result["errors"]}
    assert sorted(errors) == [3, 5, 6, 7]
    for row, column in [(3, "name"), (5, "industry"), (6, "owner_email"), (7, "crm_id")]:
        assert errors[row].startswith(f"{column}: must not contain control characters"), errors
    page_ = await api(client, root, "GET", "/api/v1/accounts", 200)
    assert sorted(a["name"] for a in page_["items"]) == ["Good One", "Good Three", "Good Two"]


async def test_a_post_form_with_a_nul_answers_the_error_page_naming_the_field(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    before = await _counts(app)
    response = await client.post(
        "/posts", data={"csrf_token": csrf_for(sam), "body": "nul \x00 byte"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "body: must not contain control characters" in text_of(response.text)
    assert await _counts(app) == before


async def test_a_sign_in_form_with_a_nul_in_the_email_is_a_wrong_login(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The same answer on both databases (PostgreSQL would refuse the lookup)."""
    await make_user(app, "sam", password=PASSWORD)
    markup = await page(client, "/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', markup)
    assert token is not None
    response = await client.post(
        "/login",
        data={"email": "sam\x00@example.com", "password": PASSWORD, "csrf_token": token[1]},
    )
    assert response.status_code == 401
    assert "wrong" in text_of(response.text)


async def test_a_sign_up_form_with_a_control_character_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    markup = await page(client, "/signup")
    token = re.search(r'name="csrf_token" value="([^"]+)"', markup)
    assert token is not None
    before = await _counts(app)
    response = await client.post(
        "/signup", data={**_signup(display_name="New\x00Person"), "csrf_token": token[1]}
    )
    assert response.status_code == 422
    assert "display_name: must not contain control characters" in text_of(response.text)
    assert await _counts(app) == before


@pytest.mark.parametrize(
    ("text", "lines", "problem"),
    [
        ("plain", False, None),
        ("tab\there", True, None),
        ("crlf\r\n", True, None),
        ("tab\there", False, "must not contain control characters (U+0009 at character 4)"),
        ("a\x00", True, "must not contain control characters (U+0000 at character 2)"),
        ("\x0b", True, "must not contain control characters (U+000B at character 1)"),
        ("é ü 日本 \u2028", False, None),  # not control characters
    ],
)
def test_control_character_names_the_first_one(text: str, lines: bool, problem: str | None) -> None:
    assert control_character(text, lines=lines) == problem


def test_the_openapi_document_states_the_rule(app: FastAPI) -> None:
    """Clients (and the fuzzer in CI) learn it from the schema: a pattern on the field."""
    schemas = app.openapi()["components"]["schemas"]
    body, title = (schemas["PostCreate"]["properties"][name] for name in ("body", "title"))
    multi, one = re.compile(body["pattern"]), re.compile(title["anyOf"][0]["pattern"])
    assert multi.match("a\r\n\tb")
    assert not multi.match("a\x00b")
    assert one.match("plain é")
    assert not one.match("a\tb")
