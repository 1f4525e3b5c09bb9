"""Training and cross-validation of the page-level stage (worker/core/page_kind.py).

`chaff train` fits, besides the stages for every page, a page-kind model (is the page about
one item: an article, a product, a documentation page?) and a second pair of segment stages
fitted on the one-item pages alone. Cross-validation routes every held-out page the way the
worker would: by a page-kind model that never saw its site, to stages that never saw it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from worker.core.decision import Decision
from worker.core.model import AdditiveModel
from worker.core.page_kind import (
    ARTICLE_WEIGHT,
    PAGE_STAGE_CONTENT_TYPES,
    SINGLE_ITEM_PRIOR,
    SINGLE_ITEM_TYPES,
    page_summary,
    summary_names,
)
from worker.core.segment_model import SingleItemStages, takes_for_one_item
from worker.core.verdict import ContentType
from worker.learn.boosting import fit_additive
from worker.learn.train import (
    TrainingPage,
    TrainingSettings,
    best_decision,
    cross_validated_scores,
    decision_keep,
    fit_stages,
    grouped_folds,
    with_rules,
)

_PAGE_KIND_ROUNDS = 200
# Fewer pages of a kind than this fit no stages of their own (a quick run on a few pages).
MIN_PAGES_PER_KIND = 10
_PAGE_KIND_LEARNING_RATE = 0.1
_PAGE_KIND_MIN_LEAF = 10  # pages, not segments: a corpus has a thousand, not 400,000

Scores = list[npt.NDArray[np.float64]]


def is_single_item(page: TrainingPage) -> bool:
    return page.page.page_type in SINGLE_ITEM_TYPES


def as_single_item_training(page: TrainingPage) -> TrainingPage | None:
    """The page as the one-item stages train on it: one-item pages only, article pages
    weighing ARTICLE_WEIGHT times as much."""
    if not is_single_item(page):
        return None
    if page.page.page_type == "article":
        return replace(page, weights=page.weights * ARTICLE_WEIGHT)
    return page


def has_both_kinds(pages: Sequence[TrainingPage]) -> bool:
    """Whether the labels name enough one-item pages and pages of many: only then is there
    a page-level stage to fit (a corpus of articles alone has nothing to tell apart)."""
    single = sum(map(is_single_item, pages))
    return min(single, len(pages) - single) >= MIN_PAGES_PER_KIND


def _every_fold_has_both_kinds(pages: Sequence[TrainingPage], folds: int) -> bool:
    fold_of = grouped_folds(pages, folds)
    return all(
        has_both_kinds([p for p, f in zip(pages, fold_of, strict=True) if f != fold])
        for fold in range(folds)
    )


def fit_page_kind(pages: Sequence[TrainingPage], content_type: ContentType) -> AdditiveModel:
    """Stumps telling one-item pages from pages of many, their bias raised by
    SINGLE_ITEM_PRIOR (page_kind.py says why)."""
    summaries = np.concatenate([page_summary(p.features, content_type) for p in pages])
    labels = np.array([is_single_item(p) for p in pages], dtype=np.int8)
    model = fit_additive(
        summaries,
        labels,
        np.ones(len(pages)),
        summary_names(content_type),
        _PAGE_KIND_ROUNDS,
        _PAGE_KIND_LEARNING_RATE,
        min_data_in_leaf=_PAGE_KIND_MIN_LEAF,
    )
    return AdditiveModel(
        model.feature_names, model.bias + SINGLE_ITEM_PRIOR, model.thresholds, model.values
    )


def fit_single_item(
    pages: Sequence[TrainingPage], content_type: ContentType, settings: TrainingSettings
) -> SingleItemStages | None:
    if content_type not in PAGE_STAGE_CONTENT_TYPES or not has_both_kinds(pages):
        return None
    chosen = [view for p in pages if (view := as_single_item_training(p)) is not None]
    local, smoothing, decision = fit_stages(chosen, settings, one_item_pages=True)
    return SingleItemStages(fit_page_kind(pages, content_type), local, smoothing, decision)


def _out_of_fold_kinds(
    pages: Sequence[TrainingPage], settings: TrainingSettings, content_type: ContentType
) -> list[bool]:
    """Per page, whether a page-kind model that never saw its site takes it for one item's."""
    folds = grouped_folds(pages, settings.folds)
    single = [False] * len(pages)
    for fold in range(settings.folds):
        model = fit_page_kind(
            [p for p, f in zip(pages, folds, strict=True) if f != fold], content_type
        )
        for index, page_fold in enumerate(folds):
            if page_fold == fold:
                single[index] = takes_for_one_item(model, pages[index].features, content_type)
    return single


