"""The page-level stage: the page summary, and how a model routes a page by it."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import orjson
import pytest

from worker.core.classify import classify_page
from worker.core.features import page_features, smoothing_features
from worker.core.model import AdditiveModel, sigmoid
from worker.core.page_kind import page_summary, summary_names
from worker.core.segment_model import LOG_WORDS, SegmentModel, SingleItemStages, shipped_model
from worker.core.segments import segment_page
from worker.core.verdict import ContentType

SEED = Path(__file__).parents[2] / "seeds" / "000_bd0859deabb9f25c.txt"


def constant_page_kind(content_type: ContentType, logit: float) -> AdditiveModel:
    names = summary_names(content_type)
    return AdditiveModel(names, logit, tuple(() for _ in names), tuple((0.0,) for _ in names))


def shifted(model: AdditiveModel, shift: float) -> AdditiveModel:
    return AdditiveModel(model.feature_names, model.bias + shift, model.thresholds, model.values)


@pytest.mark.parametrize("content_type", ["text/plain", "text/html"])
def test_the_summary_is_one_row_of_its_names(content_type: ContentType) -> None:
    body = SEED.read_text(encoding="utf-8")
    if content_type == "text/html":
        body = (
            "<html><body>"
            + "".join(f"<p>{line}</p>" for line in body.splitlines())
            + "</body></html>"
        )
    features = page_features(segment_page(body, content_type))
    summary = page_summary(features, content_type)
    assert summary.shape == (1, len(summary_names(content_type)))
    assert np.isfinite(summary).all() and summary.any()
    empty = page_summary(features[:0], content_type)
    assert empty.shape == summary.shape and not empty.any()


def test_the_page_kind_decides_which_stages_score_the_page() -> None:
    general = shipped_model("text/plain")
    segments = segment_page(SEED.read_text(encoding="utf-8"), "text/plain")
    # Stages for one item's pages that score everything higher, with a cut of their own.
    single_local = shifted(general.local, 2.0)
    single_decision = replace(general.decision, floor=0.45)

    def with_page_kind(logit: float) -> SegmentModel:
        stages = SingleItemStages(
            constant_page_kind("text/plain", logit),
            single_local,
            general.smoothing,
            single_decision,
        )
        return replace(general, single_item=stages)

    plain = general.score(segments)
    taken = with_page_kind(3.0).score(segments)
    passed = with_page_kind(-3.0).score(segments)
    assert not plain.single_item_page and not passed.single_item_page and taken.single_item_page
    np.testing.assert_array_equal(passed.scores, plain.scores)
    assert passed.decision == general.decision and taken.decision == single_decision
    _, local_logits = single_local.scores(plain.features)
    expected = sigmoid(
        general.smoothing.logits(smoothing_features(local_logits, plain.features[:, LOG_WORDS]))
    )
    np.testing.assert_array_equal(taken.scores, expected)
    assert (taken.scores > plain.scores).mean() > 0.9


def test_a_model_with_a_page_stage_survives_json() -> None:
    general = shipped_model("text/plain")
    stages = SingleItemStages(
        constant_page_kind("text/plain", 1.5), general.local, general.smoothing, general.decision
    )
    model = replace(general, single_item=stages)
    again = SegmentModel.from_json(model.to_json())
    assert again.single_item is not None
    assert again.single_item.page_kind.bias == 1.5
    assert again.single_item.decision == general.decision
    assert again.to_json() == model.to_json()


def test_a_format_2_file_reads_as_a_model_without_a_page_stage() -> None:
    document = orjson.loads(replace(shipped_model("text/plain"), single_item=None).to_json())
    document["format"] = "chaff.segment-model/2"
    del document["single_item"]
    model = SegmentModel.from_json(orjson.dumps(document))
    assert model.single_item is None
    document["format"] = "chaff.segment-model/1"
    with pytest.raises(ValueError, match="segment-model/4"):
        SegmentModel.from_json(orjson.dumps(document))


def test_the_verdict_says_what_the_page_was_taken_for() -> None:
    general = shipped_model("text/plain")
    body = SEED.read_text(encoding="utf-8")
    assert classify_page(body, "text/plain").page_kind is None  # no page-level stage

    def with_page_kind(logit: float) -> SegmentModel:
        stages = SingleItemStages(
            constant_page_kind("text/plain", logit),
            general.local,
            general.smoothing,
            general.decision,
        )
        return replace(general, single_item=stages)

    assert classify_page(body, "text/plain", with_page_kind(1.0)).page_kind == "one item"
    assert classify_page(body, "text/plain", with_page_kind(-1.0)).page_kind == "many items"
    assert classify_page("", "text/plain", with_page_kind(1.0)).page_kind is None


def blog_post_under_thread(comment_words: int, declares_discussion: bool) -> str:
    """A blog post of 120 words, then a thread of comments in a `comments` container."""
    post = " ".join(["The council voted on the new bridge plan after a long debate."] * 10)
    comment = "I think this plan is a waste of money and nobody asked us about it. " * 2
    replies = "".join(
        f"<li class='comment'><p>{comment}</p></li>" for _ in range(comment_words // 30)
    )
    declared = (
        '<script type="application/ld+json">{"@type": "DiscussionForumPosting"}</script>'
        if declares_discussion
        else ""
    )
    return (
        f"<html><head><title>Bridge plan</title>{declared}</head><body>"
        f"<article><h1>Bridge plan</h1><p>{post}</p></article>"
        f"<section id='comments'><h2>42 Comments</h2><ol>{replies}</ol></section>"
        "</body></html>"
    )


@pytest.mark.parametrize(
    ("comment_words", "declares_discussion", "one_item"),
    [(600, False, True), (600, True, False), (60, False, False)],
)
def test_an_article_under_a_thread_goes_to_the_one_item_stages(
    comment_words: int, declares_discussion: bool, one_item: bool
) -> None:
    html = blog_post_under_thread(comment_words, declares_discussion)
    features = page_features(segment_page(html, "text/html"))
    # A page-kind model sure of "many items" is overruled only by a thread that outweighs
    # the article on a page that does not declare itself a discussion.
    shipped = shipped_model("text/html").single_item
    assert shipped is not None
    stages = replace(shipped, page_kind=constant_page_kind("text/html", -5.0))
    assert stages.takes(features, "text/html") is one_item
    sure = replace(stages, page_kind=constant_page_kind("text/html", 5.0))
    assert sure.takes(features, "text/html")
