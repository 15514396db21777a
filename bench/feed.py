"""Feed benchmark: the real HTTP app under load, and the raw SQL of the same requests.

    python -m bench.feed --database-url postgresql+asyncpg://postgres@127.0.0.1/tandem_bench \
        --name pg-1m

One run does, in order:

1. issues API tokens for a sample of users straight into the database (sha256 rows, as
   app.auth.service stores them);
2. SQL baselines, with no server running: each scenario's request is sent once per user
   through the app in-process (a bare ASGI call) while SQLAlchemy's cursor events record
   every statement it runs; that statement list is then replayed and timed with the raw
   driver (asyncpg or sqlite3) on one connection, inside a transaction like the app's. On
   PostgreSQL the alternative home-feed strategies are timed too (naive OR, per-source
   LATERAL top-N, a precomputed per-user feed table), with EXPLAIN ANALYZE plans saved;
3. HTTP: uvicorn in a subprocess on 127.0.0.1 (1 worker, then 2), a warm-up pass, then
   each scenario for a fixed time with wrk (or the Python client in bench.loadgen);
4. removes what it added (tokens, posts created by post_create, the fan-out table),
   prints a table and writes bench/results/<name>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import hashlib
import importlib.util
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bare import PATH as BARE_PATH
from bench.common import (
    PROJECT_DIR,
    RESULTS_DIR,
    RawDb,
    cpu_busy,
    default_database_url,
    redact,
    summarize_ms,
    wait_for_idle,
)
from bench.harness import (
    HOST,
    Process,
    fmt,
    free_port,
    http_json,
    issue_tokens,
    print_targets,
    revoke_tokens,
    run_load,
    terminate_as_exit,
)

SCENARIOS = (
    "home_feed_1w",
    "home_feed_2w",
    "home_page_1w",
    "home_page_2w",
    "company_feed",
    "account_feed",
    "post_create",
    "post_create_steady",
)


def baseline_key(scenario: str) -> str:
    """Scenarios that send the same request share one SQL baseline."""
    for request in ("home_feed", "home_page", "post_create"):
        if scenario.startswith(request):
            return request
    return scenario


TARGETS = {
    "home_feed_1w": ("p99_ms", "<=", 25.0),
    "home_feed_2w": ("rps", ">=", 800.0),
    # The latency of posting under steady load; `post_create` (writers back to back) shows
    # the write throughput, where latency is queueing.
    "post_create_steady": ("p99_ms", "<=", 30.0),
}
POST_BODY = "Bench post: call notes from today's review, next steps agreed with the champion."


@dataclass(frozen=True)
class Scenario:
    name: str
    workers: int
    throughput: bool  # True: many connections to find req/s; False: latency at low load
    method: str
    describe: str
    pause_ms: int = 0  # mean think time per connection between requests (0: back to back)


SCENARIO_SPECS = {
    "home_feed_1w": Scenario(
        "home_feed_1w", 1, False, "GET", "GET /api/v1/feed, a different user each request"
    ),
    "home_feed_2w": Scenario(
        "home_feed_2w", 2, True, "GET", "GET /api/v1/feed, 2 workers, saturated"
    ),
    "home_page_1w": Scenario(
        "home_page_1w",
        1,
        False,
        "GET",
        "GET / (the home page: the feed rendered, glossary terms marked), a different user each",
    ),
    "home_page_2w": Scenario(
        "home_page_2w", 2, True, "GET", "GET / (the home page), 2 workers, saturated"
    ),
    "company_feed": Scenario(
        "company_feed", 1, False, "GET", "GET /api/v1/feed/company, many users"
    ),
    "account_feed": Scenario(
        "account_feed", 1, False, "GET", "GET /api/v1/accounts/{slug}/feed, many accounts"
    ),
    "post_create": Scenario(
        "post_create",
        1,
        False,
        "POST",
        "POST /api/v1/posts tagged with one account, writers back to back (saturated)",
    ),
    "post_create_steady": Scenario(
        "post_create_steady",
        1,
        False,
        "POST",
        "POST /api/v1/posts tagged with one account, each writer pausing 100 ms on average",
        pause_ms=100,
    ),
}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.feed", description=__doc__)
    p.add_argument("--database-url", default=default_database_url())
    p.add_argument("--name", required=True, help="results go to bench/results/NAME.json")
    p.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset")
    p.add_argument("--users", type=int, default=1000, help="users sampled (one token each)")
    p.add_argument("--accounts", type=int, default=200, help="accounts sampled for account_feed")
    p.add_argument("--duration", type=float, default=15.0, help="seconds per HTTP scenario")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of load before each")
    p.add_argument(
        "--latency-connections",
        type=int,
        default=4,
        help="concurrent connections for the 1-worker latency scenarios",
    )
    p.add_argument(
        "--throughput-connections",
        type=int,
        default=32,
        help="concurrent connections for the throughput scenario (home_feed_2w)",
    )
    p.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    p.add_argument("--baseline-users", type=int, default=200, help="users captured for SQL")
    p.add_argument("--baseline-seconds", type=float, default=4.0, help="per SQL timing")
    p.add_argument("--baseline-max", type=int, default=3000, help="iterations per SQL timing")
    p.add_argument("--skip-http", action="store_true", help="only the SQL baselines")
    p.add_argument("--skip-sql", action="store_true", help="only the HTTP scenarios")
    p.add_argument(
        "--profile-requests",
        type=int,
        default=0,
        help="also profile N in-process requests of the first scenario (pyinstrument if installed)",
    )
    p.add_argument("--db-pool-size", type=int, default=None, help="TANDEM_DB_POOL_SIZE")
    p.add_argument(
        "--outbox",
        choices=("auto", "worker", "app"),
        default="auto",
        help="who drains the outbox (live events, search indexing): a `tandem worker` process "
        "beside the server, as in production (needs Redis), or the server's own processes, "
        "as in the embedded mode; auto: worker on PostgreSQL, app on SQLite",
    )
    p.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/0", help="the broker with --outbox worker"
    )
    p.add_argument(
        "--idle-below",
        type=float,
        default=30.0,
        help="before each measurement wait until machine CPU use is below this %%",
    )
    p.add_argument(
        "--idle-wait", type=float, default=30.0, help="seconds to wait for that, at most"
    )
    p.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not run the Alembic migrations first (by default they bring the database "
        "to the app's head, a no-op when it is there)",
    )
    p.add_argument(
        "--app-dir",
        default=None,
        help="measure the app package found in this directory instead of the work tree, "
        "e.g. a commit exported with `git archive HEAD app migrations | tar -x -C DIR`",
    )
    p.add_argument("--seed", type=int, default=7)
    return p.parse_args(argv)


# The sample: users with tokens, accounts to read.


@dataclass
class ViewerRow:
    user_id: int
    group_ids: list[int]
    team_account_ids: list[int]


@dataclass
class Sample:
    tokens: dict[int, str]
    accounts: list[str]
    viewers: dict[int, ViewerRow]
    token_hashes: list[str] = field(default_factory=list)

    @property
    def users(self) -> list[int]:
        return list(self.tokens)


async def choose_sample(db: RawDb, n_users: int, n_accounts: int, seed: int) -> Sample:
    rng = random.Random(seed)
    # Admins see everything, so their feeds skip the visibility work: leave them out.
    ids = [
        r[0]
        for r in await db.fetch(
            "SELECT id FROM user_account WHERE role <> 'admin' AND is_active ORDER BY id"
        )
    ]
    if not ids:
        raise SystemExit("no users: run python -m bench.generate first")
    users = rng.sample(ids, min(n_users, len(ids)))
    slugs = [r[0] for r in await db.fetch("SELECT slug FROM account WHERE NOT confidential")]
    accounts = rng.sample(slugs, min(n_accounts, len(slugs))) if slugs else []
    viewers = {u: ViewerRow(u, [], []) for u in users}
    for uid, gid in await db.fetch("SELECT user_id, group_id FROM group_member"):
        if uid in viewers:
            viewers[uid].group_ids.append(gid)
    for uid, aid in await db.fetch(
        "SELECT user_id, account_id FROM account_member "
        "UNION SELECT owner_id, id FROM account WHERE owner_id IS NOT NULL"
    ):
        if uid in viewers:
            viewers[uid].team_account_ids.append(aid)
    return Sample(tokens=dict.fromkeys(users, ""), accounts=accounts, viewers=viewers)


def request_lines(scenario: str, sample: Sample, seed: int) -> list[tuple[str, str, str, str]]:
    """(method, path, token, body) for every request of a scenario, in a shuffled order."""
    users = request_users(sample, seed)
    lines = []
    for i, uid in enumerate(users):
        token = sample.tokens[uid]
        if scenario.startswith("home_feed"):
            lines.append(("GET", "/api/v1/feed", token, ""))
        elif scenario.startswith("home_page"):
            lines.append(("GET", "/", token, ""))
        elif scenario == "company_feed":
            lines.append(("GET", "/api/v1/feed/company", token, ""))
        elif scenario == "account_feed":
            slug = sample.accounts[i % len(sample.accounts)]
            lines.append(("GET", f"/api/v1/accounts/{slug}/feed", token, ""))
        elif scenario.startswith("post_create"):
            slug = sample.accounts[i % len(sample.accounts)]
            body = json.dumps({"kind": "update", "body": POST_BODY, "accounts": [slug]})
            lines.append(("POST", "/api/v1/posts", token, body))
    return lines


# Capturing the SQL the app runs for one request.


@dataclass
class Stmt:
    sql: str
    params: Any
    many: bool
    returned: int | None = None  # the id an INSERT gave its row, when it reported one


@dataclass
class Captured:
    stmts: list[Stmt]
    status: int
    body: Any


# Set in the task of the request being captured: the app's background workers (outbox
# dispatcher, search indexer) use the same engine, and their statements are not the request's.
_capturing: contextvars.ContextVar[bool] = contextvars.ContextVar("capturing", default=False)


class AppProbe:
    """The real app in this process, called through ASGI without a server, with every
    statement it sends to the database recorded (for the baselines and the profile)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.recording: list[Stmt] | None = None
        self._lifespan: Any = None
        self._db_started = 0.0
        self.db_seconds = 0.0

    async def __aenter__(self) -> AppProbe:
        from sqlalchemy import event

        from app.config import Settings
        from app.main import create_app

        settings = Settings(
            database_url=self.url,
            secret_key="bench",
            auto_migrate=False,
            # The feed bench does not search; PostgreSQL would otherwise require Meilisearch.
            search_fts5_path=str(Path(tempfile.gettempdir()) / "tandem-bench-search.db"),
            _env_file=None,
        )
        self.app = create_app(settings)
        self._lifespan = self.app.router.lifespan_context(self.app)
        await self._lifespan.__aenter__()
        engine = self.app.state.engine.sync_engine
        event.listen(engine, "before_cursor_execute", self._record)
        event.listen(engine, "after_cursor_execute", self._done)
        # The first request on a new connection runs dialect set-up queries; not ours.
        await self.call("GET", "/readyz", "", "")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._lifespan.__aexit__(None, None, None)

    def _record(
        self,
        _conn: Any,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        executemany: bool,
    ) -> None:
        self._db_started = time.perf_counter()
        if self.recording is None or not _capturing.get():
            return
        if re.match(r"\s*(BEGIN|COMMIT|ROLLBACK)\b", statement, re.IGNORECASE):
            return  # the replay opens and commits its own transaction
        if executemany:
            params: Any = [tuple(p) for p in parameters]
        else:
            params = tuple(parameters) if parameters is not None else ()
        self.recording.append(Stmt(statement, params, executemany))

    def _done(self, _conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        self.db_seconds += time.perf_counter() - self._db_started
        if self.recording and _capturing.get() and _is_insert(statement):
            # The id the row got, so the replay can map it to the id its own insert gets
            # (asyncpg's adapted cursor holds RETURNING rows in `_rows`; sqlite3 has lastrowid).
            rows = getattr(cursor, "_rows", None)
            if rows:
                first = rows[0][0]
                self.recording[-1].returned = first if type(first) is int else None
            elif getattr(cursor, "lastrowid", None):
                self.recording[-1].returned = cursor.lastrowid

    async def measure(self, lines: list[tuple[str, str, str, str]]) -> dict[str, Any]:
        """Per request, in this process: wall time, time inside database calls (driver
        round trip included), the rest (FastAPI, SQLAlchemy, Pydantic, JSON), and CPU."""
        for line in lines[:20]:
            await self.call(*line)
        wall, in_db, cpu = [], [], []
        for line in lines:
            self.db_seconds = 0.0
            started, cpu_started = time.perf_counter(), time.process_time()
            await self.call(*line)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            in_db.append(self.db_seconds)
        outside = [w - d for w, d in zip(wall, in_db, strict=True)]
        return {
            "requests": len(wall),
            "wall_p50_ms": summarize_ms(wall)["p50_ms"],
            "in_db_p50_ms": summarize_ms(in_db)["p50_ms"],
            "outside_db_p50_ms": summarize_ms(outside)["p50_ms"],
            "process_cpu_p50_ms": summarize_ms(cpu)["p50_ms"],
        }

    async def call(self, method: str, target: str, token: str, body: str) -> tuple[int, Any]:
        path, _, query = target.partition("?")
        headers = [(b"host", b"bench"), (b"accept", b"application/json")]
        if token:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        payload = body.encode()
        if payload:
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": (HOST, 50000),
            "server": (HOST, 80),
            "state": {},
        }
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": payload, "more_body": False}
            await asyncio.sleep(3600)  # never: the app does not wait for a disconnect here
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        raw = b"".join(chunks)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw[:300].decode(errors="replace")

    async def capture(self, method: str, target: str, token: str, body: str) -> Captured:
        self.recording = []
        token_ = _capturing.set(True)
        try:
            status, answer = await self.call(method, target, token, body)
        finally:
            _capturing.reset(token_)
            stmts, self.recording = self.recording, None
        return Captured(stmts, status, answer)


