"""What the HTTP benchmarks (`bench.feed`, `bench.search`) share: ports, API tokens, one
request by hand, the load run (wrk or the Python client), SIGTERM handling and the report's
number format."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from bench.common import PROJECT_DIR, RawDb, sqlite_ts

HOST = "127.0.0.1"
LUA_SCRIPT = Path(__file__).resolve().parent / "requests.lua"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Process:
    """A child in its own session (stopping it signals its whole process group, uvicorn's
    workers included), with only the TANDEM_* settings it is given and a log file."""

    def __init__(
        self, name: str, cmd: list[str], env: dict[str, str], log_dir: Path, cwd: Path = PROJECT_DIR
    ) -> None:
        self.name = name
        self.cwd = cwd
        self.cmd = cmd
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            self.cmd, cwd=self.cwd, env={**base, **self.env}, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def wait_healthy(self, base: str, timeout: float = 90.0) -> None:
        """Until `base`/healthz answers 200; fails at once if the process exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            with contextlib.suppress(urllib.error.URLError, OSError):
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")


async def issue_tokens(db: RawDb, users: list[int]) -> tuple[dict[int, str], list[str]]:
    """API tokens for `users`, written as app.auth.service stores them (only the SHA-256):
    the tokens by user, and their hashes (to delete them afterwards)."""
    from app.auth.service import TOKEN_PREFIX, token_hash

    now = datetime.now(UTC)
    tokens = {uid: TOKEN_PREFIX + "bench_" + secrets.token_urlsafe(24) for uid in users}
    hashes = [token_hash(t) for t in tokens.values()]
    rows = [(uid, h, now, now + timedelta(days=1)) for uid, h in zip(tokens, hashes, strict=True)]
    cols = "(user_id, token_hash, created_at, expires_at)"
    if db.pg is not None:
        await db.pg.executemany(f"INSERT INTO api_token {cols} VALUES ($1, $2, $3, $4)", rows)
    else:
        assert db.lite is not None
        lite_rows = [(u, h, sqlite_ts(c), sqlite_ts(e)) for u, h, c, e in rows]
        db.lite.execute("BEGIN IMMEDIATE")
        db.lite.executemany(f"INSERT INTO api_token {cols} VALUES (?, ?, ?, ?)", lite_rows)
        db.lite.execute("COMMIT")
    return tokens, hashes


def http_json(url: str, *, method: str = "GET", token: str = "", body: str = "") -> tuple[int, Any]:
    """One request by hand: the status and the decoded answer (its text if not JSON)."""
    req = urllib.request.Request(
        url,
        method=method,
        data=body.encode() or None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw[:300].decode(errors="replace")


def run_load(
    tool: str,
    port: int,
    requests_file: Path,
    *,
    connections: int,
    duration: float,
    once: bool = False,
    max_requests: int | None = None,
    pause_ms: int = 0,
) -> dict[str, Any]:
    """One load run in its own process over the prepared requests of `requests_file`
    (bench/requests.lua's format); latencies in ms, throughput in req/s."""
    if tool == "wrk" and not once and max_requests is None:
        cmd = [
            "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
            "--latency", "-s", str(LUA_SCRIPT), f"http://{HOST}:{port}", "--", str(requests_file),
            str(pause_ms),
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
        match = re.search(r"^WRK_RESULT (\{.*\})$", done.stdout, re.MULTILINE)
        if done.returncode != 0 or match is None:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
        w = json.loads(match.group(1))
        secs = w["duration_us"] / 1e6
        errors = sum(w[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
        return {
            "tool": "wrk",
            "requests": w["requests"],
            "duration_s": round(secs, 3),
            "rps": round(w["requests"] / secs, 1) if secs else 0.0,
            "errors": errors + w["status_errors"],
            "p50_ms": round(w["p50_us"] / 1000, 3),
            "p90_ms": round(w["p90_us"] / 1000, 3),
            "p99_ms": round(w["p99_us"] / 1000, 3),
            "max_ms": round(w["max_us"] / 1000, 3),
            "mean_ms": round(w["mean_us"] / 1000, 3),
        }
    cmd = [
        sys.executable, "-m", "bench.loadgen", "--port", str(port),
        "--requests-file", str(requests_file), "--connections", str(connections),
        "--duration", str(duration), "--pause-ms", str(pause_ms),
    ]  # fmt: skip
    if once:
        cmd.append("--once")
    if max_requests is not None:
        cmd += ["--max-requests", str(max_requests)]
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=duration + 60, cwd=PROJECT_DIR
    )
    if done.returncode != 0:
        raise RuntimeError(f"loadgen failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@contextlib.contextmanager
def terminate_as_exit() -> Iterator[None]:
    """SIGTERM becomes SystemExit, so `finally` blocks stop servers and clean up."""

    def handler(_sig: int, _frame: FrameType | None) -> None:
        raise SystemExit(143)

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def fmt(v: Any, width: int = 8, digits: int = 2) -> str:
    if v is None:
        return "-".rjust(width)
    if isinstance(v, float):
        return f"{v:{width}.{digits}f}"
    return str(v).rjust(width)


def print_targets(targets: dict[str, dict[str, Any]]) -> None:
    if targets:
        print()
    for name, v in targets.items():
        mark = "met" if v["met"] else "MISSED"
        print(f"target {name}: {v['metric']} {v['target']} -> {v['value']} ({mark})")


async def revoke_tokens(db: RawDb, hashes: list[str]) -> None:
    """Delete the tokens `issue_tokens` wrote."""
    if not hashes:
        return
    if db.pg is not None:
        await db.execute("DELETE FROM api_token WHERE token_hash = ANY($1)", hashes)
    else:
        marks = ", ".join("?" * len(hashes))
        await db.execute(f"DELETE FROM api_token WHERE token_hash IN ({marks})", *hashes)
