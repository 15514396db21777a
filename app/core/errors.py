"""One error shape for every 4xx/5xx: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.db import DatabaseUnavailable, is_disconnect
from app.core.deps import SAFE_METHODS

log = logging.getLogger("tandem")

# What a client is told to wait before trying again when the database is unreachable: a
# restart or a failover takes seconds.
DATABASE_RETRY_AFTER_SECONDS = 2
# Set in the scope of a safe request on its first run: a dead connection may retry it.
_MAY_RETRY = "tandem.may_retry_read"


class AppError(Exception):
    """A domain error with a stable code; routes never need to catch it."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.details = details or []
        self.headers = headers


class NotFound(AppError):
    status = 404
    code = "not_found"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class Conflict(AppError):
    status = 409
    code = "conflict"


class Invalid(AppError):
    """Input that is well-formed but wrong (unknown account, too long, ...)."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, **kwargs: Any) -> None:
        details = kwargs.pop("details", None) or (
            [{"field": field, "message": message}] if field else []
        )
        super().__init__(message, details=details, **kwargs)


class RateLimited(AppError):
    status = 429
    code = "rate_limited"


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]]


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return JSONResponse(body, status_code=status, headers=headers)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


# Renders an error page for a browser: (request, status, code, message) -> response.
ErrorPage = Callable[[Request, int, str, str], Awaitable[Response]]

# Paths that answer machines: they keep the JSON error shape whatever the Accept header says.
_MACHINE_PREFIXES = ("/api/", "/static/", "/docs/")
_MACHINE_PATHS = frozenset({"/healthz", "/readyz", "/openapi.json", "/docs", "/redoc"})


def wants_page(request: Request) -> bool:
    """True for a browser on the HTML side of the app: outside /api and the machine paths,
    and not an API client (one that sends a bearer token or asks for JSON only)."""
    path = request.url.path
    if path.startswith(_MACHINE_PREFIXES) or path in _MACHINE_PATHS:
        return False
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return False
    accept = request.headers.get("accept", "")
    return not ("application/json" in accept and "text/html" not in accept)


async def answer(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    *,
    error_page: ErrorPage | None = None,
) -> Response:
    """The error as its caller wants it: the JSON shape, or (with `error_page`, for a
    browser on the HTML side) an error page, or a redirect to sign in instead of a 401."""
    if error_page is None or not wants_page(request):
        return error_response(status, code, message, details, headers)
    if status == 401:
        # Back to the page after signing in; a form post cannot be replayed, so home.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/"
        return RedirectResponse("/login?next=" + quote(target, safe="/"), status_code=303)
    return await error_page(request, status, code, message)


def install_error_handlers(app: FastAPI, *, error_page: ErrorPage | None = None) -> None:
    """JSON errors for the API; with `error_page`, error pages (and a redirect to sign in
    instead of a 401) for the HTML routes."""

    async def respond(
        request: Request,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return await answer(request, status, code, message, details, headers, error_page=error_page)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        return await respond(request, exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {"field": _field_path(err.get("loc", ())), "message": err.get("msg", "invalid")}
            for err in exc.errors()
        ]
        return await respond(request, 422, "validation_error", "The request is not valid.", details)

    @app.exception_handler(IntegrityError)
    async def _integrity_error(request: Request, _exc: IntegrityError) -> Response:
        # A race the service checks could not see (two identical creates at once).
        return await respond(
            request, 409, "conflict", "This conflicts with data that already exists."
        )

    async def _database_unavailable(request: Request, exc: Exception) -> Response:
        if isinstance(exc, DBAPIError) and request.scope.get(_MAY_RETRY):
            # A dead pooled connection (a restart, a failover, an idle kill): SQLAlchemy
            # has dropped it and every connection as old, so the same read run again
            # gets a new one. A failed connect is not retried: the database is down.
            raise _RetryRead from exc
        log.warning("database unavailable for %s %s: %s", request.method, request.url.path, exc)
        return await respond(
            request,
            503,
            "database_unavailable",
            "The database cannot be reached just now; try again in a moment.",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )

    app.exception_handler(DatabaseUnavailable)(_database_unavailable)
    app.add_middleware(RetryReadsOnDisconnect)

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> Response:
        if "database is locked" in str(exc.orig):
            # SQLite: another write held the lock past the busy timeout. Nothing was written;
            # the same request succeeds shortly.
            return await respond(
                request,
                503,
                "database_busy",
                "The database is busy with another write; try again shortly.",
                headers={"Retry-After": "2"},
            )
        if is_disconnect(exc):
            return await _database_unavailable(request, exc)
        # PostgreSQL refuses some input that SQLite stores (a NUL character, say); SQLSTATE
        # class 22 ("data exception") is bad input, not a fault on our side.
        if str(getattr(exc.orig, "sqlstate", None) or "").startswith("22"):
            return await respond(
                request,
                422,
                "invalid_input",
                "The request contains text or values that cannot be stored.",
            )
        log.exception("database error", exc_info=exc)
        return await respond(request, 500, "internal_error", "Something went wrong on our side.")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return await respond(
            request, exc.status_code, code, message, headers=dict(exc.headers or {})
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return await respond(request, 500, "internal_error", "Something went wrong on our side.")


class _RetryRead(Exception):
    """Raised by the error handler to ask `RetryReadsOnDisconnect` for the second run. It
    has no handler of its own, so it travels up to the middleware."""


class RetryReadsOnDisconnect:
    """Runs a safe request (GET, HEAD, OPTIONS) a second time when its first run found its
    database connection dead; the second run's failure is answered (503). A write is never
    run twice: whether its transaction committed before the connection died is unknown."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        received: list[Message] = []

        async def recording() -> Message:
            message = await receive()
            received.append(message)
            return message

        try:
            await self.app({**scope, _MAY_RETRY: True}, recording, send)
            return
        except _RetryRead as signal:
            log.warning(
                "database connection lost during %s %s, running it again: %s",
                scope["method"],
                scope["path"],
                signal.__cause__,
            )
        replay = iter(received)

        async def replaying() -> Message:
            # What the first run read of the request comes again, then the rest.
            return next(replay, None) or await receive()

        await self.app({**scope, _MAY_RETRY: False}, replaying, send)
