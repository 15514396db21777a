"""The machine's yardstick: a bare FastAPI endpoint returning a fixed 20-item feed page.

Issue 2 quotes this endpoint at about 5,600 req/s with two workers on its reference
machine. `bench.feed` measures it in the same run as `home_feed_2w` (same workers, same
load tool and connections), with the page the app itself answered, so the feed's
throughput can be read against what this machine does with no database and no app code:

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

    @app.get(PATH)
    async def fixed_page() -> dict[str, Any]:
        return page  # serialized by FastAPI per request, as any endpoint's answer is

    return app
