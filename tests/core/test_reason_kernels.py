"""kernels_c/reasons.c: strongest_columns, rounded_values and reason_texts choose and word
each segment's reasons as numpy (score_references.py) and the Python they replaced did, to
the bit, and refuse what they cannot read. (segment_verdicts, which rows them:
test_verdict_rows.py.)"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import score_references as reference
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from kernel_fixtures import (
    CONTENT_TYPES,
    FIXTURE_PAGES,
    KERNEL_SETTINGS,
    assert_bit_equal,
    fixture_segments,
)

from worker.core import _kernels, kernels
from worker.core.classify import describe
from worker.core.segment_model import shipped_model
from worker.learn.dataset import Mode

# --- the fixture pages -----------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_strongest_columns_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """The reasons' columns, for the labels the model gives and for the opposite ones."""
    segments = fixture_segments(mode, page_id)
    model = shipped_model(CONTENT_TYPES[mode])
    scores = model.score(segments)
    keep = scores.scores >= 0.5
    for kept in (keep, ~keep):
        for columns in (2, 8):
            assert_bit_equal(
                kernels.strongest_columns(scores.local_contributions, kept, columns),
                reference.strongest_columns(scores.local_contributions, kept, columns),
            )


# --- strongest_columns ----------------------------------------------------------------------

contribution = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5]),  # ties
    st.floats(allow_nan=False),  # contributions come from finite tables; inf for the edges
)


@st.composite
def reason_tables(
    draw: st.DrawFn,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], int]:
    rows = draw(st.integers(1, 300))
    width = draw(st.integers(1, 12))
    contributions = draw(arrays(np.float64, (rows, width), elements=contribution))
    keep = draw(arrays(np.bool_, rows))
    columns = draw(st.integers(0, min(width, 8)))
    return contributions, keep, columns


@KERNEL_SETTINGS
@given(reason_tables())
def test_strongest_columns_match_a_stable_argsort(
    table: tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], int],
) -> None:
    """Ties (of 0.0 and -0.0 too), infinities, 0 to 8 columns of up to 12."""
    contributions, keep, columns = table
    assert_bit_equal(
        kernels.strongest_columns(contributions, keep, columns),
        reference.strongest_columns(contributions, keep, columns),
    )


@KERNEL_SETTINGS
@given(reason_tables())
def test_strongest_two_columns_match_a_stable_argsort(
    table: tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], int],
) -> None:
    """Two columns, as classify asks for them, take a path of their own in C."""
    contributions, keep, _ = table
    if contributions.shape[1] < 2:
        contributions = np.repeat(contributions, 2, axis=1)  # ties between the two
    assert_bit_equal(
        kernels.strongest_columns(contributions, keep, 2),
        reference.strongest_columns(contributions, keep, 2),
    )


def test_strongest_columns_break_ties_toward_the_first_column() -> None:
    """As kernels_c/reasons.c documents: the reasons of a page do not depend on a sort's whims."""
    contributions = np.asarray([[1.0, 3.0, 3.0, -2.0, -2.0], [0.0, -0.0, 0.0, 0.0, 1.0]])
    keep = np.asarray([True, False])
    assert kernels.strongest_columns(contributions, keep, 3).tolist() == [[1, 2, 0], [0, 1, 2]]
    assert kernels.strongest_columns(contributions, ~keep, 2).tolist() == [[3, 4], [4, 0]]


# --- the reasons' values and the verdict rows -------------------------------------------------


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_the_cut_and_the_reason_values_match_numpy_on_the_fixture_pages(
    mode: Mode, page_id: str
) -> None:
    """On the shipped model's scores: the page's cut, and the values its reasons quote."""
    segments = fixture_segments(mode, page_id)
    model = shipped_model(CONTENT_TYPES[mode])
    page = model.score(segments)
    decision = page.decision
    expected_cut = reference.page_cut(page.scores, page.words, decision.floor, decision.bias)
    assert decision.cut(page.scores, page.words) == expected_cut
    columns = kernels.strongest_columns(page.local_contributions, page.scores >= 0.5, 2)
    assert_bit_equal(
        kernels.rounded_values(page.features, columns),
        reference.rounded_values(page.features, columns),
    )


@KERNEL_SETTINGS
@given(
    arrays(np.float32, st.tuples(st.integers(1, 40), st.integers(1, 12))),
    st.integers(0, 2**16),
)
def test_rounded_values_match_numpy(features: npt.NDArray[np.float32], seed: int) -> None:
    """Any float32, NaN, infinities, subnormals and zeros of either sign included."""
    columns = np.random.default_rng(seed).integers(0, features.shape[1], (features.shape[0], 3))
    assert_bit_equal(
        kernels.rounded_values(features, columns), reference.rounded_values(features, columns)
    )


