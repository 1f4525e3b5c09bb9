"""`chaff train`: fit the segment model on a labelled dataset, reproducibly.

Two stages fitted as boosted trees: the local stage scores each segment from its own
features and a little context (trees of depth two on HTML, stumps on text dumps); the
smoothing stage, stumps, rescores it from its neighbours' local scores. The smoothing stage
learns from out-of-fold local scores (cross-validation grouped by site), so it sees the
kind of errors the local stage makes on sites it has never seen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from worker.core.article_start import dump_headline, html_headline
from worker.core.classify import one_item_drops
from worker.core.decision import Decision
from worker.core.features import SMOOTHING_NAMES, feature_names, page_features, smoothing_features
from worker.core.model import AdditiveModel, sigmoid
from worker.core.rules import page_rejections
from worker.core.segment_model import LOG_WORDS, LocalStage, SegmentModel, segment_words
from worker.core.segments import segment_page
from worker.core.verdict import ContentType
from worker.learn.boosting import fit_additive, fit_trees
from worker.learn.dataset import LabelledPage, Mode
from worker.learn.labels import segment_labels
from worker.learn.scoring import word_scores
from worker.learn.threads import rescored_before_thread

CONTENT_TYPES: dict[Mode, ContentType] = {"html": "text/html", "text": "text/plain"}
TEXT_FEATURES = feature_names("text/plain")
# The depth of the local stage's trees: pairs of features on HTML, where they carry to
# corpora the model never saw (docs/measurements.md, 2026-12-03 evening); stumps on text
# dumps, where depth two drops the seed page's headline under the page's cut.
LOCAL_DEPTH: dict[ContentType, int] = {"text/html": 2, "text/plain": 1}


@dataclass(frozen=True)
class TrainingPage:
    page: LabelledPage
    texts: list[str]
    features: npt.NDArray[np.float32]
    labels: npt.NDArray[np.int8]
    weights: npt.NDArray[np.float64]  # each page sums to 1, spread by word count
    # HTML: per segment, the context bits and the block path of its walk (html_segments);
    # None for text dumps.
    context_bits: npt.NDArray[np.int64] | None = None
    block_paths: Sequence[tuple[int, ...]] | None = None


class LocalModel(Protocol):
    """What the smoothing stage and cross-validation need of a local stage: its logits."""

    def logits(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]: ...


@dataclass(frozen=True)
class TrainingSettings:
    local_rounds: int = 300
    smoothing_rounds: int = 150
    learning_rate: float = 0.15
    folds: int = 5
    local_depth: int | None = None  # None: LOCAL_DEPTH of the pages' content type


def prepare(pages: Iterable[tuple[LabelledPage, str]], mode: Mode) -> list[TrainingPage]:
    prepared = []
    for page, body in pages:
        segments = segment_page(body, CONTENT_TYPES[mode])
        labels = np.asarray(segment_labels(segments.texts, page.main_content), dtype=np.int8)
        features = page_features(segments)
        words = segment_words(features) + 1.0 if len(segments) else np.ones(0)
        weights = words / words.sum() if words.size else words
        html = segments.html
        bits = np.asarray(html.bits, dtype=np.int64) if html else None
        paths = html.paths if html else None
        prepared.append(TrainingPage(page, segments.texts, features, labels, weights, bits, paths))
    return prepared


def site_fold(site: str, folds: int) -> int:
    """The fold of every page of `site` (a stable hash of the site)."""
    return int(hashlib.sha256(site.encode()).hexdigest(), 16) % folds


def grouped_folds(pages: Sequence[TrainingPage], folds: int) -> list[int]:
    """A fold per page; every page of a site in the same fold."""
    return [site_fold(p.page.site, folds) for p in pages]


def stacked(pages: Sequence[TrainingPage], field: Callable[[TrainingPage], Any]) -> Any:
    return np.concatenate([field(p) for p in pages]) if pages else np.zeros(0)


def fit_local(pages: Sequence[TrainingPage], settings: TrainingSettings) -> LocalStage:
    names = _names(pages)
    depth = settings.local_depth or LOCAL_DEPTH[_content_type_of(len(names))]
    inputs = (
        stacked(pages, lambda p: p.features),
        stacked(pages, lambda p: p.labels),
        stacked(pages, lambda p: p.weights),
        names,
    )
    if depth == 1:
        return fit_additive(*inputs, settings.local_rounds, settings.learning_rate)
    return fit_trees(*inputs, depth, settings.local_rounds, settings.learning_rate)


def _content_type_of(width: int) -> ContentType:
    """The content type of a feature table `width` columns wide."""
    return "text/plain" if width == len(TEXT_FEATURES) else "text/html"


def _names(pages: Sequence[TrainingPage]) -> tuple[str, ...]:
    width = next(p.features.shape[1] for p in pages if p.features.size)
    for content_type in ("text/plain", "text/html"):
        names = feature_names(content_type)
        if len(names) == width:
            return names
    raise ValueError(f"no feature set has {width} columns")


def local_logits(model: LocalModel, page: TrainingPage) -> npt.NDArray[np.float64]:
    return model.logits(page.features) if len(page.texts) else np.zeros(0)


def smoothing_inputs(
    page: TrainingPage, logits: npt.NDArray[np.float64]
) -> npt.NDArray[np.float32]:
    if not len(page.texts):
        return np.zeros((0, len(SMOOTHING_NAMES)), dtype=np.float32)
    return smoothing_features(logits, page.features[:, LOG_WORDS])


def fit_smoothing(
    pages: Sequence[TrainingPage],
    logits: Sequence[npt.NDArray[np.float64]],
    settings: TrainingSettings,
) -> AdditiveModel:
    inputs = np.concatenate(
        [smoothing_inputs(p, page_logits) for p, page_logits in zip(pages, logits, strict=True)]
    )
    return fit_additive(
        inputs,
        stacked(pages, lambda p: p.labels),
        stacked(pages, lambda p: p.weights),
        SMOOTHING_NAMES,
        settings.smoothing_rounds,
        settings.learning_rate,
    )


# Fits a local stage on some pages: fit_local (the shipped kind), or another model to
# compare with it (worker/learn/bounds.py).
LocalFitter = Callable[[Sequence[TrainingPage], TrainingSettings], LocalModel]


# Which pages a stage trains on, and with what weight: None leaves a page out (the one-item
# stages of worker/learn/page_stage.py train on some pages only).
TrainingView = Callable[[TrainingPage], "TrainingPage | None"]


def as_is(page: TrainingPage) -> TrainingPage | None:
    return page


def out_of_fold_local(
    pages: Sequence[TrainingPage],
    settings: TrainingSettings,
    fit: LocalFitter = fit_local,
    view: TrainingView = as_is,
) -> tuple[list[npt.NDArray[np.float64]], list[LocalModel]]:
    """Local logits of every page by a local stage fitted on the other folds' pages, as
    `view` has them, and the local stage that scored each fold."""
    folds = grouped_folds(pages, settings.folds)
    viewed = [view(page) for page in pages]
    logits: list[npt.NDArray[np.float64]] = [np.zeros(0)] * len(pages)
    models: list[LocalModel] = []
    for fold in range(settings.folds):
        training = [v for v, f in zip(viewed, folds, strict=True) if f != fold and v is not None]
        models.append(fit(training, settings))
        for index, (page, page_fold) in enumerate(zip(pages, folds, strict=True)):
            if page_fold == fold:
                logits[index] = local_logits(models[fold], page)
    return logits, models


def cross_validated_scores(
    pages: Sequence[TrainingPage],
    settings: TrainingSettings,
    fit: LocalFitter = fit_local,
    view: TrainingView = as_is,
) -> list[npt.NDArray[np.float64]]:
    """Out-of-fold final scores for every page: neither stage saw the page's site. `fit`
    fits the local stage; the smoothing stage is the shipped kind; both train on the other
    folds' pages as `view` has them."""
    folds = grouped_folds(pages, settings.folds)
    viewed = [view(page) for page in pages]
    local, local_models = out_of_fold_local(pages, settings, fit, view)
    scores: list[npt.NDArray[np.float64]] = [np.zeros(0)] * len(pages)
    for fold in range(settings.folds):
        training = [i for i, f in enumerate(folds) if f != fold and viewed[i] is not None]
        smoothing = fit_smoothing(
            [v for i in training if (v := viewed[i]) is not None],
            [local[i] for i in training],
            settings,
        )
        for index, page_fold in enumerate(folds):
            if page_fold == fold and len(pages[index].texts):
                inputs = smoothing_inputs(pages[index], local[index])
                page_scores = sigmoid(smoothing.logits(inputs))
                scores[index] = rescored_before_thread(
                    pages[index], page_scores, local_models[fold], smoothing
                )
    return scores


