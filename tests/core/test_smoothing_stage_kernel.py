"""kernels_c/smoothing_stage.c: smoothing_logits scores the smoothing stage in one call as
numpy made its inputs (feature_references.smoothing_features) and the step tables scored
them (score_references.additive_logits), to the bit, on the fixture pages and on
hypothesis-made logits; and refuses what it cannot read."""

from __future__ import annotations

from typing import Any

import feature_references
import numpy as np
import numpy.typing as npt
import pytest
import score_references
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

from worker.core import stage_kernels
from worker.core.features import _SMOOTHING_RADII, page_features, smoothed_logits
from worker.core.model import AdditiveModel, negative_exp
from worker.core.segment_model import LOG_WORDS, shipped_model
from worker.learn.dataset import Mode


def assert_like_numpy(
    stage: AdditiveModel, local_logits: npt.NDArray[np.float64], log_words: npt.NDArray[Any]
) -> None:
    """The kernel's features and logits, and those of smoothed_logits, are numpy's."""
    features = np.empty((local_logits.size, len(stage.feature_names)), np.float32)
    with np.errstate(invalid="ignore"):
        exp_negative = negative_exp(local_logits)
        logits = stage_kernels.smoothing_logits(
            exp_negative,
            local_logits,
            log_words,
            _SMOOTHING_RADII,
            stage.tables,
            stage.bias,
            features,
        )
    expected = feature_references.smoothing_features(local_logits, log_words, _SMOOTHING_RADII)
    assert_bit_equal(features, expected)
    contributions = score_references.additive_contributions(
        expected, stage.thresholds, stage.values
    )
    with np.errstate(over="ignore", invalid="ignore"):
        assert_bit_equal(logits, score_references.additive_logits(contributions, stage.bias))
        assert_bit_equal(smoothed_logits(stage, local_logits, log_words), logits)


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_smoothing_logits_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """The shipped stages (and the one-item pages' where the model has them)."""
    model = shipped_model(CONTENT_TYPES[mode])
    features = page_features(fixture_segments(mode, page_id))
    stages = [(model.local, model.smoothing)]
    if model.single_item is not None:
        stages.append((model.single_item.local, model.single_item.smoothing))
    for local, smoothing in stages:
        assert_like_numpy(smoothing, local.scores(features)[1], features[:, LOG_WORDS])


logit = st.one_of(
    st.floats(-40.0, 40.0),  # past the clip too
    st.sampled_from([0.0, -0.0, 30.0, -30.0, np.inf, -np.inf, np.nan]),
)


@KERNEL_SETTINGS
@given(
    arrays(np.float64, st.integers(1, 80), elements=logit),
    st.integers(0, 2**32 - 1),
)
def test_smoothing_logits_match_numpy(local_logits: npt.NDArray[np.float64], seed: int) -> None:
    stage = shipped_model("text/plain").smoothing
    rng = np.random.default_rng(seed)
    assert_like_numpy(
        stage, local_logits, rng.uniform(0.0, 6.0, local_logits.size).astype(np.float32)
    )


def test_smoothing_logits_refuse_what_they_cannot_read() -> None:
    stage = shipped_model("text/plain").smoothing
    logits = np.zeros(3)
    words = np.zeros(3, np.float32)
    arguments: dict[str, Any] = {
        "exp_negative": negative_exp(logits),
        "local_logits": logits,
        "log_words": words,
        "radii": _SMOOTHING_RADII,
        "tables": stage.tables,
        "bias": stage.bias,
    }
    assert stage_kernels.smoothing_logits(**arguments).shape == (3,)
    for wrong in (
        {"exp_negative": np.zeros(2)},
        {"log_words": np.zeros(4, np.float32)},
        {"radii": (1, 2)},  # a model of 9 features takes 5 radii
        {"radii": (1, 2, 4, 8, -16)},
        {"tables": shipped_model("text/plain").local.tables},
        {"features": np.empty((3, 8), np.float32)},
    ):
        with pytest.raises(ValueError):
            stage_kernels.smoothing_logits(**(arguments | wrong))
