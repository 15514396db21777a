"""Shared helpers for the benchmark harness: database URLs, a raw connection that speaks to
either backend, row counts, a progress bar and percentiles.

The harness talks to the database below SQLAlchemy on purpose: bulk loading and the SQL
baselines must not pay for the ORM they are measured against.
"""

from __future__ import annotations

import math
import os
import sqlite3
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///./bench.db"

# Every table the generator fills, parents before children (the load order).
TABLES = (
    "user_account",
    "topic",
    "account",
    "account_member",
    "user_group",
    "group_member",
    "user_follow",
    "account_follow",
    "topic_follow",
    "post",
    "post_account",
    "post_topic",
    "post_mention",
    "collateral",
    "collateral_tag",
    "verdict",
    "signable",
    "signable_version",
    "glossary_term",
    "glossary_alias",
    "file",
    "post_attachment",
    "comment",
    "reaction",
    "notification",
    "api_token",
)


def default_database_url() -> str:
    return os.environ.get("TANDEM_DATABASE_URL") or DEFAULT_SQLITE_URL


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path:
    if ":memory:" in url:
        raise SystemExit("an in-memory SQLite database cannot be shared with a server process")
    return Path(url.split("///", 1)[1])


def asyncpg_dsn(url: str) -> str:
    """asyncpg wants a plain libpq URL, not SQLAlchemy's `postgresql+asyncpg://`."""
    scheme, rest = url.split("://", 1)
    if not scheme.startswith("postgresql"):
        raise SystemExit(f"not a PostgreSQL URL: {url}")
    return "postgresql://" + rest


def pg_database_name(url: str) -> str:
    return asyncpg_dsn(url).rsplit("/", 1)[1].split("?", 1)[0]


def redact(url: str) -> str:
    """The URL without a password, for reports."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    return f"{scheme}://{creds.split(':', 1)[0]}@{host}"


async def ensure_pg_database(url: str) -> None:
    """Create the target database if it is missing (connecting to the `postgres` database)."""
    dsn = asyncpg_dsn(url)
    name = pg_database_name(url)
    try:
        conn = await asyncpg.connect(dsn)
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(dsn.rsplit("/", 1)[0] + "/postgres")
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        return
    await conn.close()


def sqlite_ts(value: datetime) -> str:
    """A timestamp exactly as SQLAlchemy stores it in SQLite: naive UTC text with micros."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class RawDb:
    """One raw connection: asyncpg on PostgreSQL, the stdlib sqlite3 module on SQLite.

    SQL is written per backend by the callers (`$1` vs `?`); this only hides the driver calls.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = is_sqlite(url)
        self.pg: asyncpg.Connection | None = None
        self.lite: sqlite3.Connection | None = None

    async def connect(self) -> RawDb:
        if self.sqlite:
            # isolation_level=None: transactions are explicit, as in the app's engine.
            self.lite = sqlite3.connect(sqlite_path(self.url), isolation_level=None, timeout=30)
            self.lite.execute("PRAGMA busy_timeout=30000")
        else:
            self.pg = await asyncpg.connect(asyncpg_dsn(self.url))
        return self

    async def like_app(self) -> None:
        """The session settings the app's engine uses (app/core/db.py), for fair timings."""
        if self.lite is not None:
            for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
                self.lite.execute(f"PRAGMA {pragma}")

    async def close(self) -> None:
        if self.pg is not None:
            await self.pg.close()
        if self.lite is not None:
            self.lite.close()

    async def __aenter__(self) -> RawDb:
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        if self.pg is not None:
            return [tuple(r) for r in await self.pg.fetch(sql, *args)]
        assert self.lite is not None
        return self.lite.execute(sql, args).fetchall()

    async def scalar(self, sql: str, *args: Any) -> Any:
        rows = await self.fetch(sql, *args)
        return rows[0][0] if rows else None

    async def execute(self, sql: str, *args: Any) -> None:
        if self.pg is not None:
            await self.pg.execute(sql, *args)
            return
        assert self.lite is not None
        self.lite.execute(sql, args)

    async def server_version(self) -> str:
        if self.pg is not None:
            return "postgresql " + str(await self.scalar("SHOW server_version")).split()[0]
        return "sqlite " + sqlite3.sqlite_version

    async def table_exists(self, table: str) -> bool:
        if self.pg is not None:
            return bool(await self.scalar("SELECT to_regclass($1) IS NOT NULL", table))
        sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
        return bool(await self.scalar(sql, table))

    async def row_counts(self, tables: Iterable[str] = TABLES) -> dict[str, int]:
        counts: dict[str, int] = {}
        for table in tables:
            if await self.table_exists(table):
                counts[table] = int(await self.scalar(f"SELECT count(*) FROM {table}"))
        return counts


class Progress:
    """A one-line progress bar on stderr: count, rate and ETA, redrawn at most 5 times/s."""

    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.started = time.perf_counter()
        self._drawn = self.started
        self._tty = sys.stderr.isatty()

    def add(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self._drawn >= (0.2 if self._tty else 5.0):
            self._drawn = now
            self._draw(now, final=False)

    def finish(self) -> None:
        self._draw(time.perf_counter(), final=True)

    def _draw(self, now: float, *, final: bool) -> None:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else math.inf
        pct = 100.0 * self.done / self.total
        width = 24
        filled = min(width, int(width * self.done / self.total))
        bar = "#" * filled + "." * (width - filled)
        eta = f"{left:5.0f}s" if math.isfinite(left) else "    ?"
        tail = f"in {elapsed:.1f}s" if final else f"ETA {eta}"
        line = (
            f"{self.label:<15} [{bar}] {self.done:>10,}/{self.total:<10,} {pct:5.1f}% "
            f"{rate:>10,.0f}/s {tail}"
        )
        # A carriage return redraws in a terminal; a log file gets one line per update.
        end = "\n" if final or not self._tty else ""
        sys.stderr.write(("\r" if self._tty else "") + line + end)
        sys.stderr.flush()


def _cpu_times() -> tuple[int, int]:
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields), idle


def cpu_busy(seconds: float = 2.0) -> float | None:
    """Machine-wide CPU use (0-100%) over `seconds`; None where /proc/stat is missing."""
    try:
        total0, idle0 = _cpu_times()
        time.sleep(seconds)
        total1, idle1 = _cpu_times()
    except OSError:
        return None
    total = total1 - total0
    return round(100.0 * (total - (idle1 - idle0)) / total, 1) if total else None


def wait_for_idle(limit_pct: float, max_wait: float) -> float | None:
    """Wait (at most `max_wait` s) until other work leaves the CPUs mostly free: a benchmark
    on a shared two-core machine measures its neighbours too. Returns the last reading."""
    deadline = time.monotonic() + max_wait
    busy = cpu_busy()
    while busy is not None and busy > limit_pct and time.monotonic() < deadline:
        print(f"  machine busy ({busy:.0f}% CPU), waiting ...", file=sys.stderr)
        time.sleep(3)
        busy = cpu_busy()
    return busy


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of already sorted values, by linear interpolation."""
    if not sorted_values:
        return math.nan
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summarize_ms(samples_s: Sequence[float]) -> dict[str, float | int]:
    """p50/p90/p99/mean in milliseconds of durations given in seconds."""
    ordered = sorted(samples_s)
    return {
        "n": len(ordered),
        "p50_ms": round(percentile(ordered, 50) * 1000, 3),
        "p90_ms": round(percentile(ordered, 90) * 1000, 3),
        "p99_ms": round(percentile(ordered, 99) * 1000, 3),
        "mean_ms": round(sum(ordered) / len(ordered) * 1000, 3) if ordered else math.nan,
    }
