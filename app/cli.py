"""The `tandem` command: serve, demo, worker, reindex, search status, db upgrade, users create,
accounts import, files gc."""

from __future__ import annotations

import argparse
import asyncio
import copy
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import ConfigError, Settings, get_settings
from app.core.db import create_engine, session_factory, transaction
from app.core.errors import AppError
from app.core.migrate import upgrade
from app.handlers import install as install_handlers
from app.users.models import Department, Role

T = TypeVar("T")


Sessions = async_sessionmaker[AsyncSession]


def _run_with_sessions(settings: Settings, work: Callable[[Sessions], Awaitable[T]]) -> T:
    # The commands write through the services, whose events the domains react to.
    install_handlers()

    async def main() -> T:
        engine = create_engine(settings.database_url, pre_ping=settings.db_pre_ping)
        try:
            return await work(session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _migrate(settings: Settings) -> None:
    print(f"migrating {_safe_url(settings.database_url)} ...", flush=True)
    upgrade(settings.database_url)


def _safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    return make_url(url).render_as_string(hide_password=True)


def _log_config(uvicorn_config: dict[str, Any]) -> dict[str, Any]:
    """uvicorn's logging, with Tandem's own lines (`tandem.*`, INFO and up) beside it."""
    config = copy.deepcopy(uvicorn_config)
    config["formatters"]["tandem"] = {
        "()": "uvicorn.logging.DefaultFormatter",
        "fmt": "%(levelprefix)s %(name)s: %(message)s",
    }
    config["handlers"]["tandem"] = {
        "formatter": "tandem",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["tandem"] = {"handlers": ["tandem"], "level": "INFO", "propagate": False}
    return config


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    settings = get_settings()
    settings.resolved_secret_key()
    if args.workers > 1 and not settings.redis_url:
        raise ConfigError(
            "several workers share live events through Redis: set TANDEM_REDIS_URL, "
            "or run one worker"
        )
    if not settings.dispatcher and not settings.redis_url:
        raise ConfigError(
            "with TANDEM_DISPATCHER=false a `tandem worker` publishes the live events, and "
            "they reach this server through Redis: set TANDEM_REDIS_URL"
        )
    if settings.auto_migrate:
        _migrate(settings)
    # X-Forwarded-* only from TANDEM_FORWARDED_ALLOW_IPS: uvicorn's own default believes any
    # loopback peer, so a proxy on this host that passed the client's header through would let
    # every client pick the address its failed logins count under.
    trusted_proxies = settings.forwarded_allow_ips
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=trusted_proxies,
        log_level="info",
        log_config=_log_config(LOGGING_CONFIG),
        # Live sockets: protocol pings drop dead peers; the sans-I/O protocol and no
        # compression keep an idle connection under 40 KB (see docs/performance.md, live delivery).
        ws="websockets-sansio",
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        ws_per_message_deflate=False,
    )


def cmd_worker(_args: argparse.Namespace) -> None:
    """Drain the outbox (publish live events, index for search) without serving HTTP, until
    interrupted; woken at once by PostgreSQL when another process commits events."""
    import logging
    import signal

    from app.live import runtime
    from app.outbox import listener as outbox_listener
    from app.search_index import runtime as search_runtime

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = get_settings()
    if settings.auto_migrate:
        _migrate(settings)

    async def work(factory: Sessions) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        worker_settings = settings.model_copy(update={"dispatcher": True})
        async with (
            outbox_listener.listening(factory.kw["bind"]),
            search_runtime.running(worker_settings, factory) as search,
            runtime.running(worker_settings, factory, serve_sockets=False) as live,
        ):
            print(
                f"tandem worker: dispatching live events via {live.broker.name}, "
                f"indexing into {type(search).__name__}",
                flush=True,
            )
            await stop.wait()
        print("tandem worker: stopped", flush=True)

    _run_with_sessions(settings, work)


def cmd_demo(args: argparse.Namespace) -> None:
    # Environment, not just this process's settings: `--workers` children read it too.
    os.environ.setdefault("TANDEM_ALLOW_SIGNUP", "true")
    os.environ["TANDEM_DEMO"] = "true"
    get_settings.cache_clear()
    settings = get_settings()
    _migrate(settings)

    from app.demo import DemoLogin, seed
    from app.files import runtime as files_runtime

    async def seed_with_files(sessions: Sessions) -> list[DemoLogin]:
        async with files_runtime.running(settings) as storage:
            return await seed(sessions, storage=storage)

    logins = _run_with_sessions(settings, seed_with_files)
    url = f"http://{args.host}:{args.port}"
    print(f"\nTandem demo is ready at {url}\n")
    print("Demo logins (POST /api/v1/auth/token with these, or sign in on the web):")
    for login in logins:
        print(f"  {login.label:<12} {login.email:<32} password: {login.password}")
    print(f"\nAPI docs: {url}/docs\n", flush=True)
    os.environ["TANDEM_AUTO_MIGRATE"] = "false"
    get_settings.cache_clear()
    cmd_serve(args)


def cmd_db_upgrade(_args: argparse.Namespace) -> None:
    _migrate(get_settings())
    print("database is up to date")


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if args.no_password:
        return None
    if not sys.stdin.isatty():
        raise SystemExit("no terminal to ask for a password: use --password-stdin")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise SystemExit("the passwords differ")
    return first


def cmd_users_create(args: argparse.Namespace) -> None:
    from app.users import service as users
    from app.users.schemas import UserCreate

    data = UserCreate(
        email=args.email,
        handle=args.handle,
        display_name=args.name or args.handle,
        department=Department(args.department),
        role=Role.admin if args.admin else Role.member,
        is_lead=args.lead,
        password=_read_password(args),
    )

    async def work(factory: Sessions) -> str:
        async with transaction(factory) as session:
            user = await users.create(session, data=data)
            lead = f", lead of {user.department}" if user.is_lead else ""
            return f"created {user.role} @{user.handle} <{user.email}> (id {user.id}{lead})"

    print(_run_with_sessions(get_settings(), work))


def cmd_users_deactivate(args: argparse.Namespace) -> None:
    from app.users import service as users

    async def work(factory: Sessions) -> str:
        async with transaction(factory) as session:
            user = await users.get(session, handle=args.handle)
            await users.deactivate(session, user=user)
            return f"deactivated @{user.handle}: signed out everywhere, posts kept"

    print(_run_with_sessions(get_settings(), work))


def cmd_accounts_import(args: argparse.Namespace) -> None:
    from app.accounts import service as accounts

    content = Path(args.file).read_bytes()

    async def work(factory: Sessions) -> accounts.ImportReport:
        return await accounts.import_csv(factory, content=content)

    report = _run_with_sessions(get_settings(), work)
    for row, message in report.errors:
        print(f"row {row}: {message}", file=sys.stderr)
    print(f"created {report.created}, updated {report.updated}, errors {len(report.errors)}")
    if report.errors:
        raise SystemExit(1)


def cmd_files_gc(_args: argparse.Namespace) -> None:
    """Delete uploads that no post carries, older than a day (rows, then their bytes)."""
    from app.files import runtime as files_runtime
    from app.files import service as files

    settings = get_settings()

    async def work(factory: Sessions) -> int:
        async with files_runtime.running(settings) as storage, transaction(factory) as session:
            return await files.collect_garbage(session, storage)

    print(f"deleted {_run_with_sessions(settings, work)} unattached uploads")


def cmd_reindex(args: argparse.Namespace) -> None:
    """Rebuild search indexes from the database, swapping each in when complete."""
    from app.search_index import maintenance
    from app.search_index import runtime as search_runtime

    settings = get_settings()
    indexes = [args.index] if args.index else list(maintenance.INDEXES)

    def progress(index: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        bar = "#" * filled + "." * (width - filled)
        print(f"\r{index:<9} [{bar}] {done}/{total}", end="", file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr)

    async def work(factory: Sessions) -> dict[str, int]:
        backend = search_runtime.make_backend(settings)
        try:
            return await maintenance.reindex(factory, backend, indexes, progress=progress)
        finally:
            await backend.close()

    counts = _run_with_sessions(settings, work)
    print(", ".join(f"{index}: {n} rows" for index, n in counts.items()) + "; swapped in")


def cmd_search_status(_args: argparse.Namespace) -> None:
    """Print the search backend, documents per index and the indexer's backlog."""
    from app.search_index import maintenance
    from app.search_index import runtime as search_runtime

    settings = get_settings()

    async def work(factory: Sessions) -> maintenance.SearchStatus:
        backend = search_runtime.make_backend(settings)
        try:
            return await maintenance.status(factory, backend)
        finally:
            await backend.close()

    info = _run_with_sessions(settings, work)
    print(f"backend: {info.backend} ({info.health.get('status')})")
    for index, count in info.documents.items():
        print(f"  {index:<9} {'unavailable' if count is None else count} documents")
    age = info.oldest_pending_age_seconds
    oldest = "" if age is None else f", oldest {age:.1f}s old"
    print(f"pending outbox rows for the indexer: {info.pending}{oldest}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tandem", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    for name, handler, help_text in (
        ("serve", cmd_serve, "run the web server (applies migrations first by default)"),
        ("demo", cmd_demo, "migrate, seed a demo company and serve it"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        p.add_argument("--workers", type=int, default=1)
        p.set_defaults(handler=handler)

    sub.add_parser(
        "worker",
        help="run the outbox consumers (live events, search indexing) without serving HTTP",
    ).set_defaults(handler=cmd_worker)

    reindex = sub.add_parser("reindex", help="rebuild the search indexes from the database")
    reindex.add_argument("--index", choices=["posts", "comments", "users", "accounts", "terms"])
    reindex.set_defaults(handler=cmd_reindex)
    search = sub.add_parser("search", help="search maintenance").add_subparsers(
        dest="search", required=True
    )
    search.add_parser("status", help="backend, documents per index, pending indexing").set_defaults(
        handler=cmd_search_status
    )

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="apply all migrations").set_defaults(handler=cmd_db_upgrade)

    users = sub.add_parser("users", help="manage users").add_subparsers(dest="users", required=True)
    create = users.add_parser("create", help="create a user")
    create.add_argument("--email", required=True)
    create.add_argument("--handle", required=True)
    create.add_argument("--name", help="display name (default: the handle)")
    create.add_argument("--department", default="other", choices=[d.value for d in Department])
    create.add_argument("--admin", action="store_true", help="make the user an admin")
    create.add_argument(
        "--lead", action="store_true", help="a lead of their department (signs agreements)"
    )
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    create.add_argument("--no-password", action="store_true", help="create without a password")
    create.set_defaults(handler=cmd_users_create)
    deactivate = users.add_parser(
        "deactivate", help="sign a user out for good (no sign-in, sockets closed; posts stay)"
    )
    deactivate.add_argument("--handle", required=True)
    deactivate.set_defaults(handler=cmd_users_deactivate)

    accounts = sub.add_parser("accounts", help="manage accounts").add_subparsers(
        dest="accounts", required=True
    )
    imp = accounts.add_parser("import", help="import accounts from a CRM CSV export")
    imp.add_argument("file", help="CSV with columns name, domain, industry, owner_email, crm_id")
    imp.set_defaults(handler=cmd_accounts_import)

    files = sub.add_parser("files", help="uploaded files").add_subparsers(
        dest="files", required=True
    )
    files.add_parser(
        "gc", help="delete uploads that no post carries, older than a day"
    ).set_defaults(handler=cmd_files_gc)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        args.handler(args)
    except (ConfigError, AppError) as exc:
        raise SystemExit(f"tandem: {exc}") from exc
    except ValueError as exc:  # pydantic validation of CLI input
        raise SystemExit(f"tandem: {exc}") from exc


if __name__ == "__main__":
    main()
