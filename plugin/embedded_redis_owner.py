"""Who owns the embedded Redis: the pidfile naming its redis-server and owning app process, and liveness checks."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


def _start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (Linux), so a pid reused by another process is not mistaken for it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2 :].startswith("Z")


def pid_is_alive(pid: int) -> bool:
    """True while ``pid`` runs; a killed process its parent has not reaped yet counts as dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    return not _is_zombie(pid)


@dataclass(frozen=True)
class ProcessId:
    """A process as a pid plus its start time: alive only if that same process still runs."""

    pid: int
    started: str | None

    @classmethod
    def of(cls, pid: int) -> ProcessId:
        return cls(pid, _start_time(pid))

    def is_alive(self) -> bool:
        if not pid_is_alive(self.pid):
            return False
        return self.started is None or _start_time(self.pid) in (None, self.started)


@dataclass(frozen=True)
class Ownership:
    """The pidfile's record: which redis-server serves the data dir, and which app process shuts it down."""

    redis: ProcessId
    owner: ProcessId

    def write(self, path: Path) -> None:
        # Written whole and renamed, so a reader never sees half a record.
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps({"redis": asdict(self.redis), "owner": asdict(self.owner)}) + "\n")
        partial.replace(path)

    @classmethod
    def read(cls, path: Path) -> Ownership | None:
        """The record, or None if there is none or it is not one (e.g. a bare pid from an older version)."""
        try:
            record = json.loads(path.read_text())
            redis, owner = _process_id(record["redis"]), _process_id(record["owner"])
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return cls(redis, owner)


def _process_id(entry: object) -> ProcessId:
    if not isinstance(entry, dict):
        raise TypeError("not a process record")
    pid, started = entry["pid"], entry["started"]
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or not isinstance(started, str | None):
        raise TypeError("not a process record")
    return ProcessId(pid, started)
