"""Structured logging: one JSON object per line, carrying the request id of the request being served."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# Fields an endpoint adds to its request's one access line (set by RequestIdMiddleware when that line is written).
access_fields_var: ContextVar[dict[str, Any] | None] = ContextVar("access_fields", default=None)

# Attributes every LogRecord has; anything else was passed through `extra=` and belongs in the JSON. An `extra=`
# key among these makes the logging call itself raise (KeyError "Attempt to overwrite ..."), so log fields must
# never use them: tests/foundation/test_log_fields.py checks every `extra=` in the product code against this set.
RESERVED_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def on_access_line(**fields: Any) -> bool:
    """Add `fields` to the access line of the request being served, rather than writing a line of their own: at
    INFO every request is logged once, and each line costs as much as the rest of a webhook's work. False when no
    access line will be written (outside a request, or below INFO): the caller logs on its own if it must."""
    found = access_fields_var.get()
    if found is None:
        return False
    found.update(fields)
    return True


_ENCODER = json.JSONEncoder(default=str)  # one encoder: json.dumps(default=...) would build a new one per line


class JsonFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def _timestamp(self, created: float) -> str:
        """ISO 8601 in UTC to the millisecond; the text of the whole second is kept, as lines come many a second."""
        second = int(created)
        micro = round((created - second) * 1_000_000)  # as datetime rounds a float's fraction
        if micro >= 1_000_000:  # rounds up into the next second
            return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
        if second != self._second:
            self._second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        return f"{self._second_text}.{micro // 1000:03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self._timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if (request_id := request_id_var.get()) is not None:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in RESERVED_FIELDS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return _ENCODER.encode(entry)


ACCESS_LOGGER = "upfront.access"


class AccessLineFormatter(logging.Formatter):
    """`upfront dev`'s request lines, for reading: `GET /readyz 200 1.2 ms  req 5f0c...`."""

    def format(self, record: logging.LogRecord) -> str:
        fields = vars(record)
        moment = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        return (
            f"{moment} {fields.get('method', '-')} {fields.get('path', '-')} {fields.get('status', '-')} "
            f"{fields.get('ms', '-')} ms  req {request_id_var.get() or '-'}"
        )


def configure_dev_logging(level: str = "WARNING") -> None:
    """JSON lines at `level`, plus one readable line per request (the access log, DEBUG included) on stdout."""
    configure_logging(level)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(AccessLineFormatter())
    access = logging.getLogger(ACCESS_LOGGER)
    access.handlers[:] = [handler]
    access.setLevel(logging.DEBUG)  # every request, the storefront's successful reads too
    access.propagate = False


def configure_logging(level: str = "INFO") -> None:
    # No line shows the caller's file, function, thread or process: not looking them up (a stack walk per record)
    # is the logging module's documented optimization, and a third of a line's cost.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    access = logging.getLogger(ACCESS_LOGGER)  # JSON like every other line (undoing configure_dev_logging)
    access.handlers[:] = []
    access.setLevel(logging.NOTSET)
    access.propagate = True
    # uvicorn's own access log is replaced by ours, which carries the request id.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
