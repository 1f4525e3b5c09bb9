"""kernels_c/reasons.c's segment_verdicts builds a page's verdict rows (text, label, score
rounded to four decimals, reasons) as the Python it replaced did, to the bit, and refuses
what it cannot read."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from kernel_fixtures import (
    CONTENT_TYPES,
    FIXTURE_PAGES,
    KERNEL_SETTINGS,
    assert_bit_equal,
    fixture_pages,
    fixture_segments,
)

from worker.core import _kernels, kernels
from worker.core.article_start import REASON as HEADLINE_REASON
from worker.core.article_start import dump_headline, html_headline
from worker.core.classify import _reasons, classify_page, one_item_drops
from worker.core.rules import page_rule_hits
from worker.core.segment_model import shipped_model
from worker.core.verdict import SegmentVerdict
from worker.learn.dataset import Mode


def plain_verdicts(
    texts: list[str],
    keep: npt.NDArray[np.bool_],
    scores: npt.NDArray[np.float64],
    reasons: list[tuple[str, ...]],
) -> tuple[SegmentVerdict, ...]:
    """What segment_verdicts stands for (classify.py at 2d924a3)."""
    labels = np.where(keep, "article", "junk").tolist()
    with np.errstate(over="ignore"):  # x * 10^4 overflows past 1.8e304: inf, as in C
        rounded = np.round(scores, 4).tolist()
    rows = zip(range(len(texts)), texts, labels, rounded, reasons, strict=True)
    return tuple(SegmentVerdict(*row) for row in rows)


def assert_same_verdicts(
    actual: tuple[SegmentVerdict, ...], expected: tuple[SegmentVerdict, ...]
) -> None:
    assert all(type(row) is SegmentVerdict for row in actual)
    assert [row[:3] + row[4:] for row in actual] == [row[:3] + row[4:] for row in expected]
    assert_bit_equal(
        np.asarray([row.score for row in actual], dtype=np.float64),
        np.asarray([row.score for row in expected], dtype=np.float64),
    )


@KERNEL_SETTINGS
@given(arrays(np.float64, st.integers(0, 60)), st.integers(0, 2**16))
def test_segment_verdicts_round_and_label_as_numpy(
    scores: npt.NDArray[np.float64], seed: int
) -> None:
    """Any float64: NaN, infinities, zeros of either sign, halves at the fourth decimal."""
    rng = np.random.default_rng(seed)
    keep = rng.random(scores.size) < 0.5
    texts = [f"segment {i}" for i in range(scores.size)]
    reasons = [("a reason",) * int(rng.integers(0, 4)) for _ in range(scores.size)]
    actual = kernels.segment_verdicts(
        SegmentVerdict, texts, keep, scores, reasons, ("junk", "article")
    )
    assert_same_verdicts(actual, plain_verdicts(texts, keep, scores, reasons))


def test_segment_verdicts_round_halves_to_even_like_numpy() -> None:
    scores = np.array([0.00005, 0.00015, 0.12345, 0.99995, 1.0, 0.5, -0.0, 1e-300])
    keep = np.ones(scores.size, dtype=bool)
    texts = ["x"] * scores.size
    reasons: list[tuple[str, ...]] = [()] * scores.size
    actual = kernels.segment_verdicts(
        SegmentVerdict, texts, keep, scores, reasons, ("junk", "article")
    )
    assert_same_verdicts(actual, plain_verdicts(texts, keep, scores, reasons))


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_classify_page_builds_its_verdicts_as_before(mode: Mode, page_id: str) -> None:
    """The rows of a whole page, from classify_page's own steps, as the Python built them."""
    content_type = CONTENT_TYPES[mode]
    model = shipped_model(content_type)
    segments = fixture_segments(mode, page_id)
    page = model.score(segments)
    ruled, thread = page_rule_hits(
        segments.texts, page.words, content_type, page.single_item_page, page.features
    )
    if thread is not None and content_type == "text/plain":
        page = model.score_before_thread(segments, page, thread)
    scores = page.scores.copy()
    scores[list(ruled)] = 0.0
    cut_scores = page.decision.cut_scores(scores, page.features)
    cut = page.decision.cut(cut_scores, page.words)
    keep = cut_scores >= cut
    held = (cut_scores != scores) & (scores >= page.decision.cut(scores, page.words))
    headline = dump_headline(segments.texts, page.words, keep)
    if content_type == "text/plain" and headline is not None and headline not in ruled:
        keep[headline] = True
        ruled = ruled | {headline: HEADLINE_REASON}
    if page.single_item_page and segments.html is not None:
        headline = html_headline(segments.html.bits, page.features, page.words, keep)
        if headline is not None and headline not in ruled:
            keep[headline] = True
            ruled = ruled | {headline: HEADLINE_REASON}
        html = segments.html
        dropped = one_item_drops(segments.texts, html.bits, html.paths, page.words, keep)
        keep[list(dropped)] = False
        ruled = ruled | dropped
    reasons = _reasons(content_type, page, keep, ruled, cut, held)
    expected = plain_verdicts(segments.texts, keep, scores, reasons)
    verdict = classify_page(fixture_pages()[mode, page_id].body(mode), content_type)
    assert_same_verdicts(verdict.segments, expected)


def test_segment_verdicts_refuse_bad_calls() -> None:
    one = np.zeros(1)
    with pytest.raises(TypeError):  # not a tuple subclass
        _kernels.segment_verdicts(dict, ["x"], b"\x01", one, [()], ("junk", "article"))
    with pytest.raises(ValueError):  # scores of two segments for one text
        _kernels.segment_verdicts(
            SegmentVerdict, ["x"], b"\x01", np.zeros(2), [()], ("junk", "article")
        )
    with pytest.raises(ValueError):  # no reasons for the text
        _kernels.segment_verdicts(SegmentVerdict, ["x"], b"\x01", one, [], ("junk", "article"))
    with pytest.raises(ValueError):  # one label
        _kernels.segment_verdicts(SegmentVerdict, ["x"], b"\x01", one, [()], ("junk",))