def test_rounded_values_at_every_power_of_ten() -> None:
    """The kernel reads a float32's decade from a table of where each starts (no log10): the
    float32 values on and beside every power of ten it meets, of either sign, and 1e-12."""
    values = []
    for exponent in range(-12, 39):
        power = np.float32(10.0**exponent)
        for step in range(-3, 4):
            values.append(power)
            power = np.nextafter(power, np.float32(np.inf) if step >= 0 else np.float32(0))
    for below_and_above in (np.float32(1e-12), np.float32(np.finfo(np.float32).max)):
        values += [np.nextafter(below_and_above, np.float32(0)), below_and_above]
    features = np.array(values + [-v for v in values], dtype=np.float32).reshape(-1, 1)
    columns = np.zeros((len(features), 1), dtype=np.int64)
    assert_bit_equal(
        kernels.rounded_values(features, columns), reference.rounded_values(features, columns)
    )


def test_rounded_values_on_known_values() -> None:
    features = np.array([[0.0, -0.0, 1234.5, 0.0456, -7.25, 1e-13]], dtype=np.float32)
    values = kernels.rounded_values(features, np.array([[0, 1, 2, 3, 4, 5]]))
    assert values.tolist() == [[0.0, 0.0, 1200.0, 0.046, -7.2, 1e-13]]


def plain_reasons(
    names: tuple[str, ...],
    columns: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    describe: Any,
) -> list[tuple[str, ...]]:
    """What ReasonTexts.rows stands for: describe every pair (-0.0 as 0.0), no cache."""
    return [
        tuple(describe(names[c], v + 0.0) for c, v in zip(row_columns, row_values, strict=True))
        for row_columns, row_values in zip(columns.tolist(), values.tolist(), strict=True)
    ]


def spelled_out(name: str, value: float) -> str:
    return f"{name}={value!r}"


@KERNEL_SETTINGS
@given(
    st.integers(0, 40),
    st.integers(1, 4),
    st.lists(st.floats(allow_nan=False), min_size=1, max_size=6),
    st.integers(1, 8),
    st.integers(0, 2**16),
)
def test_reason_texts_are_what_describe_says(
    rows: int, k: int, pool: list[float], limit: int, seed: int
) -> None:
    """A small pool of values makes hits; a small limit makes the caches clear in between."""
    names = ("alpha", "beta", "gamma")
    rng = np.random.default_rng(seed)
    columns = rng.integers(0, len(names), (rows, k))
    values = np.asarray(pool)[rng.integers(0, len(pool), (rows, k))]
    texts = kernels.ReasonTexts(names, spelled_out, limit)
    for _ in range(2):  # the second time from the caches
        assert texts.rows(columns, values) == plain_reasons(names, columns, values, spelled_out)


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_reason_texts_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """The reasons classify_page quotes: the shipped feature names, the describe it uses."""
    segments = fixture_segments(mode, page_id)
    model = shipped_model(CONTENT_TYPES[mode])
    page = model.score(segments)
    columns = kernels.strongest_columns(page.local_contributions, page.scores >= 0.5, 2)
    values = kernels.rounded_values(page.features, columns)
    names = model.local.feature_names
    texts = kernels.ReasonTexts(names, describe)
    assert texts.rows(columns, values) == plain_reasons(names, columns, values, describe)


def test_reason_texts_cache_per_column_and_clear_at_the_limit() -> None:
    calls: list[tuple[str, float]] = []

    def counted(name: str, value: float) -> str:
        calls.append((name, value))
        return spelled_out(name, value)

    texts = kernels.ReasonTexts(("a", "b"), counted, limit=2)
    columns = np.array([[0, 1], [0, 1], [1, 0]])
    assert texts.rows(columns, np.array([[1.0, 1.0], [1.0, 1.0], [2.0, 3.0]])) == [
        ("a=1.0", "b=1.0"),
        ("a=1.0", "b=1.0"),
        ("b=2.0", "a=3.0"),
    ]
    assert calls == [("a", 1.0), ("b", 1.0), ("b", 2.0), ("a", 3.0)]
    calls.clear()
    # Column "a" holds 1.0 and 3.0: a third value clears it, then 1.0 is described again.
    texts.rows(np.array([[0], [0], [0]]), np.array([[4.0], [1.0], [4.0]]))
    assert calls == [("a", 4.0), ("a", 1.0)]


