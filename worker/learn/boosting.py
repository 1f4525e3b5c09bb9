"""Boosted trees fitted by LightGBM (a training-only dependency), compiled into the models
the worker runs: stumps into step functions (model.AdditiveModel), deeper trees into flat
node arrays (trees.TreeEnsemble)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from worker.core.model import AdditiveModel
from worker.core.trees import TreeEnsemble, compile_trees

SEED = 20261124


def _booster(
    features: npt.NDArray[np.float32],
    labels: npt.NDArray[np.int8],
    weights: npt.NDArray[np.float64],
    names: Sequence[str],
    depth: int,
    rounds: int,
    learning_rate: float,
    min_data_in_leaf: int,
) -> Any:
    import lightgbm

    params: dict[str, Any] = {
        "objective": "binary",
        "max_depth": depth,
        "num_leaves": 2**depth,
        "learning_rate": learning_rate,
        "min_data_in_leaf": min_data_in_leaf,
        "lambda_l2": 1.0,
        "max_bin": 63,
        "num_threads": 2,
        "deterministic": True,
        "force_row_wise": True,
        "seed": SEED,
        "verbose": -1,
    }
    dataset = lightgbm.Dataset(features, labels, weight=weights, feature_name=list(names))
    return lightgbm.train(params, dataset, num_boost_round=rounds)


def fit_additive(
    features: npt.NDArray[np.float32],
    labels: npt.NDArray[np.int8],
    weights: npt.NDArray[np.float64],
    names: Sequence[str],
    rounds: int,
    learning_rate: float,
    min_data_in_leaf: int = 50,
) -> AdditiveModel:
    booster = _booster(features, labels, weights, names, 1, rounds, learning_rate, min_data_in_leaf)
    return compile_stumps(booster.dump_model(), names)


def fit_trees(
    features: npt.NDArray[np.float32],
    labels: npt.NDArray[np.int8],
    weights: npt.NDArray[np.float64],
    names: Sequence[str],
    depth: int,
    rounds: int,
    learning_rate: float,
    min_data_in_leaf: int = 50,
) -> TreeEnsemble:
    booster = _booster(
        features, labels, weights, names, depth, rounds, learning_rate, min_data_in_leaf
    )
    return compile_trees(booster.dump_model(), names)


def compile_stumps(dump: dict[str, Any], names: Sequence[str]) -> AdditiveModel:
    """Fold a forest of depth-1 trees into one step function per feature."""
    bias = 0.0
    stumps: list[list[tuple[float, float, float]]] = [[] for _ in names]
    for tree in dump["tree_info"]:
        node = tree["tree_structure"]
        if "split_feature" not in node:
            bias += float(node["leaf_value"])
            continue
        stumps[node["split_feature"]].append(
            (
                float(node["threshold"]),
                float(node["left_child"]["leaf_value"]),
                float(node["right_child"]["leaf_value"]),
            )
        )
    thresholds: list[tuple[float, ...]] = []
    values: list[tuple[float, ...]] = []
    for feature_stumps in stumps:
        edges = sorted({threshold for threshold, _, _ in feature_stumps})
        position = {edge: index for index, edge in enumerate(edges)}
        # Interval k holds the x with exactly k edges below it; x <= t there iff t's edge
        # index is at least k.
        thresholds.append(tuple(edges))
        values.append(
            tuple(
                sum(left if position[t] >= k else right for t, left, right in feature_stumps)
                for k in range(len(edges) + 1)
            )
        )
    return AdditiveModel(tuple(names), bias, tuple(thresholds), tuple(values))
