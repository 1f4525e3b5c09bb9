"""Which segments of a page to keep, given their scores: the page's own cut.

One global threshold keeps too little where the model is unsure of a whole page (listings,
product pages, forums score lower everywhere) and too much where it is sure. Word-F1 is
judged per page, so the cut is chosen per page: read each score as the probability that
the segment's words belong to the article; keeping the k most likely segments then has an
expected word-F1 of about

    2 * sum_{i <= k} p_i * w_i  /  (sum_{i <= k} w_i  +  sum_{all i} p_i * w_i)

(w = words), and the k with the largest value wins. The cut only ever lowers the bar: a
segment the model finds more likely article than not (score >= 0.5) is always kept, since
on a confident page the expected-F1 cut would otherwise climb and drop a short headline
for the sake of a point of precision. Two learned numbers make it fit the model (`chaff
train` picks both on out-of-fold scores): a logit bias that recalibrates the scores, and a
floor under which nothing is kept, so a page of pure boilerplate keeps nothing rather
than its least bad line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from worker.core import kernels

ALWAYS_KEPT = 0.5  # a score at or above this keeps its segment, whatever the page's cut


@dataclass(frozen=True, slots=True)
class Decision:
    bias: float = 0.0  # added to each score's logit before the expected-F1 cut
    floor: float = 0.2  # a segment scoring below this is never kept

    def __post_init__(self) -> None:
        if not 0.0 <= self.floor <= ALWAYS_KEPT:
            raise ValueError(f"the floor must lie in [0, {ALWAYS_KEPT}], not {self.floor}")

    def cut(self, scores: npt.NDArray[np.float64], words: npt.NDArray[np.float64]) -> float:
        """The bar of this page: segments scoring at or above it are kept (none if above 1)."""
        return kernels.page_cut(scores, words, self.floor, self.bias, ALWAYS_KEPT)

    def keep(
        self, scores: npt.NDArray[np.float64], words: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.bool_]:
        kept: npt.NDArray[np.bool_] = scores >= self.cut(scores, words)
        return kept

    def to_json(self) -> dict[str, Any]:
        return {"rule": "expected-f1", "bias": self.bias, "floor": self.floor}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Decision:
        if document.get("rule") != "expected-f1":
            raise ValueError(f"unknown decision rule {document.get('rule')!r}")
        return cls(bias=float(document["bias"]), floor=float(document["floor"]))
