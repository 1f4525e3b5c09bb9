"""kernels_c/model.c: the additive model's step tables (kernels.StepTables) score as their
numpy definition (score_references.py) does, to the bit, and so do both stages of the
shipped models on the fixture pages (the trees against trees.reference_scores)."""

from __future__ import annotations

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

from worker.core import kernels
from worker.core.features import page_features, smoothing_features
from worker.core.model import AdditiveModel
from worker.core.segment_model import LOG_WORDS, shipped_model
from worker.core.trees import TreeEnsemble
from worker.learn.dataset import Mode

# --- the fixture pages -----------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_model_scores_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """Both stages of the shipped model, on the features they see in production: stumps by
    numpy's step tables, trees (the HTML local stage) by trees.reference_scores."""
    segments = fixture_segments(mode, page_id)
    model = shipped_model(CONTENT_TYPES[mode])
    features = page_features(segments)
    local_logits = None
    for stage in (model.local, model.smoothing):
        if local_logits is not None:
            features = smoothing_features(local_logits, features[:, LOG_WORDS])
        if isinstance(stage, TreeEnsemble):
            contributions, logits = stage.scores(features)
            expected, expected_logits = reference.tree_scores(stage, features)
            assert_bit_equal(contributions, expected)
            assert_bit_equal(logits, expected_logits)
            local_logits = logits
            continue
        contributions, logits = kernels.StepTables(stage.thresholds, stage.values).scores(
            features, stage.bias
        )
        expected = reference.additive_contributions(features, stage.thresholds, stage.values)
        assert_bit_equal(contributions, expected)
        assert_bit_equal(logits, reference.additive_logits(expected, stage.bias))
        assert_bit_equal(stage.scores(features)[1], logits)
        local_logits = logits


# --- StepTables.scores ----------------------------------------------------------------------

Tables = tuple[list[list[float]], list[list[float]], float, npt.NDArray[np.float32]]
threshold = st.one_of(
    st.floats(width=32, allow_nan=False, allow_infinity=False),  # a feature can equal it
    st.floats(-100.0, 100.0, width=32),
    st.floats(allow_nan=False, allow_infinity=False),  # float64: between two float32 values
)
step_value = st.one_of(
    st.floats(-3.0, 3.0),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0]),
)


def feature_pool(thresholds: list[list[float]]) -> list[float]:
    """Every threshold as float32 and its float32 neighbours, and the extremes."""
    extremes = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 3.4e38, -3.4e38, 1e-45]
    pool = [float(np.float32(value)) for value in extremes]
    with np.errstate(over="ignore"):
        for value in (t for feature in thresholds for t in feature):
            single = np.float32(value)
            below = np.nextafter(single, np.float32(-np.inf))
            above = np.nextafter(single, np.float32(np.inf))
            pool += [float(single), float(below), float(above)]
    return pool


@st.composite
def step_tables(draw: st.DrawFn) -> Tables:
    width = draw(st.integers(0, 9))
    thresholds = [sorted(set(draw(st.lists(threshold, max_size=12)))) for _ in range(width)]
    values = [
        draw(st.lists(step_value, min_size=len(t) + 1, max_size=len(t) + 1)) for t in thresholds
    ]
    bias = draw(st.one_of(st.floats(-5.0, 5.0), st.sampled_from([0.0, -0.0])))
    rows = draw(st.integers(1, 300))
    element = st.one_of(
        st.sampled_from(feature_pool(thresholds)), st.floats(width=32, allow_nan=True)
    )
    features = draw(arrays(np.float32, (rows, width), elements=element))
    return thresholds, values, bias, features


@KERNEL_SETTINGS
@given(step_tables())
def test_step_table_scores_match_numpy(tables: Tables) -> None:
    """Feature values on, just above and just below every threshold, extremes, NaN."""
    thresholds, values, bias, features = tables
    contributions, logits = kernels.StepTables(thresholds, values).scores(features, bias)
    expected = reference.additive_contributions(features, thresholds, values)
    assert_bit_equal(contributions, expected)
    with np.errstate(over="ignore", invalid="ignore"):  # 1e308 + 1e308, inf - inf
        expected_logits = reference.additive_logits(expected, bias)
    assert_bit_equal(logits, expected_logits)


@pytest.mark.parametrize(
    "threshold",
    [0.1, -0.1, 1e-50, -1e-50, 1e300, -1e300, 3.4028234663852886e38, -3.4028234663852886e38],
)
def test_thresholds_between_float32_values(threshold: float) -> None:
    """The kernel compares four float32 values at a time with the largest float32 at or
    below each threshold: thresholds no float32 holds, past float32's range, below its
    smallest step, against the float32 values around them, as a stump and among others."""
    pool = feature_pool([[threshold]])
    rows = np.asarray(pool * 3, dtype=np.float32).reshape(-1, 1)
    for thresholds in ([[threshold]], [[-2e300, threshold, 2e300]]):
        values = [[float(v) for v in range(len(thresholds[0]) + 1)]]
        contributions, _ = kernels.StepTables(thresholds, values).scores(rows, 0.0)
        expected = reference.additive_contributions(rows, thresholds, values)
        assert_bit_equal(contributions, expected)


