"""Which Redis a CLI command reads: `UPFRONT_REDIS_URL`, `UPFRONT_DATA_DIR`, the nearest `.upfront/` in this folder
or above, or the data of the running `upfront dev`, in that order; never a fresh empty one by accident."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from plugin.devruntime import read_dev_runtime, redacted

DATA_DIR_NAME = ".upfront"
HOW_TO_POINT = (
    "Point the command at the app with UPFRONT_DATA_DIR=/path/to/.upfront (the folder `upfront dev` prints at start)"
    " or UPFRONT_REDIS_URL=redis://host:6379/0."
)


class AppNotFound(LookupError):
    """No configured Redis, no `.upfront/` here or above, and no running `upfront dev`."""


@dataclass(frozen=True)
class Located:
    env: dict[str, str]  # the environment to load settings from
    description: str  # one line saying which Redis this is, for the user


def _data_dir_above(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / DATA_DIR_NAME
        if (candidate / "redis.conf").is_file():  # written by the embedded Redis the first time it starts
            return candidate
    return None


def locate_app_data(env: Mapping[str, str], cwd: Path) -> Located:
    base = dict(env)
    if env.get("UPFRONT_REDIS_URL"):
        return Located(base, f"Redis at {redacted(env['UPFRONT_REDIS_URL'])} (UPFRONT_REDIS_URL)")
    if env.get("UPFRONT_DATA_DIR"):
        return Located(base, f"embedded Redis in {Path(env['UPFRONT_DATA_DIR']).resolve()} (UPFRONT_DATA_DIR)")
    found = _data_dir_above(cwd.resolve())
    if found is not None:
        return Located({**base, "UPFRONT_DATA_DIR": str(found)}, f"embedded Redis in {found}")
    running = read_dev_runtime(env)
    if running is not None:
        where = f"the `upfront dev` running at {running.url} (pid {running.pid})"
        if running.redis_url and "***" in running.redis_url:  # the record keeps no password
            raise AppNotFound(f"{where} uses Redis at {running.redis_url}: set UPFRONT_REDIS_URL to that URL.")
        if running.redis_url:
            return Located({**base, "UPFRONT_REDIS_URL": running.redis_url}, f"Redis of {where}")
        return Located(
            {**base, "UPFRONT_DATA_DIR": str(running.data_dir)},
            f"embedded Redis in {running.data_dir}, of {where}",
        )
    raise AppNotFound(
        f"No Upfront data found: UPFRONT_REDIS_URL and UPFRONT_DATA_DIR are unset, there is no {DATA_DIR_NAME}/ in "
        f"{cwd} or above, and no `upfront dev` is running. {HOW_TO_POINT}"
    )
