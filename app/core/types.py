"""Shared request field types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import Field

MAX_ID = 2**63 - 1

# Ids fit in a BIGINT; anything larger is a 422, not a driver overflow.
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


def is_db_id(value: object, *, minimum: int = 1) -> bool:
    """Whether a decoded JSON value is an id a BIGINT column holds (from `minimum`); true
    and 1.0 are not ids, and 2**63 would overflow the driver."""
    return type(value) is int and minimum <= value <= MAX_ID