# Replaying and timing SQL with the raw driver.


def short_sql(sql: str, width: int = 90) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def _is_insert(sql: str) -> bool:
    return re.match(r"\s*INSERT\b", sql, re.IGNORECASE) is not None


# Ids below this are not mapped in a replay: small values (limits, user ids) would collide.
# The run moves the id sequences of the rows a request creates above it (PostgreSQL).
MAPPED_IDS_FROM = 1_000_000


class Replayer:
    """Runs a captured statement list on one raw connection, inside one transaction."""

    def __init__(self, db: RawDb) -> None:
        self.db = db

    async def run(self, captured: Captured, *, write: bool) -> tuple[float, list[float]]:
        # Rows a write creates get new ids on every replay; statements that used the ids the
        # app saw (post_account rows, notifications, outbox channels, the read-back) must
        # use the new ones.
        new_ids: dict[int, int] = {}

        def subst(params: Any) -> Any:
            if not new_ids:
                return params
            return tuple(new_ids.get(v, v) if type(v) is int else v for v in params)

        def remember(s: Stmt, new: int | None) -> None:
            if write and s.returned is not None and s.returned >= MAPPED_IDS_FROM and new:
                new_ids[s.returned] = new

        per: list[float] = []
        started = time.perf_counter()
        if self.db.pg is not None:
            conn = self.db.pg
            async with conn.transaction():
                for s in captured.stmts:
                    t = time.perf_counter()
                    if s.many:
                        await conn.executemany(s.sql, [subst(p) for p in s.params])
                    else:
                        rows = await conn.fetch(s.sql, *subst(s.params))
                        remember(s, rows[0][0] if rows and rows[0] else None)
                    per.append(time.perf_counter() - t)
        else:
            lite = self.db.lite
            assert lite is not None
            lite.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                for s in captured.stmts:
                    t = time.perf_counter()
                    if s.many:
                        lite.executemany(s.sql, [subst(p) for p in s.params])
                    else:
                        cur = lite.execute(s.sql, subst(s.params))
                        rows = cur.fetchall()
                        remember(s, rows[0][0] if rows else cur.lastrowid)
                    per.append(time.perf_counter() - t)
                lite.execute("COMMIT")
            except BaseException:
                lite.execute("ROLLBACK")
                raise
        return time.perf_counter() - started, per


