"""This process's live connections, and the routing of published events to them.

Each connection has a bounded send queue drained by its own task, so a slow client never
holds up the routing loop or anyone else: when its queue is full it is closed with 1013
and resumes from the last id it saw. Before anything is queued the visibility rule is
checked against the connection's viewer, and every event reaches a connection at most once
however many of its channels it was published on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict, deque
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.websockets import WebSocket

from app.core.db import transaction
from app.live import service
from app.live.broker import Broker, BrokerUnavailable
from app.outbox import events
from app.outbox import service as outbox
from app.users.models import User
from app.visibility import Viewer, load_viewer

log = logging.getLogger("tandem.live")

CLOSE_TRY_AGAIN = 1013  # queue overflow or a stuck client: reconnect and resume
CLOSE_UNAUTHORIZED = 4401
CLOSE_POLICY_VIOLATION = 1008  # a client message the protocol does not allow (a bad id)
REPLAY_PAGE = 500
SENT_LIVE_KEPT = 64
CLOSE_TIMEOUT = 2.0
# Resubscribing to the broker after a failure: doubling from the minimum to the maximum;
# a subscription that lasted STEADY_SECONDS starts the next outage from the minimum again.
RESUBSCRIBE_MIN_SECONDS = 0.2
RESUBSCRIBE_MAX_SECONDS = 5.0
STEADY_SECONDS = 10.0
SKIP_LOG_SECONDS = 10.0


class MalformedEnvelope(ValueError):
    """A message on the broker channel that is not an event envelope."""


_ENVELOPE_FIELDS = frozenset({"seq", "type", "channels", "visibility", "data"})


@dataclass(frozen=True)
class Envelope:
    """A sequenced event as it travels through the broker."""

    seq: int
    type: str
    channels: tuple[str, ...]
    visibility: dict[str, Any] | None
    data: dict[str, Any]

    @cached_property
    def message(self) -> str:
        """What a client receives: serialized once however many sockets it goes to."""
        return orjson.dumps({"id": self.seq, "type": self.type, "data": self.data}).decode()

    @classmethod
    def of(cls, event: outbox.Event) -> Envelope:
        return cls(event.seq, event.type, event.channels, event.visibility, event.data)

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "seq": self.seq,
                "type": self.type,
                "channels": self.channels,
                "visibility": self.visibility,
                "data": self.data,
            }
        )

    @classmethod
    def decode(cls, raw: bytes) -> Envelope:
        """The envelope `encode` wrote; `MalformedEnvelope` for anything else on the channel
        (another program's message, a truncated one, a different version's)."""
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise MalformedEnvelope(f"not JSON: {exc}") from None
        # Every field is required: a missing visibility must not pass for "visible to all".
        if not isinstance(body, dict) or not body.keys() >= _ENVELOPE_FIELDS:
            raise MalformedEnvelope("not an event envelope")
        seq, kind, channels = body["seq"], body["type"], body["channels"]
        visibility, data = body["visibility"], body["data"]
        if not (
            type(seq) is int
            and seq >= 1
            and isinstance(kind, str)
            and isinstance(channels, list)
            and all(isinstance(channel, str) for channel in channels)
            and (visibility is None or isinstance(visibility, dict))
            and isinstance(data, dict)
        ):
            raise MalformedEnvelope("an event envelope with fields of the wrong types")
        return cls(seq, kind, tuple(channels), visibility, data)


class Connection:
    # Slots: thousands of these live in one process, most of them idle.
    __slots__ = (
        "_busy",
        "_held",
        "_holds",
        "_queue",
        "_sender",
        "_sent_live",
        "_tasks",
        "channels",
        "closing",
        "cursor",
        "hub",
        "token_hash",
        "user",
        "viewer",
        "watched",
        "websocket",
    )

    def __init__(
        self,
        hub: Hub,
        websocket: WebSocket,
        *,
        user: User,
        viewer: Viewer,
        token_hash: str,
        cursor: int,
    ) -> None:
        self.hub = hub
        self.websocket = websocket
        self.user = user
        self.viewer = viewer
        self.token_hash = token_hash
        self.channels: frozenset[str] = frozenset()
        # Channels a page asked for (`watch`), kept when the subscriptions are recomputed.
        self.watched: frozenset[str] = frozenset()
        # The highest event id handled; a live event at or below it is a duplicate.
        self.cursor = cursor
        self.closing = False
        # Messages waiting to be sent, drained by a sender task that exists only while there
        # is something to send: an idle connection costs no task of its own.
        self._queue: deque[str] = deque()
        self._sender: asyncio.Task[None] | None = None
        # While a replay or a re-subscription runs (`_holds` > 0), live events wait in
        # `_held`: they are judged afterwards, in order, by what the user may see then.
        self._holds = 0
        self._held: list[Envelope] = []
        self._busy = asyncio.Lock()
        # Ids sent live since the last replay (so a replay skips them), kept short.
        self._sent_live: deque[int] = deque(maxlen=SENT_LIVE_KEPT)
        self._tasks: set[asyncio.Task[None]] = set()

    # Called by the hub's routing loop: never blocks.

    def offer(self, envelope: Envelope) -> None:
        if envelope.type == events.SESSION_REVOKED:
            if envelope.data.get("token_hash") == self.token_hash:
                self.close(CLOSE_UNAUTHORIZED)
            return
        if envelope.type == events.SUBSCRIPTIONS_CHANGED:
            # Held from this event on, not from when the refresh task starts: an event
            # routed meanwhile must not reach a viewer who may no longer see it.
            self._holds += 1
            self.spawn(self._refresh_then_release(after=envelope.seq))
            return
        if self._holds:
            self._held.append(envelope)
            return
        self._deliver(envelope)

    def _deliver(self, envelope: Envelope) -> None:
        if envelope.seq <= self.cursor:
            return
        # Judged before the cursor moves: an event that cannot be judged (it raises) must
        # not make the events before its id look like duplicates.
        wanted = self._wanted(envelope)
        self.cursor = envelope.seq
        if wanted:
            self._sent_live.append(envelope.seq)
            self._put_nowait(envelope.message)

    def _release(self) -> None:
        """One hold less; the last one delivers what waited, in order, on the channels the
        connection listens to now."""
        self._holds -= 1
        if self._holds:
            return
        held, self._held = sorted(self._held, key=lambda e: e.seq), []
        for envelope in held:
            if not self.channels.isdisjoint(envelope.channels):
                self._deliver(envelope)

    def _wanted(self, envelope: Envelope) -> bool:
        return envelope.type in events.CLIENT_TYPES and service.may_see(
            self.viewer, envelope.visibility
        )

    def _put_nowait(self, message: str) -> None:
        if self.closing:
            return
        if len(self._queue) >= self.hub.send_queue:
            self._drop("send queue full")
            return
        self._queue.append(message)
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_all())

    async def _put(self, message: str) -> None:
        """Queue a replayed message, waiting (up to the send timeout) for room."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.hub.send_timeout
        while len(self._queue) >= self.hub.send_queue and not self.closing:
            if loop.time() > deadline:
                self._drop("no room in the send queue for the replay")
                return
            await asyncio.sleep(0.01)
        self._put_nowait(message)

    async def _send_all(self) -> None:
        try:
            while self._queue and not self.closing:
                message = self._queue.popleft()
                await asyncio.wait_for(self.websocket.send_text(message), self.hub.send_timeout)
        except TimeoutError:
            self._drop("send timed out")
        except Exception:  # the peer went away; the endpoint's receive loop notices
            self.closing = True
        finally:
            self._sender = None

    def _drop(self, cause: str) -> None:
        """Close a client that does not keep up with 1013: it reconnects and resumes."""
        if not self.closing:
            log.info("closing live connection of user %s with 1013: %s", self.user.id, cause)
        self.close(CLOSE_TRY_AGAIN)

    def close(self, code: int, reason: str = "") -> None:
        """Close the socket with `code` (once); the endpoint's receive loop then ends."""
        if not self.closing:
            self.closing = True
            self._queue.clear()
            self.spawn(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        if self._sender is not None and self._sender is not asyncio.current_task():
            self._sender.cancel()
        with contextlib.suppress(Exception):
            # A stuck client may never take the close frame; it is queued, and the protocol's
            # ping timeout ends the connection if the client never reads again.
            await asyncio.wait_for(self.websocket.close(code, reason), CLOSE_TIMEOUT)

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def shutdown(self) -> None:
        """Stop this connection's tasks (the socket has gone)."""
        self.closing = True
        tasks = [t for t in (self._sender, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # Replay from the database.

    async def resume(self, after: int) -> None:
        """Send every event after `after` this connection should get, in order, then go on
        live; live events arriving meanwhile are held and sent after, without duplicates."""
        self._holds += 1
        try:
            async with self._busy:
                await self._replay(after)
        finally:
            self._release()

    async def _replay(self, after: int) -> None:
        async with transaction(self.hub.sessionmaker) as session:
            await outbox.sequence_pending(session)
            # No client saw an id beyond the last one numbered; one resuming after such an
            # id (from another database, or a bug) would take every event up to it for a
            # duplicate, and hear nothing live for as long.
            after = min(after, await outbox.last_seq(session))
        position, sent_live = after, set(self._sent_live)
        while not self.closing:
            async with transaction(self.hub.sessionmaker, write=False) as session:
                page = await outbox.read_for_channels(
                    session, self.channels, position, limit=REPLAY_PAGE
                )
            for event in page:
                envelope = Envelope.of(event)
                if envelope.seq not in sent_live and self._wanted(envelope):
                    await self._put(envelope.message)
                position = envelope.seq
            if len(page) < REPLAY_PAGE:
                break
        self.cursor = max(self.cursor, position)

    async def _refresh_then_release(self, *, after: int) -> None:
        try:
            async with self._busy:
                await self.refresh(after=after)
        finally:
            self._release()

    async def refresh(self, *, after: int) -> None:
        """Reload what the user may see and follows after a change (event `after`); what was
        published since on channels that are new joins the held events, to be delivered in
        order with them."""
        async with transaction(self.hub.sessionmaker, write=False) as session:
            user = await session.get(User, self.user.id)
            if user is None or not user.is_active:
                self.close(CLOSE_UNAUTHORIZED)  # deactivated: signed out everywhere at once
                return
            self.user, self.viewer = user, await load_viewer(session, user)
            channels = await service.subscriptions(session, self.viewer) | self.watched
            if self not in self.hub.connections:
                return  # closed meanwhile: re-adding its channels would leak it
            old, self.channels = self.channels, channels
            self.hub.move(self, old, channels)
            added = channels - old
            missed = await outbox.read_for_channels(session, added, after) if added else []
        # An event also on an old channel was routed here live, and is held already.
        self._held.extend(
            envelope for envelope in map(Envelope.of, missed) if old.isdisjoint(envelope.channels)
        )


class Hub:
    """Routes every event published through the broker to this process's connections."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        broker: Broker,
        *,
        send_queue: int = 256,
        send_timeout: float = 10.0,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.broker = broker
        self.send_queue = send_queue
        self.send_timeout = send_timeout
        self.connections: set[Connection] = set()
        self._by_channel: dict[str, set[Connection]] = defaultdict(set)
        # Set while the subscription to the broker is up (what /readyz reports).
        self.subscribed = asyncio.Event()
        # Broker messages that were not event envelopes, and events a connection could not
        # take: skipped, counted, and logged at most every SKIP_LOG_SECONDS.
        self.skipped = 0
        self._skip_logged_at = float("-inf")

    async def run(self) -> None:
        """Listen to the broker for ever. Whatever ends a subscription (a lost connection, or
        any other error) is logged and the subscription is made again with backoff; every
        connection then catches up from the database. A message that is not an event is
        skipped: one bad message must not stop delivery."""
        loop = asyncio.get_running_loop()
        delay, first = RESUBSCRIBE_MIN_SECONDS, True
        try:
            while True:
                subscribed_at, error = None, None
                try:
                    async with self.broker.subscribe() as messages:
                        subscribed_at = loop.time()
                        self.subscribed.set()
                        if not first:
                            for connection in list(self.connections):
                                connection.spawn(connection.resume(connection.cursor))
                        first = False
                        async for raw in messages:
                            self._on_message(raw)
                    failure = "the live subscription ended"
                except BrokerUnavailable as exc:
                    failure = f"live broker unavailable ({exc})"
                except Exception as exc:
                    # Not an outage the broker reported (a bug, a client library's surprise):
                    # handled as one all the same, with its traceback. Left to end the task,
                    # it would stop live delivery until a restart.
                    failure, error = "live subscriber failed", exc
                self.subscribed.clear()
                if subscribed_at is not None and loop.time() - subscribed_at >= STEADY_SECONDS:
                    delay = RESUBSCRIBE_MIN_SECONDS  # it had worked: a new outage starts afresh
                log.log(
                    logging.ERROR if error else logging.WARNING,
                    "%s; subscribing again in %.1fs",
                    failure,
                    delay,
                    exc_info=error,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, RESUBSCRIBE_MAX_SECONDS)
        finally:
            self.subscribed.clear()

    def _on_message(self, raw: bytes) -> None:
        try:
            envelope = Envelope.decode(raw)
        except MalformedEnvelope as exc:
            self._skip("skipped a broker message (%d bytes, %r...): %s", len(raw), raw[:64], exc)
            return
        self.route(envelope)

    def _skip(self, message: str, *args: object, exc_info: bool = False) -> None:
        # Whoever writes junk on the channel may write a lot of it: one line per interval.
        self.skipped += 1
        now = time.monotonic()
        if now - self._skip_logged_at >= SKIP_LOG_SECONDS:
            self._skip_logged_at = now
            log.warning(message + " (%d skipped so far)", *args, self.skipped, exc_info=exc_info)

    def route(self, envelope: Envelope) -> None:
        targets: set[Connection] = set()
        for channel in envelope.channels:
            targets.update(self._by_channel.get(channel, ()))
        for connection in targets:
            try:
                connection.offer(envelope)
            except Exception:
                # An event one connection cannot judge (a visibility of another shape) is not
                # delivered to it, and must not keep it from the others.
                self._skip("live event %d not delivered", envelope.seq, exc_info=True)

    def attach(self, connection: Connection, channels: frozenset[str]) -> None:
        self.connections.add(connection)
        connection.channels = channels
        self.move(connection, frozenset(), channels)

    def move(self, connection: Connection, old: Collection[str], new: Collection[str]) -> None:
        for channel in set(old) - set(new):
            listeners = self._by_channel.get(channel)
            if listeners is not None:
                listeners.discard(connection)
                if not listeners:
                    del self._by_channel[channel]
        for channel in set(new) - set(old):
            self._by_channel[channel].add(connection)

    def detach(self, connection: Connection) -> None:
        self.connections.discard(connection)
        self.move(connection, connection.channels, ())

    def watch(self, connection: Connection, channel: str) -> None:
        connection.watched |= {channel}
        if channel not in connection.channels:
            old = connection.channels
            connection.channels = old | {channel}
            self.move(connection, old, connection.channels)

    async def close_all(self) -> None:
        for connection in list(self.connections):
            connection.close(1001)
        with contextlib.suppress(Exception):
            await asyncio.sleep(0)
