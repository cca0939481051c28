"""Running `upfront` as an operator does: real processes, free ports, readiness, metrics."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp

from tests.conftest import BIGCOMMERCE_SECRET, SHOPIFY_SECRET, TEST_SECRET_KEY

REPO = Path(__file__).resolve().parents[1]
UPFRONT = [sys.executable, "-m", "plugin.cli"]
START_TIMEOUT = 60.0


def process_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UPFRONT_", "SHOPIFY_", "BIGCOMMERCE_"))}
    env.update(
        UPFRONT_SECRET_KEY=TEST_SECRET_KEY,
        SHOPIFY_API_SECRET=SHOPIFY_SECRET,
        BIGCOMMERCE_CLIENT_SECRET=BIGCOMMERCE_SECRET,
        UPFRONT_DATA_DIR=str(data_dir),
        UPFRONT_APP_URL="https://upfront.test",
        # Where `upfront dev` records itself for other commands: per test, never the developer's own.
        XDG_STATE_HOME=str(data_dir.parent / f"{data_dir.name}-state"),
    )
    env.update(overrides)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(base: str, process: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"process exited early: {output_of(process)}")
        try:
            response = httpx.get(f"{base}/readyz", timeout=1.0)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base} not ready within {START_TIMEOUT:.0f}s")


@contextmanager
def running(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """Output goes to a file, never an unread pipe (a full pipe would freeze the process); see `output_of`."""
    log = tempfile.NamedTemporaryFile(mode="w+", prefix="upfront-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen([*UPFRONT, *args], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    _LOGS[process.pid] = Path(log.name)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


_LOGS: dict[int, Path] = {}


def output_of(process: subprocess.Popen[str]) -> str:
    return _LOGS[process.pid].read_text()


def metric(base: str, name: str) -> float:
    for line in httpx.get(f"{base}/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"no metric {name}")


def wait_for_metric(base: str, name: str, value: float) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while metric(base, name) != value:
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} never reached {value}")
        time.sleep(0.1)


@contextmanager
def serve_emulator(emulator: ASGIApp) -> Iterator[str]:
    """A dev store emulator as a real HTTP server on loopback, as the app's processes would reach the platform."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(emulator, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
