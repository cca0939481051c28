"""Load from a separate process: wrk on loopback, bounded in time, reporting throughput and latency percentiles."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class LoadResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(url: str, script: str, *, connections: int = 64, seconds: int = 10, threads: int = 2) -> LoadResult:
    with tempfile.TemporaryDirectory() as folder:
        script_path = Path(folder) / "load.lua"
        script_path.write_text(script + WRK_REPORT)
        output = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", str(script_path), url],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        ).stdout  # fmt: skip
    report = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
    return LoadResult(
        requests_per_s=report["requests"] / (report["duration_us"] / 1e6),
        p50_ms=report["p50_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
        errors=report["errors"] + report["non2xx"],
    )
