"""An open collateral page hears its verdicts, its status and its versions change."""

from __future__ import annotations

import json

from tests.live.conftest import Api, open_stream, receive_until
from tests.live.servers import AppServer


async def test_an_open_asset_hears_each_verdict_and_the_flag(server: AppServer, api: Api) -> None:
    marketer = await api.signup("mkt", department="marketing")
    reps = [await api.signup("rep") for _ in range(3)]
    asset = await api.post(
        marketer,
        "The pricing one-pager",
        kind="collateral",
        title="Pricing one-pager",
        collateral={"stage": "decision"},
    )
    url = f"/api/v1/posts/{asset['id']}/verdicts"
    async with (
        await open_stream(server, reps[0]) as ws,
        await open_stream(server, marketer) as author,
    ):
        await ws.send(json.dumps({"type": "watch", "post_id": asset["id"]}))
        for rep in reps:
            # The watch is not acknowledged: the first verdicts may come before it holds.
            await api.call(
                rep, "POST", url, 201, json={"verdict": "not_used", "reason": "missing_pricing"}
            )
        message = await receive_until(ws, "collateral.changed", post_id=asset["id"])
        assert message["data"] == {"post_id": asset["id"]}
        flagged = await receive_until(author, "notification.created", kind="collateral_flagged")
        assert flagged["data"]["post_id"] == asset["id"]
