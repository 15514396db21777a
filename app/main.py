"""The application factory and its lifespan."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.types import ASGIApp

from app.accounts.pages import router as accounts_pages
from app.accounts.routes import IMPORT_PATH
from app.accounts.routes import router as accounts_router
from app.agreements.pages import router as agreements_pages
from app.agreements.routes import router as agreements_router
from app.auth import passwords
from app.auth.pages import router as auth_pages
from app.auth.ratelimit import LoginLimiter
from app.auth.routes import router as auth_router
from app.collateral.pages import router as collateral_pages
from app.collateral.routes import router as collateral_router
from app.config import Settings, get_settings
from app.core.db import create_engine, session_factory
from app.core.errors import ErrorResponse, answer, install_error_handlers
from app.core.limits import MULTIPART_SLACK, BodyLimits
from app.core.security_headers import SecurityHeaders
from app.feeds.pages import router as feeds_pages
from app.feeds.routes import router as feeds_router
from app.files import runtime as files_runtime
from app.files.routes import FILES_PATH
from app.files.routes import router as files_router
from app.follows.routes import router as follows_router
from app.groups.pages import router as groups_pages
from app.groups.routes import router as groups_router
from app.handlers import install as install_handlers
from app.live import runtime as live_runtime
from app.live.routes import router as live_router
from app.notifications.pages import router as notifications_pages
from app.notifications.routes import router as notifications_router
from app.posts.pages import router as posts_pages
from app.posts.routes import router as posts_router
from app.questions.pages import router as questions_pages
from app.questions.routes import router as questions_router
from app.search_index import runtime as search_runtime
from app.search_index.pages import router as search_pages
from app.search_index.routes import router as search_router
from app.stories.pages import router as stories_pages
from app.stories.routes import router as stories_router
from app.topics.pages import router as topics_pages
from app.topics.routes import router as topics_router
from app.users.pages import router as users_pages
from app.users.routes import router as users_router
from app.web import api_docs
from app.web.context import error_page
from app.web.templating import STATIC_DIR

log = logging.getLogger("tandem")

ROUTERS = (
    auth_router,
    users_router,
    accounts_router,
    groups_router,
    files_router,
    posts_router,
    collateral_router,
    agreements_router,
    questions_router,
    stories_router,
    follows_router,
    topics_router,
    feeds_router,
    notifications_router,
    live_router,
    search_router,
)
# The HTML side: server-rendered pages calling the same services as the JSON routers.
PAGE_ROUTERS = (
    auth_pages,
    feeds_pages,
    accounts_pages,
    posts_pages,
    collateral_pages,
    agreements_pages,
    questions_pages,
    stories_pages,
    users_pages,
    topics_pages,
    groups_pages,
    notifications_pages,
    search_pages,
)


class Tandem(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Outermost, outside Starlette's ServerErrorMiddleware: a 500 carries the headers too.
        return SecurityHeaders(super().build_middleware_stack())


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    secret_key = settings.resolved_secret_key()  # refuse to start without a usable secret
    search_runtime.check(settings)  # refuse PostgreSQL without Meilisearch, now
    install_handlers()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            busy_timeout=settings.sqlite_busy_timeout_seconds,
            pre_ping=settings.db_pre_ping,
        )
        app.state.engine = engine
        app.state.sessionmaker = session_factory(engine)
        try:
            async with (
                files_runtime.running(settings) as storage,
                search_runtime.running(settings, app.state.sessionmaker) as search,
                live_runtime.running(settings, app.state.sessionmaker) as live,
            ):
                app.state.storage = storage
                app.state.search = search
                app.state.hub = live.hub
                # What exists now (modules, routes, schemas) lives as long as the process:
                # moved out of the collector's reach, a full collection no longer walks it
                # all (about 30 ms, a pause every request in flight would wait for).
                gc.collect()
                gc.freeze()
                yield
        finally:
            await app.state.login_limiter.aclose()
            await engine.dispose()

    app = Tandem(
        title="Tandem",
        version="1.0",
        summary="The internal social network for sales and marketing.",
        lifespan=lifespan,
        # FastAPI's pages load Swagger UI and ReDoc from a CDN; api_docs serves its own.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.secret_key = secret_key
    passwords.configure(settings)
    app.state.login_limiter = LoginLimiter(
        per_email_client=settings.login_attempts_per_email,
        per_client=settings.login_attempts_per_client,
        window=settings.login_window_seconds,
        redis_url=settings.redis_url,
        redis_prefix=settings.redis_prefix,
    )
    install_error_handlers(app, error_page=error_page)
    app.add_middleware(
        BodyLimits,
        default=settings.max_body_bytes,
        by_path={
            IMPORT_PATH: settings.max_import_bytes + MULTIPART_SLACK,
            FILES_PATH: settings.max_upload_bytes + MULTIPART_SLACK,
        },
        too_large=_too_large,
    )

    for router in ROUTERS:
        app.include_router(router)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if settings.api_docs:
        api_docs.install(app)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz(request: Request) -> JSONResponse:
        status = {
            "database": "ok",
            "search": "meilisearch" if settings.meili_url else "sqlite-fts5",
            "broker": "redis" if settings.redis_url else "in-process",
            # Whether this process's subscriber listens now (False while it resubscribes).
            "broker_connected": request.app.state.hub.subscribed.is_set(),
            "broker_skipped_messages": request.app.state.hub.skipped,
        }
        try:
            async with request.app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means "not ready"
            log.warning("readiness check failed: %s", exc)
            status["database"] = "unavailable"
            return JSONResponse({"status": "unavailable", **status}, status_code=503)
        return JSONResponse({"status": "ok", **status})

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


async def _too_large(request: Request, message: str) -> Response:
    return await answer(request, 413, "payload_too_large", message, error_page=error_page)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with Tandem's error shape on every error response."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, summary=app.summary, routes=app.routes
    )
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorResponse"] = error_schema
    error_ref = {
        "description": "Error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    for path in schema["paths"].values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses["4XX"] = error_ref
            responses["5XX"] = error_ref
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    app.openapi_schema = schema
    return schema
