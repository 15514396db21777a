"""Meilisearch filter expressions built from values, never from spliced user text.

Every value is a quoted string literal (backslash and double quote escaped) or a checked
integer; field names come from the schema and are checked against a strict pattern. So a
value like `x" OR department = "y` stays one literal and cannot change the expression.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from search.documents import IndexSpec

_FIELD = re.compile(r"[a-z][a-z0-9_]*")


def field_name(name: str) -> str:
    if not _FIELD.fullmatch(name):
        raise ValueError(f"not a filterable field name: {name!r}")
    return name


def quote(value: str | int) -> str:
    """A Meilisearch string literal for `value`."""
    if isinstance(value, bool):
        raise TypeError("booleans are not filter values")
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def integer(value: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return str(value)


def eq(field: str, value: str | int) -> str:
    return f"{field_name(field)} = {quote(value)}"


def is_in(field: str, values: Iterable[str | int]) -> str:
    return f"{field_name(field)} IN [{', '.join(quote(v) for v in values)}]"


def not_in(field: str, values: Iterable[str | int]) -> str:
    return f"NOT {is_in(field, values)}"


def gte(field: str, value: int) -> str:
    return f"{field_name(field)} >= {integer(value)}"


def lte(field: str, value: int) -> str:
    return f"{field_name(field)} <= {integer(value)}"


def all_of(expressions: Sequence[str]) -> str | None:
    """AND of the expressions, each parenthesised; None when there are none."""
    if not expressions:
        return None
    return " AND ".join(f"({e})" for e in expressions)


def visibility(deny: Sequence[str]) -> str | None:
    """The viewer's side of the visibility rule: none of the document's keys is denied.
    A document without `restricted_by` has no keys and is visible, as in SQL."""
    if not deny:
        return None
    return not_in("restricted_by", sorted(set(deny)))


def for_query(spec: IndexSpec, values: Mapping[str, str | int], deny: Sequence[str]) -> str | None:
    """The full filter of a search: the viewer's visibility, then each requested filter."""
    expressions: list[str] = []
    if spec.restricted:
        rule = visibility(deny)
        if rule:
            expressions.append(rule)
    for name, value in values.items():
        field = spec.filters[name]
        if name == "since":
            expressions.append(gte(field, int(value)))
        elif name == "until":
            expressions.append(lte(field, int(value)))
        else:
            expressions.append(eq(field, value))
    return all_of(expressions)
