"""Uploads and downloads through a real server, beside the storage alone.

    python -m bench.files [--size-mb 10] [--repeat 5] [--concurrent 10 --concurrent-size-mb 25]

One `uvicorn app.main:create_app` on 127.0.0.1 (a fresh SQLite file, the local storage in a
temporary folder), one user signed up over HTTP. Measured, in the same run:

- upload: `POST /api/v1/files` of a `--size-mb` PDF, one at a time, in MB/s (median of
  `--repeat`; sent by curl when installed, else httpx); download: `GET` of it. Both beside
  the baseline, copying the same bytes to the same storage in this process (blob to blob
  through `LocalStorage`: read, write, fsync); target: at least 50% of it. Beside that,
  the upload against writing the bytes alone and the download against reading them alone.
- memory: the server's resident memory (VmRSS from /proc, sampled every 10 ms) during
  `--concurrent` simultaneous uploads of `--concurrent-size-mb` each, above what it was
  before. Target: at most 20 MB: an upload is never whole in memory.

A table on stdout and bench/results/<name>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.common import RESULTS_DIR
from bench.harness import HOST, Process, free_port, print_targets

MB = 1_000_000
PASSWORD = "purple elephant tango quasar 42"
CHEAP_HASHING = {
    "TANDEM_ARGON2_TIME_COST": "1",
    "TANDEM_ARGON2_MEMORY_KIB": "8",
    "TANDEM_ARGON2_PARALLELISM": "1",
}
UPLOAD_SHARE_TARGET = 0.5
MEMORY_TARGET_MB = 20.0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--name", default="files")
    p.add_argument("--size-mb", type=float, default=10.0, help="the file for the throughput")
    p.add_argument("--repeat", type=int, default=5, help="transfers per direction (median)")
    p.add_argument("--concurrent", type=int, default=10, help="simultaneous uploads (memory)")
    p.add_argument("--concurrent-size-mb", type=float, default=25.0)
    p.add_argument("--output", type=Path, default=RESULTS_DIR, help="folder of the JSON report")
    return p.parse_args(argv)


def pdf_of(size: int) -> bytes:
    """`size` bytes that are a PDF by their magic (random, so nothing compresses them)."""
    head = b"%PDF-1.7\n"
    return head + os.urandom(size - len(head))


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(data), size):
        yield bytes(view[start : start + size])


class Server:
    def __init__(self, tmp: Path, max_upload_bytes: int) -> None:
        self.port = free_port()
        self.media = tmp / "media"
        database_url = f"sqlite+aiosqlite:///{tmp / 'files.db'}"
        self.process = Process(
            "files-server",
            [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
             "--host", HOST, "--port", str(self.port), "--no-access-log", "--log-level", "warning"],
            {
                "TANDEM_DATABASE_URL": database_url,
                "TANDEM_SECRET_KEY": "bench",
                "TANDEM_ALLOW_SIGNUP": "true",
                "TANDEM_MEDIA_DIR": str(self.media),
                "TANDEM_MAX_UPLOAD_BYTES": str(max_upload_bytes),
                **CHEAP_HASHING,
            },
            tmp,
        )  # fmt: skip
        self.database_url = database_url
        self.base = f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process.proc is not None
        return self.process.proc.pid


async def _sign_up(client: httpx.AsyncClient) -> dict[str, str]:
    answer = await client.post(
        "/api/v1/auth/signup",
        json={"email": "bench@example.com", "password": PASSWORD, "display_name": "Bench",
              "handle": "bench", "department": "marketing"},
    )  # fmt: skip
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "benchfilesboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


async def _upload(
    client: httpx.AsyncClient, headers: dict[str, str], body: bytes, kind: str
) -> Any:
    answer = await client.post(
        "/api/v1/files", content=body, headers={**headers, "Content-Type": kind}
    )
    if answer.status_code != 201:
        raise RuntimeError(f"upload failed: {answer.status_code} {answer.text[:300]}")
    return answer.json()


async def _download(client: httpx.AsyncClient, headers: dict[str, str], file_id: int) -> int:
    got = 0
    async with client.stream("GET", f"/api/v1/files/{file_id}", headers=headers) as answer:
        answer.raise_for_status()
        async for chunk in answer.aiter_raw():
            got += len(chunk)
    return got


class Curl:
    """Transfers timed by curl (`%{time_total}`): a client in C, as wrk is for the other
    benchmarks, so the figure is the server's and not the Python client's."""

    def __init__(self, base: str, headers: dict[str, str], tmp: Path) -> None:
        self.base, self.tmp = base, tmp
        self.auth = [arg for k, v in headers.items() for arg in ("-H", f"{k}: {v}")]

    def _run(self, args: list[str]) -> list[str]:
        done = subprocess.run(
            ["curl", "-s", "--fail-with-body", *self.auth, *args], capture_output=True,
            text=True, timeout=300, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"curl failed ({done.returncode}): {done.stdout[-300:]}")
        return done.stdout.split()

    def upload(self, body: bytes, kind: str) -> tuple[int, float]:
        source, answer = self.tmp / "body.bin", self.tmp / "answer.json"
        source.write_bytes(body)
        [seconds] = self._run(
            ["-H", f"Content-Type: {kind}", "--data-binary", f"@{source}", "-o", str(answer),
             "-w", "%{time_total}", f"{self.base}/api/v1/files"]
        )  # fmt: skip
        return int(json.loads(answer.read_text())["id"]), float(seconds)

    def download(self, file_id: int) -> tuple[int, float]:
        seconds, size = self._run(
            ["-o", "/dev/null", "-w", "%{time_total} %{size_download}",
             f"{self.base}/api/v1/files/{file_id}"]
        )  # fmt: skip
        return int(size), float(seconds)


def _mb_per_s(size: int, seconds: list[float]) -> float:
    return round(size / MB / statistics.median(seconds), 1)


async def _timed_upload(
    client: httpx.AsyncClient, headers: dict[str, str], body: bytes, kind: str
) -> tuple[int, float]:
    start = time.perf_counter()
    file_id = (await _upload(client, headers, body, kind))["id"]
    return file_id, time.perf_counter() - start


async def _timed_download(
    client: httpx.AsyncClient, headers: dict[str, str], file_id: int
) -> tuple[int, float]:
    start = time.perf_counter()
    size = await _download(client, headers, file_id)
    return size, time.perf_counter() - start


async def throughput(
    client: httpx.AsyncClient, headers: dict[str, str], media: Path, size: int, repeat: int
) -> dict[str, Any]:
    from app.files.storage import CHUNK_BYTES, LocalStorage

    data = pdf_of(size)
    body, kind = _multipart("bench.pdf", data)
    curl = Curl(str(client.base_url).rstrip("/"), headers, media.parent) if shutil.which(
        "curl"
    ) else None  # fmt: skip
    uploads, downloads, file_ids = [], [], []
    for _ in range(repeat):
        if curl is not None:
            file_id, seconds = await asyncio.to_thread(curl.upload, body, kind)
        else:
            file_id, seconds = await _timed_upload(client, headers, body, kind)
        file_ids.append(file_id)
        uploads.append(seconds)
    for file_id in file_ids:
        if curl is not None:
            got, seconds = await asyncio.to_thread(curl.download, file_id)
        else:
            got, seconds = await _timed_download(client, headers, file_id)
        assert got == size, (got, size)
        downloads.append(seconds)
    # The baseline (the issue's): copying the same bytes to the same storage, blob to blob
    # through its own interface (read, write, fsync), without HTTP or checks. Writing them
    # alone and reading them alone are kept beside it, for what each direction costs.
    storage = LocalStorage(media)
    puts, reads, copies = [], [], []
    for i in range(repeat):
        key, copy = f"{i:08x}be0c4000", f"{i:08x}c0b1e000"  # hex, as the files domain makes them
        start = time.perf_counter()
        await storage.put(key, _chunks(data, 64 * 1024))
        puts.append(time.perf_counter() - start)
        start = time.perf_counter()
        assert sum([len(c) async for c in storage.open(key)]) == size
        reads.append(time.perf_counter() - start)
        start = time.perf_counter()
        assert await storage.put(copy, storage.open(key)) == size
        copies.append(time.perf_counter() - start)
        for done in (key, copy):
            await storage.delete(done)
    upload, download = _mb_per_s(size, uploads), _mb_per_s(size, downloads)
    baseline = _mb_per_s(size, copies)
    return {
        "client": "curl" if curl is not None else "httpx",
        "size_bytes": size,
        "repeat": repeat,
        "storage_chunk_bytes": CHUNK_BYTES,
        "copy_baseline_mb_s": baseline,
        "upload_mb_s": upload,
        "upload_share": round(upload / baseline, 3),
        "download_mb_s": download,
        "download_share": round(download / baseline, 3),
        "storage_write_mb_s": _mb_per_s(size, puts),
        "upload_share_of_write": round(upload / _mb_per_s(size, puts), 3),
        "storage_read_mb_s": _mb_per_s(size, reads),
        "download_share_of_read": round(download / _mb_per_s(size, reads), 3),
    }


async def memory(
    client: httpx.AsyncClient, headers: dict[str, str], pid: int, n: int, size: int
) -> dict[str, Any]:
    body, kind = _multipart("big.pdf", pdf_of(size))
    # Once first, so what a first upload loads for good (modules, pools) is not counted.
    await _upload(client, headers, _multipart("warm.pdf", pdf_of(min(MB, size)))[0], kind)
    before = rss_kb(pid)
    peak = before
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kb(pid))
            await asyncio.sleep(0.01)

    sampler = asyncio.create_task(sample())
    start = time.perf_counter()
    try:
        files = await asyncio.gather(*(_upload(client, headers, body, kind) for _ in range(n)))
    finally:
        done.set()
        await sampler
    seconds = time.perf_counter() - start
    assert all(f["size"] == size for f in files)
    growth = (peak - before) / 1024
    return {
        "uploads": n,
        "size_bytes": size,
        "seconds": round(seconds, 2),
        "aggregate_mb_s": round(n * size / MB / seconds, 1),
        "rss_before_mb": round(before / 1024, 1),
        "rss_peak_mb": round(peak / 1024, 1),
        "rss_growth_mb": round(growth, 1),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from app.core.migrate import upgrade

    size, big = int(args.size_mb * MB), int(args.concurrent_size_mb * MB)
    with tempfile.TemporaryDirectory(prefix="tandem-files-bench-") as tmp:
        server = Server(Path(tmp), max_upload_bytes=max(size, big))
        await asyncio.to_thread(upgrade, server.database_url)
        server.process.start()
        try:
            await asyncio.to_thread(server.process.wait_healthy, server.base)
            timeout = httpx.Timeout(120.0)
            async with httpx.AsyncClient(base_url=server.base, timeout=timeout) as client:
                headers = await _sign_up(client)
                speeds = await throughput(client, headers, server.media, size, args.repeat)
                memory_use = await memory(client, headers, server.pid, args.concurrent, big)
        finally:
            server.process.stop()
    targets = {
        "upload_share": {
            "metric": "API upload MB/s / storage copy MB/s",
            "target": f">= {UPLOAD_SHARE_TARGET}",
            "value": speeds["upload_share"], "met": speeds["upload_share"] >= UPLOAD_SHARE_TARGET,
        },
        "download_share": {
            "metric": "API download MB/s / storage copy MB/s",
            "target": f">= {UPLOAD_SHARE_TARGET}",
            "value": speeds["download_share"],
            "met": speeds["download_share"] >= UPLOAD_SHARE_TARGET,
        },
        "memory": {
            "metric": f"server RSS growth during {args.concurrent} concurrent uploads (MB)",
            "target": f"<= {MEMORY_TARGET_MB}", "value": memory_use["rss_growth_mb"],
            "met": memory_use["rss_growth_mb"] <= MEMORY_TARGET_MB,
        },
    }  # fmt: skip
    return {
        "name": args.name,
        "scenario": "files",
        "storage": "local",
        "database": "sqlite",
        "throughput": speeds,
        "memory": memory_use,
        "targets": targets,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def print_table(report: dict[str, Any]) -> None:
    t, m = report["throughput"], report["memory"]
    print(f"{'':<10} {'API MB/s':>9} {'copy MB/s':>10} {'share':>6}   "
          f"{'alone MB/s':>11} {'share':>6}")  # fmt: skip
    for way, alone in (("upload", "write"), ("download", "read")):
        print(f"{way:<10} {t[f'{way}_mb_s']:>9} {t['copy_baseline_mb_s']:>10} "
              f"{t[f'{way}_share']:>6.0%}   {t[f'storage_{alone}_mb_s']:>11} "
              f"{t[f'{way}_share_of_{alone}']:>6.0%}")  # fmt: skip
    print(
        f"\n{m['uploads']} concurrent uploads of {m['size_bytes'] / MB:g} MB: "
        f"{m['seconds']} s ({m['aggregate_mb_s']} MB/s), server RSS {m['rss_before_mb']} -> "
        f"{m['rss_peak_mb']} MB (+{m['rss_growth_mb']} MB)"
    )
    print_targets(report["targets"])


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    report = asyncio.run(run(args))
    print_table(report)
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / f"{args.name}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
