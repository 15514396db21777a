"""`tandem serve` refuses set-ups in which live events could not reach its sockets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app import cli
from app.config import get_settings


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TANDEM_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("TANDEM_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("sqlite_env")
def test_serve_refuses_several_workers_without_redis() -> None:
    with pytest.raises(SystemExit, match="TANDEM_REDIS_URL"):
        cli.main(["serve", "--workers", "2"])


@pytest.mark.usefixtures("sqlite_env")
def test_serve_refuses_to_leave_dispatching_to_a_worker_without_redis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TANDEM_DISPATCHER", "false")
    with pytest.raises(SystemExit, match="TANDEM_DISPATCHER=false"):
        cli.main(["serve"])
