"""The hostile-record strategies against the worker's pure pipeline (no broker): each drawn
record gets one of the outcomes its strategy allows, and processing never raises. This keeps
hostile.py honest, so the broker scenario's expectations are right."""

from __future__ import annotations

import pytest
from hostile import HOSTILE_MAX_PAGE_BYTES, Hostile, hostile_records
from hypothesis import HealthCheck, given, settings

from worker.core.classify import classify_page
from worker.core.records import Limits, Source, process_raw_record


def outcome_name(value: bytes | None) -> str:
    processed = process_raw_record(
        value,
        Source("pages.raw", 0, 0, None, b"key"),
        classify_page,
        "test",
        Limits(max_page_bytes=HOSTILE_MAX_PAGE_BYTES),
    )
    if processed.outcome == "dead_letter":
        assert processed.error_message, "a dead letter must say why"
        return f"dead_letter:{processed.error_kind}"
    return processed.outcome


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_records)
def test_every_hostile_record_gets_an_allowed_outcome(record: Hostile) -> None:
    value, allowed = record
    assert outcome_name(value) in allowed
