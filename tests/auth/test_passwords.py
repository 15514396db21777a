"""Password hashing: its cost comes from the settings, and it runs off the event loop."""

from __future__ import annotations

import asyncio
import itertools
import time

import httpx
import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from fastapi import FastAPI
from sqlalchemy import select, update

from app.auth import passwords
from app.auth.passwords import Argon2Cost, Passwords
from app.config import Settings
from app.core.db import transaction
from app.users.models import User
from tests import conftest
from tests.factories import PASSWORD, make_user

TOKEN = "/api/v1/auth/token"
CHEAP = Argon2Cost(time_cost=1, memory_kib=8, parallelism=1)
# About a quarter of a second on one core: long enough that a blocked loop would show.
EXPENSIVE = {"time_cost": 6, "memory_cost": 64 * 1024, "parallelism": 1}


async def stored_hash(app: FastAPI, email: str) -> str:
    async with app.state.sessionmaker() as session:
        found = await session.scalar(select(User.password_hash).where(User.email == email))
    assert found is not None
    return found


async def store_hash(app: FastAPI, email: str, password_hash: str) -> None:
    async with transaction(app.state.sessionmaker) as session:
        await session.execute(
            update(User).where(User.email == email).values(password_hash=password_hash)
        )


def test_production_cost_is_argon2_cffis_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TIME_COST", "MEMORY_KIB", "PARALLELISM"):
        monkeypatch.delenv(f"TANDEM_ARGON2_{name}", raising=False)
    library = PasswordHasher()
    assert Argon2Cost.from_settings(Settings(_env_file=None)) == Argon2Cost(  # type: ignore[call-arg]
        library.time_cost, library.memory_cost, library.parallelism
    )


def test_memory_below_argon2s_minimum_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="TANDEM_ARGON2_MEMORY_KIB"):
        Settings(_env_file=None, argon2_memory_kib=8, argon2_parallelism=2)  # type: ignore[call-arg]


async def test_the_tests_hash_with_the_cheapest_cost(
    app: FastAPI, client: httpx.AsyncClient, database_url: str
) -> None:
    assert Argon2Cost.from_settings(conftest.test_settings(database_url)) == CHEAP
    assert passwords.current().cost == CHEAP
    sam = await make_user(app, "sam", password=PASSWORD)
    assert (await stored_hash(app, sam.email)).startswith("$argon2id$v=19$m=8,t=1,p=1$")


async def test_a_hash_of_another_cost_verifies_and_is_upgraded_at_login(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sam = await make_user(app, "sam", password=PASSWORD)
    older = PasswordHasher(time_cost=2, memory_cost=16, parallelism=2).hash(PASSWORD)
    await store_hash(app, sam.email, older)

    wrong = await client.post(TOKEN, json={"email": sam.email, "password": "wrong password"})
    assert wrong.status_code == 401
    assert await stored_hash(app, sam.email) == older  # a failed login changes nothing

    response = await client.post(TOKEN, json={"email": sam.email, "password": PASSWORD})
    assert response.status_code == 200
    upgraded = await stored_hash(app, sam.email)
    assert upgraded.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert PasswordHasher().verify(upgraded, PASSWORD)
    with pytest.raises(VerifyMismatchError):
        PasswordHasher().verify(upgraded, "wrong password")
    again = await client.post(TOKEN, json={"email": sam.email, "password": PASSWORD})
    assert again.status_code == 200
    assert await stored_hash(app, sam.email) == upgraded  # already at today's cost


async def test_an_unknown_email_costs_a_real_check() -> None:
    # Dearer than the noise of a test machine, cheaper than EXPENSIVE: five hashes are made.
    hasher = Passwords(Argon2Cost(time_cost=2, memory_kib=32 * 1024, parallelism=1))
    real = await hasher.hash(PASSWORD)

    async def fastest(password_hash: str | None) -> float:
        times = []
        for _ in range(2):
            started = time.perf_counter()
            await hasher.verify(password_hash, "wrong password")
            times.append(time.perf_counter() - started)
        return min(times)

    known, unknown = await fastest(real), await fastest(None)
    assert unknown > known / 2, (known, unknown)
    assert not await hasher.verify(None, "not-a-real-password")


async def test_a_login_verifies_off_the_event_loop(app: FastAPI, client: httpx.AsyncClient) -> None:
    sam = await make_user(app, "sam", password=PASSWORD)
    await store_hash(app, sam.email, PasswordHasher(**EXPENSIVE).hash(PASSWORD))
    stop = asyncio.Event()
    ticks: list[float] = []

    async def ticker() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())
            await asyncio.sleep(0)

    ticking = asyncio.create_task(ticker())
    started = time.perf_counter()
    response = await client.post(TOKEN, json={"email": sam.email, "password": PASSWORD})
    took = time.perf_counter() - started
    stop.set()
    await ticking

    assert response.status_code == 200
    assert took > 0.1, "the hash is too cheap to tell"
    # On the loop, the verification would be one stall as long as itself.
    longest_stall = max(b - a for a, b in itertools.pairwise(ticks))
    assert longest_stall < took / 4, (longest_stall, took)
    assert len(ticks) > 100
