"""A trained segment model for one content type, and where the shipped ones live."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import orjson

from worker.core.decision import Decision
from worker.core.features import TEXT_NAMES, page_features, smoothed_logits
from worker.core.model import AdditiveModel, sigmoid
from worker.core.page_kind import is_article_under_thread, page_summary
from worker.core.segments import PageSegments
from worker.core.trees import TreeEnsemble
from worker.core.verdict import ContentType

MODEL_FILES: dict[ContentType, str] = {"text/html": "html.json", "text/plain": "text.json"}
MODEL_FORMAT = "chaff.segment-model/4"
# /4 allowed a local stage of trees (trees.py); a /3 file is a /4 model with stumps only.
# /3 added the page-level stage (single_item); a /2 file is a /3 model without it.
_READABLE_FORMATS = frozenset({"chaff.segment-model/2", "chaff.segment-model/3", MODEL_FORMAT})
LOG_WORDS = TEXT_NAMES.index("log_words")  # the feature column that counts a segment's words


def takes_for_one_item(
    page_kind: AdditiveModel, features: npt.NDArray[np.float32], content_type: ContentType
) -> bool:
    """Whether a page goes to the one-item stages: the page-kind model says so, or the page
    is an article under its comment thread (page_kind.is_article_under_thread)."""
    if page_kind.logits(page_summary(features, content_type))[0] >= 0.0:
        return True
    return is_article_under_thread(features, content_type)


# The local stage: stumps (model.py) or small trees (trees.py), one interface.
LocalStage: TypeAlias = AdditiveModel | TreeEnsemble


def local_stage_from_json(document: dict[str, Any]) -> LocalStage:
    if document.get("kind") == TreeEnsemble.kind:
        return TreeEnsemble.from_json(document)
    return AdditiveModel.from_json(document)


def segment_words(features: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """Each segment's word count, read back from its feature row."""
    words: npt.NDArray[np.float64] = np.expm1(features[:, LOG_WORDS].astype(np.float64))
    return words


@dataclass(frozen=True)
class PageScores:
    scores: npt.NDArray[np.float64]  # final probability that each segment is article
    features: npt.NDArray[np.float32]
    local_contributions: npt.NDArray[np.float64]  # per segment and feature, for the reasons
    neighbour_shift: npt.NDArray[np.float64]  # how much the smoothing stage moved each logit
    decision: Decision  # the page's cut, as fitted for the stages that scored it
    single_item_page: bool = False  # whether the page-level stage took it for one item's page

    @property
    def words(self) -> npt.NDArray[np.float64]:
        return segment_words(self.features)


@dataclass(frozen=True)
class SingleItemStages:
    """The page-level stage (page_kind.py), and the segment stages for the pages it takes
    for one item's page: fitted on those pages alone, they learn that cards, comments and
    "more stories" around the item are junk there."""

    page_kind: AdditiveModel  # page_kind.page_summary -> logit that the page is one item's
    local: LocalStage
    smoothing: AdditiveModel
    decision: Decision

    def takes(self, features: npt.NDArray[np.float32], content_type: ContentType) -> bool:
        return takes_for_one_item(self.page_kind, features, content_type)

    def to_json(self) -> dict[str, Any]:
        return {
            "page_kind": self.page_kind.to_json(),
            "decision": self.decision.to_json(),
            "local": self.local.to_json(),
            "smoothing": self.smoothing.to_json(),
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> SingleItemStages:
        return cls(
            page_kind=AdditiveModel.from_json(document["page_kind"]),
            local=local_stage_from_json(document["local"]),
            smoothing=AdditiveModel.from_json(document["smoothing"]),
            decision=Decision.from_json(document["decision"]),
        )


@dataclass(frozen=True)
class SegmentModel:
    version: str
    content_type: ContentType
    local: LocalStage
    smoothing: AdditiveModel
    decision: Decision
    # The names of the corpus folders the model was fitted on (e.g. "wcxb-dev"); () when
    # unknown (files written before the field existed).
    fitted_on: tuple[str, ...] = ()
    # The stages for pages about one item, when the training pages had both kinds; without
    # them every page is scored by the stages above (fitted on every page).
    single_item: SingleItemStages | None = None

    def score(self, segments: PageSegments) -> PageScores:
        features = page_features(segments)
        local, smoothing, decision = self.local, self.smoothing, self.decision
        single = self.single_item is not None and self.single_item.takes(
            features, self.content_type
        )
        if single and self.single_item is not None:
            local, smoothing = self.single_item.local, self.single_item.smoothing
            decision = self.single_item.decision
        contributions, local_logits = local.scores(features)
        final_logits = smoothed_logits(smoothing, local_logits, features[:, LOG_WORDS])
        return PageScores(
            sigmoid(final_logits),
            features,
            contributions,
            final_logits - local_logits,
            decision,
            single,
        )

    def score_before_thread(
        self, segments: PageSegments, page: PageScores, start: int
    ) -> PageScores:
        """A text dump's scores with the segments before its comment section (from `start`
        on; the rules reject it) scored as a page of their own. A post of a few paragraphs
        over a hundred comments sat "at 5% of the page", its lines short beside the
        thread's prose: without the thread its position and context features read as an
        article's (docs/measurements.md, 2026-12-04). The thread keeps its scores."""
        if not 0 < start < len(segments):
            return page
        head = self.score(segments.head(start))
        return PageScores(
            np.concatenate([head.scores, page.scores[start:]]),
            np.concatenate([head.features, page.features[start:]]),
            np.concatenate([head.local_contributions, page.local_contributions[start:]]),
            np.concatenate([head.neighbour_shift, page.neighbour_shift[start:]]),
            page.decision,
            page.single_item_page,
        )

    def to_json(self) -> bytes:
        document: dict[str, Any] = {
            "format": MODEL_FORMAT,
            "version": self.version,
            "content_type": self.content_type,
            "fitted_on": list(self.fitted_on),
            "decision": self.decision.to_json(),
            "local": self.local.to_json(),
            "smoothing": self.smoothing.to_json(),
            "single_item": self.single_item.to_json() if self.single_item else None,
        }
        return orjson.dumps(document, option=orjson.OPT_INDENT_2)

    @classmethod
    def from_json(cls, raw: bytes) -> SegmentModel:
        document = orjson.loads(raw)
        if document.get("format") not in _READABLE_FORMATS:
            raise ValueError(
                f"not a {MODEL_FORMAT} model: format {document.get('format')!r}"
                " (models of another format need `chaff train` again)"
            )
        fitted_on = document.get("fitted_on", [])
        if not isinstance(fitted_on, list) or not all(isinstance(n, str) for n in fitted_on):
            raise ValueError(f"fitted_on must be a list of corpus names, not {fitted_on!r}")
        return cls(
            version=str(document["version"]),
            content_type=document["content_type"],
            local=local_stage_from_json(document["local"]),
            smoothing=AdditiveModel.from_json(document["smoothing"]),
            decision=Decision.from_json(document["decision"]),
            fitted_on=tuple(fitted_on),
            single_item=SingleItemStages.from_json(single)
            if (single := document.get("single_item"))
            else None,
        )


@cache
def shipped_model(content_type: ContentType) -> SegmentModel:
    """The model committed under worker/core/models/, loaded once per process."""
    raw = resources.files("worker.core").joinpath("models", MODEL_FILES[content_type]).read_bytes()
    return SegmentModel.from_json(raw)
