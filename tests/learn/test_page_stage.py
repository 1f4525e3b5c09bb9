"""Training and cross-validating the page-level stage, on the fixture pages."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from worker.core.page_kind import SINGLE_ITEM_PRIOR, page_summary
from worker.learn.dataset import load_pages
from worker.learn.page_stage import (
    _every_fold_has_both_kinds,
    _out_of_fold_kinds,
    cross_validated_routed_keeps,
    fit_single_item,
    has_both_kinds,
    is_single_item,
    routed_decisions,
)
from worker.learn.train import (
    TrainingPage,
    TrainingSettings,
    cross_validated_keeps,
    prepare,
    train,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "wcxb"
SETTINGS = TrainingSettings(local_rounds=40, smoothing_rounds=20, folds=2)


@pytest.fixture(scope="module")
def pages() -> list[TrainingPage]:
    labelled = load_pages(FIXTURE, "html")  # 20 pages about one item, 15 of many
    return prepare(((page, page.body("html")) for page in labelled), "html")


def all_articles(pages: list[TrainingPage]) -> list[TrainingPage]:
    return [replace(p, page=replace(p.page, page_type="article")) for p in pages]


def test_the_fixture_has_both_kinds_of_page(pages: list[TrainingPage]) -> None:
    assert has_both_kinds(pages)
    assert not has_both_kinds(all_articles(pages))


def test_only_labels_of_both_kinds_fit_a_page_stage(pages: list[TrainingPage]) -> None:
    assert fit_single_item(all_articles(pages), "text/html", SETTINGS) is None
    # Text dumps gained nothing from the stage (page_kind.PAGE_STAGE_CONTENT_TYPES).
    assert fit_single_item(pages, "text/plain", SETTINGS) is None
    stages = fit_single_item(pages, "text/html", SETTINGS)
    assert stages is not None
    logits = np.array(
        [stages.page_kind.logits(page_summary(p.features, "text/html"))[0] for p in pages]
    )
    truth = np.array([is_single_item(p) for p in pages])
    # Fitted on these very pages, without the prior it must tell most of them apart...
    assert np.mean((logits - SINGLE_ITEM_PRIOR >= 0) == truth) > 0.7
    # ... and with it, a page it is unsure of goes to the one-item stages.
    routed = np.array([stages.takes(p.features, "text/html") for p in pages])
    np.testing.assert_array_equal(routed, logits >= 0)
    assert routed.sum() >= (logits - SINGLE_ITEM_PRIOR >= 0).sum()


def test_held_out_pages_are_routed_both_ways(pages: list[TrainingPage]) -> None:
    # Five folds: the page-kind model needs ten pages a leaf, so some 28 pages to split.
    routed = _out_of_fold_kinds(pages, replace(SETTINGS, folds=5), "text/html")
    assert len(routed) == len(pages) and any(routed) and not all(routed)


def test_without_a_page_stage_the_routed_keeps_are_the_plain_ones(
    pages: list[TrainingPage],
) -> None:
    articles = all_articles(pages)
    routed = cross_validated_routed_keeps(articles, SETTINGS, "text/html")
    plain = cross_validated_keeps(articles, SETTINGS)
    assert len(routed) == len(plain) == len(pages)
    for a, b in zip(routed, plain, strict=True):
        np.testing.assert_array_equal(a, b)


def test_routed_keeps_cover_every_segment(pages: list[TrainingPage]) -> None:
    # Four folds: every fold's training part then holds ten pages of each kind, so the
    # pages are routed (with two, cross-validation falls back to the plain keeps).
    settings = replace(SETTINGS, folds=4)
    assert _every_fold_has_both_kinds(pages, settings.folds)
    keeps = cross_validated_routed_keeps(pages, settings, "text/html")
    assert [len(k) for k in keeps] == [len(p.texts) for p in pages]
    assert sum(int(k.sum()) for k in keeps) > 0
    plain = cross_validated_keeps(pages, settings)
    assert any(not np.array_equal(a, b) for a, b in zip(keeps, plain, strict=True))


def test_train_fits_each_decision_on_the_pages_routed_to_its_stages(
    pages: list[TrainingPage],
) -> None:
    settings = replace(SETTINGS, folds=4)
    decisions = routed_decisions(pages, settings, "text/html")
    assert decisions is not None
    model = train(pages, "text/html", settings, "test")
    assert model.single_item is not None
    assert (model.decision, model.single_item.decision) == decisions
    assert model.single_item.decision.holds_back_comments
    # Without routing (text dumps; labels of one kind) there are no routed decisions.
    assert routed_decisions(pages, settings, "text/plain") is None
    assert routed_decisions(all_articles(pages), settings, "text/html") is None
