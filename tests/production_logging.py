"""Tests log as production does: the root logger is configured by `configure_logging` at INFO (JSON lines), exactly
as `upfront serve` and `upfront worker` configure it, and a test fails on any error-level record or on a logging
call or handler that raised. Tests that provoke errors on purpose say so with `@pytest.mark.allow_error_logs(...)`,
naming the messages they expect (no names: any error record is expected)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from plugin.logs import JsonFormatter, configure_logging

MARKER = "allow_error_logs"


@dataclass
class LogProblems:
    """What went wrong in logging during one test."""

    errors: list[logging.LogRecord] = field(default_factory=list)  # records at ERROR and above
    broken: list[str] = field(default_factory=list)  # logging calls or handlers that raised
    collector: logging.Handler | None = None

    def clear(self) -> None:
        self.errors.clear()
        self.broken.clear()


class _ErrorCollector(logging.Handler):
    def __init__(self, problems: LogProblems) -> None:
        super().__init__(level=logging.ERROR)
        self.problems = problems

    def emit(self, record: logging.LogRecord) -> None:
        self.problems.errors.append(record)


def _describe(record: logging.LogRecord) -> str:
    return JsonFormatter().format(record)


@pytest.fixture(scope="session", autouse=True)
def production_logging() -> Iterator[LogProblems]:
    """The production logging setup for the whole session, plus the instruments that see what goes wrong in it."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    access = logging.getLogger("uvicorn.access")
    saved_access = access.disabled
    problems = LogProblems()
    make_record, handle_error = logging.Logger.makeRecord, logging.Handler.handleError

    def checked_make_record(self: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
        # A bad `extra=` key raises here, inside the caller's code; the caller may swallow it, so note it first.
        try:
            return make_record(self, *args, **kwargs)
        except Exception as exc:
            problems.broken.append(f"a logging call on {self.name!r} raised {exc!r}")
            raise

    def noted_handle_error(self: logging.Handler, record: logging.LogRecord) -> None:
        problems.broken.append(f"{type(self).__name__} failed to emit {record.msg!r} from {record.name!r}")
        handle_error(self, record)

    configure_logging("INFO")
    problems.collector = _ErrorCollector(problems)
    root.addHandler(problems.collector)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(logging.Logger, "makeRecord", checked_make_record)
        patch.setattr(logging.Handler, "handleError", noted_handle_error)
        yield problems
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    access.disabled = saved_access


@pytest.fixture(autouse=True)
def log_problems(request: pytest.FixtureRequest, production_logging: LogProblems) -> Iterator[LogProblems]:
    """Fails the test (at teardown, so fixture teardowns count too) on an unexpected error record or broken log call."""
    root = logging.getLogger()
    reconfigured = not logging.getLogger("uvicorn.access").disabled  # e.g. by a server started with a log config
    if production_logging.collector and (production_logging.collector not in root.handlers or reconfigured):
        configure_logging("INFO")
        root.addHandler(production_logging.collector)
    production_logging.clear()
    yield production_logging
    marker = request.node.get_closest_marker(MARKER)
    expected: tuple[str, ...] | None = tuple(marker.args) if marker else None
    unexpected = [
        record
        for record in production_logging.errors
        if expected is None or (expected and not any(part in record.getMessage() for part in expected))
    ]
    found = [*production_logging.broken, *(_describe(record) for record in unexpected)]
    production_logging.clear()
    if found:
        pytest.fail("logging problems during the test:\n" + "\n".join(found), pytrace=False)
