"""Free variants of a slug (`acme-2`, `acme-3`, ...) for a name whose slug is in use."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

MAX_TRIES = 50


async def free_variant(slug: str, taken: Callable[[str], Awaitable[object | None]]) -> str:
    """The first of `slug-2`, `slug-3`, ... that `taken` finds no row for (a random suffix
    after `MAX_TRIES`, so a crowd of namesakes cannot keep one from being created)."""
    stem = slug[:58].rstrip("-")
    for n in range(2, MAX_TRIES + 2):
        candidate = f"{stem}-{n}"
        if await taken(candidate) is None:
            return candidate
    return f"{stem}-{secrets.token_hex(3)}"
