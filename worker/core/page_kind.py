"""The page-level stage: is this a page about one item, or a page of many?

On an article, a product or a documentation page, teaser cards, comment threads and "more
stories" grids are junk around the one item the page is about. On a listing, a collection
or a forum thread, the cards and the replies are the content. A segment model trained on
both kinds learns to keep cards and replies everywhere, and an additive model cannot make
one feature's weight depend on the page. So the page is summarised first (means of a few
segment features over the page, plain and weighted by words), a small additive model reads
the summary, and the page is then scored by the segment stages fitted on its kind of page
(segment_model.SegmentModel.score).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

from worker.core.features import feature_names
from worker.core.page_meta import DECLARED_KINDS

# Page types of the training labels (WCXB's) whose pages are about one item: what the
# page-kind model learns to tell from the rest.
SINGLE_ITEM_TYPES = frozenset({"article", "documentation", "product", "service"})
# The one-item stages are fitted on every one-item page, articles weighing this much more:
# scrapers feed mostly articles, and products and documentation pages teach the stages
# to keep what an article page does not (reviews, specifications, long tables of links).
ARTICLE_WEIGHT = 3.0
# Added to the page-kind model's logit: a page it is unsure of is taken for one item's.
# Scrapers feed mostly articles, and the labels it learns from call a blog post with its
# comment thread a forum. Measured with the page-kind model fitted on wcxb-dev (its own
# pages in-sample; dragnet / googletrends never seen): +0 routes 76% of dragnet's pages
# to the one-item stages, word-F1 0.851 / 0.794 / 0.823; +1.5 0.841 / 0.817 / 0.841;
# +3 0.832 / 0.827 / 0.845 (docs/measurements.md, 2026-12-02).
SINGLE_ITEM_PRIOR = 2.0
# A page whose comment containers hold this share of its words or more, and that does not
# declare itself a discussion, is an article under its comment thread, whatever the
# page-kind model says: WCXB's labels call such a page a forum, and on news pages the
# stages of many items kept whole threads. Measured on top of html-87a4027b20 (page moved
# when the model said many items; docs/measurements.md, 2026-12-03, night): dragnet 0.8890
# -> 0.8950, googletrends 0.8542 -> 0.8548, cleaneval 0.9302 -> 0.9290 (its gold keeps
# comments), wcxb-dev by CV unchanged (no page moves); 0.3 and 0.4 gave the same.
THREAD_SHARE_OF_ONE_ITEM = 0.5
# Text dumps gain nothing from the page-level stage (word-F1 on the other corpora moved by
# -0.006 to +0.006): their models score every page alike.
PAGE_STAGE_CONTENT_TYPES = frozenset({"text/html"})

# Segment features summarised over the page, where the content type has them.
_SOURCES = (
    "log_words",
    "ends_sentence",
    "lower_share",
    "capitalised_word_share",
    "link_density",
    "in_list",
    "in_heading",
    "in_link",
    "in_table",
    "in_form",
    "negative_class",
    "positive_class",
    "comment_class",
    "related_class",
    "in_article",
    "in_main_container",
    "candidate_score",
    "before_best_candidate",
    "after_best_candidate",
    "card_link_density",
    "log_linked_cards",
    "siblings_link_density",
    "log_run_length",
    "blank_before",
)
# Features that are the same on every segment of a page: read off the first row.
_PAGE_WIDE = (
    "page_log_words",
    "page_log_segments",
    "main_container_prose_share",
    "best_candidate_text_share",
    *(f"declares_{kind}" for kind in DECLARED_KINDS),
)


def is_article_under_thread(features: npt.NDArray[np.float32], content_type: str) -> bool:
    """Whether the page's comment containers hold THREAD_SHARE_OF_ONE_ITEM of its words or
    more while it declares no discussion (a forum thread or a Q&A page says so)."""
    thread, discussion, log_words = _thread_columns(content_type)
    if thread < 0 or not len(features) or features[0, discussion] > 0.5:
        return False
    words = np.expm1(features[:, log_words].astype(np.float64))
    total = float(words.sum())
    in_thread = float(words[features[:, thread] > 0.5].sum())
    return total > 0.0 and in_thread >= THREAD_SHARE_OF_ONE_ITEM * total


@cache
def _thread_columns(content_type: str) -> tuple[int, int, int]:
    """The comment-container, declared-discussion and word-count columns (-1: no such)."""
    names = feature_names(content_type)
    if "comment_class" not in names:
        return -1, -1, -1
    return (
        names.index("comment_class"),
        names.index("declares_discussion"),
        names.index("log_words"),
    )


@cache
def _columns(content_type: str) -> tuple[list[int], list[int], int]:
    names = feature_names(content_type)
    sources = [names.index(name) for name in _SOURCES if name in names]
    page_wide = [names.index(name) for name in _PAGE_WIDE if name in names]
    return sources, page_wide, names.index("log_words")


@cache
def summary_names(content_type: str) -> tuple[str, ...]:
    names = feature_names(content_type)
    sources = [name for name in _SOURCES if name in names]
    return (
        *(f"page_mean_{name}" for name in sources),
        *(f"page_word_mean_{name}" for name in sources),
        *(name for name in _PAGE_WIDE if name in names),
    )


def page_summary(features: npt.NDArray[np.float32], content_type: str) -> npt.NDArray[np.float32]:
    """One row (shape (1, len(summary_names))): the page as the page-level stage sees it."""
    sources, page_wide, log_words = _columns(content_type)
    summary = np.zeros((1, 2 * len(sources) + len(page_wide)), dtype=np.float32)
    if not len(features):
        return summary
    chosen = features[:, sources].astype(np.float64)
    weights = np.expm1(features[:, log_words].astype(np.float64)) + 1.0
    summary[0, : len(sources)] = chosen.mean(axis=0)
    summary[0, len(sources) : 2 * len(sources)] = weights @ chosen / weights.sum()
    summary[0, 2 * len(sources) :] = features[0, page_wide]
    return summary
