"""Keyset pagination: `?limit=&cursor=` in, `{items, next_cursor}` out.

A cursor is an opaque, URL-safe encoding of the sort key of the last item served. Every list
in Tandem is ordered by a unique key (usually the id, newest first), so rows created between
two page requests sort before the cursor and never shift later pages. Every list builds its
page with `keyset()` and splits it with `page_of()`; `paginate()` does both for a list of
one kind of row.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.core.errors import Invalid
from app.core.types import MAX_ID

T = TypeVar("T")
S = TypeVar("S", bound=Select[*tuple[Any, ...]])

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


Column = ColumnElement[Any] | InstrumentedAttribute[Any]


def keyset(stmt: S, column: Column, *, after: Any, limit: Any, ascending: bool = False) -> S:
    """`stmt` past the key `after` (None: from the start), ordered by the unique `column`, at
    most `limit` rows. `after` and `limit` may be values or bound parameters, so statements
    built once (the feeds) page the same way as the rest."""
    if after is not None:
        stmt = stmt.where(column > after if ascending else column < after)
    return stmt.order_by(column.asc() if ascending else column.desc()).limit(limit)


def page_of(rows: list[T], limit: int, key: Callable[[T], Any]) -> tuple[list[T], str | None]:
    """Split a fetch of `limit + 1` rows into a page and the cursor of the next one."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(key(rows[-1]))


async def paginate(
    session: AsyncSession,
    stmt: Select[T],
    column: InstrumentedAttribute[Any],
    page: PageParams,
) -> tuple[list[T], str | None]:
    """One page of the ORM rows `stmt` selects, newest (highest `column`, an id) first."""
    fetched = await session.scalars(
        keyset(stmt, column, after=page.after_id(), limit=page.limit + 1)
    )
    return page_of(list(fetched), page.limit, key=lambda row: getattr(row, column.key))
