"""Argon2id password hashing (argon2-cffi), in worker threads so that a login never stalls the
event loop."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.config import Settings, get_settings

T = TypeVar("T")

# Threads of their own, one per core: argon2 releases the GIL, so more would only queue in the
# kernel, and each hash holds `memory_kib` while it runs (64 MiB by default). A burst of logins
# waits its turn here instead of exhausting memory or the shared default thread pool.
_pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="argon2")


async def _off_loop(work: Callable[..., T], *args: object) -> T:
    return await asyncio.get_running_loop().run_in_executor(_pool, work, *args)


@dataclass(frozen=True)
class Argon2Cost:
    time_cost: int
    memory_kib: int
    parallelism: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Argon2Cost:
        return cls(
            settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
        )


class Passwords:
    """Hashes made with one Argon2id cost; hashes of any cost verify (each names its own)."""

    def __init__(self, cost: Argon2Cost) -> None:
        self.cost = cost
        self._hasher = PasswordHasher(
            time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism
        )
        # Verified against when the email is unknown or has no password: with the same cost,
        # both cases take the same time as a real check.
        self._dummy_hash = self._hasher.hash("not-a-real-password")

    async def hash(self, password: str) -> str:
        return await _off_loop(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return await _off_loop(self._verify, password_hash, password)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._dummy_hash, password) and bool(
                password_hash
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether a verified hash was made with another cost than the configured one."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return False


_current: Passwords | None = None


def configure(settings: Settings) -> Passwords:
    """Hash with the settings' cost from now on, in the whole process.

    Called at app start and by the commands that hash, so the dummy hash is made then and not
    during the first login. One process serves one configuration.
    """
    global _current
    cost = Argon2Cost.from_settings(settings)
    if _current is None or _current.cost != cost:
        _current = Passwords(cost)
    return _current


def current() -> Passwords:
    # Code that hashes without an app (scripts) gets the process's settings.
    return _current or configure(get_settings())


async def hash_password(password: str) -> str:
    return await current().hash(password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    return await current().verify(password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return current().needs_rehash(password_hash)
