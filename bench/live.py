"""The live benchmark: WebSocket delivery across two app processes sharing PostgreSQL and
Redis, as production runs, with a `tandem worker` publishing (`--outbox app`: the app
processes publish themselves).

For each socket count N: N users each follow one of 20 accounts (N/20 followers each) and
hold a socket, split evenly over two `uvicorn` processes; a writer posts at a steady rate,
each post tagged with one random account, through both processes in turn. The load
generator (bench.live_client, its own process) records every message, so lost and
duplicated deliveries are counted. Latency is from the writer receiving the 201 (the post
is committed) to the socket receiving `post.created`. Memory per idle connection is the
servers' resident memory growth with every socket open and idle, divided by N.

    python -m bench.live --sockets 2000,4000,6000,8000,10000 --name live-pg-redis

Prints a table and writes bench/results/<name>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from app.auth.service import TOKEN_PREFIX, token_hash
from app.core.migrate import upgrade
from bench.common import RESULTS_DIR, asyncpg_dsn, pg_database_name, redact, summarize_ms
from tests.live.servers import AppServer, WorkerProcess, app_server

ACCOUNTS = 20
DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/tandem_bench_live"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--database-url", default=DEFAULT_DB, help="a PostgreSQL database to recreate")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    p.add_argument("--sockets", default="2000", help="comma-separated socket counts")
    p.add_argument("--rate", type=float, default=20.0, help="posts per second")
    p.add_argument("--duration", type=float, default=30.0, help="seconds of posting per step")
    p.add_argument("--name", required=True, help="results go to bench/results/NAME.json")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--ws", default="websockets-sansio", help="uvicorn's WebSocket implementation (--ws)"
    )
    p.add_argument(
        "--outbox",
        choices=("worker", "app"),
        default="worker",
        help="who publishes: a `tandem worker` beside the two app processes (production: "
        "TANDEM_DISPATCHER=false), or the app processes themselves",
    )
    return p.parse_args(argv)


async def recreate(url: str) -> None:
    name = pg_database_name(url)
    admin = await asyncpg.connect(asyncpg_dsn(url).rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def seed(url: str, n_users: int) -> tuple[list[str], str, list[str]]:
    """n_users readers (reader i follows account i % 20), one writer, 20 accounts; returns the
    readers' tokens, the writer's token and the account slugs."""
    now = datetime.now(UTC)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        users = [
            (uid, f"r{uid}@bench.example.com", f"r{uid}", f"Reader {uid}", "sales", "member",
             True, now)
            for uid in range(1, n_users + 2)
        ]  # fmt: skip
        await conn.copy_records_to_table(
            "user_account",
            records=users,
            columns=["id", "email", "handle", "display_name", "department", "role", "is_active",
                     "created_at"],
        )  # fmt: skip
        slugs = [f"account-{a}" for a in range(ACCOUNTS)]
        await conn.copy_records_to_table(
            "account",
            records=[
                (a + 1, slug, f"Account {a}", False, now, now) for a, slug in enumerate(slugs)
            ],
            columns=["id", "slug", "name", "confidential", "created_at", "updated_at"],
        )
        await conn.copy_records_to_table(
            "account_follow",
            records=[(uid, (uid - 1) % ACCOUNTS + 1, now) for uid in range(1, n_users + 1)],
            columns=["user_id", "account_id", "created_at"],
        )
        tokens = {uid: TOKEN_PREFIX + f"live_{uid}_{random.randbytes(12).hex()}" for uid in
                  range(1, n_users + 2)}  # fmt: skip
        await conn.copy_records_to_table(
            "api_token",
            records=[
                (uid, token_hash(t), now, now + timedelta(days=1)) for uid, t in tokens.items()
            ],
            columns=["user_id", "token_hash", "created_at", "expires_at"],
        )
        for table in ("user_account", "account"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    finally:
        await conn.close()
    return [tokens[u] for u in range(1, n_users + 1)], tokens[n_users + 1], slugs


def rss_kb(server: AppServer) -> int:
    assert server.process is not None
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def write_posts(
    servers: list[AppServer], token: str, slugs: list[str], rate: float, duration: float, seed: int
) -> dict[int, tuple[float, int]]:
    """Post at a steady rate; returns post id -> (time the 201 arrived, account index)."""
    rng = random.Random(seed)
    committed: dict[int, tuple[float, int]] = {}
    clients = [
        httpx.AsyncClient(base_url=s.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        for s in servers
    ]
    errors = 0

    async def one(i: int) -> None:
        nonlocal errors
        account = rng.randrange(ACCOUNTS)
        body = {
            "body": f"Live bench post {i} about ${slugs[account]}",
            "accounts": [slugs[account]],
        }
        response = await clients[i % len(clients)].post("/api/v1/posts", json=body)
        if response.status_code != 201:
            errors += 1
            return
        committed[response.json()["id"]] = (time.time(), account)

    loop = asyncio.get_running_loop()
    start, tasks = loop.time(), []
    for i in range(int(rate * duration)):
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    for client in clients:
        await client.aclose()
    if errors:
        print(f"  {errors} posts failed", file=sys.stderr)
    return committed


def analyse(
    records_file: Path, committed: dict[int, tuple[float, int]], n_sockets: int
) -> dict[str, Any]:
    latencies: list[float] = []
    seen: Counter[tuple[int, int]] = Counter()
    closed = 0
    for line in records_file.read_text().splitlines():
        r = json.loads(line)
        if r["type"] == "closed":
            closed += 1
            continue
        if r["type"] != "post.created" or r["post_id"] not in committed:
            continue
        seen[(r["socket"], r["post_id"])] += 1
        latencies.append(r["at"] - committed[r["post_id"]][0])
    followers = Counter(i % ACCOUNTS for i in range(n_sockets))
    expected = sum(followers[account] for _, account in committed.values())
    delivered = len(seen)
    return {
        "posts": len(committed),
        "expected_deliveries": expected,
        "delivered": delivered,
        "lost": expected - delivered,
        "duplicates": sum(c - 1 for c in seen.values()),
        "sockets_dropped": closed,
        "latency": summarize_ms(latencies),
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
    }


@contextlib.contextmanager
def outbox_worker(args: argparse.Namespace, tmp: Path) -> Iterator[None]:
    """`tandem worker` for the step, when it is the one publishing."""
    if args.outbox != "worker":
        yield
        return
    worker = WorkerProcess(args.database_url, tmp, env={"TANDEM_REDIS_URL": args.redis_url}).start()
    try:
        yield
    finally:
        worker.stop()


async def step(
    args: argparse.Namespace, n: int, tokens: list[str], writer: str, slugs: list[str], tmp: Path
) -> dict[str, Any]:
    env = {"TANDEM_REDIS_URL": args.redis_url, "UVICORN_WS": args.ws}
    if args.outbox == "worker":
        env["TANDEM_DISPATCHER"] = "false"
    with (
        outbox_worker(args, tmp),
        app_server(args.database_url, tmp, **env) as a,
        app_server(args.database_url, tmp, **env) as b,
    ):
        servers = [a, b]
        async with httpx.AsyncClient() as warm:
            for s in servers:
                await warm.get(f"{s.url}/readyz")
        rss_before = sum(rss_kb(s) for s in servers)
        token_file, out_file = tmp / f"tokens-{n}.txt", tmp / f"records-{n}.jsonl"
        token_file.write_text("\n".join(tokens[:n]))
        client = subprocess.Popen(
            [sys.executable, "-m", "bench.live_client", "--tokens", str(token_file),
             "--urls", ",".join(s.ws_url for s in servers), "--out", str(out_file)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert client.stdin is not None
        assert client.stdout is not None
        started = time.monotonic()
        ready = client.stdout.readline().split()
        connect_s = time.monotonic() - started
        if not ready or ready[0] != "READY":
            raise SystemExit(f"load generator failed at {n} sockets: {ready}")
        connected, failed = int(ready[1]), int(ready[2])
        print(f"  {connected} sockets open ({failed} failed) in {connect_s:.1f}s", file=sys.stderr)
        await asyncio.sleep(5)  # idle
        rss_idle = sum(rss_kb(s) for s in servers)
        committed = await write_posts(servers, writer, slugs, args.rate, args.duration, args.seed)
        await asyncio.sleep(3)  # stragglers
        rss_busy = sum(rss_kb(s) for s in servers)
        client.stdin.write("STOP\n")
        client.stdin.flush()
        client.stdout.readline()
        client.wait(60)
    result = analyse(out_file, committed, n)
    return {
        "sockets": n,
        "connected": connected,
        "connect_failed": failed,
        "connect_seconds": round(connect_s, 1),
        "rss_kb_before": rss_before,
        "rss_kb_idle": rss_idle,
        "rss_kb_busy": rss_busy,
        "kb_per_idle_connection": round((rss_idle - rss_before) / max(connected, 1), 1),
        **result,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    counts = [int(c) for c in args.sockets.split(",")]
    print(f"recreating {redact(args.database_url)}", file=sys.stderr)
    await recreate(args.database_url)
    await asyncio.to_thread(upgrade, args.database_url)
    tokens, writer, slugs = await seed(args.database_url, max(counts))
    steps = []
    with tempfile.TemporaryDirectory(prefix="tandem-live-bench-") as tmp:
        for n in counts:
            print(
                f"step: {n} sockets, {args.rate:g} posts/s for {args.duration:g}s", file=sys.stderr
            )
            steps.append(await step(args, n, tokens, writer, slugs, Path(tmp)))
    return {
        "name": args.name,
        "scenario": "live",
        "database": redact(args.database_url),
        "broker": redact(args.redis_url),
        "processes": 2,
        "outbox": args.outbox,
        "uvicorn_ws": args.ws,
        "rate_posts_per_s": args.rate,
        "duration_s": args.duration,
        "accounts": ACCOUNTS,
        "steps": steps,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def print_table(report: dict[str, Any]) -> None:
    head = (f"{'sockets':>8} {'connected':>9} {'msgs':>8} {'lost':>6} {'dup':>5} "
            f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'KB/idle':>8}")  # fmt: skip
    print(head)
    for s in report["steps"]:
        print(
            f"{s['sockets']:>8} {s['connected']:>9} {s['delivered']:>8} {s['lost']:>6} "
            f"{s['duplicates']:>5} {s['latency']['p50_ms']:>8} {s['latency']['p99_ms']:>8} "
            f"{s['max_ms']!s:>8} {s['kb_per_idle_connection']:>8}"
        )


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    report = asyncio.run(run(args))
    print_table(report)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{args.name}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
