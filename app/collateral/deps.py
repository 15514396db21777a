"""The library's filters as one dependency: the API and the page read them alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from app.collateral.models import Stage, Status
from app.collateral.schemas import LibraryFilter
from app.core.types import OneLine

Text = Annotated[str | None, Query(max_length=100), OneLine]


def _library_filter(
    stage: Stage | None = None,
    industry: Text = None,
    audience: Text = None,
    status: Status | None = None,
    q: Text = None,
) -> LibraryFilter:
    return LibraryFilter(stage=stage, industry=industry, audience=audience, status=status, q=q)


LibraryQuery = Annotated[LibraryFilter, Depends(_library_filter)]