# Candidate decisions: a logit bias to recalibrate the scores, and a floor (see decision.py).
_DECISION_BIASES = (-1.0, -0.75, -0.5, -0.25, 0.0, 0.25)
_DECISION_FLOORS = (0.1, 0.15, 0.2, 0.25, 0.3)


def best_decision(
    pages: Sequence[TrainingPage],
    scores: Sequence[npt.NDArray[np.float64]],
    one_item_pages: bool = False,
) -> Decision:
    """The decision with the best mean word-F1 over pages, the rules applied as at runtime.
    For the stages of one-item pages, the decision holds comments back (decision.py), and
    the comment-section rule (rules.py) and the declared article body (declared_body.py)
    apply."""
    ruled_scores = [
        with_rules(page, page_scores, one_item_pages)
        for page, page_scores in zip(pages, scores, strict=True)
    ]
    best, best_f1 = Decision(), -1.0
    for bias in _DECISION_BIASES:
        for floor in _DECISION_FLOORS:
            decision = Decision(bias, floor, one_item_pages)
            f1 = float(
                np.mean(
                    [
                        page_f1(page, decision_keep(decision, page, page_scores, one_item_pages))
                        for page, page_scores in zip(pages, ruled_scores, strict=True)
                    ]
                )
            )
            if f1 > best_f1:
                best, best_f1 = decision, f1
    return best


