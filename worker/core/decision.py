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

On a page about one item, the cut does not reach down into a comment thread: a segment in
a comment container is kept only when the model itself is sure of it (score >= 0.5). A
thread is many segments of mid scores after the article, and their words weigh enough to
pull the expected-F1 cut under them all (news pages from sites the model never saw kept
thousands of comment words so). On a forum thread the replies are the content, and the
page-level stage sends such pages to the stages whose decision does not hold them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from worker.core import kernels
from worker.core.features import feature_names

ALWAYS_KEPT = 0.5  # a score at or above this keeps its segment, whatever the page's cut


@dataclass(frozen=True, slots=True)
class Decision:
    bias: float = 0.0  # added to each score's logit before the expected-F1 cut
    floor: float = 0.2  # a segment scoring below this is never kept
    # Whether the segments in a comment container (`held_back` below) are kept only at a
    # score of ALWAYS_KEPT or more.
    holds_back_comments: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.floor <= ALWAYS_KEPT:
            raise ValueError(f"the floor must lie in [0, {ALWAYS_KEPT}], not {self.floor}")

    def cut(self, scores: npt.NDArray[np.float64], words: npt.NDArray[np.float64]) -> float:
        """The bar of this page: segments scoring at or above it are kept (none if above 1)."""
        return kernels.page_cut(scores, words, self.floor, self.bias, ALWAYS_KEPT)

    def keep(
        self,
        scores: npt.NDArray[np.float64],
        words: npt.NDArray[np.float64],
        features: npt.NDArray[np.float32] | None = None,
    ) -> npt.NDArray[np.bool_]:
        """The segments kept; `features` (the page's table) tells which are held back."""
        scores = self.cut_scores(scores, features)
        kept: npt.NDArray[np.bool_] = scores >= self.cut(scores, words)
        return kept

    def cut_scores(
        self, scores: npt.NDArray[np.float64], features: npt.NDArray[np.float32] | None
    ) -> npt.NDArray[np.float64]:
        """The scores the cut reads: 0 for a held-back segment scoring under ALWAYS_KEPT."""
        if not self.holds_back_comments or features is None or not len(scores):
            return scores
        held = held_back(features) & (scores < ALWAYS_KEPT)
        return np.where(held, 0.0, scores) if held.any() else scores

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"rule": "expected-f1", "bias": self.bias, "floor": self.floor}
        if self.holds_back_comments:
            document["holds_back_comments"] = True
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Decision:
        if document.get("rule") != "expected-f1":
            raise ValueError(f"unknown decision rule {document.get('rule')!r}")
        return cls(
            bias=float(document["bias"]),
            floor=float(document["floor"]),
            holds_back_comments=bool(document.get("holds_back_comments", False)),
        )


# The HTML feature that marks a segment inside a comment container (html_segments).
_HTML_WIDTH = len(feature_names("text/html"))
_COMMENT_COLUMN = feature_names("text/html").index("comment_class")


def held_back(features: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """Per segment of a page's feature table, whether it sits in a comment container (a text
    dump has no containers: none)."""
    if features.ndim != 2 or features.shape[1] != _HTML_WIDTH:
        return np.zeros(len(features), dtype=bool)
    held: npt.NDArray[np.bool_] = features[:, _COMMENT_COLUMN] > 0.5
    return held
