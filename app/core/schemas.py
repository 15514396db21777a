"""Request bodies: the base of every JSON body, and the OpenAPI shape of a streamed file."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """A request body: a field the API does not know is a 422, not silently dropped (a client
    sending `attachments` to a server that has none must learn it)."""

    model_config = ConfigDict(extra="forbid")


def multipart_file(field: str = "file") -> dict[str, object]:
    """The OpenAPI request body of an endpoint that reads one file from a multipart form
    itself (streamed, so FastAPI does not declare the field): `openapi_extra=`."""
    schema = {
        "type": "object",
        "required": [field],
        "properties": {field: {"type": "string", "format": "binary"}},
    }
    return {
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
    }
