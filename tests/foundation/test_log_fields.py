"""Log fields never reuse a LogRecord attribute name: such an `extra=` key makes the logging call itself raise, so
the code that logs (a message send, an event handler) fails at the production log level."""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from plugin.logs import RESERVED_FIELDS
from tests.production_logging import LogProblems

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("plugin", "webhooks", "widgets", "bench", "tests")
PROVOKES_ON_PURPOSE = {"tests/foundation/test_production_logging.py"}  # shows that the test session catches it
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
ACCESS_LINE_FIELDS = "on_access_line"  # plugin.logs: fields for the request's access line, checked alike


def _source_files() -> list[Path]:
    found = (path for folder in SOURCES for path in (ROOT / folder).rglob("*.py"))
    return sorted(path for path in found if str(path.relative_to(ROOT)) not in PROVOKES_ON_PURPOSE)


def _dict_assignments(tree: ast.AST) -> dict[str, list[ast.Dict]]:
    """Dict literals bound to a name anywhere in the module (`context = {...}` then `extra=context`)."""
    found: dict[str, list[ast.Dict]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Dict) and isinstance(node.target, ast.Name):
            found.setdefault(node.target.id, []).append(node.value)
    return found


def _keys(node: ast.expr, names: dict[str, list[ast.Dict]], where: str) -> Iterator[str]:
    """Every key `node` (the value of `extra=`) can carry; fails when they cannot be known from the source."""
    if isinstance(node, ast.Name) and node.id in names:
        for literal in names[node.id]:
            yield from _keys(literal, names, where)
        return
    if not isinstance(node, ast.Dict):
        pytest.fail(f"{where}: extra= must be a dict literal (or a name bound to one) so its keys can be checked")
    for key, value in zip(node.keys, node.values, strict=True):
        if key is None:  # {**other, ...}
            yield from _keys(value, names, where)
        elif isinstance(key, ast.Constant) and isinstance(key.value, str):
            yield key.value
        else:
            pytest.fail(f"{where}: extra= keys must be string literals so they can be checked")


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _log_extras() -> Iterator[tuple[str, str]]:
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names = _dict_assignments(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if _called(node) == ACCESS_LINE_FIELDS:  # its keywords become fields of the request's access line
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                for keyword in node.keywords:
                    if keyword.arg is not None:
                        yield where, keyword.arg
                    else:
                        for key in _keys(keyword.value, names, where):
                            yield where, key
                continue
            if not isinstance(node.func, ast.Attribute) or node.func.attr not in LOG_METHODS:
                continue
            for keyword in node.keywords:
                if keyword.arg == "extra":
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    for key in _keys(keyword.value, names, where):
                        yield where, key


def test_the_reserved_names_are_the_ones_logging_refuses(log_problems: LogProblems) -> None:
    for name in ("message", "msg", "args", "name", "module", "lineno", "asctime", "exc_info", "taskName"):
        assert name in RESERVED_FIELDS
    with pytest.raises(KeyError, match="overwrite"):
        logging.getLogger("test").makeRecord("test", logging.INFO, "f", 1, "m", (), None, extra={"message": "x"})
    assert log_problems.broken == [
        "a logging call on 'test' raised KeyError(\"Attempt to overwrite 'message' in LogRecord\")"
    ]
    log_problems.broken.clear()  # provoked on purpose: the per-test check must not fail this test


def test_no_log_field_in_the_code_reuses_a_log_record_attribute() -> None:
    extras = list(_log_extras())
    assert len(extras) > 50  # the walk found the code's logging calls (it would pass vacuously otherwise)
    clashes = [f"{where}: extra key {key!r}" for where, key in extras if key in RESERVED_FIELDS]
    assert clashes == []