def page_content_type(page: TrainingPage) -> ContentType:
    """The page's content type, read off the width of its feature table."""
    return _content_type_of(page.features.shape[1])


def with_rules(
    page: TrainingPage, scores: npt.NDArray[np.float64], one_item_page: bool = False
) -> npt.NDArray[np.float64]:
    """The scores as classify_page decides on them: 0 where a rule rejects the segment
    (`one_item_page`: the page-level stage took the page for one item's)."""
    words = segment_words(page.features)
    content_type = page_content_type(page)
    ruled = list(page_rejections(page.texts, words, content_type, one_item_page, page.features))
    if not ruled:
        return scores
    scores = scores.copy()
    scores[ruled] = 0.0
    return scores


def decision_keep(
    decision: Decision,
    page: TrainingPage,
    scores: npt.NDArray[np.float64],
    one_item_page: bool = False,
) -> npt.NDArray[np.bool_]:
    """The segments classify_page keeps, given the scores with the rules applied
    (with_rules); on a one-item page, with its headline and less what
    classify.one_item_drops drops; on a text dump, with its headline (article_start.py)."""
    if not len(page.texts):
        return np.zeros(0, dtype=bool)
    words = segment_words(page.features)
    keep = decision.keep(scores, words, page.features)
    if one_item_page and page.context_bits is not None and page.block_paths is not None:
        headline = html_headline(page.context_bits, page.features, words, keep)
        if headline is not None and scores[headline] > 0.0:  # (0: a rule rejected it)
            keep[headline] = True
        drops = one_item_drops(page.texts, page.context_bits, page.block_paths, words, keep)
        keep[list(drops)] = False
    if page_content_type(page) == "text/plain":
        headline = dump_headline(page.texts, words, keep)
        if headline is not None and scores[headline] > 0.0:  # (0: a rule rejected it)
            keep[headline] = True
    return keep


