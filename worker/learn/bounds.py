"""`chaff bounds`: how far better models could take word-F1 on today's segment features.

Every row is scored like `chaff eval --cv`: grouped cross-validation, the shipped smoothing
stage and the per-page cut; only the local stage changes.

- stumps: the shipped local stage (boosted decision stumps, one step function per feature);
- trees: LightGBM trees of up to 31 leaves, any feature interacting with any other, with no
  limit on size or speed (what the shipped model could become if it were allowed to be slow);
- trees told the page type: the same trees with the page's true type (article, forum,
  product...) as extra columns. The labels follow a convention per type (a forum's replies
  are content, an article's comments are not), so this is what a perfect page-type
  classifier would add;
- label ceiling: keeping exactly the segments the labels mark, the most any classifier of
  these segments can score.

The README (Accuracy) reads the targets of the classifier against these rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from worker.learn.boosting import SEED
from worker.learn.train import (
    LocalFitter,
    TrainingPage,
    TrainingSettings,
    cross_validated_keeps,
    fit_local,
    page_f1,
    stacked,
)

ALL_PAGES = "all"


@dataclass(frozen=True)
class TreeSettings:
    leaves: int = 31
    rounds: int = 400
    learning_rate: float = 0.05


class TreeModel:
    """A LightGBM forest as a local stage: its raw scores are the logits."""

    def __init__(self, booster: Any) -> None:
        self.booster = booster

    def logits(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        return np.asarray(self.booster.predict(features, raw_score=True), dtype=np.float64)


def tree_fitter(trees: TreeSettings) -> LocalFitter:
    def fit(pages: Sequence[TrainingPage], settings: TrainingSettings) -> TreeModel:
        import lightgbm  # training-only dependency

        params: dict[str, Any] = {
            "objective": "binary",
            "num_leaves": trees.leaves,
            "learning_rate": trees.learning_rate,
            "min_data_in_leaf": 50,
            "lambda_l2": 1.0,
            "max_bin": 63,
            "feature_fraction": 0.8,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "num_threads": 2,
            "deterministic": True,
            "force_row_wise": True,
            "seed": SEED,
            "verbose": -1,
        }
        dataset = lightgbm.Dataset(
            stacked(pages, lambda p: p.features),
            stacked(pages, lambda p: p.labels),
            weight=stacked(pages, lambda p: p.weights),
        )
        return TreeModel(lightgbm.train(params, dataset, num_boost_round=trees.rounds))

    return fit


def with_page_types(pages: Sequence[TrainingPage]) -> list[TrainingPage]:
    """The pages with one more feature column per page type: 1 on the page's own type."""
    types = sorted({page.page.page_type for page in pages})
    told = []
    for page in pages:
        flags = np.zeros((len(page.texts), len(types)), dtype=np.float32)
        flags[:, types.index(page.page.page_type)] = 1.0
        told.append(replace(page, features=np.hstack((page.features, flags))))
    return told


def cross_validated_f1(
    pages: Sequence[TrainingPage], settings: TrainingSettings, fit: LocalFitter = fit_local
) -> list[float]:
    """Each page's word-F1 as `chaff eval --cv` scores it, with `fit` as the local stage."""
    keeps = cross_validated_keeps(pages, settings, fit)
    return [page_f1(page, keep) for page, keep in zip(pages, keeps, strict=True)]


def label_ceiling_f1(pages: Sequence[TrainingPage]) -> list[float]:
    return [page_f1(page, page.labels.astype(bool)) for page in pages]


def by_page_type(pages: Sequence[TrainingPage], f1s: Sequence[float]) -> dict[str, float]:
    """Mean word-F1 over all pages (ALL_PAGES) and per page type."""
    groups: dict[str, list[float]] = defaultdict(list)
    for page, f1 in zip(pages, f1s, strict=True):
        groups[page.page.page_type].append(f1)
    return {ALL_PAGES: float(np.mean(f1s))} | {
        page_type: float(np.mean(values)) for page_type, values in sorted(groups.items())
    }


def bounds(
    pages: Sequence[TrainingPage],
    settings: TrainingSettings,
    trees: TreeSettings,
    on_row: Callable[[], None] = lambda: None,
) -> dict[str, dict[str, float]]:
    """Row name -> mean word-F1 overall and per page type; on_row() after each row."""
    fit_trees = tree_fitter(trees)
    scorers: dict[str, Callable[[], list[float]]] = {
        "stumps (shipped)": lambda: cross_validated_f1(pages, settings),
        f"trees ({trees.leaves} leaves)": lambda: cross_validated_f1(pages, settings, fit_trees),
        "trees, told the page type": lambda: cross_validated_f1(
            with_page_types(pages), settings, fit_trees
        ),
        "label ceiling": lambda: label_ceiling_f1(pages),
    }
    rows = {}
    for name, scorer in scorers.items():
        rows[name] = by_page_type(pages, scorer())
        on_row()
    return rows


def report(rows: dict[str, dict[str, float]], title: str) -> str:
    columns = list(next(iter(rows.values())))
    lines = [
        title,
        "",
        "| local stage | " + " | ".join(columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for name, values in rows.items():
        lines.append(f"| {name} | " + " | ".join(f"{values[c]:.3f}" for c in columns) + " |")
    return "\n".join(lines)