def test_reason_texts_describe_a_pair_once_a_call() -> None:
    """The texts a call has found serve its later rows, even where the cache was cleared
    in between; zeros and NaN go to the cache each time (0.0 and -0.0 are one key there)."""
    calls: list[tuple[str, float]] = []

    def counted(name: str, value: float) -> str:
        calls.append((name, value))
        return spelled_out(name, value)

    texts = kernels.ReasonTexts(("a", "b"), counted, limit=1)
    columns = np.array([[0, 1], [0, 1], [0, 1], [1, 0]])
    values = np.array([[1.0, 1.0], [2.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
    assert texts.rows(columns, values) == plain_reasons(("a", "b"), columns, values, counted)
    calls.clear()
    texts.rows(columns, values)
    assert calls == [("a", 1.0), ("b", 1.0), ("a", 2.0), ("b", 2.0)]
    calls.clear()
    nan = float("nan")
    zeros = texts.rows(np.zeros((3, 1), np.int64), np.array([[0.0], [nan], [0.0]]))
    assert zeros == [("a=0.0",), ("a=nan",), ("a=0.0",)]
    assert [value for _, value in calls][0::2] == [0.0, 0.0]  # cleared by NaN's text


def test_reason_texts_of_no_rows() -> None:
    texts = kernels.ReasonTexts(("a",), spelled_out)
    assert texts.rows(np.empty((0, 2), dtype=np.int64), np.empty((0, 2))) == []


@pytest.mark.parametrize(
    ("columns", "values", "error"),
    [
        ([[0, 2]], [[1.0, 1.0]], ValueError),  # no column 2
        ([[0, -1]], [[1.0, 1.0]], ValueError),
        ([[0, 1]], [[1.0]], ValueError),  # shapes differ
        ([0, 1], [1.0, 1.0], ValueError),  # not a table
    ],
    ids=["column-too-large", "negative-column", "shapes-differ", "one-dimensional"],
)
def test_reason_texts_refuse_bad_tables(
    columns: list[Any], values: list[Any], error: type[Exception]
) -> None:
    texts = kernels.ReasonTexts(("a", "b"), spelled_out)
    with pytest.raises(error):
        texts.rows(np.asarray(columns, dtype=np.int64), np.asarray(values))


def test_reason_texts_refuse_bad_calls() -> None:
    one = np.zeros((1, 1), dtype=np.int64)
    with pytest.raises(ValueError):  # one cache for two names
        _kernels.reason_texts([{}], spelled_out, ("a", "b"), one, np.zeros((1, 1)), 1, 8)
    with pytest.raises(TypeError):
        _kernels.reason_texts([[]], spelled_out, ("a",), one, np.zeros((1, 1)), 1, 8)
    with pytest.raises(ValueError):  # more rows than the buffers hold
        _kernels.reason_texts([{}], spelled_out, ("a",), one, np.zeros((1, 1)), 2, 8)
    with pytest.raises(TypeError):
        kernels.ReasonTexts(("a",), lambda name, value: 1).rows(one, np.zeros((1, 1)))  # type: ignore[arg-type, return-value]


def test_reason_texts_pass_describes_error_on() -> None:
    def failing(name: str, value: float) -> str:
        raise KeyError(name)

    with pytest.raises(KeyError):
        kernels.ReasonTexts(("a",), failing).rows(np.zeros((1, 1), np.int64), np.zeros((1, 1)))


@pytest.mark.parametrize(
    "call",
    [
        lambda: _kernels.rounded_values(
            np.zeros((2, 3), np.float32), 3, np.array([[0], [3]]), np.empty(2)
        ),
        lambda: _kernels.rounded_values(
            np.zeros((2, 3), np.float32), 3, np.array([[0], [-1]]), np.empty(2)
        ),
        lambda: _kernels.rounded_values(
            np.zeros((2, 3), np.float32), 3, np.array([0, 1, 2]), np.empty(3)
        ),
        lambda: _kernels.rounded_values(
            np.zeros((2, 3), np.float32), 0, np.array([[0]]), np.empty(1)
        ),
        lambda: _kernels.rounded_values(
            np.zeros((2, 3), np.float32), 3, np.array([[0], [1]]), np.empty(3)
        ),
    ],
    ids=["column-too-large", "negative-column", "ragged-rows", "no-width", "short-out"],
)
def test_rounded_values_refuses_bad_arguments(call: Any) -> None:
    with pytest.raises(ValueError):
        call()