def page_f1(page: TrainingPage, keep: npt.NDArray[np.bool_]) -> float:
    kept = " ".join(t for t, k in zip(page.texts, keep.tolist(), strict=True) if k)
    return word_scores(kept, page.page.main_content)[2]


def versioned(model: SegmentModel, prefix: str) -> SegmentModel:
    """Name the model after its content: the same training data gives the same version."""
    digest = hashlib.sha256(replace(model, version="").to_json()).hexdigest()[:10]
    return replace(model, version=f"{prefix}-{digest}")


def train(
    pages: Sequence[TrainingPage],
    content_type: ContentType,
    settings: TrainingSettings,
    version_prefix: str,
    *,
    fitted_on: Sequence[str] = (),
) -> SegmentModel:
    """Fit both stages and the decision on `pages`; `fitted_on` names the corpus folders
    they came from (recorded in the model, so `chaff eval --all-corpora` knows which
    corpora it must score by cross-validation). With a page-level stage, each decision is
    fitted on the pages routed to its stages, as the worker routes them (page_stage)."""
    from worker.learn.page_stage import fit_single_item, routed_decisions  # they build on this

    local, smoothing, decision = fit_stages(pages, settings)
    single_item = fit_single_item(pages, content_type, settings)
    if single_item is not None and (routed := routed_decisions(pages, settings, content_type)):
        decision, single_decision = routed
        single_item = replace(single_item, decision=single_decision)
    model = SegmentModel(
        "", content_type, local, smoothing, decision, tuple(fitted_on), single_item
    )
    return versioned(model, version_prefix)


def fit_stages(
    pages: Sequence[TrainingPage], settings: TrainingSettings, one_item_pages: bool = False
) -> tuple[LocalStage, AdditiveModel, Decision]:
    """The local stage, the smoothing stage (on out-of-fold local scores) and the decision
    that is best for the out-of-fold final scores, all fitted on `pages`."""
    local_oof, local_models = out_of_fold_local(pages, settings)
    smoothing = fit_smoothing(pages, local_oof, settings)
    folds = grouped_folds(pages, settings.folds)
    oof_scores = [
        rescored_before_thread(
            p, sigmoid(smoothing.logits(smoothing_inputs(p, logits))), local_models[f], smoothing
        )
        if len(p.texts)
        else np.zeros(0)
        for p, logits, f in zip(pages, local_oof, folds, strict=True)
    ]
    decision = best_decision(pages, oof_scores, one_item_pages)
    return fit_local(pages, settings), smoothing, decision


def prepare_with_progress(pages: Sequence[LabelledPage], mode: Mode) -> list[TrainingPage]:
    from worker.ops.progress import Progress

    prepared: list[TrainingPage] = []
    with Progress(f"segmenting {mode} pages", total=len(pages), unit="pages") as progress:
        for page in pages:
            prepared.extend(prepare([(page, page.body(mode))], mode))
            progress.advance()
    return prepared


def cross_validated_keeps(
    pages: Sequence[TrainingPage], settings: TrainingSettings, fit: LocalFitter = fit_local
) -> list[npt.NDArray[np.bool_]]:
    """Per page, the segments kept by models that never saw the page's site, with the
    decision that is best over these out-of-fold scores and the rules applied."""
    scores = cross_validated_scores(pages, settings, fit)
    decision = best_decision(pages, scores)
    return [
        decision_keep(decision, page, with_rules(page, page_scores))
        for page, page_scores in zip(pages, scores, strict=True)
    ]


def cross_validated_extractions(
    pages: Sequence[LabelledPage], mode: Mode, folds: int
) -> dict[str, str]:
    """Page id -> the article text kept by a model that never saw the page's site."""
    from worker.learn.page_stage import cross_validated_routed_keeps

    prepared = prepare_with_progress(pages, mode)
    settings = TrainingSettings(folds=folds)
    keeps = cross_validated_routed_keeps(prepared, settings, CONTENT_TYPES[mode])
    return {
        page.page.page_id: "\n".join(
            text for text, kept in zip(page.texts, keep.tolist(), strict=True) if kept
        )
        for page, keep in zip(prepared, keeps, strict=True)
    }
