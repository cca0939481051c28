"""The test session logs as `upfront serve` and `upfront worker` do, and sees what goes wrong in logging."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from plugin.logs import JsonFormatter
from tests.production_logging import LogProblems


def test_the_root_logger_is_configured_as_in_production() -> None:
    root = logging.getLogger()
    assert root.level == logging.INFO
    json_handlers = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
    assert len(json_handlers) == 1 and isinstance(json_handlers[0], logging.StreamHandler)
    assert logging.getLogger("uvicorn.access").disabled
    assert logging.getLogger("webhooks.journey.send").isEnabledFor(logging.INFO)


def test_info_records_are_formatted_as_json_lines_with_their_fields(caplog: pytest.LogCaptureFixture) -> None:
    logging.getLogger("webhooks.journey.send").info("message sent", extra={"message_ref": "abc", "stage": "shipped"})
    (record,) = [r for r in caplog.records if r.getMessage() == "message sent"]
    line = json.loads(JsonFormatter().format(record))
    assert (line["level"], line["msg"], line["message_ref"], line["stage"]) == (
        "info",
        "message sent",
        "abc",
        "shipped",
    )


def test_a_line_carries_its_time_in_utc_to_the_millisecond() -> None:
    formatter = JsonFormatter()
    for created in (1_800_000_000.0, 1_800_000_000.9996, 1_800_000_000.9999996, 1_800_000_001.123, 1_800_000_001.5):
        record = logging.makeLogRecord({"msg": "x", "created": created})
        expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
        assert json.loads(formatter.format(record))["ts"] == expected


def test_error_records_and_broken_log_calls_are_collected(log_problems: LogProblems) -> None:
    logging.getLogger("plugin.jobs").error("job failed for good", extra={"job": "x"})
    with pytest.raises(KeyError):
        logging.getLogger("webhooks.journey.advance").info("message scheduled", extra={"message": "ref"})
    assert [record.getMessage() for record in log_problems.errors] == ["job failed for good"]
    assert log_problems.broken == [
        "a logging call on 'webhooks.journey.advance' raised KeyError(\"Attempt to overwrite 'message' in LogRecord\")"
    ]
    log_problems.clear()  # provoked on purpose: the per-test check would fail this test otherwise


@pytest.mark.allow_error_logs("expected failure")
def test_a_marked_test_may_log_the_errors_it_names(log_problems: LogProblems) -> None:
    logging.getLogger("plugin.jobs").error("an expected failure")
    assert len(log_problems.errors) == 1  # collected, and allowed by the marker at teardown
