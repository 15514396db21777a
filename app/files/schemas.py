from __future__ import annotations

from pydantic import BaseModel


class FileRef(BaseModel):
    """A file as a post carries it."""

    id: int
    name: str
    content_type: str
    size: int


class FileRead(FileRef):
    """A file as its upload answers."""

    sha256: str
