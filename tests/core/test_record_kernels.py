"""The kernels that build a raw record's outputs (records.py) against the Python they
replaced, the reject record's rows; and a shortcut of validating it (raw_page.py)."""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from worker.core import kernels
from worker.core.verdict import SegmentVerdict

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def bits(value: Any) -> Any:
    """A float by its bits (NaN equals NaN, -0.0 differs from 0.0); anything else as is."""
    return struct.pack("<d", value) if type(value) is float else value


def plain_reject_rows(segments: Any, kept_label: str) -> tuple[list[str], list[dict[str, Any]]]:
    """build_page_outputs' comprehensions at 84fdba7."""
    kept = [s.text for s in segments if s.label == kept_label]
    rows = [
        {"position": s.position, "text": s.text, "score": round(s.score, 4), "reasons": s.reasons}
        for s in segments
        if s.label != kept_label
    ]
    return kept, rows


def assert_same_rows(segments: tuple[SegmentVerdict, ...]) -> None:
    kept, rows = kernels.reject_rows(segments, "article")
    expected_kept, expected_rows = plain_reject_rows(segments, "article")
    assert kept == expected_kept
    assert [list(row) for row in rows] == [list(row) for row in expected_rows]  # key order
    assert [{k: bits(v) for k, v in row.items()} for row in rows] == [
        {k: bits(v) for k, v in row.items()} for row in expected_rows
    ]
    assert all(
        type(row["score"]) is type(e["score"]) for row, e in zip(rows, expected_rows, strict=True)
    )


LABELS = st.sampled_from(["article", "junk", "".join(["arti", "cle"]), "other"])


@SETTINGS
@given(st.lists(st.tuples(st.text(max_size=5), LABELS, st.floats(), st.integers(0, 3))))
def test_reject_rows_are_the_comprehensions(rows: list[tuple[str, str, float, int]]) -> None:
    """Any float score (NaN, infinities, signed zeros, huge, tiny), labels equal to the kept
    one without being the same object."""
    segments = tuple(
        SegmentVerdict(i, text, label, score, ("why",) * n)  # type: ignore[arg-type]
        for i, (text, label, score, n) in enumerate(rows)
    )
    assert_same_rows(segments)


def near(value: float, steps: int) -> list[float]:
    """value and the `steps` floats on either side of it."""
    out, up, down = [value], value, value
    for _ in range(steps):
        up, down = math.nextafter(up, math.inf), math.nextafter(down, -math.inf)
        out += [up, down]
    return out


def test_scores_round_as_round_does_at_every_fourth_decimal_and_its_halves() -> None:
    """What the fast rounding must not get wrong: the classifier's own scores (already
    4-place decimals, as segment_verdicts rounds them), the midpoints between them and the
    floats next to those, exact binary ties (k/32), and scores past the fast range."""
    steps = np.arange(10_001, dtype=np.float64)
    classifier = (np.rint(steps / 10_000 * 10_000) / 10_000).tolist()
    midpoints = [f for k in range(0, 10_000, 7) for f in near((k + 0.5) / 10_000, 3)]
    ties = [k / 32 for k in range(33)] + [k / 64 for k in range(1, 64, 2)]
    odd = [-0.0, 0.0, -0.00004, -1.5, 999.99995, 1000.0, 1000.00005, 1e9, 5e-324, math.nan]
    odd += [math.inf, -math.inf, 0.1 + 0.2, 1 / 3, 2 / 3]
    scores = classifier + midpoints + ties + odd
    segments = tuple(SegmentVerdict(i, "t", "junk", score, ()) for i, score in enumerate(scores))
    assert_same_rows(segments)


def test_reject_rows_take_any_sequence_and_refuse_what_is_no_verdict_row() -> None:
    segments = [SegmentVerdict(0, "a", "article", 0.9, ()), SegmentVerdict(1, "b", "junk", 0.1, ())]
    assert kernels.reject_rows(segments, "article") == (
        ["a"],
        [{"position": 1, "text": "b", "score": 0.1, "reasons": ()}],
    )
    with pytest.raises(TypeError):
        kernels.reject_rows(((0, "a", "junk"),), "article")
    with pytest.raises(TypeError):
        kernels.reject_rows(([0, "a", "junk", 0.5, ()],), "article")


def test_a_score_round_cannot_round_is_an_error_as_before() -> None:
    segments = (SegmentVerdict(0, "a", "junk", "0.5", ()),)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        kernels.reject_rows(segments, "article")
    with pytest.raises(TypeError):
        plain_reject_rows(segments, "article")


def test_the_url_whitespace_test_is_str_isspace() -> None:
    """raw_page refuses a URL holding whitespace by a regex instead of testing each
    character with str.isspace(): the same characters, every code point."""
    from worker.core.raw_page import _WHITESPACE

    for code in range(0x110000):
        character = chr(code)
        assert bool(_WHITESPACE.search(character)) == character.isspace(), hex(code)
