"""The API's documentation pages: Swagger UI at /docs and ReDoc at /redoc, with their scripts
and styles served by this app from the copies the fastapi-offline package ships. No CDN: the
pages work without the internet, and each page's Content-Security-Policy names only 'self'
(plus what its viewer cannot do without, said beside it).

FastAPI's own pages start Swagger UI with an inline script, which a policy without
'unsafe-inline' blocks; here the start is a script file of its own.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs/assets"
FAVICON_URL = "/static/img/favicon.svg"

SWAGGER_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        # The stylesheet's icons are data: URIs.
        "img-src 'self' data:",
        # The OpenAPI document, and the requests "Try it out" sends.
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
REDOC_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        # ReDoc styles itself through <style> elements it writes (styled-components): the
        # document it renders is ours, and a style cannot run script.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        # Its search index is built in a worker it starts from a blob: URL.
        "worker-src blob:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

# Swagger UI's settings as FastAPI's page sets them, and no validator: by default Swagger UI
# sends the document to validator.swagger.io for its badge.
SWAGGER_INIT = """\
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""


def _swagger_page(title: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} API</title>
<link rel="icon" href="{FAVICON_URL}">
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-init.js"></script>
</body>
</html>
"""


def _redoc_page(title: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} API</title>
<link rel="icon" href="{FAVICON_URL}">
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="{ASSETS_URL}/redoc.standalone.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Serve /docs, /redoc and their assets from this app (create the app with
    `docs_url=None, redoc_url=None` so that FastAPI's CDN-loading pages are not there too)."""
    swagger = _swagger_page(app.title)
    redoc = _redoc_page(app.title)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(swagger, headers={"Content-Security-Policy": SWAGGER_POLICY})

    @app.get("/docs/swagger-init.js", include_in_schema=False)
    async def swagger_init() -> Response:
        return Response(SWAGGER_INIT, media_type="text/javascript")

    @app.get("/redoc", include_in_schema=False)
    async def redoc_ui() -> HTMLResponse:
        return HTMLResponse(redoc, headers={"Content-Security-Policy": REDOC_POLICY})

    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="api-docs-assets")
