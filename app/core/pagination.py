"""Keyset pagination: `?limit=&cursor=` in, `{items, next_cursor}` out.

A cursor is an opaque, URL-safe encoding of the sort key of the last item served. Every list
in Tandem is ordered by a strictly monotonic key (usually the id, newest first), so rows
created between two page requests sort before the cursor and never shift later pages.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from app.core.errors import Invalid
from app.core.types import MAX_ID

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(key: Any) -> str:
    raw = json.dumps(key, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid("The cursor is not valid.", field="query.cursor") from exc


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    cursor: str | None

    def after_id(self) -> int | None:
        """The id cursor of an id-ordered list (None on the first page)."""
        if self.cursor is None:
            return None
        key = decode_cursor(self.cursor)
        if not isinstance(key, int) or isinstance(key, bool) or not 0 <= key <= MAX_ID:
            raise Invalid("The cursor is not valid.", field="query.cursor")
        return key

    def after_key(self) -> list[Any] | None:
        """The cursor of a list ordered by a compound key."""
        if self.cursor is None:
            return None
        key = decode_cursor(self.cursor)
        # A crafted cursor ([] or [{...}]) must be a 422, not an IndexError in the query.
        if not (isinstance(key, list) and key and all(isinstance(k, str | int) for k in key)):
            raise Invalid("The cursor is not valid.", field="query.cursor")
        return key


# async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request.
async def _page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageQuery = Annotated[PageParams, Depends(_page_params)]


def page_of(rows: list[T], limit: int, key: Any) -> tuple[list[T], str | None]:
    """Split a fetch of `limit + 1` rows into a page and the cursor of the next one."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(key(rows[-1]))