def cross_validated_routed_keeps(
    pages: Sequence[TrainingPage], settings: TrainingSettings, content_type: ContentType
) -> list[npt.NDArray[np.bool_]]:
    """Per page, the segments kept as the worker would keep them with models that never
    saw the page's site: routed by the page-level stage when the labels allow one, each
    kind of page cut by the decision best for the pages routed to it."""
    general = cross_validated_scores(pages, settings)
    if not _routable(pages, settings, content_type):
        return _kept(pages, general, [False] * len(pages), general, Decision(), Decision())
    routing = _routed_out_of_fold(pages, settings, content_type, general)
    return _kept(pages, general, routing.routed, routing.single_scores, *routing.decisions)


def routed_decisions(
    pages: Sequence[TrainingPage], settings: TrainingSettings, content_type: ContentType
) -> tuple[Decision, Decision] | None:
    """The decisions for the general and the one-item stages, each the best for the
    out-of-fold scores of the pages a page-kind model that never saw their site routes to
    it: the pages it meets in the worker, not the pages the labels give it (`chaff eval`'s
    cross-validation fits them so). None where the labels allow no routing."""
    if not _routable(pages, settings, content_type):
        return None
    general = cross_validated_scores(pages, settings)
    return _routed_out_of_fold(pages, settings, content_type, general).decisions


@dataclass(frozen=True, slots=True)
class _Routing:
    routed: list[bool]  # per page, whether it goes to the one-item stages
    single_scores: Scores  # out-of-fold scores of the one-item stages
    decisions: tuple[Decision, Decision]  # general, one-item


def _routable(
    pages: Sequence[TrainingPage], settings: TrainingSettings, content_type: ContentType
) -> bool:
    return content_type in PAGE_STAGE_CONTENT_TYPES and _every_fold_has_both_kinds(
        pages, settings.folds
    )


def _routed_out_of_fold(
    pages: Sequence[TrainingPage],
    settings: TrainingSettings,
    content_type: ContentType,
    general: Scores,
) -> _Routing:
    single_scores = cross_validated_scores(pages, settings, view=as_single_item_training)
    routed = _out_of_fold_kinds(pages, settings, content_type)
    general_decision = _decision_for(pages, general, [not r for r in routed])
    single_decision = _decision_for(pages, single_scores, routed, one_item_pages=True)
    return _Routing(routed, single_scores, (general_decision, single_decision))


def _decision_for(
    pages: Sequence[TrainingPage],
    scores: Scores,
    chosen: Sequence[bool],
    one_item_pages: bool = False,
) -> Decision:
    subset = [i for i, c in enumerate(chosen) if c]
    if not subset:
        return Decision(holds_back_comments=one_item_pages)
    return best_decision([pages[i] for i in subset], [scores[i] for i in subset], one_item_pages)


def _kept(
    pages: Sequence[TrainingPage],
    general: Scores,
    routed: Sequence[bool],
    single: Scores,
    general_decision: Decision,
    single_decision: Decision,
) -> list[npt.NDArray[np.bool_]]:
    if not any(routed):  # no page-level stage: one decision over every page
        general_decision = best_decision(pages, general)
    keeps = []
    for index, page in enumerate(pages):
        scores, decision = (
            (single[index], single_decision)
            if routed[index]
            else (general[index], general_decision)
        )
        ruled = with_rules(page, scores, routed[index])
        keeps.append(decision_keep(decision, page, ruled, routed[index]))
    return keeps
