"""kernels_c/context_features.c: context_columns and position_features, and the tables
page_features and smoothing_features build with them, equal their numpy definitions
(feature_references.py) to the bit, on the fixture pages and on hypothesis-made tables."""

from __future__ import annotations

import feature_references as reference
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
    fixture_segments,
    fixture_text_features,
)

from worker.core import kernels
from worker.core.features import (
    _SMOOTHING_RADII,
    _WINDOWS,
    _source_columns,
    _text_features,
    page_features,
    smoothing_features,
)
from worker.core.segment_model import LOG_WORDS, shipped_model
from worker.learn.dataset import Mode

RADII = (0, 1, 2, 3, 4, 5, 8, 16, 40)


# --- the fixture pages -----------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_context_columns_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """On the columns the context features average (and all the others), and on one."""
    segments = fixture_segments(mode, page_id)
    assert segments.structure is not None
    values = np.column_stack(
        (fixture_text_features(mode, page_id), segments.structure.astype(np.float64))
    )
    for radii in (_WINDOWS, _SMOOTHING_RADII, RADII):
        for sources in (values, np.ascontiguousarray(values[:, 1:2])):
            assert_bit_equal(
                context_table(sources, radii), reference.context_columns(sources, radii)
            )


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_position_features_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """From the log_words and ends_sentence columns, as page_features passes them."""
    text = fixture_text_features(mode, page_id)
    expected = np.empty((text.shape[0], kernels.POSITION_COLUMNS), dtype=np.float32)
    reference.position_features(text[:, 1], text[:, 11], expected)
    assert_bit_equal(kernels.position_features(text[:, 1], text[:, 11]), expected)
    # written into a page's table from a column on, the columns around them untouched
    table = np.full((text.shape[0], 3 + kernels.POSITION_COLUMNS + 2), 7.0, dtype=np.float32)
    kernels.position_features(text[:, 1], text[:, 11], table, 3)
    assert_bit_equal(table[:, 3 : 3 + kernels.POSITION_COLUMNS], expected)
    assert (table[:, :3] == 7.0).all() and (table[:, 3 + kernels.POSITION_COLUMNS :] == 7.0).all()


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_page_features_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """The whole table, as page_features assembled it in numpy: the text columns, the
    structure, the context columns and the position columns, each rounded to float32 once."""
    segments = fixture_segments(mode, page_id)
    assert segments.structure is not None
    text = _text_features(segments.texts, segments.utf8)
    text_sources, structure_sources = _source_columns(segments.content_type)
    sources = np.column_stack(
        (text[:, text_sources], segments.structure[:, structure_sources].astype(np.float64))
    )
    position = np.empty((len(segments), kernels.POSITION_COLUMNS), dtype=np.float32)
    reference.position_features(text[:, 1], text[:, 11], position)
    expected = np.hstack(
        (
            text.astype(np.float32),
            segments.structure,
            reference.context_columns(sources, _WINDOWS),
            position,
        )
    )
    assert_bit_equal(page_features(segments), expected)


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_smoothing_features_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """On the local logits of the shipped model, and on logits pushed past the clip."""
    features = page_features(fixture_segments(mode, page_id))
    _, local_logits = shipped_model(CONTENT_TYPES[mode]).local.scores(features)
    log_words = features[:, LOG_WORDS]
    for logits in (local_logits, local_logits * 40.0):
        assert_bit_equal(
            smoothing_features(logits, log_words),
            reference.smoothing_features(logits, log_words, _SMOOTHING_RADII),
        )


# --- moving_means ---------------------------------------------------------------------------

any_float = st.floats(allow_nan=True, allow_infinity=True)
plain_float = st.one_of(
    st.floats(-1.0, 1.0),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, 0.5, 1e300, -1e300, 5e-324]),
)


@st.composite
def table_of_values(draw: st.DrawFn) -> npt.NDArray[np.float64]:
    rows = draw(st.integers(1, 300))
    width = draw(st.sampled_from([None, 0, 1, 2, 3, 7]))
    shape = (rows,) if width is None else (rows, width)
    elements = draw(st.sampled_from([plain_float, any_float, st.integers(0, 3).map(float)]))
    table: npt.NDArray[np.float64] = draw(arrays(np.float64, shape, elements=elements))
    return table


