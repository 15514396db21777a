"""The migrations build the schema the models describe, and undo it, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.migrate import downgrade, upgrade
from app.models import Base
from tests.conftest import fresh_database


@pytest.fixture
def migration_url(backend: str, tmp_path: Path) -> str:
    return fresh_database(backend, tmp_path, "migrations")


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "render_as_batch": True}
    )
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def _inspect(url: str) -> tuple[set[str], list[object]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_tables), await conn.run_sync(_diff)
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade_round_trip(migration_url: str) -> None:
    upgrade(migration_url)
    tables, _ = await _inspect(migration_url)
    assert tables == set(Base.metadata.tables)

    downgrade(migration_url, "base")
    tables, _ = await _inspect(migration_url)
    assert tables == set()

    upgrade(migration_url)
    tables, _ = await _inspect(migration_url)
    assert tables == set(Base.metadata.tables)


async def test_models_and_migrations_agree(migration_url: str) -> None:
    upgrade(migration_url)
    _, diff = await _inspect(migration_url)
    assert diff == []
