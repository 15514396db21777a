"""The files benchmark, run end to end with tiny sizes: a real server, a report."""

from __future__ import annotations

import json
from pathlib import Path

from bench import files


def test_the_files_bench_measures_and_reports(tmp_path: Path) -> None:
    files.main(
        ["--name", "tiny", "--size-mb", "0.3", "--repeat", "2", "--concurrent", "3",
         "--concurrent-size-mb", "0.5", "--output", str(tmp_path)]
    )  # fmt: skip
    report = json.loads((tmp_path / "tiny.json").read_text())
    speeds, memory = report["throughput"], report["memory"]
    assert speeds["size_bytes"] == 300_000
    for way in ("upload", "download"):
        assert speeds[f"{way}_mb_s"] > 0
        assert speeds[f"{way}_share"] == round(
            speeds[f"{way}_mb_s"] / speeds["copy_baseline_mb_s"], 3
        )
    assert speeds["upload_share_of_write"] == round(
        speeds["upload_mb_s"] / speeds["storage_write_mb_s"], 3
    )
    assert memory["uploads"] == 3
    assert memory["rss_peak_mb"] >= memory["rss_before_mb"] > 0
    assert set(report["targets"]) == {"upload_share", "download_share", "memory"}
