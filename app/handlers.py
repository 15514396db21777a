"""Wiring the domains together: every reacting domain subscribes its handlers here, at the
start of every process that writes (the app, `tandem` commands, the demo seeding).

The order is the order handlers run in for one event: counters and feed rows first, then
the notifications (which publish events of their own), then the outbox rows the sockets and
the search index read. See docs/architecture.md.
"""

from __future__ import annotations

from app.collateral import handlers as collateral
from app.feeds import handlers as feeds
from app.live import handlers as live
from app.notifications import handlers as notifications
from app.posts import extensions as post_extensions
from app.questions import handlers as questions
from app.search_index import handlers as search_index
from app.stories import handlers as stories
from app.topics import handlers as topics

REACTORS = (topics, collateral, questions, stories, feeds, notifications, live, search_index)


def install() -> None:
    """Subscribe every domain's handlers (idempotent)."""
    for domain in REACTORS:
        domain.on.subscribe()
        for reader in getattr(domain, "readers", ()):
            post_extensions.register(reader)
        for field, column in getattr(domain, "columns", {}).items():
            post_extensions.register_column(field, column)
