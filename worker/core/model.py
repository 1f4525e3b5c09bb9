"""An additive model (one piecewise-constant function per feature): the smoothing stage, the
page-kind model and the text dumps' local stage (the HTML local stage is trees.py's).

Trained as boosted decision stumps (LightGBM, max_depth=1, see worker/learn/train.py) and
compiled into lookup tables, so scoring a page is one binary search per segment and feature
(kernels.StepTables, in C) and the artifact is a small JSON file. Additivity is also what
makes the reasons honest: a segment's score is the sum of its features' contributions, and
the reasons name the largest ones.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from worker.core.kernels import StepTables

FloatArray = npt.NDArray[np.float64]


class AdditiveModel:
    """bias + sum over features of a step function: values[j][k] on feature j's interval k."""

    def __init__(
        self,
        feature_names: tuple[str, ...],
        bias: float,
        thresholds: tuple[tuple[float, ...], ...],  # per feature, sorted split points
        values: tuple[tuple[float, ...], ...],  # per feature, one value per interval
    ) -> None:
        if len(thresholds) != len(feature_names) or len(values) != len(feature_names):
            raise ValueError("one threshold list and one value list per feature")
        if any(len(v) != len(t) + 1 for t, v in zip(thresholds, values, strict=True)):
            raise ValueError("each feature needs one value more than it has thresholds")
        if any(any(a >= b for a, b in pairwise(t)) for t in thresholds):
            raise ValueError("each feature's thresholds must increase")
        self.feature_names = feature_names
        self.bias = bias
        self.thresholds = thresholds
        self.values = values
        self._tables = StepTables(thresholds, values)

    def contributions(self, features: npt.NDArray[np.floating[Any]]) -> FloatArray:
        """Per segment and feature, that feature's additive contribution to the logit."""
        return self._tables.scores(features, self.bias)[0]

    def logits(self, features: npt.NDArray[np.floating[Any]]) -> FloatArray:
        return self._tables.scores(features, self.bias)[1]

    def scores(self, features: npt.NDArray[np.floating[Any]]) -> tuple[FloatArray, FloatArray]:
        """contributions(features) and logits(features), from one pass."""
        return self._tables.scores(features, self.bias)

    @property
    def tables(self) -> StepTables:
        return self._tables

    def to_json(self) -> dict[str, Any]:
        return {
            "feature_names": list(self.feature_names),
            "bias": self.bias,
            "thresholds": [list(t) for t in self.thresholds],
            "values": [list(v) for v in self.values],
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> AdditiveModel:
        return cls(
            feature_names=tuple(document["feature_names"]),
            bias=float(document["bias"]),
            thresholds=tuple(tuple(float(x) for x in t) for t in document["thresholds"]),
            values=tuple(tuple(float(x) for x in v) for v in document["values"]),
        )


def sigmoid(logits: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + negative_exp(logits))


def negative_exp(logits: FloatArray) -> FloatArray:
    """exp(-logits), the logits clipped to [-30, 30] first: sigmoid's numpy half (numpy's
    exp, which may land an ulp away from C's)."""
    # np.maximum then np.minimum: np.clip's values (NaN too), without its ~1 us of dispatch
    clipped = np.maximum(logits, -30.0)
    np.minimum(clipped, 30.0, out=clipped)
    np.negative(clipped, out=clipped)
    exponentials: FloatArray = np.exp(clipped, out=clipped)
    return exponentials