def test_a_nan_threshold_lies_above_every_value() -> None:
    """numpy sorts NaN after every number: a finite value never passes a NaN threshold, on
    the kernel's paths for a stump, for more thresholds, by eight rows and one by one."""
    rows = np.array([[1.0, 1.0], [-1.0, -1.0], [0.5, 3.0]] * 5, dtype=np.float32)
    thresholds = [[float("nan")], [0.0, 2.0, float("nan")]]
    values = [[1.0, 2.0], [1.0, 2.0, 3.0, 4.0]]
    contributions, _ = kernels.StepTables(thresholds, values).scores(rows, 0.0)
    assert_bit_equal(contributions, reference.additive_contributions(rows, thresholds, values))


def test_logits_sum_like_numpy_at_every_width() -> None:
    """numpy sums a row pairwise: 8 partial sums, blocks of 128, halves beyond; the kernel
    must follow at every width, not only at the shipped models' 9 and 93 features."""
    rng = np.random.default_rng(1)
    for width in range(300):
        thresholds = [[0.0]] * width
        values = [
            list(rng.normal(size=2) * 10.0 ** rng.integers(-8, 8, size=2)) for _ in thresholds
        ]
        features = rng.normal(size=(3, width)).astype(np.float32)
        contributions, logits = kernels.StepTables(thresholds, values).scores(features, 0.1)
        expected = reference.additive_contributions(features, thresholds, values)
        assert_bit_equal(contributions, expected)
        assert_bit_equal(logits, reference.additive_logits(expected, 0.1))


def test_step_tables_read_features_as_float32() -> None:
    """A float64 feature above a threshold that lies between two float32 values is rounded
    to the float32 below it, as in the float32 feature matrix the model sees."""
    single = float(np.float32(0.1))
    threshold = float(np.nextafter(single, np.inf))
    above = np.asarray([[np.nextafter(threshold, np.inf)]])  # float32(above) == single
    tables = kernels.StepTables([[threshold]], [[-1.0, 1.0]])
    contributions, _ = tables.scores(above, 0.0)
    assert contributions.tolist() == [[-1.0]]
    expected = reference.additive_contributions(above, [[threshold]], [[-1.0, 1.0]])
    assert_bit_equal(contributions, expected)


def test_nan_features_land_in_the_last_interval() -> None:
    """As kernels_c/model.c documents (and np.searchsorted does: NaN sorts after every number)."""
    thresholds = [[-1.0, 0.0, 2.5], [], [7.0]]
    values = [[1.0, 2.0, 3.0, 4.0], [0.5], [-8.0, 16.0]]
    features = np.full((3, 3), np.nan, dtype=np.float32)
    features[1] = [np.inf, 1.0, -np.inf]
    contributions, logits = kernels.StepTables(thresholds, values).scores(features, 0.25)
    assert contributions[0].tolist() == [4.0, 0.5, 16.0]
    assert contributions[2].tolist() == [4.0, 0.5, 16.0]
    assert contributions[1].tolist() == [4.0, 0.5, -8.0]
    assert logits.tolist() == [20.75, -3.25, 20.75]
    assert_bit_equal(contributions, reference.additive_contributions(features, thresholds, values))


def test_a_value_equal_to_a_threshold_goes_left() -> None:
    """LightGBM sends x <= threshold to the left: equal is below, the next float above."""
    tables = kernels.StepTables([[1.0, 2.0]], [[10.0, 20.0, 30.0]])
    one, two = np.float32(1.0), np.float32(2.0)
    features = np.asarray([[one], [np.nextafter(one, two)], [two], [np.nextafter(two, one * 3)]])
    contributions, _ = tables.scores(features, 0.0)
    assert contributions[:, 0].tolist() == [10.0, 20.0, 20.0, 30.0]


def test_unsorted_thresholds_are_refused_by_the_model_and_harmless_in_c() -> None:
    """kernels_c/model.c takes the thresholds as sorted and does not check: AdditiveModel refuses
    others, and the C, given them anyway, still reads only the feature's own values."""
    with pytest.raises(ValueError):
        AdditiveModel(("x",), 0.0, ((3.0, 1.0, 2.0),), ((10.0, 20.0, 30.0, 40.0),))
    tables = kernels.StepTables([[3.0, 1.0, 2.0], [0.0]], [[10.0, 20.0, 30.0, 40.0], [1.0, 2.0]])
    values = np.linspace(-1.0, 5.0, 61, dtype=np.float32)
    contributions, _ = tables.scores(np.column_stack((values, values)), 0.0)
    assert set(contributions[:, 0].tolist()) <= {10.0, 20.0, 30.0, 40.0}
    assert set(contributions[:, 1].tolist()) == {1.0, 2.0}
