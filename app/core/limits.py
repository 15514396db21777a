"""How large a request body may be, by route class: refused by its Content-Length before a
byte is read (the app is not called), or as soon as a streamed body passes the limit (413,
in the error shape or as the error page).

The JSON API and the forms get a small limit, imports and uploads the sizes their settings
allow (plus room for the multipart framing; the route checks the file itself again).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Multipart framing around an uploaded file (boundaries, part headers).
MULTIPART_SLACK = 16 * 1024

TooLarge = Callable[[Request, str], Awaitable[Response]]


class BodyLimits:
    def __init__(
        self, app: ASGIApp, *, default: int, by_path: Mapping[str, int], too_large: TooLarge
    ) -> None:
        self.app = app
        self.default = default
        self.by_path = dict(by_path)
        self.too_large = too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.by_path.get(scope["path"], self.default)
        message = f"The request body may be at most {limit:,} bytes."
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            response = await self.too_large(Request(scope, receive), message)
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            event = await receive()
            if event["type"] == "http.request":
                received += len(event.get("body", b""))
                if received > limit:
                    # Raised inside the route while it reads the body: FastAPI passes an
                    # HTTPException on to the app's error handlers (anything else it would
                    # turn into a 400).
                    raise HTTPException(status_code=413, detail=message)
            return event

        await self.app(scope, counted, send)