async def timed_loop(
    items: Sequence[Any],
    run_one: Callable[[Any], Awaitable[Any]],
    *,
    seconds: float,
    max_n: int,
) -> list[float]:
    """Durations of run_one over items, round robin, after one untimed warm-up pass;
    bounded by both time and count."""
    for item in items[: min(len(items), max_n)]:
        await run_one(item)
    out: list[float] = []
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline and len(out) < max_n and items:
        t = time.perf_counter()
        await run_one(items[i % len(items)])
        out.append(time.perf_counter() - t)
        i += 1
    return out


# Alternative home-feed SQL (PostgreSQL): the first page's post ids, visibility included.
# $1 = viewer id, $2 = the viewer's group ids, $3 = accounts whose team they are on.

VISIBLE = """(p.group_private = false OR p.group_id = ANY($2::bigint[]))
  AND (p.confidential = false OR NOT EXISTS (
    SELECT 1 FROM post_account hpa JOIN account ha ON ha.id = hpa.account_id
    WHERE hpa.post_id = p.id AND ha.confidential AND NOT (ha.id = ANY($3::bigint[]))))"""

NAIVE_OR = f"""
SELECT p.id FROM post p
WHERE (p.author_id = $1
   OR p.author_id IN (SELECT followee_id FROM user_follow WHERE follower_id = $1)
   OR p.id IN (SELECT pa.post_id FROM post_account pa
               JOIN account_follow af ON af.account_id = pa.account_id WHERE af.user_id = $1)
   OR p.id IN (SELECT pt.post_id FROM post_topic pt
               JOIN topic_follow tf ON tf.topic_id = pt.topic_id WHERE tf.user_id = $1)
   OR p.group_id = ANY($2::bigint[]))
  AND {VISIBLE}
ORDER BY p.id DESC LIMIT 21"""

LATERAL_TOPN = f"""
SELECT id FROM (
  SELECT x.id FROM (SELECT followee_id AS author_id FROM user_follow WHERE follower_id = $1
                    UNION ALL SELECT $1) f
  CROSS JOIN LATERAL (SELECT p.id FROM post p WHERE p.author_id = f.author_id AND {VISIBLE}
                      ORDER BY p.id DESC LIMIT 21) x
  UNION
  SELECT x.id FROM account_follow af
  CROSS JOIN LATERAL (SELECT pa.post_id AS id FROM post_account pa JOIN post p ON p.id = pa.post_id
                      WHERE pa.account_id = af.account_id AND {VISIBLE}
                      ORDER BY pa.post_id DESC LIMIT 21) x
  WHERE af.user_id = $1
  UNION
  SELECT x.id FROM topic_follow tf
  CROSS JOIN LATERAL (SELECT pt.post_id AS id FROM post_topic pt JOIN post p ON p.id = pt.post_id
                      WHERE pt.topic_id = tf.topic_id AND {VISIBLE}
                      ORDER BY pt.post_id DESC LIMIT 21) x
  WHERE tf.user_id = $1
  UNION
  SELECT x.id FROM unnest($2::bigint[]) g(id)
  CROSS JOIN LATERAL (SELECT p.id FROM post p WHERE p.group_id = g.id AND {VISIBLE}
                      ORDER BY p.id DESC LIMIT 21) x
) s ORDER BY id DESC LIMIT 21"""

