"""Where a running `upfront dev` is (URL, data directory, Redis): recorded in a per-user file while it runs, so that
CLI commands started in any folder talk to it, or say plainly which Redis they use and how to point them elsewhere.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from plugin.embedded_redis import pid_is_alive

DEFAULT_APP_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class DevRuntime:
    pid: int
    url: str
    data_dir: Path
    redis_url: str | None  # None: the embedded Redis in data_dir


def runtime_file(env: Mapping[str, str]) -> Path:
    """`$XDG_STATE_HOME/upfront/dev.json` (default `~/.local/state/upfront/dev.json`)."""
    state = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".local" / "state")
    return Path(state) / "upfront" / "dev.json"


def record_dev_runtime(env: Mapping[str, str], runtime: DevRuntime) -> Path:
    path = runtime_file(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"pid": runtime.pid, "url": runtime.url, "data_dir": str(runtime.data_dir), "redis_url": runtime.redis_url}
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data) + "\n")
    temporary.chmod(0o600)
    temporary.replace(path)
    return path


def forget_dev_runtime(env: Mapping[str, str], pid: int) -> None:
    """Remove the record if it is this process's (another `upfront dev` may have started since)."""
    found = read_dev_runtime(env, require_alive=False)
    if found is not None and found.pid == pid:
        runtime_file(env).unlink(missing_ok=True)


def read_dev_runtime(env: Mapping[str, str], *, require_alive: bool = True) -> DevRuntime | None:
    """The recorded `upfront dev`, if its process is still running."""
    try:
        data = json.loads(runtime_file(env).read_text())
        runtime = DevRuntime(
            pid=int(data["pid"]),
            url=str(data["url"]),
            data_dir=Path(str(data["data_dir"])),
            redis_url=str(data["redis_url"]) if data.get("redis_url") else None,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if require_alive and not pid_is_alive(runtime.pid):
        return None
    return runtime


def app_url_for_cli(env: Mapping[str, str]) -> tuple[str, str]:
    """(base URL, where it came from) of the app a CLI command should call."""
    if env.get("UPFRONT_APP_URL"):
        return env["UPFRONT_APP_URL"].rstrip("/"), "UPFRONT_APP_URL"
    running = read_dev_runtime(env)
    if running is not None:
        return running.url.rstrip("/"), f"the running `upfront dev` (pid {running.pid})"
    return DEFAULT_APP_URL, "the default"


def redacted(url: str) -> str:
    """A Redis URL without its password, fit to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    hosts = parts.netloc.rpartition("@")[2]  # host:port, or a cluster's host:port,host:port,...
    return parts._replace(netloc=f"{parts.username or ''}:***@{hosts}").geturl()
