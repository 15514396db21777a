"""Failed-login limits per (email, client address) and per client address, over a moving window.

There is no limit per email alone: it would let anyone who knows an address lock its owner
out by failing ten times. Guesses at one email from one client stop at the first limit;
guesses at many emails from one client stop at the second; the owner, signing in from a
client that has not failed, always has room. (IPv6 clients count per /64, the block one
subscriber gets, so rotating addresses inside it is no way around the per-client limit.)

An attempt takes its place in both windows before its password is checked, in one atomic
step, and gives it back once the password proved right. So guesses sent in parallel cannot
all pass a check made before any of them has failed, and successful logins are not counted.

With Redis the windows are shared by every worker; without it they live in this process. If
Redis fails, this process's windows stand in (with a warning) until it answers again: an
outage weakens the limit to one per worker instead of lifting it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import secrets
import time
from collections import OrderedDict
from collections.abc import Sequence

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = logging.getLogger("tandem.auth")

# (key, most attempts allowed in the window)
Windows = Sequence[tuple[str, int]]

# After a Redis failure, how long logins use this process's windows before Redis is tried
# again: a dead server then costs one failed connection per interval, not one per login.
REDIS_RETRY_SECONDS = 5.0


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class MemoryWindows:
    """Moving windows in this process; a key goes once its latest attempt is out of the window."""

    def __init__(self, window: float) -> None:
        self.window = window
        # Keys by their latest reservation, oldest first, so the expired ones are at the front;
        # each key's attempts (id -> time) are in the order they came.
        self._keys: OrderedDict[str, OrderedDict[str, float]] = OrderedDict()

    def reserve(self, windows: Windows, attempt: str) -> float:
        """Count `attempt` in every window, or in none: 0, else the seconds until all have room."""
        now = time.monotonic()
        horizon = now - self.window
        self._drop_expired(horizon)
        wait = 0.0
        for key, limit in windows:
            attempts = self._keys.get(key)
            if attempts is None:
                continue
            while attempts and next(iter(attempts.values())) <= horizon:
                attempts.popitem(last=False)
            if len(attempts) >= limit:
                wait = max(wait, next(iter(attempts.values())) - horizon)
        if wait:
            return wait
        for key, _limit in windows:
            self._keys.setdefault(key, OrderedDict())[attempt] = now
            self._keys.move_to_end(key)
        return 0.0

    def release(self, keys: Sequence[str], attempt: str) -> None:
        for key in keys:
            attempts = self._keys.get(key)
            if attempts is not None:
                attempts.pop(attempt, None)
                if not attempts:
                    del self._keys[key]

    def _drop_expired(self, horizon: float) -> None:
        while self._keys:
            attempts = next(iter(self._keys.values()))
            if attempts and next(reversed(attempts.values())) > horizon:
                return
            self._keys.popitem(last=False)

    def __len__(self) -> int:
        return len(self._keys)

    def clear(self) -> None:
        self._keys.clear()


# Sorted sets of attempt ids scored by the time they came, in ms of the Redis server's clock
# (one clock for all workers). Expired ids are removed first; a set lives `window` past its
# latest attempt, and holds at most `limit` ids.
_RESERVE = """
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    if redis.call('ZCARD', key) >= tonumber(ARGV[2 + i]) then
        local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
        wait = math.max(wait, tonumber(oldest[2]) + window - now)
    end
end
if wait > 0 then
    return wait
end
for _, key in ipairs(KEYS) do
    redis.call('ZADD', key, now, ARGV[2])
    redis.call('PEXPIRE', key, window)
