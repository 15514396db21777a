"""The posts domain's one extension point for reads: what another domain adds to a post's
API shape (a collateral post's catalogue data and stats, for one).

A domain above posts registers a reader at start-up (`app/handlers.py`); every read of
posts in their API shape (one post, a feed page, a list) passes its shapes through the
readers with the viewer, so what they add follows the visibility rule. Posts imports none
of them. A reader looks only at the posts that concern it and costs nothing otherwise (a
feed page without collateral runs no extra statement).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import ColumnElement, Label
from sqlalchemy.ext.asyncio import AsyncSession

from app.posts.schemas import PostRead
from app.visibility import Viewer

# Fills fields of the shapes in place: (session, viewer, shapes) -> None.
Reader = Callable[[AsyncSession, Viewer, list[PostRead]], Awaitable[None]]

_readers: list[Reader] = []


def register(reader: Reader) -> None:
    """Add `reader` (idempotent: every process subscribes once, tests many times)."""
    if reader not in _readers:
        _readers.append(reader)


async def apply(session: AsyncSession, viewer: Viewer, shapes: list[PostRead]) -> list[PostRead]:
    if shapes:
        for reader in _readers:
            await reader(session, viewer, shapes)
    return shapes


# What another domain reads in the same statement as the posts themselves: a field of
# `PostRead` and, per dialect, a correlated scalar subquery over `Post.id` (JSON or NULL),
# so a feed page stays one round trip. The field holds what the database answered (dates
# as text) until the domain's reader turns it into its shape.
Column = Callable[[str], ColumnElement[Any]]

_columns: dict[str, Column] = {}


def register_column(field: str, column: Column) -> None:
    """Read `column` into `field` with every post (before the first statement is built: the
    statements are built once per dialect)."""
    _columns.setdefault(field, column)


def columns(dialect: str) -> list[Label[Any]]:
    return [column(dialect).label(f"ext_{field}") for field, column in _columns.items()]


def fill(shape: PostRead, row: Any) -> None:
    """Copy the registered columns of a hydrated row into the shape."""
    for field in _columns:
        setattr(shape, field, getattr(row, f"ext_{field}"))
