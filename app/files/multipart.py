"""Reading one file out of a multipart/form-data body as it arrives.

python-multipart's streaming parser is fed the body chunk by chunk; its callbacks only
note what they saw, and the file part's data is handed on in the pieces the parser cut
from each chunk: nothing is buffered beyond the chunk being parsed. Starlette's own form
parser would first spool the whole file to a temporary file.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

from app.core.errors import Invalid

# (what, payload): "headers" with the part's Content-Disposition options, "data" with bytes,
# "end" at the end of a part.
_Event = tuple[str, Any]


@dataclass
class FilePart:
    """The file field: the name the client gave it and its bytes, as they arrive."""

    filename: str
    chunks: AsyncIterator[bytes]


def missing(field: str) -> Invalid:
    return Invalid(
        f"Send the file as the multipart field '{field}'.",
        field=f"body.{field}",
        code="validation_error",
    )


class _Reader:
    def __init__(self, boundary: bytes, body: AsyncIterator[bytes]) -> None:
        self.body = body
        self.events: deque[_Event] = deque()
        self.header_field = bytearray()
        self.header_value = bytearray()
        self.headers: dict[bytes, bytes] = {}
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._data,
                "on_part_end": lambda: self.events.append(("end", None)),
            },
        )

    def _part_begin(self) -> None:
        self.headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _header_end(self) -> None:
        self.headers[bytes(self.header_field).lower()] = bytes(self.header_value)
        self.header_field.clear()
        self.header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.events.append(("headers", options))

    def _data(self, data: bytes, start: int, end: int) -> None:
        if end > start:
            self.events.append(("data", data[start:end]))

    async def events_(self) -> AsyncIterator[_Event]:
        try:
            async for chunk in self.body:
                self.parser.write(chunk)
                while self.events:
                    yield self.events.popleft()
            self.parser.finalize()
        except MultipartParseError as exc:
            raise Invalid(
                f"The multipart body is malformed: {exc}", code="invalid_multipart"
            ) from None
        while self.events:
            yield self.events.popleft()


async def file_part(content_type: str, body: AsyncIterator[bytes], field: str = "file") -> FilePart:
    """The part named `field` that carries a file; 422 if the body has none. The parts
    before it are skipped, the body after it is not read."""
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise missing(field)
    events = _Reader(boundary, body).events_()
    async for what, payload in events:
        if what == "headers" and payload.get(b"name") == field.encode() and b"filename" in payload:
            # Browsers send the name as UTF-8 bytes in a latin-1 header.
            name = payload[b"filename"].decode("utf-8", errors="replace")
            return FilePart(filename=name, chunks=_data_of_part(events))
    raise missing(field)


async def _data_of_part(events: AsyncIterator[_Event]) -> AsyncIterator[bytes]:
    async for what, payload in events:
        if what == "end":
            return
        if what == "data":
            yield payload
    # The body ended inside the part: the client stopped sending.
    raise Invalid("The upload ended before the file did.", code="incomplete_upload")
