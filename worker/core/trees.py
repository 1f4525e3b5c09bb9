"""A local stage of small trees: boosted trees of depth two, evaluated in C.

Stumps (model.AdditiveModel) score each feature on its own. A tree of depth two scores a
pair: "linked text" counts against a segment after the article's container more than
inside it, and "a short line" means one thing in a card grid and another in a paragraph
run. On pages from corpora the model never saw that interaction is worth +0.015 word-F1 on
dragnet and +0.009 on googletrends (docs/measurements.md, 2026-12-03 evening).

Every tree is stored whole to depth two (a leaf above that depth becomes a split whose two
sides hold the same leaf), so the C loop walks each tree without a branch it could
mispredict: which side a segment's value falls is a coin toss to the CPU, and a
mispredicted branch costs more than the rest of the tree.

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
DEPTH = 2
# Per tree: the root's split, then its left and right child's (SPLITS), and the leaves
# left-left, left-right, right-left, right-right (LEAVES).
SPLITS = 3
LEAVES = 4


class TreeEnsemble:
    """Trees of depth two. Tree t splits on features[t, k] at thresholds[t, k] (k = 0 the
    root, 1 its left child, 2 its right): a value x <= threshold goes left, any other (NaN
    too) right. inner[t, k] is split k's expected output, leaves[t] the four outputs. A
    row's logit is the sum of the leaves it reaches."""

    kind = "trees"

    def __init__(
        self,
        feature_names: tuple[str, ...],
        features: Sequence[Sequence[int]],
        thresholds: Sequence[Sequence[float]],
        inner: Sequence[Sequence[float]],
        leaves: Sequence[Sequence[float]],
    ) -> None:
        self.feature_names = feature_names
        self.features = np.asarray(features, dtype=np.int32).reshape(-1, SPLITS)
        self.thresholds = np.asarray(thresholds, dtype=np.float64).reshape(-1, SPLITS)
        self.inner = np.asarray(inner, dtype=np.float64).reshape(-1, SPLITS)
        self.leaves = np.asarray(leaves, dtype=np.float64).reshape(-1, LEAVES)
        trees = len(self.features)
        if not len(self.thresholds) == len(self.inner) == len(self.leaves) == trees:
            raise ValueError("one row of features, thresholds, inner values and leaves per tree")
        if ((self.features < 0) | (self.features >= len(feature_names))).any():
            raise ValueError("a tree splits on a feature the model does not have")
        self.bias = float(self.inner[:, 0].sum())

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
            self.features,
            self.thresholds,
            self.inner,
            self.leaves,
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
            "features": self.features.tolist(),
            "thresholds": self.thresholds.tolist(),
            "inner": self.inner.tolist(),
            "leaves": self.leaves.tolist(),
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> TreeEnsemble:
        return cls(
            tuple(document["feature_names"]),
            document["features"],
            document["thresholds"],
            document["inner"],
            document["leaves"],
        )


def compile_trees(dump: dict[str, Any], names: Sequence[str]) -> TreeEnsemble:
    """A LightGBM model dump (numerical splits, `<=`, depth two at most) as whole trees."""
    features, thresholds, inner, leaves = [], [], [], []
    for tree in dump["tree_info"]:
        root = tree["tree_structure"]
        sides = [_child(root, "left_child"), _child(root, "right_child")]
        split_of = [_split(root), *(_split(side) for side in sides)]
        features.append([feature for feature, _, _ in split_of])
        thresholds.append([threshold for _, threshold, _ in split_of])
        inner.append([value for _, _, value in split_of])
        leaves.append([_leaf(_child(side, key)) for side in sides for key in _SIDES])
    return TreeEnsemble(tuple(names), features, thresholds, inner, leaves)


_SIDES = ("left_child", "right_child")


def _child(node: dict[str, Any], key: str) -> dict[str, Any]:
    """The node's child; a leaf is its own child on both sides (the tree made whole)."""
    return node if "split_feature" not in node else node[key]


def _split(node: dict[str, Any]) -> tuple[int, float, float]:
    """(feature, threshold, expected output) of a split; a leaf splits on feature 0 into two
    copies of itself, so the threshold does not matter and its contribution is 0."""
    if "split_feature" not in node:
        return 0, 0.0, float(node["leaf_value"])
    if node.get("decision_type", "<=") != "<=":
        raise ValueError(f"only numerical splits can be compiled: {node['decision_type']}")
    return int(node["split_feature"]), float(node["threshold"]), float(node["internal_value"])


def _leaf(node: dict[str, Any]) -> float:
    if "split_feature" in node:
        raise ValueError(f"trees deeper than {DEPTH} cannot be compiled")
    return float(node["leaf_value"])
