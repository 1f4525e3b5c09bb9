"""Training's side of SegmentModel.score_before_thread: on a text dump whose comment section
the rules reject, the segments before it are scored as a page of their own. Cross-validation
and the decision's fit must see the scores the worker will see, so the out-of-fold scores
are rescored the same way, by the models of the page's fold."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from worker.core.features import TEXT_NAMES, feature_names, page_features, smoothing_features
from worker.core.model import sigmoid
from worker.core.rules import page_rule_hits
from worker.core.segment_model import LOG_WORDS, segment_words
from worker.core.segments import TEXT_STRUCTURE_NAMES, PageSegments

if TYPE_CHECKING:
    from worker.learn.train import TrainingPage

_TEXT_WIDTH = len(feature_names("text/plain"))
# Where a text dump's layout columns sit in its feature table (features.page_features).
_STRUCTURE = slice(len(TEXT_NAMES), len(TEXT_NAMES) + len(TEXT_STRUCTURE_NAMES))


class _Logits(Protocol):
    def logits(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]: ...


def thread_start(page: TrainingPage) -> int | None:
    """Where a text dump's comment section starts, as the worker's rules find it."""
    if page.features.shape[1] != _TEXT_WIDTH or not len(page.texts):
        return None
    return page_rule_hits(page.texts, segment_words(page.features), "text/plain")[1]


def rescored_before_thread(
    page: TrainingPage,
    scores: npt.NDArray[np.float64],
    local: _Logits,
    smoothing: _Logits,
) -> npt.NDArray[np.float64]:
    """`scores` with the segments before the page's comment section scored by `local` and
    `smoothing` as a page of their own (unchanged when the page is no text dump or has no
    comment section)."""
    start = thread_start(page)
    if start is None or not 0 < start < len(page.texts):
        return scores
    structure = np.ascontiguousarray(page.features[:start, _STRUCTURE])
    head = page_features(PageSegments("text/plain", page.texts[:start], structure))
    head_logits = local.logits(head)
    rescored = scores.copy()
    rescored[:start] = sigmoid(
        smoothing.logits(smoothing_features(head_logits, head[:, LOG_WORDS]))
    )
    return rescored
