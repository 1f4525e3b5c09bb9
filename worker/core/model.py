"""The segment model: an additive model (one piecewise-constant function per feature).

Trained as boosted decision stumps (LightGBM, max_depth=1, see worker/learn/train.py) and
compiled into lookup tables, so scoring a page is a single vectorised search with numpy and
the artifact is a small JSON file. Additivity is also what makes the reasons honest: a
segment's score is the sum of its features' contributions, and the reasons name the
largest ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# Features are shifted into disjoint ranges so that one searchsorted serves all of them.
_FEATURE_SPAN = 1e6
_FEATURE_LIMIT = _FEATURE_SPAN / 2 - 1


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
        self.feature_names = feature_names
        self.bias = bias
        self.thresholds = thresholds
        self.values = values
        count = len(feature_names)
        self._offsets: FloatArray = np.arange(count, dtype=np.float64) * _FEATURE_SPAN
        edges = [
            np.asarray(t, dtype=np.float64) + self._offsets[j] for j, t in enumerate(thresholds)
        ]
        self._edges: FloatArray = np.concatenate(edges) if edges else np.zeros(0)
        # Feature j's intervals follow the j earlier features' intervals in the flat table,
        # so a value with p edges below it (over all features) sits at row p + j.
        self._row_shift = np.arange(count)
        self._table: FloatArray = np.concatenate([np.asarray(v, dtype=np.float64) for v in values])

    def contributions(self, features: npt.NDArray[np.floating[Any]]) -> FloatArray:
        """Per segment and feature, that feature's additive contribution to the logit."""
        clipped = np.clip(features.astype(np.float64), -_FEATURE_LIMIT, _FEATURE_LIMIT)
        # LightGBM sends x <= threshold left, so count the edges strictly below x.
        below = np.searchsorted(self._edges, clipped + self._offsets, side="left")
        contributions: FloatArray = self._table[below + self._row_shift]
        return contributions

    def logits(self, features: npt.NDArray[np.floating[Any]]) -> FloatArray:
        logits: FloatArray = self.bias + self.contributions(features).sum(axis=1)
        return logits

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
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -30.0, 30.0)))
