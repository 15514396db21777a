"""The search benchmark's engine side: which engine, the app's settings for it, and the
initial index built with the app's own rebuild (what `tandem reindex` runs).

Building 1M posts into Meilisearch takes a while, so a run can reuse an index that already
holds the dataset (`--reuse`): the engine's document counts must equal the database's rows
and the search consumer must have nothing pending. The figures of the build that made the
index are kept beside the results (`bench/results/search-index-*.json`) and reported again.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, Progress, is_sqlite, redact, sqlite_path

DEFAULT_PREFIX = "tandem_"


@dataclass(frozen=True)
class EngineConfig:
    """Where the app's data and its search index live, as the app's settings say it."""

    database_url: str
    meili_url: str | None = None
    meili_key: str | None = None
    meili_prefix: str = DEFAULT_PREFIX
    fts5_path: Path | None = None

    @property
    def engine(self) -> str:
        return "meilisearch" if self.meili_url else "sqlite-fts5"

    def settings(self, **overrides: Any) -> Any:
        from app.config import Settings

        values: dict[str, Any] = {
            "database_url": self.database_url,
            "secret_key": "bench",
            "auto_migrate": False,
            "meili_url": self.meili_url,
            "meili_key": self.meili_key,
            "meili_prefix": self.meili_prefix,
            "search_fts5_path": str(self.fts5_path) if self.fts5_path else None,
            **overrides,
        }
        return Settings(_env_file=None, **values)

    def env(self) -> dict[str, str]:
        """The same configuration as TANDEM_* variables, for server and worker processes."""
        env = {
            "TANDEM_DATABASE_URL": self.database_url,
            "TANDEM_SECRET_KEY": "bench",
            "TANDEM_AUTO_MIGRATE": "false",
        }
        if self.meili_url:
            env["TANDEM_MEILI_URL"] = self.meili_url
            env["TANDEM_MEILI_KEY"] = self.meili_key or ""
            env["TANDEM_MEILI_PREFIX"] = self.meili_prefix
        elif self.fts5_path:
            env["TANDEM_SEARCH_FTS5_PATH"] = str(self.fts5_path)
        return env

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"engine": self.engine, "database_url": redact(self.database_url)}
        if self.meili_url:
            out.update(meili_url=self.meili_url, meili_prefix=self.meili_prefix)
        else:
            out["fts5_path"] = str(self.fts5_path)
        return out


def engine_config(
    database_url: str,
    meili_url: str | None,
    meili_key: str | None,
    meili_prefix: str,
    fts5_path: str | None,
) -> EngineConfig:
    """Meilisearch when a URL is given; otherwise FTS5 beside the SQLite database (the app's
    default path, `<db>.search.sqlite`), which needs an SQLite database."""
    if meili_url:
        return EngineConfig(database_url, meili_url, meili_key, meili_prefix)
    if fts5_path:
        return EngineConfig(database_url, fts5_path=Path(fts5_path).resolve())
    if not is_sqlite(database_url):
        raise SystemExit(
            "PostgreSQL needs Meilisearch: pass --meili-url/--meili-key (or set TANDEM_MEILI_URL)"
        )
    db = sqlite_path(database_url).resolve()
    return EngineConfig(database_url, fts5_path=db.with_name(db.name + ".search.sqlite"))


@dataclass
class AppSide:
    """The app's own pieces in this process: its engine, sessions and search backend."""

    config: EngineConfig
    sessionmaker: Any
    backend: Any
    settings: Any


@asynccontextmanager
async def app_side(config: EngineConfig, **overrides: Any) -> AsyncIterator[AppSide]:
    from app.core.db import create_engine, session_factory
    from app.search_index import runtime

    settings = config.settings(**overrides)
    engine = create_engine(settings.database_url, pool_size=4)
    backend = runtime.make_backend(settings)
    try:
        await backend.ensure_indexes()
        yield AppSide(config, session_factory(engine), backend, settings)
    finally:
        await backend.close()
        await engine.dispose()


async def database_documents(side: AppSide) -> dict[str, int]:
    """How many documents each index should hold: one per row (active users only)."""
    from sqlalchemy import func, select

    from app.accounts.models import Account
    from app.core.db import transaction
    from app.posts.models import Comment, Post
    from app.users.models import User

    async with transaction(side.sessionmaker, write=False) as session:

        async def count(stmt: Any) -> int:
            return int(await session.scalar(stmt) or 0)

        return {
            "posts": await count(select(func.count()).select_from(Post)),
            "comments": await count(select(func.count()).select_from(Comment)),
            "users": await count(select(func.count()).select_from(User).where(User.is_active)),
            "accounts": await count(select(func.count()).select_from(Account)),
        }


def state_file(config: EngineConfig) -> Path:
    """Where the figures of the build that made this index are kept (git-ignored)."""
    where = config.meili_url or str(config.fts5_path)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{config.engine}-{where}-{config.meili_prefix}")
    db = re.sub(r"[^A-Za-z0-9]+", "-", redact(config.database_url).rsplit("/", 1)[-1])
    return RESULTS_DIR / f"search-index-{slug.strip('-')}-{db}.json"


async def ensure_index(config: EngineConfig, *, reuse: bool) -> dict[str, Any]:
    """Index the database with the app's rebuild, unless `reuse` and the index is complete."""
    from app.search_index import maintenance

    async with app_side(config) as side:
        expected = await database_documents(side)
        if reuse:
            status = await maintenance.status(side.sessionmaker, side.backend)
            have = {k: v for k, v in status.documents.items() if k in expected}
            if have == expected and status.pending == 0:
                previous = None
                path = state_file(config)
                if path.exists():
                    previous = json.loads(path.read_text())
                print(f"reusing the {config.engine} index: {have}")
                return {"reused": True, "documents": have, "build": previous}
            print(f"index incomplete ({have} vs {expected}, {status.pending} pending): rebuilding")
        bars: dict[str, Progress] = {}
        ends: dict[str, float] = {}

        def progress(index: str, done: int, total: int) -> None:
            bar = bars.get(index)
            if bar is None:
                bar = bars[index] = Progress(f"reindex {index}", total)
            bar.add(done - bar.done)
            if done >= total:
                bar.finish()
                ends[index] = time.perf_counter()

        started = time.perf_counter()
        counts = await maintenance.reindex(side.sessionmaker, side.backend, progress=progress)
        finished = time.perf_counter()
        per_index: dict[str, Any] = {}
        previous_end = started
        for index, rows in counts.items():
            end = ends.get(index, finished)
            seconds = end - previous_end
            previous_end = end
            per_index[index] = {
                "documents": rows,
                "seconds": round(seconds, 2),
                "docs_per_s": round(rows / seconds, 1) if seconds > 0 else None,
            }
        build = {
            "how": "app.search_index.maintenance.reindex (tandem reindex): id-ordered batches "
            f"of {maintenance.BATCH} rows read and upserted into a shadow index, swapped in",
            "engine": config.engine,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": round(finished - started, 2),
            "indexes": per_index,
            "pid": os.getpid(),
        }
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        state_file(config).write_text(json.dumps(build, indent=2) + "\n")
        return {"reused": False, "documents": counts, "build": build}
