"""Domain events inside the transaction.

A service that writes publishes what happened (`await events.publish(session, PostCreated(...))`);
the domains that react to it registered a handler at start-up (`app/handlers.py`), and the
handlers run at once, in the same session, before the commit. Their writes (feed rows,
notifications, counters, outbox rows) commit or roll back with the write that caused them,
and the writer never imports its reactors: the reactors import the writer's event classes.

Handlers run in the order they were subscribed; a handler may publish events of its own
(notifications publish `NotificationCreated`, which the live domain turns into an outbox row).
An exception in a handler fails the whole write. Work that must wait for the commit (waking
the outbox drainer) stays an after-commit hook (`app.core.db.after_commit`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession


class DomainEvent:
    """Base class of the events; each is a frozen dataclass in its domain's `events.py`."""

    __slots__ = ()


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[AsyncSession, E], Awaitable[None]]

_handlers: defaultdict[type[DomainEvent], list[Handler[Any]]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Handler[E]) -> None:
    """Run `handler` for every `event_type` published from now on (once, however often it is
    subscribed: every app and command of a process installs the same handlers)."""
    handlers = _handlers[event_type]
    if handler not in handlers:
        handlers.append(handler)


async def publish(session: AsyncSession, event: DomainEvent) -> None:
    """Run the handlers of `event` in this session, in the order they were subscribed."""
    for handler in _handlers.get(type(event), ()):
        await handler(session, event)


class Handlers:
    """A domain's handlers, collected where they are written (`@on(PostCreated)`) and
    subscribed at start-up, in the order written, by `app/handlers.py`."""

    def __init__(self) -> None:
        self._pairs: list[tuple[type[DomainEvent], Handler[Any]]] = []

    def __call__(self, *event_types: type[DomainEvent]) -> Callable[[Handler[E]], Handler[E]]:
        def collect(handler: Handler[E]) -> Handler[E]:
            self._pairs.extend((event_type, handler) for event_type in event_types)
            return handler

        return collect

    def subscribe(self) -> None:
        for event_type, handler in self._pairs:
            subscribe(event_type, handler)


def handlers_of(event_type: type[DomainEvent]) -> list[Handler[Any]]:
    """The handlers subscribed to `event_type`, in order (for the architecture docs and tests)."""
    return list(_handlers.get(event_type, ()))
