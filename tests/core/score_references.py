"""The numpy definitions of what the classifier makes of the features: the models' scores
(kernels_c/model.c), each segment's reasons (reasons.c, reason_marks.c) and the page's cut
(rules.c); test_model_kernels.py, test_trees.py, test_reason_kernels.py,
test_reason_mark_kernels.py, test_rule_kernels.py and test_smoothing_stage_kernel.py hold the
kernels to them (numpy_references.py says where they come from). Departures, on purpose:

- the additive model looks every feature up in its own thresholds; the old code shifted the
  features into disjoint ranges (offsets of 1e6, values clipped to +-5e5) to serve them all
  with one searchsorted, and the shift rounded values and thresholds near each other;
- the reason columns come from a stable argsort, so of equal contributions the lower column
  comes first, as kernels_c/reasons.c documents (the old default sort left ties to chance);
- the page's cut sums its expected reference pairwise (np.sum), not by a BLAS dot product.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from numpy_references import Float32, Float64, Int64, exp, log, log10, power_of_ten

from worker.core.trees import TreeEnsemble


def additive_contributions(
    features: npt.NDArray[np.floating],
    thresholds: Sequence[Sequence[float]],
    values: Sequence[Sequence[float]],
) -> Float64:
    """Per row and feature j, values[j][k], k the number of feature j's thresholds strictly
    below the value (LightGBM sends x <= threshold left; NaN sorts after every threshold).
    Features are read as float32, as the model stores them."""
    table = np.asarray(features, dtype=np.float32).astype(np.float64)
    contributions = np.empty(table.shape)
    for j, (edges, steps) in enumerate(zip(thresholds, values, strict=True)):
        below = np.searchsorted(np.asarray(edges, dtype=np.float64), table[:, j], side="left")
        contributions[:, j] = np.asarray(steps, dtype=np.float64)[below]
    return contributions


def additive_logits(contributions: Float64, bias: float) -> Float64:
    """The bias plus each row's contributions (numpy's pairwise sum along the row)."""
    logits: Float64 = bias + contributions.sum(axis=1)
    return logits


def tree_scores(
    ensemble: TreeEnsemble, features: npt.NDArray[np.floating]
) -> tuple[Float64, Float64]:
    """trees.TreeEnsemble.scores (the C tree_scores), tree by tree and split by split: each
    row's contributions per feature (Saabas' path split) and its sum of leaves."""
    table = np.asarray(features, dtype=np.float32)
    contributions = np.zeros((len(table), len(ensemble.feature_names)))
    logits = np.zeros(len(table))
    for row, x in enumerate(table):
        total = 0.0
        for split, bar, inner, leaves in zip(
            ensemble.features.tolist(),
            ensemble.thresholds.tolist(),
            ensemble.inner.tolist(),
            ensemble.leaves.tolist(),
            strict=True,
        ):
            side = 0 if float(x[split[0]]) <= bar[0] else 1
            child = 1 + side
            leaf = 2 * side + (0 if float(x[split[child]]) <= bar[child] else 1)
            contributions[row, split[0]] += inner[child] - inner[0]
            contributions[row, split[child]] += leaves[leaf] - inner[child]
            total += leaves[leaf]
        logits[row] = total
    return contributions, logits


def strongest_columns(contributions: Float64, keep: npt.NDArray[np.bool_], columns: int) -> Int64:
    """Per row, the `columns` columns pushing hardest toward the row's label: kept rows by
    their most positive contributions, the others by their most negative; of equal ones,
    the lower column."""
    signed = np.where(keep[:, None], -contributions, contributions)
    chosen: Int64 = np.argsort(signed, axis=1, kind="stable")[:, :columns]
    return chosen


def rounded_values(features: Float32, columns: Int64) -> Float64:
    """The chosen features rounded to two significant digits (classify.py at cdc82af)."""
    values = np.take_along_axis(features, columns, axis=1).astype(np.float64)
    magnitude = np.floor(log10(np.maximum(np.abs(values), 1e-12)))
    scale = power_of_ten(magnitude - 1)
    with np.errstate(invalid="ignore"):  # infinity / infinity: NaN, as the kernel gives
        rounded: Float64 = np.where(values == 0, 0.0, np.round(values / scale) * scale)
    return rounded


def reason_prefixes(
    reasons: list[tuple[str, ...]],
    keep: npt.NDArray[np.bool_],
    scores: Float64,
    shift: Float64,
    held: npt.NDArray[np.bool_],
    ruled: dict[int, str],
    bars: tuple[float, float, float],
    words: tuple[str, str, str, str],
) -> list[tuple[str, ...]]:
    """What classify._reasons put before each segment's features, in numpy and Python
    (classify.py at 208c4d8); words: held back, cut, inside, surrounded."""
    cut, always_kept, shift_bar = bars
    reasons = list(reasons)
    neighbours = np.where(
        keep & (shift > shift_bar), 1, np.where(~keep & (shift < -shift_bar), -1, 0)
    )
    below_half = keep & (scores < always_kept) & (scores >= cut)
    marked = (neighbours != 0) | below_half | held
    marked_list = marked.tolist()
    for position, rule in ruled.items():
        if not marked_list[position]:
            reasons[position] = (rule, *reasons[position])
    for position in np.flatnonzero(marked).tolist():
        first: list[str] = []
        if position in ruled:
            first.append(ruled[position])
        elif held[position]:
            first.append(words[0])
        if below_half[position]:
            first.append(words[1])
        if neighbours[position]:
            first.append(words[2] if neighbours[position] == 1 else words[3])
        reasons[position] = (*first, *reasons[position])
    return reasons


def page_cut(scores: Float64, words: Float64, floor: float, bias: float) -> float:
    """Decision.cut at cdc82af, but for the expected reference summed pairwise (np.sum)
    where the old code took a BLAS dot product, whose order of additions is the BLAS's."""
    candidates = scores >= floor
    if not candidates.any():
        return 2.0
    clipped = np.clip(scores, 1e-6, 1.0 - 1e-6)
    probability = 1.0 / (1.0 + exp(-(log(clipped / (1.0 - clipped)) + bias)))
    weight = np.maximum(words, 0.0) + 1.0
    expected_reference = float(np.sum(probability * weight))
    order = np.argsort(-scores, kind="stable")[: int(candidates.sum())]
    kept_hits = np.cumsum(probability[order] * weight[order])
    kept_words = np.cumsum(weight[order])
    expected_f1 = 2.0 * kept_hits / (kept_words + expected_reference)
    return min(float(scores[order[int(np.argmax(expected_f1))]]), 0.5)
