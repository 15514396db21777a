"""The base of every request body."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """A request body: a field the API does not know is a 422, not silently dropped (a client
    sending `attachments` to a server that has none must learn it)."""

    model_config = ConfigDict(extra="forbid")
