"""The per-page cut: keep the segments that maximise the page's expected word-F1."""

import numpy as np
import pytest

from worker.core.decision import Decision


def scores(*values: float) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def test_a_confident_page_keeps_its_likely_segments_only() -> None:
    keep = Decision(bias=0.0, floor=0.2).keep(scores(0.95, 0.9, 0.3, 0.05), scores(40, 30, 5, 3))
    assert keep.tolist() == [True, True, False, False]


def test_an_unsure_page_still_keeps_its_best_text() -> None:
    # Everything scores under one half, yet the long line is far likelier than the menu:
    # a global 0.5 threshold would keep nothing, the expected-F1 cut keeps the text.
    keep = Decision(bias=0.0, floor=0.2).keep(scores(0.45, 0.4, 0.1, 0.1), scores(60, 50, 1, 1))
    assert keep.tolist() == [True, True, False, False]


def test_nothing_above_the_floor_keeps_nothing() -> None:
    decision = Decision(bias=0.0, floor=0.2)
    page = scores(0.19, 0.1, 0.0)
    assert decision.cut(page, scores(50, 5, 5)) > 1.0
    assert not decision.keep(page, scores(50, 5, 5)).any()


def test_a_negative_bias_keeps_less_of_a_doubtful_tail() -> None:
    page, words = scores(0.9, 0.5, 0.4, 0.35), scores(20, 20, 20, 20)
    generous = Decision(bias=1.0, floor=0.1).keep(page, words)
    strict = Decision(bias=-1.0, floor=0.1).keep(page, words)
    assert generous.sum() > strict.sum() >= 1
    assert not (strict & ~generous).any()  # the strict set is inside the generous one


def test_equal_scores_get_the_same_label() -> None:
    keep = Decision(bias=0.0, floor=0.1).keep(scores(0.6, 0.6, 0.6), scores(1, 100, 1))
    assert keep.tolist() == [True, True, True]


def test_round_trips_through_json_and_refuses_an_unknown_rule() -> None:
    decision = Decision(bias=-0.5, floor=0.25)
    assert Decision.from_json(decision.to_json()) == decision
    with pytest.raises(ValueError, match="unknown decision rule"):
        Decision.from_json({"rule": "threshold", "bias": 0.0, "floor": 0.5})


def test_a_likely_segment_is_kept_even_where_a_higher_cut_would_pay() -> None:
    # On a confident page the expected-F1 optimum would drop a short 0.52 headline for a
    # point of precision; a segment more likely article than not is always kept.
    page, words = scores(0.99, 0.99, 0.99, 0.52), scores(50, 50, 50, 9)
    assert Decision(bias=-0.5, floor=0.2).keep(page, words).all()


def test_the_floor_cannot_exceed_one_half() -> None:
    with pytest.raises(ValueError, match="floor"):
        Decision(bias=0.0, floor=0.6)
