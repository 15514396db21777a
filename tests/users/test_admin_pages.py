"""The admin page: everyone with their department, role, lead flag and activity, changed
through the same service as `PATCH /api/v1/users/{handle}`."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from app.users.models import Department
from tests.factories import api, make_user
from tests.pages_helpers import browse_as, page, submit, text_of

USERS = "/api/v1/users"


def _row(markup: str, handle: str) -> str:
    """The table row of `handle` on the admin page."""
    found = re.search(rf'<tr class="admin-row[^"]*" id="person-{handle}">.*?</tr>', markup, re.S)
    assert found, f"no row for @{handle}"
    return found.group(0)


async def test_an_admin_sees_everyone_with_their_department_role_lead_and_status(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    admin = await make_user(app, "boss", admin=True)
    await make_user(app, "nina", department=Department.marketing)
    await make_user(app, "gone")
    await api(client, admin, "PATCH", f"{USERS}/gone", 200, json={"active": False})
    browse_as(client, admin)
    markup = await page(client, "/admin")
    assert '<a href="/admin" aria-current="page">Admin</a>' in markup
    nina = _row(markup, "nina")
    assert "@nina" in nina
    assert '<option value="marketing" selected>' in nina
    assert '<option value="member" selected>' in nina
    assert "badge--lead" not in nina
    assert "Active" in text_of(nina)
    assert 'data-confirm="Deactivate Nina (@nina)?' in nina
    assert 'name="csrf_token"' in nina
    assert '<option value="admin" selected>' in _row(markup, "boss")
    gone = _row(markup, "gone")  # deactivated people stay on the page, to be reactivated
    assert "Deactivated" in text_of(gone)
    assert "Reactivate" in gone


async def test_the_admin_page_filters_by_department_and_text_and_pages(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    admin = await make_user(app, "boss", admin=True)
    await make_user(app, "nina", department=Department.marketing)
    await make_user(app, "mara", department=Department.marketing)
    await make_user(app, "sam")
    browse_as(client, admin)
    marketing = await page(client, "/admin?department=marketing")
    assert 'id="person-nina"' in marketing
    assert 'id="person-mara"' in marketing
    assert 'id="person-sam"' not in marketing
    assert 'id="person-nina"' in await page(client, "/admin?q=nin")
    assert 'id="person-mara"' not in await page(client, "/admin?q=nin")
    first = await page(client, "/admin?department=marketing&limit=1")
    assert 'id="person-mara"' in first
    assert 'id="person-nina"' not in first
    cursor = re.search(r"cursor=([\w-]+)", first)
    assert cursor
    second = await page(client, f"/admin?department=marketing&limit=1&cursor={cursor.group(1)}")
    assert 'id="person-nina"' in second


async def test_a_member_gets_the_forbidden_page_and_no_admin_link(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await make_user(app, "boss", admin=True)
    rep = await make_user(app, "rep")
    await make_user(app, "nina")
    browse_as(client, rep)
    refused = await page(client, "/admin", expect=403)
    assert "Not allowed" in refused
    assert "Only an admin can do this." in refused
    assert 'href="/admin"' not in await page(client, "/people")
    await submit(client, rep, "/admin/users/nina", {"is_lead": ["false", "true"]}, expect=403)
    assert (await api(client, rep, "GET", f"{USERS}/nina", 200))["is_lead"] is False
    browse_as(client, None)
    response = await client.get("/admin")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin"


async def test_making_someone_a_lead_through_the_form_shows_the_badge(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    admin = await make_user(app, "boss", admin=True)
    await make_user(app, "nina", department=Department.sales)
    browse_as(client, admin)
    # The row's form as the browser sends it: the hidden "false", then the ticked box.
    form = {"department": "marketing", "role": "member", "is_lead": ["false", "true"]}
    response = await submit(client, admin, "/admin/users/nina?department=marketing", form)
    assert response.headers["location"] == "/admin?department=marketing&saved=nina"
    markup = await page(client, response.headers["location"])
    assert "Saved: Nina (@nina) is a member in Marketing, and leads it." in text_of(markup)
    assert "Marketing lead</span>" in _row(markup, "nina")
    nina = await api(client, admin, "GET", f"{USERS}/nina", 200)
    assert (nina["is_lead"], nina["department"], nina["role"]) == (True, "marketing", "member")
    # Unticked, the hidden field alone says "not a lead".
    await submit(client, admin, "/admin/users/nina", {"is_lead": "false"})
    assert (await api(client, admin, "GET", f"{USERS}/nina", 200))["is_lead"] is False
    assert "badge--lead" not in _row(await page(client, "/admin"), "nina")


async def test_deactivating_and_reactivating_through_the_form(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    admin = await make_user(app, "boss", admin=True)
    dana = await make_user(app, "dana")
    browse_as(client, admin)
    response = await submit(client, admin, "/admin/users/dana?q=da", {"active": "false"})
    assert response.headers["location"] == "/admin?q=da&saved=dana"
    markup = await page(client, response.headers["location"])
    assert "Saved: Dana (@dana) is deactivated." in text_of(markup)
    assert "Deactivated" in text_of(_row(markup, "dana"))
    await api(client, dana, "GET", "/api/v1/me", 401)  # signed out everywhere
    await api(client, admin, "GET", f"{USERS}/dana", 404)  # gone from the directory
    await submit(client, admin, "/admin/users/dana", {"active": "true"})
    assert "Active" in text_of(_row(await page(client, "/admin"), "dana"))
    assert (await api(client, admin, "GET", f"{USERS}/dana", 200))["handle"] == "dana"


async def test_an_admin_demoting_themselves_is_told_why_on_the_page(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    admin = await make_user(app, "boss", admin=True)
    browse_as(client, admin)
    for form in ({"role": "member", "department": "sales"}, {"active": "false"}):
        response = await submit(client, admin, "/admin/users/boss?q=bo", form, expect=409)
        assert response.headers["content-type"].startswith("text/html")
        text = text_of(response.text)
        assert "Nothing was changed for Boss (@boss): You cannot demote or deactivate" in text
        assert 'id="person-boss"' in response.text  # the page itself, its filter kept
        assert 'value="bo"' in response.text
    me = await api(client, admin, "GET", "/api/v1/me", 200)
    assert me["role"] == "admin"


async def test_a_value_the_form_cannot_send_is_refused_on_the_page(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    admin = await make_user(app, "boss", admin=True)
    await make_user(app, "nina")
    browse_as(client, admin)
    response = await submit(client, admin, "/admin/users/nina", {"role": "owner"}, expect=422)
    assert "Nothing was changed for Nina (@nina)" in text_of(response.text)
    await submit(client, admin, "/admin/users/nobody", {"role": "admin"}, expect=404)
    assert (await api(client, admin, "GET", f"{USERS}/nina", 200))["role"] == "member"


async def test_the_form_without_its_csrf_token_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    admin = await make_user(app, "boss", admin=True)
    await make_user(app, "nina")
    browse_as(client, admin)
    for token in ("", "forged"):
        response = await submit(
            client, admin, "/admin/users/nina", {"active": "false"}, expect=403, token=token
        )
        assert "CSRF" in text_of(response.text)
    assert (await api(client, admin, "GET", f"{USERS}/nina", 200))["handle"] == "nina"
