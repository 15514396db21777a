"""`tandem serve` refuses set-ups in which live events could not reach its sockets, or
whose trusted proxies it cannot read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app import cli
from app.config import Settings, get_settings


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


@pytest.mark.usefixtures("sqlite_env")
@pytest.mark.parametrize("value", ["proxy.internal", "10.0.0.1/8", "127.0.0.1, *"])
def test_serve_refuses_forwarded_allow_ips_it_cannot_read(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    # uvicorn would take each as a host name no peer has, and trust nobody without a word.
    monkeypatch.setenv("TANDEM_FORWARDED_ALLOW_IPS", value)
    with pytest.raises(SystemExit, match="TANDEM_FORWARDED_ALLOW_IPS"):
        cli.main(["serve"])


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("", ""),
        (" 127.0.0.1 , 10.0.0.0/8,::1 ", "127.0.0.1,10.0.0.0/8,::1"),
        (" * ", "*"),
    ],
)
def test_forwarded_allow_ips_are_addresses_and_networks(
    monkeypatch: pytest.MonkeyPatch, value: str, kept: str
) -> None:
    monkeypatch.setenv("TANDEM_FORWARDED_ALLOW_IPS", value)
    assert Settings(_env_file=None).forwarded_allow_ips == kept
