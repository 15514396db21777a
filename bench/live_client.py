"""The live benchmark's load generator, in a process of its own: opens N WebSockets spread
over the given servers, records every message it receives, and reports when told to stop.

Protocol with the orchestrator (bench.live): prints `READY <connected> <failed>` once every
socket is open and authenticated; on a `STOP` line on stdin, waits until nothing has arrived
for 2 s (what is still in flight is late, not lost), closes everything, writes one JSON line
per received message to --out and prints `DONE <messages>`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

CONNECT_BATCH = 100
QUIET = 2.0
DRAIN_LIMIT = 120.0


async def _open(url: str, token: str) -> ClientConnection:
    ws = await connect(url, compression=None, open_timeout=30, max_queue=64, ping_interval=None)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    return ws


async def _read(ws: ClientConnection, index: int, records: list[tuple[int, float, str]]) -> None:
    try:
        async for message in ws:
            records.append((index, time.time(), str(message)))
    except Exception:  # a dropped socket shows up as missing messages in the report
        records.append((index, time.time(), '{"type":"closed"}'))


async def main(args: argparse.Namespace) -> None:
    tokens = Path(args.tokens).read_text().split()
    urls = args.urls.split(",")
    sockets: list[ClientConnection | None] = []
    failed = 0
    for start in range(0, len(tokens), CONNECT_BATCH):
        batch = tokens[start : start + CONNECT_BATCH]
        opened = await asyncio.gather(
            *(_open(urls[(start + i) % len(urls)], t) for i, t in enumerate(batch)),
            return_exceptions=True,
        )
        for ws in opened:
            if isinstance(ws, BaseException):
                failed += 1
                sockets.append(None)
            else:
                sockets.append(ws)
    records: list[tuple[int, float, str]] = []
    readers = [asyncio.create_task(_read(ws, i, records)) for i, ws in enumerate(sockets) if ws]
    print(f"READY {len(readers)} {failed}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    # Drain what is still in flight: stop once nothing arrived for QUIET seconds.
    deadline = time.monotonic() + DRAIN_LIMIT
    while time.monotonic() < deadline:
        seen = len(records)
        await asyncio.sleep(QUIET)
        if len(records) == seen:
            break
    for ws in sockets:
        if ws is not None:
            await ws.close()
    for task in readers:
        task.cancel()
    with Path(args.out).open("w") as out:
        for index, at, message in records:
            body = json.loads(message)
            data = body.get("data") or {}
            out.write(
                json.dumps(
                    {"socket": index, "at": at, "type": body.get("type"), "id": body.get("id"),
                     "post_id": data.get("id")}
                )
                + "\n"
            )  # fmt: skip
    print(f"DONE {len(records)}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", required=True, help="file with one token per line")
    parser.add_argument("--urls", required=True, help="comma-separated ws:// stream URLs")
    parser.add_argument("--out", required=True)
    asyncio.run(main(parser.parse_args()))
