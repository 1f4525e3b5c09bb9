"""classify_page: the one function the runtime calls.

page body --segment_page--> segments --SegmentModel.score--> scores --> PageVerdict, with
each segment's label, score and the reasons behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Literal

import numpy as np
import numpy.typing as npt

from worker.core.article import article_parts
from worker.core.article_end import related_links_after_cut
from worker.core.article_start import REASON as _HEADLINE_REASON
from worker.core.article_start import dump_headline, html_headline
from worker.core.decision import ALWAYS_KEPT
from worker.core.declared_body import REASON as _OUTSIDE_BODY_REASON
from worker.core.declared_body import outside_declared_body
from worker.core.features import feature_names
from worker.core.kernels import (
    ReasonTexts,
    segment_verdicts,
)
from worker.core.reasons_text import describe
from worker.core.rules import RULE_REASON_STARTS, page_rule_hits
from worker.core.segment_model import PageScores, SegmentModel, shipped_model
from worker.core.segments import PageSegments, segment_page
from worker.core.site_rule import MEMORY_REASON_START
from worker.core.stage_kernels import PrefixWords, feature_reasons, reason_prefixes
from worker.core.verdict import ContentType, Label, PageKind, PageVerdict, SegmentVerdict

_REASONS_PER_SEGMENT = 2
_NEIGHBOUR_SHIFT = 1.0  # logit change by the smoothing stage worth naming as a reason

# Given the page's segments (their `utf8` made), features and the segments its cut keeps:
# position -> reason for each kept segment to reject after all (site memory:
# site_rule.SiteLookup.rejections).
AfterCut = Callable[[PageSegments, npt.NDArray[np.float32], npt.NDArray[np.bool_]], dict[int, str]]


def classify_page(
    body: str,
    content_type: ContentType,
    model: SegmentModel | None = None,
    after_cut: AfterCut | None = None,
) -> PageVerdict:
    model = model or shipped_model(content_type)
    segments = segment_page(body, content_type)
    if not len(segments):
        return PageVerdict(content_type, (), model.version)
    if after_cut is not None:
        segments = segments.with_utf8()  # made once, for the features and for after_cut
    page = model.score(segments)
    words = page.words  # (a property: computed on each access)
    ruled, thread = page_rule_hits(
        segments.texts, words, content_type, page.single_item_page, page.features
    )
    if thread is not None and content_type == "text/plain":
        page = model.score_before_thread(segments, page, thread)
    scores = page.scores.copy()
    if ruled:
        scores[list(ruled)] = 0.0  # a rule is certain: its segments score 0, not the model's guess
    cut_scores = page.decision.cut_scores(scores, page.features)
    cut = page.decision.cut(cut_scores, words)
    keep = cut_scores >= cut
    # Held back from the cut (a comment on an item's page) where the cut would have kept it.
    if cut_scores is scores:  # (a decision that holds nothing back, as on every text dump)
        held = np.zeros(len(scores), dtype=np.bool_)
    else:
        held = cut_scores != scores
        if held.any():
            held &= scores >= page.decision.cut(scores, words)
    if content_type == "text/plain":
        line = dump_headline(segments.texts, words, keep)
        if line is not None and line not in ruled:
            keep[line] = True
            ruled = ruled | {line: _HEADLINE_REASON}
    html = segments.html
    if page.single_item_page and html is not None:
        line = html_headline(html.bits, page.features, words, keep)
        if line is not None and line not in ruled:
            keep[line] = True
            ruled = ruled | {line: _HEADLINE_REASON}
    if (
        page.single_item_page
        and html is not None
        and (dropped := one_item_drops(segments.texts, html.bits, html.paths, words, keep))
    ):
        keep[list(dropped)] = False
        ruled = ruled | dropped
    if after_cut is not None and (late := after_cut(segments, page.features, keep)):
        keep[list(late)] = False
        ruled = ruled | late
    reasons = _reasons(content_type, page, keep, ruled, cut, held)
    # Built in C: calling SegmentVerdict runs its Python-level __new__ for every segment.
    verdicts = segment_verdicts(SegmentVerdict, segments.texts, keep, scores, reasons, _LABELS)
    kind: PageKind | None = None
    if model.single_item is not None:
        kind = "one item" if page.single_item_page else "many items"
    if not keep.any():
        return PageVerdict(content_type, verdicts, model.version, kind, cut)
    metadata, markdown = article_parts(segments, keep.nonzero()[0].tolist())
    return PageVerdict(
        content_type,
        verdicts,
        model.version,
        kind,
        cut,
        metadata=metadata,
        article_markdown=markdown,
    )


_LABELS: tuple[Label, Label] = ("junk", "article")  # by keep: False, True


def one_item_drops(
    texts: Sequence[str],
    bits: Sequence[int] | npt.NDArray[np.int64],
    paths: Sequence[tuple[int, ...]],
    words: npt.NDArray[np.float64],
    keep: npt.NDArray[np.bool_],
) -> dict[int, str]:
    """Position -> reason for each segment the cut kept on an HTML page about one item
    that goes after all: outside the article body the page declares (declared_body.py), or
    in a linked list of other pages under its heading (article_end.py). `bits` and `paths`:
    the segments' context bits and block paths (html_segments)."""
    outside = outside_declared_body(bits, words, keep)
    dropped = dict.fromkeys(np.flatnonzero(outside).tolist(), _OUTSIDE_BODY_REASON)
    return dropped | related_links_after_cut(texts, words, bits, paths, keep & ~outside)


