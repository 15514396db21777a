"""`X-Content-Type-Options: nosniff` and a Content-Security-Policy on every HTTP response.

One pure-ASGI layer around the whole application (outside Starlette's error middleware, so
a 500 carries them too): JSON, static files, the OpenAPI document, redirects and errors get
the policy of a document that loads nothing; a response that names its own policy (a page,
the API docs) keeps it. Only the start message is touched, once per response: no body is
buffered, which `BaseHTTPMiddleware` would cost on every request.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Nothing to load, nothing may frame it: read as a page by mistake, a JSON body or an
# uploaded-looking file runs no script and cannot be overlaid for clickjacking.
NOTHING_POLICY = "default-src 'none'; frame-ancestors 'none'"

_CSP = b"content-security-policy"
_NOSNIFF = b"x-content-type-options"
_DEFAULTS = {_CSP: NOTHING_POLICY.encode(), _NOSNIFF: b"nosniff"}


class SecurityHeaders:
    """Add the security headers a response does not set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = _with_defaults(message)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _with_defaults(message: Message) -> Message:
    headers = list(message.get("headers", ()))
    missing = dict(_DEFAULTS)
    for name, _value in headers:
        # ASGI header names are lower-case bytes.
        missing.pop(name, None)
    if not missing:
        return message
    headers.extend(missing.items())
    return {**message, "headers": headers}
