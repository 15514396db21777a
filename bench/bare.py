"""The yardstick: a bare FastAPI endpoint returning a fixed 20-item feed page.

`bench.feed` measures it in the same run as `home_feed_2w` (same workers, same load tool
and connections), serving the page the app itself answered: what this machine does with
the HTTP server and FastAPI alone, no database and no app code. The home feed's share of it
is comparable across machines where req/s are not. (Issue 2 quotes such an endpoint at
about 5,600 req/s on its reference machine, but not its payload or how it was serialized,
which move the figure between about 1,400 and 11,000 req/s here: the share is not compared
with it.)

    uvicorn bench.bare:create_app --factory --workers 2   # TANDEM_BENCH_BARE_PAGE=page.json
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI

PATH = "/page"


def create_app() -> FastAPI:
    page: dict[str, Any] = json.loads(Path(os.environ["TANDEM_BENCH_BARE_PAGE"]).read_text())
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:  # what bench.feed's Server waits for
        return {"status": "ok"}

    # Annotated, as the app's routes are: FastAPI serializes the answer with pydantic-core.
    @app.get(PATH)
    async def fixed_page() -> dict[str, Any]:
        return page

    return app
