"""A small closed-loop HTTP/1.1 load generator, run by bench.feed in a process of its own.

    python -m bench.loadgen --port 8000 --requests-file reqs.tsv --connections 4 --duration 10

Each line of the requests file is `METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY` (the same file the
wrk script reads); connections walk through it from different offsets, keep-alive, one
request in flight each. It prints one JSON object with latency percentiles and throughput.

wrk is preferred for throughput: on two cores a Python client spends CPU the server would
otherwise use. This one is the fallback when wrk is missing, and drives the warm-up passes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import summarize_ms


def load_requests(path: Path, host: str) -> list[bytes]:
    raws = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        method, target, token, body = ([*line.split("\t"), "", "", "", ""])[:4]
        payload = body.encode()
        head = [f"{method} {target} HTTP/1.1", f"Host: {host}", "Accept: application/json"]
        if token:
            head.append(f"Authorization: Bearer {token}")
        if payload:
            head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        raws.append(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
    if not raws:
        raise SystemExit(f"no requests in {path}")
    return raws


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, keep_alive) of one response framed by Content-Length."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split(b" ", 2)[1])
    length, keep_alive = 0, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding":
            raise ValueError("chunked responses are not supported by this client")
        elif name == b"connection" and value.strip().lower() == b"close":
            keep_alive = False
    return status, await reader.readexactly(length), keep_alive


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: int = 0
    sample_error: str | None = None
    sent: int = 0


async def connection(
    host: str,
    port: int,
    raws: list[bytes],
    offset: int,
    step: int,
    deadline: float,
    limit: int,
    timeout: float,
    tally: Tally,
    pause: float = 0.0,
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    i = offset
    try:
        while time.perf_counter() < deadline and tally.sent < limit:
            tally.sent += 1
            raw = raws[i % len(raws)]
            i += step
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                assert reader is not None
                started = time.perf_counter()
                writer.write(raw)
                status, body, keep_alive = await asyncio.wait_for(read_response(reader), timeout)
                tally.latencies.append(time.perf_counter() - started)
            except (OSError, ConnectionError, ValueError, TimeoutError) as exc:
                tally.failures += 1
                tally.sample_error = tally.sample_error or repr(exc)
                if writer is not None:
                    writer.close()
                reader = writer = None
                await asyncio.sleep(0.05)  # do not spin on a refused connection
                continue
            tally.statuses[status] += 1
            if status >= 400 and tally.sample_error is None:
                tally.sample_error = f"{status}: {body[:300].decode(errors='replace')}"
            if not keep_alive:
                writer.close()
                reader = writer = None
            if pause:
                # Think time, not counted in the latency; random, so that connections do not
                # fire together (that would measure bursts, not steady load).
                await asyncio.sleep(random.uniform(0, 2 * pause))
    finally:
        if writer is not None:
            writer.close()


async def run(args: argparse.Namespace) -> dict[str, object]:
    raws = load_requests(Path(args.requests_file), f"{args.host}:{args.port}")
    limit = len(raws) if args.once else args.max_requests
    tally = Tally()
    started = time.perf_counter()
    deadline = started + args.duration
    # With --once every line is sent exactly once: connection k takes lines k, k+n, k+2n...
    step = args.connections if args.once else 1
    spread = 1 if args.once else max(1, len(raws) // args.connections)
    await asyncio.gather(
        *(
            connection(
                args.host,
                args.port,
                raws,
                k * spread,
                step,
                deadline,
                limit,
                args.timeout,
                tally,
                args.pause_ms / 1000,
            )
            for k in range(args.connections)
        )
    )
    elapsed = time.perf_counter() - started
    ok = sum(n for s, n in tally.statuses.items() if s < 400)
    return {
        "tool": "python-asyncio",
        "requests": len(tally.latencies),
        "duration_s": round(elapsed, 3),
        "rps": round(len(tally.latencies) / elapsed, 1) if elapsed else 0.0,
        "ok": ok,
        "errors": tally.failures + sum(n for s, n in tally.statuses.items() if s >= 400),
        "statuses": {str(s): n for s, n in sorted(tally.statuses.items())},
        "sample_error": tally.sample_error,
        **summarize_ms(tally.latencies),
    }


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--requests-file", required=True)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--duration", type=float, default=10.0, help="seconds, an upper bound")
    p.add_argument("--max-requests", type=int, default=1_000_000)
    p.add_argument("--once", action="store_true", help="send every line once, then stop")
    p.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    p.add_argument("--pause-ms", type=float, default=0.0, help="mean think time between requests")
    args = p.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the load generator only talks to this machine")
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # uvicorn[standard] brings it; the stdlib loop is only slower
        pass
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
