"""Admins change someone's role, department, lead flag and activity (`PATCH /users/{handle}`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.migrate import upgrade
from app.users.models import Department, User
from tests.checks import api_error
from tests.conftest import fresh_database, run_sync
from tests.factories import api, make_user

USERS = "/api/v1/users"


async def test_an_admin_makes_someone_a_lead_and_everyone_sees_it(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, "boss", admin=True)
    dana = await make_user(app, "dana", department=Department.marketing)
    rep = await make_user(app, "rep")
    assert (await api(client, rep, "GET", f"{USERS}/dana", 200))["is_lead"] is False
    changed = await api(client, admin, "PATCH", f"{USERS}/dana", 200, json={"is_lead": True})
    assert changed["is_lead"] is True
    assert changed["department"] == "marketing"  # left out: unchanged
    assert (await api(client, rep, "GET", f"{USERS}/dana", 200))["is_lead"] is True
    assert (await api(client, dana, "GET", "/api/v1/me", 200))["is_lead"] is True
    moved = await api(client, admin, "PATCH", f"{USERS}/dana", 200, json={"department": "sales"})
    assert (moved["department"], moved["is_lead"]) == ("sales", True)


async def test_only_admins_change_people(app: FastAPI, client: httpx.AsyncClient) -> None:
    await make_user(app, "boss", admin=True)
    rep = await make_user(app, "rep")
    await make_user(app, "dana")
    await api_error(client, rep, "PATCH", f"{USERS}/dana", 403, json={"is_lead": True})
    await api_error(client, rep, "PATCH", f"{USERS}/rep", 403, json={"role": "admin"})
    await api_error(client, None, "PATCH", f"{USERS}/dana", 401, json={"is_lead": True})


async def test_bad_changes_are_refused_and_nothing_is_written(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, "boss", admin=True)
    await make_user(app, "dana")
    for body in ({"department": "finance"}, {"role": "owner"}, {"is_lead": "yes please"},
                 {"nickname": "d"}):  # fmt: skip
        await api_error(client, admin, "PATCH", f"{USERS}/dana", 422, json=body)
    await api_error(client, admin, "PATCH", f"{USERS}/nobody", 404, json={"is_lead": True})
    dana = await api(client, admin, "GET", f"{USERS}/dana", 200)
    assert (dana["department"], dana["role"], dana["is_lead"]) == ("sales", "member", False)


async def test_an_admin_cannot_demote_or_deactivate_themselves(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, "boss", admin=True)
    for body in ({"role": "member"}, {"active": False}):
        await api_error(client, admin, "PATCH", f"{USERS}/boss", 409, "self_demotion", json=body)
    assert (await api(client, admin, "GET", "/api/v1/me", 200))["role"] == "admin"


async def test_deactivating_signs_someone_out_and_reactivating_lets_them_back(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, "boss", admin=True)
    dana = await make_user(app, "dana")
    await api(client, admin, "PATCH", f"{USERS}/dana", 200, json={"active": False})
    await api_error(client, dana, "GET", "/api/v1/me", 401)
    await api_error(client, admin, "GET", f"{USERS}/dana", 404)  # gone from the directory
    back = await api(client, admin, "PATCH", f"{USERS}/dana", 200, json={"active": True})
    assert back["handle"] == "dana"
    assert (await api(client, admin, "GET", f"{USERS}/dana", 200))["handle"] == "dana"


async def test_a_new_admin_sees_what_admins_see_at_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, "boss", admin=True)
    dana = await make_user(app, "dana")
    promoted = await api(client, admin, "PATCH", f"{USERS}/dana", 200, json={"role": "admin"})
    assert promoted["role"] == "admin"
    # Her own token now acts as an admin's.
    await api(client, dana, "PATCH", f"{USERS}/boss", 200, json={"is_lead": True})


def test_users_create_makes_a_lead(backend: str, tmp_path: Path) -> None:
    """`tandem users create --lead`, in its own process, on a database of each kind."""
    url = fresh_database(backend, tmp_path, "lead")
    upgrade(url)
    env = {**os.environ, "TANDEM_DATABASE_URL": url, "TANDEM_ARGON2_TIME_COST": "1"}
    env.pop("TANDEM_REDIS_URL", None)

    def create(handle: str, *options: str) -> str:
        command = ["users", "create", "--email", f"{handle}@example.com", "--handle", handle]
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *command, "--no-password", *options],
            env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    assert "lead of marketing" in create("lee", "--department", "marketing", "--lead")
    assert "lead" not in create("kim")

    async def leads() -> dict[str, bool]:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            found = await conn.execute(select(User.handle, User.is_lead))
            result = {handle: bool(lead) for handle, lead in found}
        await engine.dispose()
        return result

    assert run_sync(leads()) == {"lee": True, "kim": False}
