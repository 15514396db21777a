"""JSON built by the database, on both dialects: what a correlated subquery reads with each
post (its accounts, a question, a story) so that a page of posts stays one statement."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, func, literal, literal_column, select, type_coerce
from sqlalchemy.orm import InstrumentedAttribute

Column = ColumnElement[Any] | InstrumentedAttribute[Any]


def json_list(item: Column, where: ColumnElement[bool], dialect: str) -> Any:
    """A JSON array of `item` over the rows matching `where` (correlated: one per outer row;
    `[]` when none match). Order is not guaranteed: sort what needs it when reading."""
    agg: ColumnElement[Any]
    if dialect == "postgresql":
        agg = func.coalesce(func.json_agg(item), literal_column("'[]'::json"))
    else:
        agg = func.json_group_array(item)
    return select(type_coerce(agg, JSON)).where(where).scalar_subquery()


def json_tuple(dialect: str, *columns: Column) -> ColumnElement[Any]:
    return (func.json_build_array if dialect == "postgresql" else func.json_array)(*columns)


def json_object(dialect: str, fields: dict[str, Any]) -> ColumnElement[Any]:
    """`{key: value}` with the values SQL expressions. A value that is itself JSON from a
    subquery (`json_list`) nests as JSON on both (SQLite would otherwise quote it as text)."""
    build = func.json_build_object if dialect == "postgresql" else func.json_object
    pairs = []
    for key, value in fields.items():
        nested = dialect != "postgresql" and isinstance(value.type, JSON)
        pairs += [literal(key), func.json(value) if nested else value]
    return type_coerce(build(*pairs), JSON)


def json_moment(value: datetime | str | None) -> datetime | None:
    """A time as the database answered it inside JSON (text, without a zone on SQLite)."""
    if value is None or isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
