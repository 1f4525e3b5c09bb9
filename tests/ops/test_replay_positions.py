"""Replay start/stop parsing and resolution to offsets (no broker needed)."""

from __future__ import annotations

import pytest

from worker.stream.replay_positions import (
    ALL_PARTITIONS,
    Offsets,
    Timestamp,
    parse_duration,
    parse_offsets,
    parse_timestamp,
    position_from_args,
    resolve,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("6h", 21600), ("30m", 1800), ("1h30m", 5400), ("2d", 172800), ("45s", 45), ("500ms", 0.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "6", "h", "6 hours", "-1h", "0s", "1h-5m"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_timestamps_need_an_offset() -> None:
    assert parse_timestamp("2026-11-24T06:00:00Z") == Timestamp(1795500000000)
    assert parse_timestamp("2026-11-24T07:00:00+01:00") == Timestamp(1795500000000)
    with pytest.raises(ValueError, match="UTC offset"):
        parse_timestamp("2026-11-24T06:00:00")
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_timestamp("yesterday")


def test_offset_specs() -> None:
    assert parse_offsets(["0:1200", "1:900"]) == Offsets({0: 1200, 1: 900})
    assert parse_offsets(["0:1,2:3"]) == Offsets({0: 1, 2: 3})
    assert parse_offsets(["42"]) == Offsets({ALL_PARTITIONS: 42})
    for bad in (["x:1"], ["0:-1"], ["0:1", "0:2"], ["5", "0:1"]):
        with pytest.raises(ValueError):
            parse_offsets(bad)


def test_since_is_measured_back_from_now() -> None:
    assert position_from_args(None, None, "1h", now=7200.0) == Timestamp(3_600_000)
    assert position_from_args(None, None, None, now=0.0) is None


def no_times(_: dict[int, int]) -> dict[int, int | None]:
    raise AssertionError("offsets_for_times must not be called for explicit offsets")


def test_resolve_clamps_offsets_to_the_retained_log() -> None:
    beginning, end = {0: 10, 1: 0, 2: 0}, {0: 100, 1: 50, 2: 0}
    assert resolve(Offsets({ALL_PARTITIONS: 5}), [0, 1, 2], beginning, end, no_times) == {
        0: 10,
        1: 5,
        2: 0,
    }
    assert resolve(Offsets({1: 70}), [0, 1, 2], beginning, end, no_times) == {1: 50}
    with pytest.raises(ValueError, match=r"no such partition\(s\): \[9\]"):
        resolve(Offsets({9: 1}), [0, 1, 2], beginning, end, no_times)


def test_resolve_timestamp_past_the_last_record_means_the_end() -> None:
    asked: list[dict[int, int]] = []

    def lookup(times: dict[int, int]) -> dict[int, int | None]:
        asked.append(times)
        return {0: 40, 1: None}

    result = resolve(Timestamp(123), [0, 1], {0: 0, 1: 0}, {0: 100, 1: 50}, lookup)
    assert result == {0: 40, 1: 50}
    assert asked == [{0: 123, 1: 123}]