# The same sources read from their indexes only (no heap access, given a vacuumed table),
# visibility checked on the 42 newest candidates alone. An app using it must widen the
# candidate window when fewer than 21 survive the filter (the run counts such pages).
LATERAL_IDS_THEN_VISIBLE = f"""
WITH candidate AS (
  SELECT id FROM (
    SELECT x.id FROM (SELECT followee_id AS author_id FROM user_follow WHERE follower_id = $1
                      UNION ALL SELECT $1) f
    CROSS JOIN LATERAL (SELECT p.id FROM post p WHERE p.author_id = f.author_id
                        ORDER BY p.id DESC LIMIT 21) x
    UNION
    SELECT x.id FROM account_follow af
    CROSS JOIN LATERAL (SELECT pa.post_id AS id FROM post_account pa
                        WHERE pa.account_id = af.account_id ORDER BY pa.post_id DESC LIMIT 21) x
    WHERE af.user_id = $1
    UNION
    SELECT x.id FROM topic_follow tf
    CROSS JOIN LATERAL (SELECT pt.post_id AS id FROM post_topic pt
                        WHERE pt.topic_id = tf.topic_id ORDER BY pt.post_id DESC LIMIT 21) x
    WHERE tf.user_id = $1
    UNION
    SELECT x.id FROM unnest($2::bigint[]) g(id)
    CROSS JOIN LATERAL (SELECT p.id FROM post p WHERE p.group_id = g.id
                        ORDER BY p.id DESC LIMIT 21) x
  ) s ORDER BY id DESC LIMIT 42
)
SELECT p.id FROM candidate c JOIN post p ON p.id = c.id WHERE {VISIBLE}
ORDER BY p.id DESC LIMIT 21"""

FANOUT_TABLE = "bench_feed_fanout"
# Filled from the LATERAL query's candidates (up to 21 per source), 200 newest kept: what
# a fan-out on write would hold, near enough for timing reads of it.
FANOUT_FILL = f"""
INSERT INTO {FANOUT_TABLE} (user_id, post_id)
SELECT $1::bigint, id FROM ({LATERAL_TOPN.rsplit("LIMIT 21", 1)[0]} LIMIT 200) s
ON CONFLICT DO NOTHING"""
FANOUT_READ = f"""
SELECT post_id FROM {FANOUT_TABLE} WHERE user_id = $1 ORDER BY post_id DESC LIMIT 21"""
# Visibility may change after fan-out (someone leaves a group): re-check it on read.
FANOUT_READ_RECHECK = f"""
SELECT f.post_id FROM {FANOUT_TABLE} f JOIN post p ON p.id = f.post_id
WHERE f.user_id = $1 AND {VISIBLE}
ORDER BY f.post_id DESC LIMIT 21"""
# The write side of fan-out: one new public post lands in every follower's feed.
FANOUT_WRITE = f"""
INSERT INTO {FANOUT_TABLE} (user_id, post_id)
SELECT follower_id, $1::bigint FROM user_follow WHERE followee_id = $2::bigint
UNION SELECT user_id, $1 FROM account_follow WHERE account_id = ANY($3::bigint[])
UNION SELECT user_id, $1 FROM topic_follow WHERE topic_id = ANY($4::bigint[])
UNION SELECT $2, $1
ON CONFLICT DO NOTHING"""

NAIVE_OR_SQLITE = """
SELECT p.id FROM post p
WHERE (p.author_id = ?1
   OR p.author_id IN (SELECT followee_id FROM user_follow WHERE follower_id = ?1)
   OR p.id IN (SELECT pa.post_id FROM post_account pa
               JOIN account_follow af ON af.account_id = pa.account_id WHERE af.user_id = ?1)
   OR p.id IN (SELECT pt.post_id FROM post_topic pt
               JOIN topic_follow tf ON tf.topic_id = pt.topic_id WHERE tf.user_id = ?1)
   OR p.group_id IN ({groups}))
  AND (p.group_private = 0 OR p.group_id IN ({groups}))
  AND (p.confidential = 0 OR NOT EXISTS (
    SELECT 1 FROM post_account hpa JOIN account ha ON ha.id = hpa.account_id
    WHERE hpa.post_id = p.id AND ha.confidential AND ha.id NOT IN ({teams})))
ORDER BY p.id DESC LIMIT 21"""


def _id_list(ids: Sequence[int]) -> str:
    return ", ".join(str(int(i)) for i in ids) or "NULL"


