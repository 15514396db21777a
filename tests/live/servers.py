"""Real servers for the live tests: uvicorn processes on 127.0.0.1 and a private Redis."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

STARTUP_TIMEOUT = 30.0
# How long the test servers wait for a socket's `auth` message (5 s in production).
AUTH_TIMEOUT = 1.0


def redis_prefix(database_url: str) -> dict[str, str]:
    """The processes a test starts on one database share live events through Redis; no other
    process may hear them: not those of another database in this test process (a server
    routing another database's events moves its sockets' cursors past its own events, which
    are then dropped as already seen), nor other xdist workers or other runs on this machine."""
    database = hashlib.sha256(database_url.encode()).hexdigest()[:12]
    return {"TANDEM_REDIS_PREFIX": f"tandem-test-{os.getpid()}-{database}:"}


# The cheapest Argon2id (as in tests.conftest.test_settings): signing up is not under test.
CHEAP_HASHING = {
    "TANDEM_ARGON2_TIME_COST": "1",
    "TANDEM_ARGON2_MEMORY_KIB": "8",
    "TANDEM_ARGON2_PARALLELISM": "1",
}
_names = count(1)
WARM_UP_PASSWORD = "violet harbour lantern 9 quokka"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until(check: Any, what: str, timeout: float = STARTUP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not come up within {timeout:.0f}s")


@dataclass
class AppServer:
    """`uvicorn app.main:create_app` in its own process, as `tandem serve` runs it (or, with
    `cli`, `tandem serve` itself)."""

    database_url: str
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    cli: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/stream"

    def start(self) -> AppServer:
        env = {
            **os.environ,
            "TANDEM_DATABASE_URL": self.database_url,
            "TANDEM_SECRET_KEY": "live-test-secret",
            "TANDEM_ALLOW_SIGNUP": "true",
            "TANDEM_AUTO_MIGRATE": "false",
            "TANDEM_OUTBOX_POLL_SECONDS": "0.2",
            "TANDEM_LIVE_AUTH_TIMEOUT_SECONDS": str(AUTH_TIMEOUT),
            **redis_prefix(self.database_url),
            **CHEAP_HASHING,
            # The live tests do not search; PostgreSQL would otherwise require Meilisearch.
            "TANDEM_SEARCH_FTS5_PATH": str(self.log_dir / f"search-{self.port}.db"),
            "TANDEM_MEDIA_DIR": str(self.log_dir / "media"),
            **self.env,
        }
        self.log_path = self.log_dir / f"uvicorn-{next(_names)}-{self.port}.log"
        log = self.log_path.open("wb")
        # As `tandem serve`: X-Forwarded-* believed only from TANDEM_FORWARDED_ALLOW_IPS.
        trusted = env.get("TANDEM_FORWARDED_ALLOW_IPS")
        proxy = ["--forwarded-allow-ips", trusted] if trusted else ["--no-proxy-headers"]
        command = (
            ["-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
            if self.cli
            else [
                "-m", "uvicorn", "app.main:create_app", "--factory",
                "--host", "127.0.0.1", "--port", str(self.port), *proxy,
                "--ws", self.env.get("UVICORN_WS", "websockets-sansio"),
                "--ws-per-message-deflate", "false", "--log-level", "warning",
            ]
        )  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, *command],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        _start_or_stop(self.process, self._ready, f"uvicorn on port {self.port}")
        self._warm_up()
        return self

    def _warm_up(self) -> None:
        """One signed-in socket before the tests use the process. On a cold process the first
        socket's sign-in (modules loaded, statements compiled) could take longer than a test's
        post took to be published, and the test missed the post it waited for."""
        if self.env.get("TANDEM_ALLOW_SIGNUP", "true") != "true":
            return
        handle = f"warmup{self.port}"
        answer = httpx.post(
            f"{self.url}/api/v1/auth/signup",
            json={"email": f"{handle}@example.com", "password": WARM_UP_PASSWORD,
                  "display_name": "Warm Up", "handle": handle, "department": "other"},
            timeout=30,
        )  # fmt: skip
        if answer.status_code != 201:
            return
        with connect(self.ws_url, open_timeout=10) as ws:
            ws.send(json.dumps({"type": "auth", "token": answer.json()["access_token"]}))
            ws.send(json.dumps({"type": "resume", "after": 0}))
            # Nothing is expected: the wait gives the server time to sign the socket in.
            with contextlib.suppress(TimeoutError):
                ws.recv(timeout=1)

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {self.process.returncode}; see {self.log_dir}")
        try:
            return httpx.get(f"{self.url}/readyz", timeout=1).json().get("broker_connected", False)
        except (httpx.HTTPError, ValueError):
            return False

    def stop(self) -> None:
        _stop(self.process)


def _start_or_stop(process: subprocess.Popen[bytes], ready: Any, what: str) -> None:
    """Wait until `ready()`; a process that does not get there is stopped, not left behind
    (a leaked server polls its outbox for ever, and on a loaded machine the next ones then
    fail to start too)."""
    try:
        _wait_until(ready, what)
    except BaseException:
        _stop(process)
        raise


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextlib.contextmanager
def app_server(
    database_url: str, log_dir: Path, *, cli: bool = False, **env: str
) -> Iterator[AppServer]:
    server = AppServer(database_url, log_dir, env=env, cli=cli).start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class WorkerProcess:
    """`tandem worker` in its own process: drains the outbox for web processes that do not."""

    database_url: str
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        env = {
            **os.environ,
            "TANDEM_DATABASE_URL": self.database_url,
            "TANDEM_SECRET_KEY": "live-test-secret",
            "TANDEM_AUTO_MIGRATE": "false",
            "TANDEM_SEARCH_FTS5_PATH": str(self.log_dir / "search-worker.db"),
            "TANDEM_MEDIA_DIR": str(self.log_dir / "media"),
            **redis_prefix(self.database_url),
            **CHEAP_HASHING,
            **self.env,
        }
        self.log_path = self.log_dir / f"worker-{next(_names)}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            env=env,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )
        _start_or_stop(self.process, self._ready, "tandem worker")
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"tandem worker exited with {self.process.returncode}")
        return b"tandem worker: dispatching" in self.log_path.read_bytes()

    def stop(self) -> None:
        _stop(self.process)


@dataclass
class PrivateRedis:
    """A redis-server of the test's own on a free port, so a fault test can stop it without
    touching the machine's shared Redis."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_until(self._ready, f"redis-server on port {self.port}", timeout=10)
        return self

    def _ready(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