@KERNEL_SETTINGS
@given(
    table_of_values().filter(lambda table: table.ndim == 2 and table.shape[1] > 0),
    st.lists(st.integers(0, 40), max_size=6).map(tuple),
    st.integers(0, 3),
    st.integers(0, 3),
)
def test_context_columns_match_numpy(
    sources: npt.NDArray[np.float64], radii: tuple[int, ...], before: int, after: int
) -> None:
    """Written into a wider float32 table from a column on; the columns around them stay as
    they were. Windows wider than the page, radius 0, sums that overflow to inf (inf - inf),
    values past float32's range (inf, as numpy's assignment rounds them)."""
    with np.errstate(invalid="ignore", over="ignore"):
        expected = reference.context_columns(sources, radii)
    written = expected.shape[1]
    table = np.full((sources.shape[0], before + written + after), 7.0, dtype=np.float32)
    kernels.context_columns(sources, radii, table, before)
    assert_bit_equal(table[:, before : before + written], expected)
    assert (table[:, :before] == 7.0).all() and (table[:, before + written :] == 7.0).all()


def context_table(
    sources: npt.NDArray[np.float64], radii: tuple[int, ...]
) -> npt.NDArray[np.float32]:
    count, width = sources.shape
    table = np.empty((count, width * (len(radii) + 2)), dtype=np.float32)
    kernels.context_columns(sources, radii, table, 0)
    return table


def test_context_columns_keep_a_leading_negative_zero() -> None:
    """np.cumsum starts from the first value, not from 0.0 + it: a window from row 0 over
    -0.0 alone has the sum -0.0 (hypothesis needs thousands of examples to find this)."""
    values = np.asarray([[-0.0, 1.0], [-0.0, -0.0], [2.0, -0.0]])
    for radii in ((0, 1, 2), (0,)):
        for sources in (values, np.ascontiguousarray(values[:, :1])):
            assert_bit_equal(
                context_table(sources, radii), reference.context_columns(sources, radii)
            )
    assert np.signbit(context_table(values, (0, 1))[0, [0, 2]]).all()  # row 0, radii 0 and 1


def test_context_columns_match_the_plain_formula() -> None:
    """The mean of the window clipped at the page's edges, from cumulative sums; the numpy
    reference and the kernel both give exactly that, 2-D and 1-D."""
    rng = np.random.default_rng(0)
    for count in range(1, 30):
        values = rng.normal(size=(count, 3))
        for radius in (0, 1, 2, 5, 8, 16, 40):
            index = np.arange(count)
            low, high = np.maximum(index - radius, 0), np.minimum(index + radius + 1, count)
            sums = np.concatenate((np.zeros((1, 3)), np.cumsum(values, axis=0)))
            width = (high - low).astype(np.float64)
            expected = (sums[high] - sums[low]) / width[:, None]
            assert np.array_equal(
                context_table(values, (radius,))[:, :3], expected.astype(np.float32)
            )
            column = np.ascontiguousarray(values[:, :1])
            assert np.array_equal(
                context_table(column, (radius,))[:, 0], expected[:, 0].astype(np.float32)
            )
            assert np.array_equal(reference.moving_mean(values, radius), expected)


# --- position_features ----------------------------------------------------------------------

log_words_value = st.one_of(
    st.integers(0, 40).map(lambda words: float(np.log1p(words))),
    st.integers(0, 10**6).map(lambda words: float(np.log1p(words))),
    st.floats(-5.0, 60.0),
)
ends_sentence_value = st.one_of(st.sampled_from([0.0, 1.0]), any_float)


@st.composite
def page_positions(draw: st.DrawFn) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    rows = draw(st.integers(1, 300))
    log_words = draw(arrays(np.float64, rows, elements=log_words_value))
    ends_sentence = draw(arrays(np.float64, rows, elements=ends_sentence_value))
    return log_words, ends_sentence


@KERNEL_SETTINGS
@given(page_positions())
def test_position_features_match_numpy(
    page: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
) -> None:
    """Pages with and without prose, ties for the densest window, odd ends_sentence values."""
    log_words, ends_sentence = page
    expected = np.empty((log_words.size, kernels.POSITION_COLUMNS), dtype=np.float32)
    reference.position_features(log_words, ends_sentence, expected)
    assert_bit_equal(kernels.position_features(log_words, ends_sentence), expected)


def test_position_features_match_numpy_on_long_pages() -> None:
    """The page's word total is a pairwise sum: pages past 128 and 256 segments take other
    paths through it than the hypothesis pages mostly do."""
    rng = np.random.default_rng(2)
    for count in (*range(1, 140), 255, 256, 257, 511, 1000, 4097):
        log_words = np.log1p(rng.integers(0, 60, size=count) * rng.random(count))
        ends_sentence = (rng.random(count) < 0.5).astype(np.float64)
        expected = np.empty((count, kernels.POSITION_COLUMNS), dtype=np.float32)
        reference.position_features(log_words, ends_sentence, expected)
        assert_bit_equal(kernels.position_features(log_words, ends_sentence), expected)
