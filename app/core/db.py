"""Database plumbing: the declarative base, engines, and the per-request transaction."""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Enum,
    MetaData,
    Row,
    Select,
    any_,
    bindparam,
    event,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Mapped, mapped_column
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL; INTEGER on SQLite so that the primary key is the rowid alias.
BigId = BigInteger().with_variant(sqlite.INTEGER(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012


class CreatedAt:
    """A row that is written once: when."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Timestamps(CreatedAt):
    """A row that is edited: `updated_at` moves with every UPDATE of it. Counters kept on an
    edited row are not edits: their statements set `updated_at` to itself (see
    `posts.repository`)."""

    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def enum_column(enum: type[StrEnum], length: int) -> Enum:
    """A string enum stored as VARCHAR(`length`) on both databases (no native ENUM type to
    migrate when a value is added); rows come back as the enum's members."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


# Set for the duration of a request that writes, so SQLite takes the write lock up front
# (BEGIN IMMEDIATE) instead of failing to upgrade a read lock under concurrency.
_sqlite_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sqlite_write_intent", default=False
)


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


# JSON columns (outbox events, aggregated post links) go through orjson, not the stdlib.
_JSON = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


class DatabaseUnavailable(ConnectionError):
    """The database could not be reached (refused, timed out, starting up or shutting down,
    out of connections): the request may succeed later. A ConnectionError, so the outbox
    consumers and the listener, which retry on OSError, retry on it too."""


# SQLSTATEs that mean "no connection now" rather than "this statement is wrong": connection
# exceptions (class 08), too many connections, and a server shutting down, crashed or
# starting up. A wrong password or an unknown database stays a configuration error.
_NO_CONNECTION_NOW = frozenset({"53300", "57P01", "57P02", "57P03"})


def _no_connection_now(exc: BaseException | None) -> bool:
    state = str(getattr(exc, "sqlstate", None) or "")
    return state.startswith("08") or state in _NO_CONNECTION_NOW


def is_disconnect(exc: BaseException) -> bool:
    """Whether `exc` says the database is gone rather than the statement is wrong: no
    connection could be made, or the one in use was found dead (SQLAlchemy has then
    invalidated it, and every pooled connection older than it)."""
    if isinstance(exc, DatabaseUnavailable):
        return True
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or _no_connection_now(exc.orig)
    )


def create_engine(
    url: str, *, pool_size: int = 5, busy_timeout: float = 30.0, pre_ping: bool = False
) -> AsyncEngine:
    """`busy_timeout`: how long an SQLite write waits for another's lock before failing (then
    the request answers 503); `pre_ping`: test each pooled connection before use."""
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": busy_timeout}, **_JSON)
        _configure_sqlite(engine, busy_timeout)
        return engine
    engine = create_async_engine(
        url,
        # A fixed pool: connections made for a burst and closed after it (overflow) cost
        # PostgreSQL a process and every prepared statement; requests beyond the pool wait.
        pool_size=pool_size,
        max_overflow=0,
        # Off by default: a ping is a round trip on every checkout (BEGIN, ";", ROLLBACK
        # outside autocommit), paid by every request for a rare event. A dead connection
        # is found by the statement that uses it instead: SQLAlchemy then invalidates the
        # whole pool, a read is retried once (`app.core.errors`), anything else is a 503.
        pool_pre_ping=pre_ping,
        **_JSON,
    )

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        # A failed connect reaches the caller as a bare OSError or a driver error that
        # SQLAlchemy does not take for a disconnect: one type for "not there now".
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as exc:
            if isinstance(exc, OSError) or _no_connection_now(exc):  # TimeoutError included
                raise DatabaseUnavailable(f"cannot connect to the database: {exc}") from exc
            raise

    return engine


def _configure_sqlite(engine: AsyncEngine, busy_timeout: float) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Reads run in autocommit (each statement sees committed data, as on PostgreSQL
        # below); writes take the write lock up front.
        if _sqlite_write_intent.get():
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


AfterCommit = Callable[[], Awaitable[None]]


def after_commit(session: AsyncSession, hook: AfterCommit) -> None:
    """Run `hook` once the surrounding transaction has committed; dropped on rollback."""
    session.info.setdefault("after_commit", []).append(hook)


@asynccontextmanager
async def transaction(
    factory: async_sessionmaker[AsyncSession], *, write: bool = True
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on error, then run after-commit hooks."""
    token = _sqlite_write_intent.set(write)
    # A factory bound to one connection joins the transaction already open on it (the tests
    # roll theirs back at the end): it has no isolation level of its own to choose.
    joined = isinstance(factory.kw.get("bind"), AsyncConnection)
    try:
        async with factory() as session:
            if not write and not joined and dialect_name(session) != "sqlite":
                # A read needs no transaction: skipping BEGIN/COMMIT saves two round trips.
                await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                session.info.pop("after_commit", None)
                raise
            for hook in session.info.pop("after_commit", []):
                await hook()
    finally:
        _sqlite_write_intent.reset(token)


async def rows(
    session: AsyncSession, statement: Executable, params: dict[str, Any]
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Run a statement that loads no ORM objects on the session's connection: plain rows,
    without the ORM's result machinery (a third of a feed page's CPU)."""
    connection = await session.connection()
    return (await connection.execute(statement, params)).all()


async def release(session: AsyncSession) -> None:
    """Hand the session's connection back to the pool now, before a wait on another service
    (the search engine): a hung engine must not hold the database connections the other
    requests need. Using the session again takes a fresh connection."""
    await session.close()


def in_ids(column: InstrumentedAttribute[int], dialect: str) -> ColumnElement[bool]:
    """`column` among the bound parameter `ids`, for statements built once. PostgreSQL takes
    the ids as one array, so the SQL text (and the prepared statement) is the same whatever
    their number; SQLite expands an IN list."""
    if dialect == "postgresql":
        return column == any_(bindparam("ids", type_=postgresql.ARRAY(BigInteger)))
    return column.in_(bindparam("ids", expanding=True))


def dialect_name(session: AsyncSession) -> str:
    """ "postgresql" or "sqlite": the few statements that differ are built per dialect."""
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def _insert(session: AsyncSession, model: type[Base]) -> Any:
    dialect = dialect_name(session)
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


async def insert_ignore(session: AsyncSession, model: type[Base], row: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING of one row on either database; True if it was new."""
    result = await session.execute(_insert(session, model).values(row).on_conflict_do_nothing())
    return bool(getattr(result, "rowcount", 0))


async def insert_ignore_all(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING of several rows: one statement, sent as an
    executemany (a VALUES list of N rows would be compiled anew for every N)."""
    if rows:
        await session.execute(_insert(session, model).on_conflict_do_nothing(), rows)


async def insert_ignore_select(
    session: AsyncSession, model: type[Base], columns: list[str], rows: Select[Any]
) -> None:
    """INSERT ... SELECT that skips rows already present, on either database."""
    dialect = dialect_name(session)
    stmt: Executable
    if dialect == "postgresql":
        stmt = postgresql.insert(model).from_select(columns, rows).on_conflict_do_nothing()
    else:
        # SQLite cannot parse ON CONFLICT after a bare INSERT ... SELECT; OR IGNORE is its form.
        stmt = sqlite.insert(model).from_select(columns, rows).prefix_with("OR IGNORE")
    await session.execute(stmt)
