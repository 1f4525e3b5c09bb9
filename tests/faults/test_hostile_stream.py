"""Scenario 4: a stream in which one record in fifty is hostile (hostile.py: invalid JSON,
wrong types, wrong encodings, megabyte-sized and empty bodies, deeply nested JSON, binary
junk). Every record gets an outcome, hostile ones the dead letter their kind predicts, each
dead letter carries the original bytes (or their length and sha256), and the one worker
process is still running at the end."""

from __future__ import annotations

import base64
import hashlib
import warnings
from collections import Counter
from pathlib import Path

import orjson
import pytest
from fault_helpers import final_outcomes, make_topics, publish, small_page, worker_env
from hostile import (
    HOSTILE_MAX_PAGE_BYTES,
    PAGE_OUTCOMES,
    binary_junk,
    deeply_nested,
    empty_body,
    invalid_json,
    megabyte_sized,
    wrong_encoding,
    wrong_types,
)
from hypothesis import strategies as st
from hypothesis.errors import NonInteractiveExampleWarning
from kafka_helpers import TopicFactory, consume_all
from stream.stream_helpers import Worker

pytestmark = [pytest.mark.broker, pytest.mark.slow]

PAGES = 2500
HOSTILE_EVERY = 50
FAMILIES: dict[str, st.SearchStrategy[tuple[bytes | None, frozenset[str]]]] = {
    "invalid_json": invalid_json,
    "wrong_types": wrong_types,
    "wrong_encoding": wrong_encoding,
    "megabyte_sized": megabyte_sized,
    "empty_body": empty_body,
    "deeply_nested": deeply_nested,
    "binary_junk": binary_junk,
}


def draw_hostile(count: int) -> list[tuple[str, bytes | None, frozenset[str]]]:
    """`count` hostile records, cycling through the families so each one is present.

    Drawn with `.example()` rather than @given: one broker scenario is one example, and
    @given's first example is always the simplest one (the same minimal record every time).
    """
    names = list(FAMILIES)
    drawn = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        for number in range(count):
            name = names[number % len(names)]
            value, allowed = FAMILIES[name].example()
            drawn.append((name, value, allowed))
    return drawn


def test_hostile_records_all_get_outcomes_and_the_worker_survives(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    hostile = iter(draw_hostile(PAGES // HOSTILE_EVERY))
    values: list[bytes | None] = []
    allowed: list[frozenset[str]] = []
    family: list[str | None] = []
    for number in range(PAGES):
        if number % HOSTILE_EVERY == HOSTILE_EVERY - 1:
            name, value, outcomes_allowed = next(hostile)
        else:
            name, value, outcomes_allowed = None, small_page(number), PAGE_OUTCOMES
        values.append(value)
        allowed.append(outcomes_allowed)
        family.append(name)

    topics = make_topics(topic_factory, partitions=3)
    inputs = publish(kafka_bootstrap, topics, values)
    env = worker_env(False, CHAFF_MAX_PAGE_BYTES=str(HOSTILE_MAX_PAGE_BYTES))
    worker = Worker(kafka_bootstrap, topics, tmp_path / "worker.log", env).start()
    try:
        found = final_outcomes(kafka_bootstrap, topics, inputs, [worker], exactly_once=False)
        worker.assert_running()
        assert worker.terminate() == 0, worker.log()
    finally:
        worker.stop_quietly()

    wrong = [
        (family[i], preview(values[i]), found[offset], set(allowed[i]))
        for i, offset in enumerate(inputs)
        if not set(found[offset]) <= allowed[i]
    ]
    assert not wrong, f"{len(wrong)} records with unexpected outcomes, e.g. {wrong[:5]}"
    index_of = {offset: i for i, offset in enumerate(inputs)}
    letters = consume_all(kafka_bootstrap, topics.dead_letter)
    for record in letters:
        letter = orjson.loads(record.value)
        value = values[index_of[(letter["source"]["partition"], letter["source"]["offset"])]]
        assert_keeps_original(letter["original"], value)
    kinds = Counter(outcome for results in found.values() for outcome in results[:1])
    hostile_count = sum(1 for name in family if name)
    print(f"\n[faults] hostile stream: {PAGES} records, {hostile_count} hostile, outcomes {kinds}")


def preview(value: bytes | None) -> bytes | None:
    return None if value is None else value[:120]


def assert_keeps_original(original: dict[str, object], value: bytes | None) -> None:
    """The dead letter must let an operator recover (or at least identify) the input."""
    raw = value or b""
    assert original["null"] is (value is None)
    assert original["length"] == len(raw)
    assert original["sha256"] == hashlib.sha256(raw).hexdigest()
    kept = str(original["value"])
    decoded = kept.encode() if original["encoding"] == "utf-8" else base64.b64decode(kept)
    if original["truncated"]:
        assert raw.startswith(decoded) and len(decoded) < len(raw)
    else:
        assert decoded == raw
