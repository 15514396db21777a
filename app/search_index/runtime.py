"""Choosing the search engine and running the indexer in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import ConfigError, Settings
from app.search_index.indexer import Indexer
from search import Fts5Backend, MeilisearchBackend, SearchBackend, SearchError

log = logging.getLogger("tandem.search")


def fts5_path(settings: Settings) -> Path | None:
    """Where the embedded FTS5 index lives: as configured, else beside the SQLite file."""
    if settings.search_fts5_path:
        return Path(settings.search_fts5_path)
    db = settings.sqlite_path
    return db.with_name(db.name + ".search.sqlite") if db is not None else None


def _embedded_path(settings: Settings) -> Path:
    path = fts5_path(settings)
    if path is None:
        raise ConfigError(
            "search needs Meilisearch with this database: set TANDEM_MEILI_URL (and "
            "TANDEM_MEILI_KEY); the embedded SQLite FTS5 search only runs beside an SQLite file"
        )
    return path


def check(settings: Settings) -> None:
    """Refuse a database without a search engine: PostgreSQL needs Meilisearch."""
    if not settings.meili_url:
        _embedded_path(settings)


def make_backend(settings: Settings) -> SearchBackend:
    """Meilisearch when TANDEM_MEILI_URL is set, else FTS5 beside the SQLite database."""
    check(settings)
    if settings.meili_url:
        # wait=True: the indexer advances past a batch only once the engine applied it.
        return MeilisearchBackend(
            settings.meili_url, settings.meili_key, prefix=settings.meili_prefix, wait=True
        )
    path = _embedded_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    return Fts5Backend(path)


def indexer_for(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], backend: SearchBackend
) -> Indexer:
    return Indexer(sessionmaker, backend, poll_interval=settings.outbox_poll_seconds)


async def _prepare(backend: SearchBackend) -> None:
    """Create the indexes, retrying while the engine is down (the app serves meanwhile)."""
    delay = 0.25
    while True:
        try:
            await backend.ensure_indexes()
            return
        except (SearchError, OSError) as exc:
            log.warning("search engine not ready (%s); retrying in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def _index_forever(backend: SearchBackend, indexer: Indexer) -> None:
    await _prepare(backend)
    await indexer.run()


@asynccontextmanager
async def running(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[SearchBackend]:
    """The search backend, with the indexer running when `settings.dispatcher`."""
    backend = make_backend(settings)
    task: asyncio.Task[None] | None = None
    try:
        with contextlib.suppress(SearchError, OSError):
            await asyncio.wait_for(backend.ensure_indexes(), 10)
        if settings.dispatcher:
            indexer = indexer_for(settings, sessionmaker, backend)
            await indexer.register()
            task = asyncio.create_task(_index_forever(backend, indexer), name="search-indexer")
        yield backend
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await backend.close()
