"""Request bodies: the base of every JSON body, and the OpenAPI shape of a streamed file."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from app.core.errors import Invalid

M = TypeVar("M", bound=BaseModel)


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


def parse_nested(model: type[M], data: Any, field: str) -> M:
    """A nested object of a request that its own domain checks (posts pass a collateral
    post's `collateral` or a win story's `story` through unread): a 422 naming each wrong
    field as `body.<field>.<name>`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(
            f"The {field} details are not valid.",
            code="validation_error",
            details=[
                {"field": ".".join(["body", field, *map(str, e["loc"])]), "message": e["msg"]}
                for e in exc.errors()
            ],
        ) from exc
