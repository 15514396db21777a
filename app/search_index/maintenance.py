"""`tandem reindex` and `tandem search status`.

A rebuild never takes search down: each index is rebuilt into a shadow (begin_rebuild)
from the database in id-ordered batches, then swapped in (finish_rebuild). Writes made
while it runs are not lost: before reading anything the rebuild notes the outbox's last
sequence number, and after the swap it moves the search consumer back to that position
(never forward), so the indexer re-applies every event committed since, re-reading the
current rows. Re-applying is idempotent (documents are rebuilt from the database), so
events the consumer had already applied to the old index cost only time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts.models import Account
from app.agreements.models import Term
from app.core.db import transaction, utcnow
from app.outbox import service as outbox
from app.outbox.models import OutboxConsumer, OutboxEvent
from app.posts.models import Comment, Post
from app.search_index import documents
from app.search_index.indexer import CONSUMER, Indexer
from app.users.models import User
from search import ACCOUNTS, COMMENTS, INDEXES, POSTS, TERMS, USERS, SearchBackend

BATCH = 500

Progress = Callable[[str, int, int], None]

# Each index's rows, by the key its documents are built from (a term's is its signable's id).
_KEYS: dict[str, Any] = {
    POSTS: Post.id,
    COMMENTS: Comment.id,
    USERS: User.id,
    ACCOUNTS: Account.id,
    TERMS: Term.signable_id,
}
_BUILD = {
    POSTS: documents.posts,
    COMMENTS: documents.comments,
    USERS: documents.users,
    ACCOUNTS: documents.accounts,
    TERMS: documents.terms,
}


async def _rebuild_one(
    sessionmaker: async_sessionmaker[AsyncSession],
    backend: SearchBackend,
    index: str,
    progress: Progress,
    batch: int,
) -> int:
    key = _KEYS[index]
    async with transaction(sessionmaker, write=False) as session:
        total = int(await session.scalar(select(func.count(key))) or 0)
    shadow = await backend.begin_rebuild(index)
    done, last_id = 0, 0
    try:
        while True:
            async with transaction(sessionmaker, write=False) as session:
                ids = list(
                    await session.scalars(
                        select(key).where(key > last_id).order_by(key).limit(batch)
                    )
                )
                if not ids:
                    break
                docs = await _BUILD[index](session, ids)
            if docs:
                await backend.upsert(shadow, list(docs.values()))
            done += len(ids)
            last_id = ids[-1]
            progress(index, done, total)
        if done == 0:
            progress(index, 0, 0)
        await backend.finish_rebuild(index, shadow)
    except BaseException:
        await backend.abort_rebuild(index, shadow)
        raise
    return done


async def reindex(
    sessionmaker: async_sessionmaker[AsyncSession],
    backend: SearchBackend,
    indexes: Sequence[str] = INDEXES,
    *,
    progress: Progress = lambda index, done, total: None,
    batch: int = BATCH,
) -> dict[str, int]:
    """Rebuild `indexes` from the database without downtime; returns rows read per index."""
    await backend.ensure_indexes()
    async with transaction(sessionmaker) as session:
        await outbox.sequence(session)
        start = await outbox.last_seq(session)
    counts = {
        index: await _rebuild_one(sessionmaker, backend, index, progress, batch)
        for index in indexes
    }
    async with transaction(sessionmaker) as session:
        position = await outbox.claim_waiting(session, CONSUMER)
        if position > start:
            await outbox.advance(session, CONSUMER, start)
    # Catch up now rather than at the worker's next poll.
    await Indexer(sessionmaker, backend).drain()
    return counts


@dataclass(frozen=True, slots=True)
class SearchStatus:
    backend: str
    health: dict[str, Any]
    documents: dict[str, int | None]  # None: the engine could not say
    pending: int
    oldest_pending_age_seconds: float | None
    position: int


async def status(
    sessionmaker: async_sessionmaker[AsyncSession], backend: SearchBackend
) -> SearchStatus:
    """Backend, documents per index, pending outbox rows for the indexer, oldest's age."""
    health = await backend.health()
    counts: dict[str, int | None] = {}
    for index in INDEXES:
        try:
            counts[index] = await backend.count(index)
        except Exception:  # an engine that is down reports no counts, the rest still prints
            counts[index] = None
    async with transaction(sessionmaker, write=False) as session:
        position = int(
            await session.scalar(
                select(OutboxConsumer.position).where(OutboxConsumer.name == CONSUMER)
            )
            or 0
        )
        pending = or_(OutboxEvent.seq.is_(None), OutboxEvent.seq > position)
        row = (
            await session.execute(
                select(func.count(), func.min(OutboxEvent.created_at)).where(pending)
            )
        ).one()
    count, oldest = int(row[0] or 0), row[1]
    age = (utcnow() - _aware(oldest)).total_seconds() if oldest is not None else None
    return SearchStatus(
        backend=str(health.get("engine") or type(backend).__name__),
        health=health,
        documents=counts,
        pending=count,
        oldest_pending_age_seconds=age,
        position=position,
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
