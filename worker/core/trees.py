"""A local stage of small trees: boosted trees of depth two, evaluated in C.

Stumps (model.AdditiveModel) score each feature on its own. A tree of depth two scores a
pair: "linked text" counts against a segment after the article's container more than
inside it, and "a short line" means one thing in a card grid and another in a paragraph
run. On pages from corpora the model never saw that interaction is worth +0.015 word-F1 on
dragnet and +0.009 on googletrends (docs/measurements.md, 2026-12-03 evening).

The reasons still need one contribution per feature. Each tree's output is split along the
path a segment takes (Saabas' method): the root's expected value goes to the bias, and
each split adds to its feature the change it makes in the expected value, so the bias
plus a row's contributions is its logit (to the rounding of the stored node values).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from worker.core import _kernels

FloatArray = npt.NDArray[np.float64]
LEAF = -1  # the feature of a leaf node


class TreeEnsemble:
    """Trees in flat node arrays. Node n splits on feature[n] (LEAF for a leaf): a value
    x <= threshold[n] goes to left[n], any other (NaN too) to right[n]. value[n] is a leaf's
    output, or an inner node's expected output (for the contributions). roots[t] is tree
    t's first node; a row's logit is the sum of the leaves it reaches."""

    kind = "trees"

    def __init__(
        self,
        feature_names: tuple[str, ...],
        feature: Sequence[int],
        threshold: Sequence[float],
        left: Sequence[int],
        right: Sequence[int],
        value: Sequence[float],
        roots: Sequence[int],
    ) -> None:
        self.feature_names = feature_names
        self.feature = np.asarray(feature, dtype=np.int32)
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.left = np.asarray(left, dtype=np.int32)
        self.right = np.asarray(right, dtype=np.int32)
        self.value = np.asarray(value, dtype=np.float64)
        self.roots = np.asarray(roots, dtype=np.int32)
        self._check()
        self.bias = float(self.value[self.roots].sum())

    def _check(self) -> None:
        nodes = len(self.feature)
        if not all(len(a) == nodes for a in (self.threshold, self.left, self.right, self.value)):
            raise ValueError("one feature, threshold, left, right and value per node")
        inner = self.feature != LEAF
        if (self.feature[inner] >= len(self.feature_names)).any() or (self.feature < LEAF).any():
            raise ValueError("a node splits on a feature the model does not have")
        index = np.arange(nodes)
        # Children come after their parent: every path ends, and the C loop cannot cycle.
        for children in (self.left[inner], self.right[inner]):
            if ((children <= index[inner]) | (children >= nodes)).any():
                raise ValueError("a node's children must follow it in the node arrays")
        if ((self.roots < 0) | (self.roots >= nodes)).any():
            raise ValueError("a tree's root lies outside the node arrays")

    def scores(self, features: npt.NDArray[np.floating[Any]]) -> tuple[FloatArray, FloatArray]:
        """Per row and feature, the feature's contribution; and each row's logit."""
        table = np.ascontiguousarray(features, dtype=np.float32)
        width = len(self.feature_names)
        if table.ndim != 2 or table.shape[1] != width:
            raise ValueError(f"features must be rows of {width}, not {table.shape}")
        count = table.shape[0]
        contributions = np.zeros((count, width))
        logits = np.empty(count)
        _kernels.tree_scores(
            table,
            count,
            width,
            self.feature,
            self.threshold,
            self.left,
            self.right,
            self.value,
            self.roots,
            contributions,
            logits,
        )
        return contributions, logits

    def contributions(self, features: npt.NDArray[np.floating[Any]]) -> FloatArray:
        return self.scores(features)[0]

    def logits(self, features: npt.NDArray[np.floating[Any]]) -> FloatArray:
        return self.scores(features)[1]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "feature_names": list(self.feature_names),
            "feature": self.feature.tolist(),
            "threshold": self.threshold.tolist(),
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "value": self.value.tolist(),
            "roots": self.roots.tolist(),
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> TreeEnsemble:
        return cls(
            tuple(document["feature_names"]),
            [int(x) for x in document["feature"]],
            [float(x) for x in document["threshold"]],
            [int(x) for x in document["left"]],
            [int(x) for x in document["right"]],
            [float(x) for x in document["value"]],
            [int(x) for x in document["roots"]],
        )


def reference_scores(
    ensemble: TreeEnsemble, features: npt.NDArray[np.floating[Any]]
) -> tuple[FloatArray, FloatArray]:
    """What tree_scores computes, in Python: the tests hold the C loop to it bit for bit."""
    table = np.asarray(features, dtype=np.float32)
    contributions = np.zeros((len(table), len(ensemble.feature_names)))
    logits = np.zeros(len(table))
    for row, x in enumerate(table):
        total = 0.0
        for root in ensemble.roots.tolist():
            node = root
            while (split := int(ensemble.feature[node])) != LEAF:
                child = int(
                    ensemble.left[node]
                    if float(x[split]) <= ensemble.threshold[node]
                    else ensemble.right[node]
                )
                contributions[row, split] += ensemble.value[child] - ensemble.value[node]
                node = child
            total += float(ensemble.value[node])
        logits[row] = total
    return contributions, logits


def compile_trees(dump: dict[str, Any], names: Sequence[str]) -> TreeEnsemble:
    """A LightGBM model dump (numerical splits, `<=`) as flat node arrays, parents first."""
    feature: list[int] = []
    threshold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    value: list[float] = []
    roots: list[int] = []

    def add(node: dict[str, Any]) -> int:
        index = len(feature)
        feature.append(LEAF)
        threshold.append(0.0)
        left.append(LEAF)
        right.append(LEAF)
        if "split_feature" not in node:
            value.append(float(node["leaf_value"]))
            return index
        if node.get("decision_type", "<=") != "<=":
            raise ValueError(f"only numerical splits can be compiled: {node['decision_type']}")
        value.append(float(node["internal_value"]))
        feature[index] = int(node["split_feature"])
        threshold[index] = float(node["threshold"])
        left[index] = add(node["left_child"])
        right[index] = add(node["right_child"])
        return index

    for tree in dump["tree_info"]:
        roots.append(add(tree["tree_structure"]))
    return TreeEnsemble(tuple(names), feature, threshold, left, right, value, roots)
