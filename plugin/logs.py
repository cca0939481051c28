"""Structured logging: one JSON object per line, carrying the request id of the request being served."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else was passed through `extra=` and belongs in the JSON. An `extra=`
# key among these makes the logging call itself raise (KeyError "Attempt to overwrite ..."), so log fields must
# never use them: tests/foundation/test_log_fields.py checks every `extra=` in the product code against this set.
RESERVED_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
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
        return json.dumps(entry, default=str)


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
    """JSON lines at `level`, plus one readable line per request (the access log at INFO) on stdout."""
    configure_logging(level)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(AccessLineFormatter())
    access = logging.getLogger(ACCESS_LOGGER)
    access.handlers[:] = [handler]
    access.setLevel(logging.INFO)
    access.propagate = False


def configure_logging(level: str = "INFO") -> None:
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
