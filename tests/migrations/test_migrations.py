"""The migrations build the schema the models describe, and undo it, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.migrate import downgrade, upgrade
from app.models import Base
from tests.conftest import fresh_database

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


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


async def test_win_stories_posted_before_become_submitted_stories(migration_url: str) -> None:
    upgrade(migration_url, "23a64ccf16df")
    engine = create_async_engine(migration_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO user_account (id, email, handle, display_name, department, "
                    "role, is_active, is_lead, created_at) VALUES (1, 'sam@x.test', "
                    "'sam', 'Sam', 'sales', 'member', true, false, :at)"
                ),
                {"at": AT},
            )
            for post_id, kind in ((1, "win_story"), (2, "update")):
                await conn.execute(
                    text(
                        "INSERT INTO post (id, kind, body, body_html, author_id, group_private, "
                        "confidential, comment_count, like_count, insightful_count, "
                        "celebrate_count, created_at, updated_at) VALUES (:id, :kind, 'Won', "
                        "'<p>Won</p>', 1, false, false, 0, 0, 0, 0, :at, :at)"
                    ),
                    {"id": post_id, "kind": kind, "at": AT},
                )
        upgrade(migration_url)
        async with engine.connect() as conn:
            stories = (await conn.execute(text("SELECT post_id, status FROM story"))).all()
            steps = (
                await conn.execute(text("SELECT post_id, to_status, actor_id FROM story_step"))
            ).all()
    finally:
        await engine.dispose()
    assert [tuple(r) for r in stories] == [(1, "submitted")]
    assert [tuple(r) for r in steps] == [(1, "submitted", 1)]