def _reasons(
    content_type: ContentType,
    page: PageScores,
    keep: npt.NDArray[np.bool_],
    ruled: dict[int, str],
    cut: float,
    held: npt.NDArray[np.bool_],
) -> list[tuple[str, ...]]:
    """Per segment: a rule's reason if one fired (else that the cut held a comment back),
    the page's cut if it kept a segment scoring under one half, the neighbours if they
    tipped the balance, then the features that pushed its score the most in the direction
    of its label."""
    # Kept segments are explained by their most positive contributions, rejected ones by their
    # most negative; coarse values (two digits) read better and keep the cache of their words
    # small and its hit rate high. In C, in one call: a per-segment Python loop here cost
    # more than the model.
    reasons = feature_reasons(
        _reason_texts(content_type),
        page.local_contributions,
        keep,
        page.features,
        _REASONS_PER_SEGMENT,
    )
    # Few segments get more: a rule (else the hold on a comment), the page's cut (a kept
    # score under ALWAYS_KEPT; not a line a rule kept under the cut: the text dump's
    # headline, article_start.py), the neighbours that tipped the balance; these go first,
    # in that order. In C: a rule may reject hundreds of a dump's lines (a comment thread).
    words = PrefixWords(
        _HELD_BACK_REASON,
        f"{_CUT_REASON_START}{cut:.2f})",
        _NEIGHBOUR_REASONS[1],
        _NEIGHBOUR_REASONS[-1],
    )
    bars = (cut, ALWAYS_KEPT, _NEIGHBOUR_SHIFT)
    reason_prefixes(reasons, keep, page.scores, page.neighbour_shift, held, ruled, bars, words)
    return reasons


_CUT_REASON_START = "above this page's cut ("
_HELD_BACK_REASON = (
    "is in a comment thread on a page about one item: kept only when scoring 0.50 or more"
)
_NEIGHBOUR_REASONS = {1: "inside a run of article text", -1: "surrounded by rejected segments"}


ReasonOrigin = Literal["rule", "held back", "cut", "neighbours", "features"]


def reason_origin(reason: str) -> ReasonOrigin:
    """Which stage of classify_page gave a segment this reason: a rule, the hold on a
    comment thread, the page's cut, the neighbours, or the model's features."""
    if reason.startswith(RULE_REASON_STARTS) or reason.startswith(MEMORY_REASON_START):
        return "rule"  # site memory's rule too
    if reason == _HELD_BACK_REASON:
        return "held back"
    if reason.startswith(_CUT_REASON_START):
        return "cut"
    if reason in _NEIGHBOUR_REASONS.values():
        return "neighbours"
    return "features"


@cache
def _reason_texts(content_type: ContentType) -> ReasonTexts:
    return ReasonTexts(feature_names(content_type), describe)


def model_version() -> str:
    """The versions of both shipped models, as the info metric and logs report them."""
    return "+".join(shipped_model(t).version for t in ("text/html", "text/plain"))