class SqlBench:
    """Times SQL on one raw connection: captured app requests and hand-written strategies."""

    def __init__(self, db: RawDb, args: argparse.Namespace) -> None:
        self.db = db
        self.args = args
        self.explain: dict[str, list[str]] = {}
        self.busy: list[float | None] = []  # machine CPU use before each timing

    async def timed(self, items: Sequence[Any], run_one: Callable[[Any], Awaitable[Any]]) -> Any:
        self.busy.append(wait_for_idle(self.args.idle_below, self.args.idle_wait))
        return await timed_loop(
            items, run_one, seconds=self.args.baseline_seconds, max_n=self.args.baseline_max
        )

    async def replay(self, captures: list[Captured], *, write: bool) -> dict[str, Any]:
        """The whole request's SQL, plus a per-statement breakdown by position."""
        replayer = Replayer(self.db)
        per_stmt: dict[int, list[float]] = {}

        async def one(c: Captured) -> None:
            _, per = await replayer.run(c, write=write)
            for i, d in enumerate(per):
                per_stmt.setdefault(i, []).append(d)

        totals = await self.timed(captures, one)
        first = captures[0].stmts
        breakdown = [
            {"sql": short_sql(first[i].sql) if i < len(first) else "?", **summarize_ms(ds)}
            for i, ds in sorted(per_stmt.items())
        ]
        return {"total": summarize_ms(totals), "statements": breakdown}

    async def strategies(
        self, sample: Sample, users: list[int], home: list[Captured]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        viewers = [sample.viewers[u] for u in users]
        app_ids = [_feed_ids_stmt(c) for c in home]
        app_items = [s for s in app_ids if s is not None]
        if app_items:
            out["app_feed_ids"] = await self._time_stmts(app_items)
            await self._explain("app_feed_ids", app_items[len(app_items) // 2])
        if self.db.pg is None:
            items = []
            for v in viewers:
                sql = NAIVE_OR_SQLITE.format(
                    groups=_id_list(v.group_ids), teams=_id_list(v.team_account_ids)
                )
                items.append(Stmt(sql, (v.user_id,), False))
            out["naive_or"] = await self._time_stmts(items)
            return out
        for label, sql in (
            ("naive_or", NAIVE_OR),
            ("lateral_topn", LATERAL_TOPN),
            ("lateral_ids_then_visible", LATERAL_IDS_THEN_VISIBLE),
        ):
            items = [
                Stmt(sql, (v.user_id, v.group_ids, v.team_account_ids), False) for v in viewers
            ]
            out[label] = await self._time_stmts(items)
            await self._explain(label, items[len(items) // 2])
        out.update(await self._fanout(viewers))
        return out

    async def _time_stmts(self, items: list[Stmt]) -> dict[str, Any]:
        short = 0

        async def one(s: Stmt) -> None:
            nonlocal short
            short += len(await self.db.fetch(s.sql, *s.params)) < 21

        out: dict[str, Any] = summarize_ms(await self.timed(items, one))
        if short:
            out["short_pages"] = short  # fewer than 21 ids: a strategy that lost posts?
        return out

    async def _explain(self, label: str, stmt: Stmt) -> None:
        if self.db.pg is None:
            return
        rows = await self.db.fetch("EXPLAIN (ANALYZE, BUFFERS) " + stmt.sql, *stmt.params)
        self.explain[label] = [r[0] for r in rows]

    async def _fanout(self, viewers: list[ViewerRow]) -> dict[str, Any]:
        """A precomputed per-user feed table: what reading it costs, and writing to it."""
        db = self.db
        assert db.pg is not None
        out: dict[str, Any] = {}
        await db.execute(f"DROP TABLE IF EXISTS {FANOUT_TABLE}")
        await db.execute(
            f"CREATE TABLE {FANOUT_TABLE} (user_id bigint NOT NULL, post_id bigint NOT NULL, "
            "PRIMARY KEY (user_id, post_id))"
        )
        started = time.perf_counter()
        for v in viewers:
            await db.execute(FANOUT_FILL, v.user_id, v.group_ids, v.team_account_ids)
        fill_s = time.perf_counter() - started
        await db.execute(f"VACUUM (ANALYZE) {FANOUT_TABLE}")
        rows = await db.scalar(f"SELECT count(*) FROM {FANOUT_TABLE}")
        out["fanout_read"] = {
            **await self._time_stmts([Stmt(FANOUT_READ, (v.user_id,), False) for v in viewers]),
            "note": f"{rows} rows for {len(viewers)} users, filled in {fill_s:.1f}s",
        }
        recheck = [
            Stmt(FANOUT_READ_RECHECK, (v.user_id, v.group_ids, v.team_account_ids), False)
            for v in viewers
        ]
        out["fanout_read_recheck"] = await self._time_stmts(recheck)
        await self._explain("fanout_read_recheck", recheck[len(recheck) // 2])
        # Fan-out of existing recent public posts, rolled back: the extra cost a post
        # creation would pay (commit excluded; it is paid once per request either way).
        posts = await db.fetch(
            "SELECT p.id, p.author_id, "
            "coalesce(array_agg(DISTINCT pa.account_id) FILTER (WHERE pa.account_id IS NOT NULL),"
            " '{}'), "
            "coalesce(array_agg(DISTINCT pt.topic_id) FILTER (WHERE pt.topic_id IS NOT NULL),"
            " '{}') "
            "FROM post p LEFT JOIN post_account pa ON pa.post_id = p.id "
            "LEFT JOIN post_topic pt ON pt.post_id = p.id "
            "WHERE NOT p.group_private AND NOT p.confidential "
            "GROUP BY p.id ORDER BY p.id DESC LIMIT 500"
        )
        fanned: list[int] = []
        # Ids no feed holds yet, so every follower's row is a real insert, not a conflict.
        fresh = iter(range(10**12, 10**12 + 10**7))

        async def write_one(row: tuple[Any, ...]) -> None:
            assert db.pg is not None
            tx = db.pg.transaction()
            await tx.start()
            try:
                status = await db.pg.execute(FANOUT_WRITE, next(fresh), *row[1:])
                fanned.append(int(status.rsplit(" ", 1)[1]))
            finally:
                await tx.rollback()

        out["fanout_write"] = {
            **summarize_ms(await self.timed(posts, write_one)),
            "note": "INSERT..SELECT of one post into its followers' feeds, rolled back; "
            f"{sum(fanned) / max(len(fanned), 1):.0f} rows per post on average",
        }
        return out

    async def drop_fanout(self) -> None:
        if self.db.pg is not None:
            await self.db.execute(f"DROP TABLE IF EXISTS {FANOUT_TABLE}")


def _feed_ids_stmt(c: Captured) -> Stmt | None:
    """The statement of a captured home-feed request that picks the page's post ids."""
    for s in c.stmts:
        if "user_follow" in s.sql and "post" in s.sql:
            return s
    return None


# The HTTP side: a uvicorn subprocess and a load generator in another.


class Server:
    """`uvicorn app.main:create_app --factory` on 127.0.0.1 (and, with a broker, a `tandem
    worker` beside it), always stopped on exit."""

    def __init__(
        self,
        url: str,
        workers: int,
        log_dir: Path,
        pool_size: int | None,
        app_dir: Path = PROJECT_DIR,
        *,
        redis_url: str | None = None,
        target: str = "app.main:create_app",
        env: dict[str, str] | None = None,
        name: str = "server",
    ) -> None:
        self.workers = workers
        self.port = free_port()
        name = f"{name}-{workers}w"
        settings = {
            "TANDEM_DATABASE_URL": url,
            "TANDEM_SECRET_KEY": "bench",
            "TANDEM_AUTO_MIGRATE": "false",
            # The feed bench does not search; PostgreSQL would otherwise require Meilisearch.
            "TANDEM_SEARCH_FTS5_PATH": str(log_dir / f"{name}.search.db"),
            **({"TANDEM_DB_POOL_SIZE": str(pool_size)} if pool_size else {}),
            **(env or {}),
        }
        # With a broker, the outbox is drained by a `tandem worker` beside the server
        # (production); without, by the server's own processes (embedded).
        self.worker: Process | None = None
        if redis_url:
            settings.update(TANDEM_REDIS_URL=redis_url, TANDEM_DISPATCHER="false")
            worker_cmd = [sys.executable, "-m", "app.cli", "worker"]
            self.worker = Process(f"{name}.worker", worker_cmd, settings, log_dir, app_dir)
        uvicorn = Path(sys.executable).parent / "uvicorn"
        cmd = [str(uvicorn)] if uvicorn.exists() else [sys.executable, "-m", "uvicorn"]
        cmd += [
            target, "--factory", "--app-dir", str(app_dir), "--host", HOST, "--port",
            str(self.port), "--workers", str(workers), "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        self.server = Process(name, cmd, settings, log_dir, app_dir)

    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        if self.worker is not None:
            self.worker.start()
        self.server.start()
        self.server.wait_healthy(self.base())

    def stop(self) -> None:
        for proc in (self.worker, self.server):
            if proc is not None:
                proc.stop()

    def log_tail(self) -> str:
        return self.server.log_tail()


def check_request(base: str, line: tuple[str, str, str, str]) -> dict[str, Any]:
    """One request by hand before the load: the status and how many items came back."""
    method, target, token, body = line
    status, answer = http_json(base + target, method=method, token=token, body=body)
    items = len(answer["items"]) if isinstance(answer, dict) and "items" in answer else None
    return {"status": status, "items": items, "sample": None if status < 400 else answer}


@dataclass
class Context:
    args: argparse.Namespace
    url: str
    tool: str
    sample: Sample
    work: Path
    db: RawDb
    max_post_id: int
    max_event_id: int
    outbox: str  # "worker" or "app": who drains the outbox while the server is measured
    database: str
    dataset: dict[str, int]
    app_dir: Path


def write_requests(ctx: Context, scenario: str) -> Path:
    path = ctx.work / f"{scenario}.tsv"
    lines = request_lines(scenario, ctx.sample, ctx.args.seed)
    path.write_text("".join("\t".join(line) + "\n" for line in lines))
    return path


async def remove_created_posts(ctx: Context) -> int:
    """Posts made by post_create (and its baseline) go, so every run sees the same data."""
    db = ctx.db
    if db.lite is not None:
        db.lite.execute("PRAGMA foreign_keys=ON")  # cascade to links and notifications
    mark = "?" if db.lite is not None else "$1"
    n = int(await db.scalar(f"SELECT count(*) FROM post WHERE id > {mark}", ctx.max_post_id))
    if n:
        await db.execute(f"DELETE FROM post WHERE id > {mark}", ctx.max_post_id)
        await db.execute(f"DELETE FROM feed_item WHERE post_id > {mark}", ctx.max_post_id)
    # Their outbox events too (the run's consumers have handled or no longer need them).
    await db.execute(f"DELETE FROM outbox_channel WHERE event_id > {mark}", ctx.max_event_id)
    await db.execute(f"DELETE FROM outbox_event WHERE id > {mark}", ctx.max_event_id)
    return n


async def http_scenarios(ctx: Context, names: list[str]) -> dict[str, dict[str, Any]]:
    args = ctx.args
    out: dict[str, dict[str, Any]] = {}
    by_workers: dict[int, list[str]] = {}
    for name in names:
        by_workers.setdefault(SCENARIO_SPECS[name].workers, []).append(name)
    for workers, group in sorted(by_workers.items()):
        # Writes last, so the feeds are read from the dataset as generated.
        group.sort(key=lambda n: n.startswith("post_create"))
        server = Server(
            ctx.url,
            workers,
            ctx.work,
            args.db_pool_size,
            ctx.app_dir,
            redis_url=args.redis_url if ctx.outbox == "worker" else None,
        )
        print(
            f"starting uvicorn with {workers} worker(s) on port {server.port}"
            + (" and a tandem worker ..." if ctx.outbox == "worker" else " ...")
        )
        try:
            server.start()
            for name in group:
                spec = SCENARIO_SPECS[name]
                conns = args.throughput_connections if spec.throughput else args.latency_connections
                reqs = write_requests(ctx, name)
                first = reqs.read_text().splitlines()[0].split("\t")
                check = check_request(server.base(), (first[0], first[1], first[2], first[3]))
                if check["status"] >= 400:
                    raise RuntimeError(
                        f"{name}: check request failed: {check}\nserver log:\n{server.log_tail()}"
                    )
                if name == YARDSTICK_FOR:
                    _, page = http_json(server.base() + first[1], token=first[2])
                    (ctx.work / "page.json").write_text(json.dumps(page))
                # Warm-up: every user once (caches, prepared statements in every worker),
                # then a short burst at the measured concurrency. Bounded in time.
                writes = spec.method != "GET"
                run_load(
                    "python",
                    server.port,
                    reqs,
                    connections=4,
                    duration=120,
                    once=not writes,
                    max_requests=50 if writes else None,
                )
                if args.warmup > 0:
                    run_load(
                        ctx.tool,
                        server.port,
                        reqs,
                        connections=conns,
                        duration=args.warmup,
                        pause_ms=spec.pause_ms,
                    )
                print(f"  {name}: {ctx.tool}, {conns} connections, {args.duration:.0f}s ...")
                # Other work on the machine skews these numbers: wait for a quiet moment
                # (bounded), and record how busy the machine was before and after.
                busy_before = wait_for_idle(args.idle_below, args.idle_wait)
                result = run_load(
                    ctx.tool,
                    server.port,
                    reqs,
                    connections=conns,
                    duration=args.duration,
                    pause_ms=spec.pause_ms,
                )
                out[name] = {
                    **result,
                    "workers": workers,
                    "outbox": ctx.outbox,
                    "concurrency": conns,
                    "pause_ms": spec.pause_ms,
                    "what": spec.describe,
                    "check": check,
                    "machine_cpu_busy_pct_before": busy_before,
                    "machine_cpu_busy_pct_after": cpu_busy(1.0),
                }
                if writes:
                    removed = await remove_created_posts(ctx)
                    out[name]["posts_created"] = removed
        finally:
            server.stop()
    return out


async def sql_baselines(ctx: Context, names: list[str]) -> tuple[dict[str, Any], SqlBench]:
    """Captured request SQL per scenario, replayed raw; then the home-feed strategies."""
    args = ctx.args
    bench = SqlBench(ctx.db, args)
    out: dict[str, Any] = {"scenarios": {}, "strategies": {}, "inprocess": {}}
    captured: dict[str, list[Captured]] = {}
    async with AppProbe(ctx.url) as probe:
        for name in names:
            key = baseline_key(name)
            if key in captured:
                continue
            lines = request_lines(name, ctx.sample, args.seed)[: args.baseline_users]
            caps = []
            for method, target, token, body in lines:
                if method == "GET":
                    # Once untimed first: state the app builds lazily on a user's first
                    # request would otherwise be captured, and replayed, as writes.
                    await probe.call(method, target, token, body)
                cap = await probe.capture(method, target, token, body)
                if cap.status >= 400:
                    raise RuntimeError(f"{name}: in-process request failed: {cap.body}")
                caps.append(cap)
            captured[key] = caps
            print(f"  in-process timing: {key} ...")
            out["inprocess"][key] = await probe.measure(lines)
        if args.profile_requests:
            lines = request_lines(names[0], ctx.sample, args.seed)
            out["profile"] = await profile(probe, lines, args.profile_requests)
    for key, caps in captured.items():
        print(f"  SQL replay: {key} ({len(caps)} users, {len(caps[0].stmts)} statements) ...")
        out["scenarios"][key] = await bench.replay(caps, write=key == "post_create")
        if key == "post_create":
            await remove_created_posts(ctx)
    if "home_feed" in captured:
        print("  SQL strategies for the home feed ...")
        users = request_users(ctx.sample, args.seed)[: args.baseline_users]
        out["strategies"] = await bench.strategies(ctx.sample, users, captured["home_feed"])
    return out, bench


def request_users(sample: Sample, seed: int) -> list[int]:
    """The users in the order request_lines uses them."""
    users = sample.users
    random.Random(seed).shuffle(users)
    return users


async def profile(probe: AppProbe, lines: list[tuple[str, str, str, str]], n: int) -> str:
    """Where the time goes inside the app for one kind of request (no HTTP server)."""
    lines = lines[: max(1, n)]
    for line in lines[:20]:
        await probe.call(*line)
    if importlib.util.find_spec("pyinstrument") is not None:
        from pyinstrument import Profiler

        prof = Profiler(interval=0.001, async_mode="enabled")
        prof.start()
        for line in lines:
            await probe.call(*line)
        prof.stop()
        text: str = prof.output_text(unicode=False, color=False, show_all=False)
        return text
    import cProfile
    import io
    import pstats

    cp = cProfile.Profile()
    cp.enable()
    for line in lines:
        await probe.call(*line)
    cp.disable()
    buf = io.StringIO()
    # By own time: cProfile counts every resumption of a coroutine as a call, so its
    # cumulative column is misleading for async code.
    pstats.Stats(cp, stream=buf).sort_stats("tottime").print_stats(35)
    return buf.getvalue()


# Report.


def verdicts(scenarios: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for name, (metric, op, bound) in TARGETS.items():
        if name not in scenarios:
            continue
        value = scenarios[name].get(metric)
        if value is None:
            continue  # not measured in this run (--skip-http)
        ok = value <= bound if op == "<=" else value >= bound
        out[name] = {"metric": metric, "target": f"{op} {bound:g}", "value": value, "met": ok}
    return out


def print_report(report: dict[str, Any]) -> None:
    print()
    print(f"{report['name']}: {report['database']}, dataset {report['dataset']}")
    head = (
        f"{'scenario':<14} {'tool':<15} {'wk':>2} {'conn':>4} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'req/s':>8} | {'SQL p50':>8} {'SQL p99':>8} {'stmts':>5}"
    )
    print(head)
    print("-" * len(head))
    for name, s in report["scenarios"].items():
        print(
            f"{name:<14} {s.get('tool', '-'):<15} {fmt(s.get('workers'), 2)} "
            f"{fmt(s.get('concurrency'), 4)} {fmt(s.get('p50_ms'))} {fmt(s.get('p99_ms'))} "
            f"{fmt(s.get('rps'), 8, 0)} | {fmt(s.get('baseline_p50_ms'))} "
            f"{fmt(s.get('baseline_p99_ms'))} {fmt(s.get('baseline_statements'), 5)}"
        )
    strategies = report.get("sql_strategies") or {}
    if strategies:
        print()
        print("home feed, first page of ids: SQL strategies (raw driver, 1 connection)")
        print(f"{'strategy':<26} {'p50 ms':>8} {'p99 ms':>8} {'n':>6}  note")
        for label, s in strategies.items():
            print(
                f"{label:<26} {fmt(s.get('p50_ms'))} {fmt(s.get('p99_ms'))} {fmt(s.get('n'), 6)}"
                f"  {s.get('note', '')}"
            )
    inprocess = report.get("app_inprocess") or {}
    if inprocess:
        print()
        print("in-process, no HTTP server, one request at a time (p50 ms)")
        print(f"{'request':<14} {'wall':>8} {'in DB':>8} {'outside':>8} {'CPU':>8}")
        for key, m in inprocess.items():
            print(
                f"{key:<14} {fmt(m['wall_p50_ms'])} {fmt(m['in_db_p50_ms'])} "
                f"{fmt(m['outside_db_p50_ms'])} {fmt(m['process_cpu_p50_ms'])}"
            )
    breakdown = report.get("sql_breakdown") or {}
    for key, stmts in breakdown.items():
        print()
        print(f"{key}: per-statement SQL time (p50 / p99 ms)")
        for st in stmts:
            print(f"  {fmt(st['p50_ms'], 7, 3)} {fmt(st['p99_ms'], 7, 3)}  {st['sql']}")
    bare = report.get("yardstick")
    if bare and "error" not in bare:
        share = bare[f"{YARDSTICK_FOR}_share"]
        print()
        print(
            f"yardstick: the same page from a bare FastAPI endpoint, {bare['rps']:.0f} req/s "
            f"(p50 {bare['p50_ms']} ms, p99 {bare['p99_ms']} ms); {YARDSTICK_FOR} is {share:.1%}"
        )
    print_targets(report.get("targets") or {})


# The scenario measured against a bare FastAPI endpoint (bench/bare.py) in the same run.
YARDSTICK_FOR = "home_feed_2w"


def yardstick(ctx: Context, measured: dict[str, Any]) -> dict[str, Any]:
    """The bare endpoint, serving the page the app answered for YARDSTICK_FOR, under the same
    workers, tool and connections: what this machine does with no database and no app code.
    The feed's share of it is comparable across machines where req/s are not."""
    page = ctx.work / "page.json"
    server = Server(
        ctx.url, measured["workers"], ctx.work, None, PROJECT_DIR,
        target="bench.bare:create_app", env={"TANDEM_BENCH_BARE_PAGE": str(page)}, name="bare",
    )  # fmt: skip
    reqs = ctx.work / "bare.tsv"
    reqs.write_text(f"GET\t{BARE_PATH}\t\t\n")
    conns, args = measured["concurrency"], ctx.args
    print(f"  bare FastAPI page: {ctx.tool}, {measured['workers']} workers, {conns} connections")
    try:
        server.start()
        if args.warmup > 0:
            run_load(ctx.tool, server.port, reqs, connections=conns, duration=args.warmup)
        busy_before = wait_for_idle(args.idle_below, args.idle_wait)
        result = run_load(ctx.tool, server.port, reqs, connections=conns, duration=args.duration)
    finally:
        server.stop()
    return {
        **result,
        "workers": measured["workers"],
        "concurrency": conns,
        "what": "bench/bare.py: GET of a fixed 20-item page (the app's own answer), no database",
        "machine_cpu_busy_pct_before": busy_before,
        f"{YARDSTICK_FOR}_share": round(measured["rps"] / result["rps"], 3),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"unknown scenarios: {sorted(unknown)}")
    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    elif tool == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk), use --tool python")
    url = args.database_url
    app_dir = Path(args.app_dir).resolve() if args.app_dir else PROJECT_DIR
    version_before = app_version(app_dir)
    work = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    async with RawDb(url) as db:
        await db.like_app()
        if db.pg is not None:
            for table in ("outbox_event", "notification"):
                await db.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"greatest($1, (SELECT coalesce(max(id), 0) FROM {table})))",
                    MAPPED_IDS_FROM,
                )
        dataset = await db.row_counts()
        if not dataset.get("post"):
            raise SystemExit("the database has no posts: run python -m bench.generate first")
        database = await db.server_version()
        sample = await choose_sample(db, args.users, args.accounts, args.seed)
        ctx = Context(
            args=args,
            url=url,
            tool=tool,
            sample=sample,
            work=work,
            db=db,
            max_post_id=int(await db.scalar("SELECT max(id) FROM post") or 0),
            max_event_id=int(await db.scalar("SELECT max(id) FROM outbox_event") or 0),
            outbox=args.outbox
            if args.outbox != "auto"
            else ("app" if url.startswith("sqlite") else "worker"),
            database=database,
            dataset=dataset,
            app_dir=app_dir,
        )
        sql: dict[str, Any] = {"scenarios": {}, "strategies": {}}
        http: dict[str, dict[str, Any]] = {}
        bare: dict[str, Any] | None = None
        bench: SqlBench | None = None
        try:
            sample.tokens, sample.token_hashes = await issue_tokens(db, sample.users)
            if not args.skip_sql:
                print("SQL baselines (no server running) ...")
                sql, bench = await sql_baselines(ctx, names)
            if not args.skip_http:
                http = await http_scenarios(ctx, names)
                if YARDSTICK_FOR in http:
                    try:
                        bare = yardstick(ctx, http[YARDSTICK_FOR])
                    except RuntimeError as exc:  # the feed's figures stand without it
                        print(f"  yardstick failed: {exc}")
                        bare = {"error": str(exc)}
        finally:
            if bench is not None:
                await bench.drop_fanout()
            await remove_created_posts(ctx)
            await revoke_tokens(db, sample.token_hashes)
            if db.pg is not None:
                await db.execute("VACUUM (ANALYZE) post, post_account, notification, api_token")
    shutil.rmtree(work, ignore_errors=True)

    scenarios: dict[str, dict[str, Any]] = {}
    for name in names:
        key = baseline_key(name)
        base = sql["scenarios"].get(key, {})
        total = base.get("total", {})
        scenarios[name] = {
            "p50_ms": None,
            "p99_ms": None,
            "rps": None,
            **http.get(name, {}),
            "baseline_p50_ms": total.get("p50_ms"),
            "baseline_p99_ms": total.get("p99_ms"),
            "baseline_n": total.get("n"),
            "baseline_statements": len(base.get("statements", [])) or None,
            "baseline_tool": (
                "replay of the request's captured SQL with "
                + ("asyncpg" if not url.startswith("sqlite") else "sqlite3")
                + ", 1 connection, one transaction per request"
            ),
            "dataset": dataset,
            "database": database,
        }
    return {
        "name": args.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database,
        "database_url": redact(url),
        "dataset": dataset,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": {k: v for k, v in vars(args).items() if k not in ("database_url", "name")},
        "app_version": version_before,
        "app_changed_during_run": app_version(app_dir) != version_before,
        "load_tool": tool,
        "scenarios": scenarios,
        "sql_strategies": sql.get("strategies", {}),
        "sql_breakdown": {k: v["statements"] for k, v in sql["scenarios"].items()},
        "app_inprocess": sql.get("inprocess", {}),
        "explain": bench.explain if bench is not None else {},
        "sql_machine_cpu_busy_pct": bench.busy if bench is not None else [],
        "profile": sql.get("profile"),
        "targets": verdicts(scenarios),
        "yardstick": bare,
    }


def app_version(app_dir: Path) -> dict[str, Any]:
    """What was measured: the commit and the app files that differed from it (others may be
    editing the tree), or for --app-dir a digest of its sources."""
    if app_dir != PROJECT_DIR:
        digest = hashlib.sha256()
        for path in sorted(app_dir.glob("app/**/*.py")) + sorted(
            app_dir.glob("migrations/**/*.py")
        ):
            digest.update(path.read_bytes())
        return {"app_dir": str(app_dir), "sources_sha256": digest.hexdigest()[:16]}

    def git(*cmd: str) -> str:
        try:
            done = subprocess.run(
                ["git", *cmd], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--", "app", "migrations").splitlines()
    return {"commit": git("rev-parse", "HEAD"), "uncommitted": sorted(c[3:] for c in changed)}


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if not re.fullmatch(r"[\w.-]+", args.name):
        raise SystemExit("--name may only hold letters, digits, '.', '_' and '-'")
    if args.app_dir:
        # In-process requests must import the same app the server runs: ahead of the
        # editable install's finder, which only answers what sys.path does not.
        sys.path.insert(0, str(Path(args.app_dir).resolve()))
    if not args.no_migrate:
        from app.core.migrate import upgrade

        # Alembic runs its own event loop, so this happens before ours.
        upgrade(args.database_url)
    with terminate_as_exit():
        report = asyncio.run(run(args))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{args.name}.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print_report(report)
    if report.get("profile"):
        print()
        print("\n".join(report["profile"].splitlines()[:120]))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
