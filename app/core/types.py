"""Shared request field types: ids in the columns' range, text without control characters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path
from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

MAX_ID = 2**63 - 1

# Ids fit in a BIGINT; anything larger is a 422, not a driver overflow.
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


def is_db_id(value: object, *, minimum: int = 1) -> bool:
    """Whether a decoded JSON value is an id a BIGINT column holds (from `minimum`); true
    and 1.0 are not ids, and 2**63 would overflow the driver."""
    return type(value) is int and minimum <= value <= MAX_ID


# Control characters (Unicode's Cc: C0, DEL, C1) are not something people type: PostgreSQL
# refuses NUL in text outright while SQLite stores it, and the others hide in names, break
# the CSV export and terminals. Refused before any statement, alike on both databases.
# Text of several lines keeps tab, LF and CR (a browser's textarea sends CRLF).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str, *, lines: bool = False) -> str | None:
    """Why `text` cannot be stored, naming its first control character (tab and line breaks
    allowed with `lines`); None when it has none."""
    found = (_CONTROL_BUT_LINES if lines else _CONTROL).search(text)
    if found is None:
        return None
    return (
        f"must not contain control characters (U+{ord(found.group()):04X} "
        f"at character {found.start() + 1})"
    )


@dataclass(frozen=True, slots=True)
class _NoControlCharacters:
    """Annotated metadata: refuse control characters (tab and line breaks allowed with
    `lines`), and say so in the JSON schema, so that API clients (and fuzzers) know."""

    lines: bool

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        # At the top even of an optional field's anyOf: `pattern` applies to strings only.
        json_schema["pattern"] = _PATTERN_BUT_LINES if self.lines else _PATTERN
        return json_schema

    def _check(self, value: Any) -> Any:
        # Also applied to optional fields and query parameters: None passes.
        if isinstance(value, str) and (problem := control_character(value, lines=self.lines)):
            raise PydanticCustomError("control_character", problem)
        return value


# The same sets as JSON Schema (ECMA-262) patterns.
_PATTERN = r"^[^\u0000-\u001F\u007F-\u009F]*$"
_PATTERN_BUT_LINES = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"

# For Annotated: `Annotated[str, StringConstraints(max_length=200), OneLine]`.
OneLine = _NoControlCharacters(lines=False)  # names, titles, slugs, emails, search terms
MultiLine = _NoControlCharacters(lines=True)  # post and comment bodies, bios
