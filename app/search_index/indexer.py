"""The search indexer: the second outbox consumer (the first publishes live events).

A batch is handled in seq order but applied as a set: every document it touches is
re-read from the database once (so several updates of one post cost one upsert and the
index holds what the database holds now), rows that are gone are deleted. The position
advances only when the engine acknowledged every write (`wait=True` on Meilisearch: the
batch's writes are one `write_batch()`, confirmed together at its end), so while the engine
is down the consumer backs off and retries the same batch: nothing is lost and no older
state overtakes a newer one.

Throughput (bench/README.md, `python -m bench.search`): on Meilisearch at a million posts a
batch of the engine's costs about half a second whatever its size, so the indexer takes up
to 20,000 events at once, reads only their type and id, and reads documents in chunks that
the backend sends as a few large tasks, the next read while the engine indexes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.db import transaction
from app.outbox import events as outbox_events
from app.outbox import service as outbox
from app.outbox.consumer import Consumer
from app.outbox.models import OutboxEvent
from app.posts.models import PostAccount
from app.search_index import documents
from search import ACCOUNTS, COMMENTS, POSTS, TERMS, USERS, SearchBackend, SearchError

log = logging.getLogger("tandem.search")

CONSUMER = "search"
# Events per batch: the backend's `drain_batch` (Meilisearch wants large ones, as a batch
# costs it a lot whatever its size). Under steady load batches are small either way; a
# backlog (an import, an engine back from an outage) drains faster.
# Rows read (and documents handed to the backend) at a time within a batch: a backend that
# sends large tasks sends the first while the rest is read.
READ_CHUNK = 500


@dataclass
class Touched:
    """What a batch of events asks to re-read, by kind of document."""

    posts: set[int] = field(default_factory=set)
    comments: set[int] = field(default_factory=set)
    users: set[int] = field(default_factory=set)
    accounts: set[int] = field(default_factory=set)
    terms: set[int] = field(default_factory=set)
    posts_of_accounts: set[int] = field(default_factory=set)
    # Questions whose comments are re-read (their accepted answer changed).
    questions: set[int] = field(default_factory=set)

    def add(self, event: outbox.Event) -> None:
        data, types = event.data, outbox_events
        if event.type in (types.POST_CREATED, types.POST_UPDATED, types.POST_DELETED):
            self.posts.add(int(data["id"]))
        elif event.type == types.COMMENT_CREATED:
            self.comments.add(int(data["id"]))
        elif event.type == types.SEARCH_USER:
            self.users.add(int(data["id"]))
        elif event.type == types.SEARCH_ACCOUNT:
            self.accounts.add(int(data["id"]))
            if data.get("posts"):
                self.posts_of_accounts.add(int(data["id"]))
        elif event.type == types.SEARCH_TERM:
            self.terms.add(int(data["id"]))
        elif event.type == types.SEARCH_ANSWER:
            self.questions.add(int(data["id"]))

    def __bool__(self) -> bool:
        return any(
            (
                self.posts,
                self.comments,
                self.users,
                self.accounts,
                self.terms,
                self.posts_of_accounts,
                self.questions,
            )
        )


async def apply(
    session: AsyncSession,
    backend: SearchBackend,
    touched: Touched,
    *,
    targets: Mapping[str, str] | None = None,
) -> int:
    """Re-read what `touched` names and write it to the engine; `targets` maps an index
    to a rebuild shadow. Returns the number of documents written or deleted."""
    targets = targets or {}
    post_ids = set(touched.posts)
    if touched.posts_of_accounts:
        post_ids |= set(
            await session.scalars(
                select(PostAccount.post_id).where(
                    PostAccount.account_id.in_(touched.posts_of_accounts)
                )
            )
        )
    written = 0
    comment_ids = set(touched.comments)
    for chunk in _chunks(sorted(touched.questions)):
        comment_ids |= set(await documents.comment_ids_of_posts(session, chunk))
    # Read and write in chunks: inside a write batch the engine indexes one chunk while the
    # next is read.
    for chunk in _chunks(sorted(post_ids)):
        # A post's comments carry its accounts, topics and visibility keys.
        comment_ids |= set(await documents.comment_ids_of_posts(session, chunk))
        post_docs = await documents.posts(session, chunk)
        gone_posts = sorted(set(chunk) - post_docs.keys())
        written += await _write(backend, targets.get(POSTS, POSTS), post_docs, gone_posts)
        if gone_posts and COMMENTS not in targets:
            await backend.delete_comments_of_posts(gone_posts)
    for chunk in _chunks(sorted(comment_ids)):
        comment_docs = await documents.comments(session, chunk)
        written += await _write(
            backend,
            targets.get(COMMENTS, COMMENTS),
            comment_docs,
            sorted(set(chunk) - comment_docs.keys()),
        )
    user_docs = await documents.users(session, sorted(touched.users))
    written += await _write(
        backend, targets.get(USERS, USERS), user_docs, sorted(touched.users - user_docs.keys())
    )
    account_docs = await documents.accounts(session, sorted(touched.accounts))
    written += await _write(
        backend,
        targets.get(ACCOUNTS, ACCOUNTS),
        account_docs,
        sorted(touched.accounts - account_docs.keys()),
    )
    term_docs = await documents.terms(session, sorted(touched.terms))
    written += await _write(
        backend, targets.get(TERMS, TERMS), term_docs, sorted(touched.terms - term_docs.keys())
    )
    return written


async def read_after(session: AsyncSession, after: int, *, limit: int) -> list[outbox.Event]:
    """The sequenced events after `after`, in order, with only what `Touched` reads of their
    data (`id`, `posts`): `outbox.read_after` without the payload, channels and visibility."""
    rows = await session.execute(
        select(
            OutboxEvent.seq,
            OutboxEvent.type,
            # Whatever JSON value is there (events of other types may carry another "id").
            OutboxEvent.data["id"],
            OutboxEvent.data["posts"],
            OutboxEvent.created_at,
        )
        .where(OutboxEvent.seq > after)
        .order_by(OutboxEvent.seq)
        .limit(limit)
    )
    return [
        outbox.Event(
            seq=seq,
            type=type_,
            data={"id": event_id} if posts is None else {"id": event_id, "posts": posts},
            visibility=None,
            channels=(),
            created_at=created_at,
        )
        for seq, type_, event_id, posts, created_at in rows
    ]


def _chunks(ids: list[int], size: int = READ_CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


async def _write(
    backend: SearchBackend, index: str, docs: Mapping[int, object], gone: Iterable[int]
) -> int:
    gone = list(gone)
    if docs:
        await backend.upsert(index, list(docs.values()))  # type: ignore[arg-type]
    if gone:
        await backend.delete(index, gone)
    return len(docs) + len(gone)


class Indexer(Consumer):
    retry_on = (SearchError,)

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        backend: SearchBackend,
        *,
        poll_interval: float = 1.0,
        consumer: str = CONSUMER,
        batch: int | None = None,
    ) -> None:
        batch = batch or backend.drain_batch
        super().__init__(sessionmaker, consumer=consumer, poll_interval=poll_interval, batch=batch)
        self.backend = backend

    async def read(self, session: AsyncSession, position: int) -> list[outbox.Event]:
        # The indexer needs an event's type and id only: decoding the payloads the live
        # stream needs (a post's whole API shape) cost it about as much CPU as building the
        # documents.
        return await read_after(session, position, limit=self.batch)

    async def handle(self, session: AsyncSession, batch: list[outbox.Event]) -> None:
        touched = Touched()
        for event in batch:
            touched.add(event)
        if touched:
            # Every write of the batch is queued, then confirmed together before the
            # position advances (the consumer commits the advance after this returns).
            async with self.backend.write_batch():
                await apply(session, self.backend, touched)

    async def register(self) -> None:
        """Create this consumer's position row, so outbox pruning waits for it."""
        async with transaction(self.sessionmaker) as session:
            await outbox.claim(session, self.consumer, wait=True)
