"""An open win story hears each step it takes, whoever takes it."""

from __future__ import annotations

import json

from tests.live.conftest import Api, open_stream, receive_until
from tests.live.servers import AppServer

STORY = {
    "problem": "Twelve regional forecasts in spreadsheets.",
    "solution": "One forecasting platform, rolled out in six weeks.",
    "outcome": "The quarter closes two days sooner.",
    "customer_contact": "Priya Shah, VP Finance",
}


async def test_an_open_story_hears_every_step(server: AppServer, api: Api) -> None:
    rep = await api.signup("rep")
    marketer = await api.signup("mkt", department="marketing")
    colleague = await api.signup("mkt", department="marketing")
    story = await api.post(rep, "Won the forecasting deal!", kind="win_story", story=STORY)
    url = f"/api/v1/posts/{story['id']}/story/transitions"
    steps = [
        (marketer, {"to": "in_review"}),
        (marketer, {"to": "consent_requested"}),
        (rep, {"to": "consent_granted", "note": "Priya said yes on a call."}),
        (marketer, {"to": "published"}),
    ]
    async with await open_stream(server, colleague) as ws:
        await ws.send(json.dumps({"type": "watch", "post_id": story["id"]}))
        # The watch is not acknowledged: the first steps may come before it holds.
        for who, step in steps:
            await api.call(who, "POST", url, 200, json=step)
        message = await receive_until(ws, "story.changed", status="published")
        assert message["data"] == {"post_id": story["id"], "status": "published"}
