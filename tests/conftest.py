"""Test fixtures: every API test runs once on SQLite and once on PostgreSQL.

Databases are built by the Alembic migrations, one per backend per run (per xdist worker);
each test runs inside a transaction that is rolled back at its end. Services come from
environment variables and are skipped when absent, unless TANDEM_TEST_REQUIRE_ALL=1 (CI),
where a missing one fails the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import Settings
from app.core.db import transaction
from app.core.migrate import upgrade
from app.main import create_app
from app.models import Base

REQUIRE_ALL = os.environ.get("TANDEM_TEST_REQUIRE_ALL") == "1"
T = TypeVar("T")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`--dist loadgroup`) a file's tests share a worker, so its module
    servers start once; the browser tests share one server and browser, so one worker."""
    for item in items:
        path = item.path.relative_to(Path(__file__).parent)
        group = "browser" if path.parts[0] == "browser" else str(path)
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line for the skipped tests (what they need), instead of a line each."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons: dict[str, int] = {}
    for report in skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    listed = ", ".join(f"{n} because {why}" for why, n in sorted(reasons.items()))
    terminalreporter.write_line(f"skipped {len(skipped)}: {listed}")


def service_url(var: str) -> str:
    """The URL in `var`; skip the test without it (fail under TANDEM_TEST_REQUIRE_ALL=1)."""
    url = os.environ.get(var)
    if not url:
        if REQUIRE_ALL:
            pytest.fail(f"{var} is not set and TANDEM_TEST_REQUIRE_ALL=1", pytrace=False)
        pytest.skip(f"{var} is not set")
    return url


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, in a thread of its own: a loop may be
    running in this one (the session's, or Playwright's sync API)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


_created_pg_databases: list[tuple[str, str]] = []


async def _pg_admin(base_url: str, *statements: str) -> None:
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    await admin.dispose()


def _create_pg_database(base_url: str, name: str) -> str:
    run_sync(_pg_admin(base_url, f'CREATE DATABASE "{name}"'))
    _created_pg_databases.append((base_url, name))
    return base_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session", autouse=True)
def _drop_pg_databases() -> Iterator[None]:
    yield
    for base_url, name in _created_pg_databases:
        run_sync(_pg_admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def fresh_database(backend: str, tmp_dir: Path, label: str) -> str:
    """An empty database of `backend` for one purpose (`label`), as a URL."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_dir / (label + '.db')}"
    base = service_url("TANDEM_TEST_POSTGRES_URL")
    name = f"tandem_test_{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    return _create_pg_database(base, name)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = fresh_database(backend, tmp_path_factory.mktemp(backend), "api")
    upgrade(url)
    return url


def test_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": "test-secret",
        "allow_signup": True,
        "auto_migrate": False,
        # The in-process API tests read no live events; the live tests run real servers
        # with their dispatchers, and drive dispatchers of their own.
        "dispatcher": False,
        # The cheapest Argon2id that argon2 accepts (8 KiB per lane): tests check what is done
        # with a hash, not its strength, and production's cost would take most of their time.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8,
        "argon2_parallelism": 1,
        # PostgreSQL needs Meilisearch in production; tests that do not search use an FTS5
        # file (tests/search_api gives each test its own engine). Uploads go beside an
        # SQLite file, and to a folder of their own beside PostgreSQL.
        **(
            {}
            if database_url.startswith("sqlite")
            else {
                "search_fts5_path": tempfile.mkdtemp(prefix="tandem-search-") + "/fts.db",
                "media_dir": tempfile.mkdtemp(prefix="tandem-media-"),
            }
        ),
        "_env_file": None,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(test_settings(database_url))
    async with application.router.lifespan_context(application):
        yield application


_isolated: list[async_sessionmaker[AsyncSession]] = []


def isolated_sessions() -> async_sessionmaker[AsyncSession] | None:
    """The sessions of the running test's rolled-back transaction (None outside one): a
    second app the test starts (other settings) writes through them too."""
    return _isolated[-1] if _isolated else None


@asynccontextmanager
async def rolled_back(application: FastAPI) -> AsyncIterator[None]:
    """Everything `application` writes until the block ends happens inside one transaction
    that is then rolled back: each unit of work the app commits only releases a savepoint.
    The test's isolation, without emptying a table."""
    engine: AsyncEngine = application.state.engine
    previous = application.state.sessionmaker
    async with engine.connect() as connection:
        await connection.begin()
        if engine.dialect.name == "sqlite":
            # The driver runs in autocommit (see app.core.db): without BEGIN the first
            # savepoint would open the transaction and its release would commit it.
            await connection.exec_driver_sql("BEGIN")
        sessions = async_sessionmaker(
            bind=connection,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )
        application.state.sessionmaker = sessions
        _isolated.append(sessions)
        try:
            yield
        finally:
            _isolated.remove(sessions)
            application.state.sessionmaker = previous
            await connection.rollback()


@pytest.fixture
async def db(app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A session inside the test's rolled-back transaction, for tests at the service level."""
    async with rolled_back(app), transaction(app.state.sessionmaker) as session:
        yield session


async def _empty_tables(application: FastAPI) -> None:
    engine = application.state.engine
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
async def client(app: FastAPI, request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the app; what the test writes is rolled back after it. A test
    marked `commits` (several connections racing, row locks, commit order) commits for real
    and the tables are emptied after it."""
    commits = request.node.get_closest_marker("commits") is not None
    transport = httpx.ASGITransport(app=app)
    async with contextlib.AsyncExitStack() as stack:
        if not commits:
            await stack.enter_async_context(rolled_back(app))
        yield await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://testserver")
        )
    if commits:
        await _empty_tables(app)
    app.state.login_limiter.reset()
