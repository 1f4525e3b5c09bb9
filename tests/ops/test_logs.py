"""JSON log lines: one object per line, record coordinates on each line about a record."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import orjson
import pytest

from worker.ops.logs import record_logger, resolve_level, setup_logging


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    yield stream
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


def test_record_logger_stamps_topic_partition_offset(captured: io.StringIO) -> None:
    setup_logging("DEBUG", stream=captured)
    log = record_logger(logging.getLogger("chaff.test"), "pages.raw", 3, 1234, page_id="p1")
    log.warning("dead letter: %s", "invalid_json", extra={"reason": "invalid_json"})
    [entry] = lines(captured)
    assert entry["message"] == "dead letter: invalid_json"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "chaff.test"
    assert (entry["topic"], entry["partition"], entry["offset"]) == ("pages.raw", 3, 1234)
    assert entry["page_id"] == "p1" and entry["reason"] == "invalid_json"
    assert str(entry["ts"]).endswith("+00:00")


def test_level_filters_and_exceptions_are_one_line(captured: io.StringIO) -> None:
    setup_logging("WARNING", stream=captured)
    log = logging.getLogger("chaff.test")
    log.info("hidden")
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        log.exception("failed", extra={"odd": b"\xff"})
    text = captured.getvalue()
    assert text.count("\n") == 1
    [entry] = lines(captured)
    assert "ValueError: bad" in str(entry["exc"]) and entry["odd"] == "b'\\xff'"


def test_level_comes_from_flag_then_environment_then_info() -> None:
    assert resolve_level("debug", {"CHAFF_LOG_LEVEL": "ERROR"}) == logging.DEBUG
    assert resolve_level(None, {"CHAFF_LOG_LEVEL": "error"}) == logging.ERROR
    assert resolve_level(None, {}) == logging.INFO
    with pytest.raises(SystemExit, match="unknown log level 'LOUD'"):
        resolve_level("loud", {})
