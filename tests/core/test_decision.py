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


def html_table(comment: list[bool]) -> np.ndarray:
    """An HTML feature table of len(comment) segments, zero but for the comment bit."""
    from worker.core.features import feature_names

    names = feature_names("text/html")
    table = np.zeros((len(comment), len(names)), dtype=np.float32)
    table[:, names.index("comment_class")] = comment
    return table


def test_an_item_pages_decision_holds_a_comment_thread_back_from_the_cut() -> None:
    # An article's paragraphs, then a thread of mid-score comments with more words than it:
    # the expected-F1 cut reaches down for them, unless comments are held back.
    page, words = scores(0.9, 0.8, 0.45, 0.4, 0.4, 0.6), scores(100, 80, 60, 60, 60, 20)
    table = html_table([False, False, True, True, True, True])
    plain = Decision(bias=0.0, floor=0.2).keep(page, words, table)
    held = Decision(bias=0.0, floor=0.2, holds_back_comments=True).keep(page, words, table)
    assert plain.tolist() == [True, True, True, True, True, True]
    # A comment the model is sure of (0.6) stays; the doubtful ones go.
    assert held.tolist() == [True, True, False, False, False, True]


def test_holding_back_needs_the_html_table() -> None:
    decision = Decision(bias=0.0, floor=0.2, holds_back_comments=True)
    page, words = scores(0.9, 0.45), scores(10, 60)
    assert decision.keep(page, words).tolist() == decision.keep(page, words, None).tolist()
    text_table = np.ones((2, 30), dtype=np.float32)  # a text dump's table: no containers
    assert decision.keep(page, words, text_table).tolist() == [True, True]


def test_holding_back_round_trips_through_json() -> None:
    decision = Decision(bias=0.25, floor=0.1, holds_back_comments=True)
    assert decision.to_json()["holds_back_comments"] is True
    assert Decision.from_json(decision.to_json()) == decision
    assert "holds_back_comments" not in Decision().to_json()  # older readers see the same