end
return 0
"""


class RedisWindows:
    """The same windows in Redis, shared by every process that uses the same prefix."""

    def __init__(self, url: str, *, prefix: str, window: float) -> None:
        self.prefix = prefix
        self._window_ms = max(1, round(window * 1000))
        # A login waits on Redis, so it must answer fast or be skipped: short timeouts, and
        # one immediate retry only, for a pooled connection the server has closed.
        self._redis = redis.Redis.from_url(
            url,
            socket_connect_timeout=0.5,
            socket_timeout=0.5,
            retry=Retry(NoBackoff(), 1),
            health_check_interval=30,
        )
        self._reserve = self._redis.register_script(_RESERVE)

    async def reserve(self, windows: Windows, attempt: str) -> float:
        waited_ms = await self._reserve(
            keys=[self.prefix + key for key, _limit in windows],
            args=[self._window_ms, attempt, *(limit for _key, limit in windows)],
        )
        return int(waited_ms) / 1000

    async def release(self, keys: Sequence[str], attempt: str) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.zrem(self.prefix + key, attempt)
            await pipe.execute()

    async def aclose(self) -> None:
        await self._redis.aclose()


class Reservation:
    """One login attempt's place in its windows."""

    def __init__(
        self, limiter: LoginLimiter, keys: Sequence[str], attempt: str, *, shared: bool
    ) -> None:
        self._limiter = limiter
        self._keys = keys
        self._attempt = attempt
        self._shared = shared

    async def succeeded(self) -> None:
        """The password was right: the attempt no longer counts."""
        await self._limiter._release(self._keys, self._attempt, shared=self._shared)


class LoginLimiter:
    def __init__(
        self,
        *,
        per_email_client: int,
        per_client: int,
        window: float,
        redis_url: str | None = None,
        redis_prefix: str = "tandem:",
    ) -> None:
        self.per_email_client = per_email_client
        self.per_client = per_client
        self.memory = MemoryWindows(window)
        self.redis = (
            RedisWindows(redis_url, prefix=redis_prefix, window=window) if redis_url else None
        )
        self._redis_retry_at = 0.0
        self._redis_down = False

    async def reserve(self, *, email: str, client: str) -> Reservation:
        """Count an attempt at `email` from `client`; TooManyAttempts if either window is full:
        this email from this client, or this client at any email."""
        client = client_group(client)
        windows = (
            # Length-prefixed, so that no two (email, client) pairs share a key.
            (_key("email-client", f"{len(email)}:{email}{client}"), self.per_email_client),
            (_key("client", client), self.per_client),
        )
        attempt = secrets.token_hex(8)
        shared = False
        if self.redis is not None and time.monotonic() >= self._redis_retry_at:
            try:
                wait = await self.redis.reserve(windows, attempt)
            except (RedisError, OSError) as exc:
                self._redis_failed(exc)
            else:
                shared = True
                self._redis_answered()
        if not shared:
            wait = self.memory.reserve(windows, attempt)
        if wait > 0:
            raise TooManyAttempts(max(1, math.ceil(wait)))
        return Reservation(self, [key for key, _limit in windows], attempt, shared=shared)

    async def _release(self, keys: Sequence[str], attempt: str, *, shared: bool) -> None:
        if not shared or self.redis is None:
            self.memory.release(keys, attempt)
            return
        try:
            await self.redis.release(keys, attempt)
        except (RedisError, OSError) as exc:
            # The attempt stays counted until the window passes: the login itself succeeded.
            self._redis_failed(exc)

    def _redis_failed(self, exc: Exception) -> None:
        self._redis_retry_at = time.monotonic() + REDIS_RETRY_SECONDS
        if not self._redis_down:
            self._redis_down = True
            log.warning(
                "login limits: Redis is unavailable (%s); counting in this process only "
                "until it answers again",
                exc,
            )

    def _redis_answered(self) -> None:
        if self._redis_down:
            self._redis_down = False
            log.warning("login limits: Redis answers again; the limits are shared once more")

    def keys_kept(self) -> int:
        """How many keys this process's windows hold now."""
        return len(self.memory)

    def reset(self) -> None:
        """Forget this process's windows (Redis keys expire on their own)."""
        self.memory.clear()

    async def aclose(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


def client_group(address: str) -> str:
    """The address an attempt counts under: an IPv4 address itself, an IPv6 address's /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # "unknown", a unix socket: counted as it is
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _key(kind: str, value: str) -> str:
    # A digest: no email or address is readable in Redis, and every key has the same length.
    return f"login:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"
