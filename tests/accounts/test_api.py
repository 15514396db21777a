"""Customer accounts: creation, listing, the 360 view, teams, confidentiality, CSV import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.users.models import Department
from tests.checks import api_error, client_for, detail_fields, running_app
from tests.factories import Person, api, make_account, make_post, make_user

ACCOUNTS = "/api/v1/accounts"
IMPORT = f"{ACCOUNTS}/import"
HEADER = "name,domain,industry,owner_email,crm_id"


def team_url(slug: str, handle: str) -> str:
    return f"{ACCOUNTS}/{slug}/team/{handle}"


async def slugs(client: httpx.AsyncClient, who: Person, **params: str) -> list[str]:
    page = await api(client, who, "GET", ACCOUNTS, 200, params=params)
    return [a["slug"] for a in page["items"]]


async def team_handles(client: httpx.AsyncClient, who: Person, slug: str) -> list[str]:
    detail = await api(client, who, "GET", f"{ACCOUNTS}/{slug}", 200)
    return sorted(u["handle"] for u in detail["team"])


def csv_file(*lines: str, header: str = HEADER) -> dict[str, Any]:
    content = "\n".join([header, *lines]) + "\n"
    return {"file": ("accounts.csv", content.encode(), "text/csv")}


async def import_csv(
    client: httpx.AsyncClient, who: Person, *lines: str, header: str = HEADER
) -> dict[str, Any]:
    result: dict[str, Any] = await api(
        client, who, "POST", IMPORT, 200, files=csv_file(*lines, header=header)
    )
    return result


# Creating and listing


async def test_create_account_derives_slug_from_name(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    account = await make_account(client, sam, "  Acme Corp. (EMEA) ", domain="acme.com")
    assert account["slug"] == "acme-corp-emea"
    assert account["name"] == "Acme Corp. (EMEA)"
    assert account["domain"] == "acme.com"
    assert account["owner"]["handle"] == "sam"
    assert account["confidential"] is False


async def test_derived_slugs_fold_accents_and_keep_non_latin_names_apart(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    assert (await make_account(client, sam, "Société Générale"))["slug"] == "societe-generale"
    first = await make_account(client, sam, "日本電気")
    second = await make_account(client, sam, "中国银行")
    assert first["slug"] != second["slug"]
    assert (await api(client, sam, "GET", f"{ACCOUNTS}/{first['slug']}", 200))["name"] == "日本電気"


async def test_create_account_with_explicit_slug_and_owner(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    await make_user(app, "lee")
    account = await make_account(client, sam, "Acme Corp", slug="ACME", owner_handle="lee")
    assert account["slug"] == "acme"
    assert account["owner"]["handle"] == "lee"


async def test_create_account_with_taken_slug_conflicts(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    await make_account(client, sam, "Acme", slug="acme")
    await api_error(
        client, sam, "POST", ACCOUNTS, 409, "slug_taken", json={"name": "Other", "slug": "acme"}
    )
    await api_error(client, sam, "POST", ACCOUNTS, 409, "slug_taken", json={"name": "ACME"})
    await make_account(client, sam, "Globex", crm_id="CRM-1")
    body = {"name": "Initech", "crm_id": "CRM-1"}
    await api_error(client, sam, "POST", ACCOUNTS, 409, "crm_id_taken", json=body)
    assert sorted(await slugs(client, sam)) == ["acme", "globex"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "body.name"),
        ({"name": "Acme", "slug": "bad slug!"}, "body.slug"),
        ({"name": "Acme", "owner_handle": "nobody"}, "body.owner_handle"),
    ],
)
async def test_create_account_rejects_bad_input(
    app: FastAPI, client: httpx.AsyncClient, body: dict[str, str], field: str
) -> None:
    sam = await make_user(app, "sam")
    error = await api_error(client, sam, "POST", ACCOUNTS, 422, json=body)
    assert detail_fields(error) == [field]


async def test_list_accounts_searches_name_slug_and_domain(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    await make_account(client, sam, "Acme Corp", slug="acme")
    await make_account(client, sam, "Globex", domain="globex-energy.com")
    await make_account(client, sam, "Initech")
    assert await slugs(client, sam) == ["initech", "globex", "acme"]
    assert await slugs(client, sam, q="acme") == ["acme"]
    assert await slugs(client, sam, q="ENERGY") == ["globex"]
    assert await slugs(client, sam, q="zzz") == []


# The 360 view


async def test_account_shows_contributors_by_department_with_post_counts(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam", department=Department.sales)
    mia = await make_user(app, "mia", department=Department.marketing)
    await make_user(app, "lee")
    await make_account(client, sam, "Acme", slug="acme")
    await make_post(client, sam, "Call notes for $acme")
    await make_post(client, sam, "Pricing objection", accounts=["acme"])
    await make_post(client, mia, "Campaign for $acme")
    await make_post(client, mia, "Unrelated post")
    detail = await api(client, mia, "GET", f"{ACCOUNTS}/acme", 200)
    contributors = [
        (c["user"]["handle"], c["department"], c["posts"]) for c in detail["contributors"]
    ]
    assert contributors == [("sam", "sales", 2), ("mia", "marketing", 1)]
    assert [u["handle"] for u in detail["team"]] == ["sam"]


async def test_unknown_account_is_not_found(app: FastAPI, client: httpx.AsyncClient) -> None:
    sam = await make_user(app, "sam")
    await api_error(client, sam, "GET", f"{ACCOUNTS}/nope", 404, "not_found")


# Team


@pytest.mark.parametrize("manager", ["owner", "admin"])
async def test_owner_or_admin_manages_team_idempotently(
    app: FastAPI, client: httpx.AsyncClient, manager: str
) -> None:
    sam = await make_user(app, "sam")
    root = await make_user(app, "root", admin=True)
    await make_user(app, "dana")
    await make_account(client, sam, "Acme", slug="acme")
    actor = sam if manager == "owner" else root
    for _ in range(2):
        await api(client, actor, "PUT", team_url("acme", "dana"), 204)
    assert await team_handles(client, sam, "acme") == ["dana", "sam"]
    for _ in range(2):
        await api(client, actor, "DELETE", team_url("acme", "dana"), 204)
    assert await team_handles(client, sam, "acme") == ["sam"]


async def test_others_cannot_change_team(app: FastAPI, client: httpx.AsyncClient) -> None:
    sam = await make_user(app, "sam")
    lee = await make_user(app, "lee")
    await make_user(app, "dana")
    await make_account(client, sam, "Acme", slug="acme")
    await api(client, sam, "PUT", team_url("acme", "dana"), 204)
    await api_error(client, lee, "PUT", team_url("acme", "lee"), 403, "forbidden")
    await api_error(client, lee, "DELETE", team_url("acme", "dana"), 403, "forbidden")
    # A team member is not a manager either.
    dana = await make_user(app, "dana2")
    await api(client, sam, "PUT", team_url("acme", "dana2"), 204)
    await api_error(client, dana, "PUT", team_url("acme", "lee"), 403)
    assert await team_handles(client, sam, "acme") == ["dana", "dana2", "sam"]


async def test_team_change_for_unknown_user_or_owner_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    await make_account(client, sam, "Acme", slug="acme")
    await api_error(client, sam, "PUT", team_url("acme", "nobody"), 404)
    await api_error(client, sam, "DELETE", team_url("acme", "sam"), 422)
    assert await team_handles(client, sam, "acme") == ["sam"]


# Confidential accounts


async def test_confidential_account_is_hidden_from_outsiders(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    lee = await make_user(app, "lee")
    await make_account(client, sam, "Secret Co", slug="secret", confidential=True)
    await api_error(client, lee, "GET", f"{ACCOUNTS}/secret", 404, "not_found")
    assert await slugs(client, lee) == []
    await api_error(client, lee, "PUT", team_url("secret", "lee"), 404)


async def test_confidential_account_is_visible_to_team_and_admin(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    lee = await make_user(app, "lee")
    root = await make_user(app, "root", admin=True)
    await make_account(client, sam, "Secret Co", slug="secret", confidential=True)
    await api(client, sam, "PUT", team_url("secret", "lee"), 204)
    for who in (sam, lee, root):
        detail = await api(client, who, "GET", f"{ACCOUNTS}/secret", 200)
        assert detail["confidential"] is True
        assert await slugs(client, who) == ["secret"]


async def test_confidential_account_posts_are_seen_by_its_team_only(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam")
    lee = await make_user(app, "lee")
    await make_account(client, sam, "Secret Co", slug="secret", confidential=True)
    post = await make_post(client, sam, "Renewal risk at $secret")
    assert post["accounts"] == [{"slug": "secret", "name": "Secret Co"}]
    await api(client, lee, "GET", f"/api/v1/posts/{post['id']}", 404)
    await api(client, sam, "PUT", team_url("secret", "lee"), 204)
    await api(client, lee, "GET", f"/api/v1/posts/{post['id']}", 200)
    detail = await api(client, lee, "GET", f"{ACCOUNTS}/secret", 200)
    assert [(c["user"]["handle"], c["posts"]) for c in detail["contributors"]] == [("sam", 1)]
    await api(client, sam, "DELETE", team_url("secret", "lee"), 204)
    await api(client, lee, "GET", f"/api/v1/posts/{post['id']}", 404)


# CSV import


async def test_import_creates_accounts_and_reports_bad_rows(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    root = await make_user(app, "root", admin=True)
    await make_user(app, "sam")
    result = await import_csv(
        client,
        root,
        "Acme Corp,acme.com,Manufacturing,SAM@example.com,CRM-1",
        ",nameless.com,,,CRM-2",
        "Gamma,gamma.com,,nobody@example.com,CRM-3",
        "Globex,globex.com,Energy,,CRM-4",
    )
    assert (result["created"], result["updated"]) == (2, 0)
    assert [e["row"] for e in result["errors"]] == [3, 4]
    assert "name" in result["errors"][0]["message"]
    assert "nobody@example.com" in result["errors"][1]["message"]
    acme = await api(client, root, "GET", f"{ACCOUNTS}/acme-corp", 200)
    assert (acme["domain"], acme["industry"], acme["crm_id"]) == (
        "acme.com",
        "Manufacturing",
        "CRM-1",
    )
    assert acme["owner"]["handle"] == "sam"
    globex = await api(client, root, "GET", f"{ACCOUNTS}/globex", 200)
    assert globex["owner"] is None
    # The bad rows left nothing behind.
    await api(client, root, "GET", f"{ACCOUNTS}/gamma", 404)
    assert sorted(await slugs(client, root)) == ["acme-corp", "globex"]


async def test_reimport_updates_instead_of_duplicating(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    root = await make_user(app, "root", admin=True)
    await import_csv(client, root, "Acme Corp,acme.com,,,CRM-1", "Globex,globex.com,Energy,,")
    result = await import_csv(
        client, root, "Acme Corporation,,Manufacturing,,CRM-1", "Globex,globex.io,,,"
    )
    assert result == {"created": 0, "updated": 2, "errors": []}
    assert sorted(await slugs(client, root)) == ["acme-corp", "globex"]
    acme = await api(client, root, "GET", f"{ACCOUNTS}/acme-corp", 200)
    assert (acme["name"], acme["domain"], acme["industry"]) == (
        "Acme Corporation",
        "acme.com",
        "Manufacturing",
    )
    globex = await api(client, root, "GET", f"{ACCOUNTS}/globex", 200)
    assert (globex["domain"], globex["industry"]) == ("globex.io", "Energy")


async def test_import_keeps_accounts_with_non_latin_names_apart(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    root = await make_user(app, "root", admin=True)
    result = await import_csv(client, root, "日本電気,nec.com,,,", "中国银行,boc.cn,,,")
    assert result == {"created": 2, "updated": 0, "errors": []}
    again = await import_csv(client, root, "日本電気,nec.co.jp,,,")
    assert again == {"created": 0, "updated": 1, "errors": []}
    page = await api(client, root, "GET", ACCOUNTS, 200)
    assert sorted((a["name"], a["domain"]) for a in page["items"]) == [
        ("中国银行", "boc.cn"),
        ("日本電気", "nec.co.jp"),
    ]


async def test_import_accepts_header_case_and_bom(app: FastAPI, client: httpx.AsyncClient) -> None:
    root = await make_user(app, "root", admin=True)
    content = "\ufeffName,Domain\nAcme,acme.com\n".encode()
    result = await api(
        client, root, "POST", IMPORT, 200, files={"file": ("a.csv", content, "text/csv")}
    )
    assert result == {"created": 1, "updated": 0, "errors": []}


async def test_import_is_admin_only(app: FastAPI, client: httpx.AsyncClient) -> None:
    sam = await make_user(app, "sam")
    await api_error(client, sam, "POST", IMPORT, 403, "forbidden", files=csv_file("Acme,,,,"))
    assert await slugs(client, sam) == []


async def test_import_rejects_non_utf8_file(app: FastAPI, client: httpx.AsyncClient) -> None:
    root = await make_user(app, "root", admin=True)
    content = f"{HEADER}\nCaf\xe9 Noir,,,,\n".encode("latin-1")
    error = await api_error(
        client, root, "POST", IMPORT, 422, files={"file": ("a.csv", content, "text/csv")}
    )
    assert "UTF-8" in error["message"]
    assert await slugs(client, root) == []


async def test_import_without_name_column_or_file_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    root = await make_user(app, "root", admin=True)
    await api_error(client, root, "POST", IMPORT, 422, files=csv_file("acme.com", header="domain"))
    error = await api_error(client, root, "POST", IMPORT, 422, "validation_error")
    assert detail_fields(error) == ["body.file"]


@pytest.fixture
async def small_upload_app(database_url: str, client: httpx.AsyncClient) -> AsyncIterator[FastAPI]:
    async with running_app(database_url, max_import_bytes=64) as application:
        yield application


async def test_import_of_too_large_file_is_refused(app: FastAPI, small_upload_app: FastAPI) -> None:
    root = await make_user(app, "root", admin=True)
    lines = [f"Account {i},,,," for i in range(10)]
    async with client_for(small_upload_app) as c:
        error = await api_error(
            c, root, "POST", IMPORT, 413, "payload_too_large", files=csv_file(*lines)
        )
        assert "64 bytes" in error["message"]
        assert await slugs(c, root) == []


async def test_import_ignores_blank_lines_and_extra_columns(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    root = await make_user(app, "root", admin=True)
    result = await import_csv(
        client, root, "Acme,acme.com,,,,surplus", "", "Globex", header=f"{HEADER},notes"
    )
    assert result == {"created": 2, "updated": 0, "errors": []}
