"""Helpers of the security probes: `tandem` commands against a live server's database."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.factories import PASSWORD, Person
from tests.live.conftest import Api
from tests.live.servers import CHEAP_HASHING, AppServer


def _env(on: AppServer, name: str) -> dict[str, str]:
    return {
        **os.environ,
        "TANDEM_DATABASE_URL": on.database_url,
        "TANDEM_SECRET_KEY": "live-test-secret",
        "TANDEM_AUTO_MIGRATE": "false",
        "TANDEM_SEARCH_FTS5_PATH": str(on.log_dir / f"search-cli-{name}.db"),
        **CHEAP_HASHING,
        **on.env,
    }


def cli(on: AppServer, *args: str, stdin: str | None = None) -> str:
    """Run a `tandem` command on the server's database; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=_env(on, args[0]),
        input=stdin,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


async def make_admin(on: AppServer, client: Api, handle: str) -> Person:
    """An admin made by `tandem users create --admin` on the server's database, signed in
    through the API (signup never makes admins)."""
    email = f"{handle}@example.com"
    cli(on, "users", "create", "--email", email, "--handle", handle, "--admin",
        "--department", "other", "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    body = await client.call(
        None, "POST", "/api/v1/auth/token", 200, json={"email": email, "password": PASSWORD}
    )
    signed_in = Person(0, handle, email, body["access_token"], "other")
    me = await client.call(signed_in, "GET", "/api/v1/me", 200)
    return Person(me["id"], handle, email, body["access_token"], "other")
