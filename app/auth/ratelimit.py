"""Sliding-window counters for failed logins, per email and per client address."""

from __future__ import annotations

import math
import time
from collections import deque


class SlidingWindow:
    """At most `limit` hits per key in any `window` seconds (in this process)."""

    def __init__(self, *, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def retry_after(self, key: str) -> int | None:
        """Seconds until `key` may try again, or None if it may now."""
        now = time.monotonic()
        hits = self._recent(key, now)
        if len(hits) < self.limit:
            if not hits:
                self._hits.pop(key, None)
            return None
        return max(1, math.ceil(hits[0] + self.window - now))

    def hit(self, key: str) -> None:
        self._recent(key, time.monotonic()).append(time.monotonic())

    def reset(self) -> None:
        self._hits.clear()


class LoginLimiter:
    def __init__(self, *, per_email: int, per_client: int, window: float) -> None:
        self.emails = SlidingWindow(limit=per_email, window=window)
        self.clients = SlidingWindow(limit=per_client, window=window)

    def retry_after(self, *, email: str, client: str) -> int | None:
        waits = [w for w in (self.emails.retry_after(email), self.clients.retry_after(client)) if w]
        return max(waits) if waits else None

    def failed(self, *, email: str, client: str) -> None:
        self.emails.hit(email)
        self.clients.hit(client)

    def reset(self) -> None:
        self.emails.reset()
        self.clients.reset()
