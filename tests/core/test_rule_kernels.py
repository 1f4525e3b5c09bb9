"""kernels_c/rules.c: page_cut, the bar a page's segments must reach, equals
score_references.page_cut; and the kernels that read a list of str (rule_rejections, and
text_lines of text_lines.c) refuse anything else."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import score_references as reference
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from kernel_fixtures import KERNEL_SETTINGS

from worker.core import _kernels, kernels

page_scores = st.integers(1, 300).flatmap(
    lambda count: st.tuples(
        arrays(np.float64, count, elements=st.floats(0.0, 1.0)),
        arrays(np.float64, count, elements=st.floats(0.0, 500.0)),
    )
)


@KERNEL_SETTINGS
@given(page_scores, st.sampled_from([0.0, 0.05, 0.2, 0.5]), st.floats(-3.0, 3.0))
def test_page_cut_matches_numpy(
    scores_and_words: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    floor: float,
    bias: float,
) -> None:
    """Ties, scores of exactly 0, 1 and the floor, pages where nothing reaches the floor."""
    scores, words = scores_and_words
    expected = reference.page_cut(scores, words, floor, bias)
    assert kernels.page_cut(scores, words, floor, bias, 0.5) == expected


@pytest.mark.parametrize("count", [1, 15, 16, 17, 33, 250, 1000, 4099])
def test_page_cut_ranks_long_pages_of_tied_scores_like_numpy(count: int) -> None:
    """Long pages with few distinct scores: every level of the merge sort meets ties."""
    rng = np.random.default_rng(count)
    for levels in (2, 5, 40):
        scores = rng.integers(0, levels, count) / (levels - 1)
        words = rng.integers(0, 60, count).astype(np.float64)
        for floor in (0.0, 0.2):
            expected = reference.page_cut(scores, words, floor, 0.3)
            assert kernels.page_cut(scores, words, floor, 0.3, 0.5) == expected


def test_page_cut_refuses_tables_of_different_lengths() -> None:
    with pytest.raises(ValueError):
        _kernels.page_cut(np.zeros(3), np.zeros(2), 0.2, 0.0, 0.5)


def test_the_str_kernels_refuse_what_is_not_str() -> None:
    with pytest.raises(TypeError):
        _kernels.text_lines(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _kernels.rule_rejections(["ok", b"bytes"], "-", 3, 30, ".")  # type: ignore[list-item]
