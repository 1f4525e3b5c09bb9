"""classify_page: the one function the runtime calls.

page body --segment_page--> segments --SegmentModel.score--> scores --> PageVerdict, with
each segment's label, score and the reasons behind it.
"""

from __future__ import annotations

import math
import re
from functools import cache

import numpy as np
import numpy.typing as npt

from worker.core.decision import ALWAYS_KEPT
from worker.core.features import feature_names
from worker.core.kernels import (
    ReasonTexts,
    rounded_values,
    segment_verdicts,
    strongest_columns,
)
from worker.core.rules import rule_rejections
from worker.core.segment_model import PageScores, SegmentModel, shipped_model
from worker.core.segments import segment_page
from worker.core.verdict import ContentType, Label, PageVerdict, SegmentVerdict

_REASONS_PER_SEGMENT = 2
_NEIGHBOUR_SHIFT = 1.0  # logit change by the smoothing stage worth naming as a reason


def classify_page(
    body: str, content_type: ContentType, model: SegmentModel | None = None
) -> PageVerdict:
    model = model or shipped_model(content_type)
    segments = segment_page(body, content_type)
    if not len(segments):
        return PageVerdict(content_type, (), model.version)
    page = model.score(segments)
    scores = page.scores.copy()
    ruled = rule_rejections(segments.texts)
    if ruled:
        scores[list(ruled)] = 0.0  # a rule is certain: its segments score 0, not the model's guess
    cut = model.decision.cut(scores, page.words)
    keep = scores >= cut
    reasons = _reasons(content_type, page, keep, ruled, cut)
    # Built in C: calling SegmentVerdict runs its Python-level __new__ for every segment.
    verdicts = segment_verdicts(SegmentVerdict, segments.texts, keep, scores, reasons, _LABELS)
    return PageVerdict(content_type, verdicts, model.version)


_LABELS: tuple[Label, Label] = ("junk", "article")  # by keep: False, True


def _reasons(
    content_type: ContentType,
    page: PageScores,
    keep: npt.NDArray[np.bool_],
    ruled: dict[int, str],
    cut: float,
) -> list[tuple[str, ...]]:
    """Per segment: a rule's reason if one fired, the page's cut if it kept a segment scoring
    under one half, the neighbours if they tipped the balance, then the features that pushed
    its score the most in the direction of its label."""
    # Kept segments are explained by their most positive contributions, rejected ones by their
    # most negative.
    columns = strongest_columns(page.local_contributions, keep, _REASONS_PER_SEGMENT)
    # Coarse values read better and keep the cache of their words small and its hit rate high.
    values = rounded_values(page.features, columns)
    # In C, from a cache: a per-segment Python loop here cost more than the model.
    reasons = _reason_texts(content_type).rows(columns, values)
    # Few segments get more: a rule, the page's cut (a kept score under ALWAYS_KEPT), or
    # the neighbours that tipped the balance; these go first, in that order.
    neighbours = np.where(
        keep & (page.neighbour_shift > _NEIGHBOUR_SHIFT),
        1,
        np.where(~keep & (page.neighbour_shift < -_NEIGHBOUR_SHIFT), -1, 0),
    )
    below_half = keep & (page.scores < ALWAYS_KEPT)
    cut_reason = f"above this page's cut ({cut:.2f})"
    ruled_mask = np.zeros(len(keep), dtype=bool)
    ruled_mask[list(ruled)] = True
    for position in np.flatnonzero((neighbours != 0) | below_half | ruled_mask).tolist():
        first: list[str] = []
        if position in ruled:
            first.append(ruled[position])
        if below_half[position]:
            first.append(cut_reason)
        if neighbours[position]:
            first.append(_NEIGHBOUR_REASONS[int(neighbours[position])])
        reasons[position] = (*first, *reasons[position])
    return reasons


_NEIGHBOUR_REASONS = {1: "inside a run of article text", -1: "surrounded by rejected segments"}


@cache
def _reason_texts(content_type: ContentType) -> ReasonTexts:
    return ReasonTexts(feature_names(content_type), describe)


def model_version() -> str:
    """The versions of both shipped models, as the info metric and logs report them."""
    return "+".join(shipped_model(t).version for t in ("text/html", "text/plain"))


# What each feature means to a person; {v} is the value in the feature's own unit.
_DESCRIPTIONS: dict[str, str] = {
    "log_words": "{words} words",
    "log_chars": "{words} characters",
    "mean_word_bytes": "words of {v:.1f} characters on average",
    "upper_share": "{percent} capital letters",
    "lower_share": "{percent} lowercase letters",
    "digit_share": "{percent} digits",
    "sentence_marks_per_word": "{v:.2f} sentence marks per word",
    "commas_per_word": "{v:.2f} commas per word",
    "capitalised_word_share": "{percent} of words capitalised",
    "ends_sentence": "{does} end in sentence punctuation",
    "ends_dash_teaser": "{does} end in ' -' like a teaser headline",
    "ends_colon": "{does} end in a colon",
    "starts_lower": "{does} start in lowercase",
    "boilerplate_words": "{v:.0f} boilerplate words (share, menu, cookie...)",
    "repeats_in_page": "repeated {words} more times on the page",
    "between_prose": "{is} between the first and last prose paragraphs",
    "log_distance_to_prose": "{words} segments from the nearest prose paragraph",
    "relative_position": "at {percent} of the page",
    "words_before_share": "{percent} of the page's words come before it",
    "distance_to_densest": "{percent} of the page away from the densest text",
    "link_density": "{percent} of its text is links",
    "negative_class": "{is} in a menu/share/comment/related container",
    "positive_class": "{is} in an article/content container",
    "in_nav": "{is} inside <nav>",
    "in_footer": "{is} inside <footer>",
    "in_header": "{is} inside <header>",
    "in_aside": "{is} inside <aside>",
    "in_list": "{is} a list item",
    "in_form": "{is} inside a form",
    "in_heading": "{is} a heading",
    "in_article": "{is} inside <article> or <main>",
    "in_main_container": "{is} inside the block holding most of the page's prose",
    "siblings_text_share": "its sibling blocks hold {percent} of the page's text",
    "siblings_link_density": "{percent} of its sibling blocks' text is links",
}
_CONTEXT = re.compile(r"(?P<source>\w+?)_(?:mean(?P<radius>\d+)|(?P<side>prev|next))$")


def describe(feature: str, value: float) -> str:
    """A reason a person can read: the feature in words, with the segment's value."""
    context = _CONTEXT.match(feature)
    if context and context["source"] in _DESCRIPTIONS:
        radius, side = context["radius"], context["side"]
        where = f"neighbours ±{radius}" if radius else f"{side} segment"
        return f"{where}: {_describe_value(context['source'], value, plural=True)}"
    if feature in _DESCRIPTIONS:
        return _describe_value(feature, value, plural=False)
    return f"{feature.replace('_', ' ')} = {value:g}"


def _describe_value(feature: str, value: float, plural: bool) -> str:
    words = round(math.expm1(value)) if feature.startswith(("log_", "repeats")) else round(value)
    yes = value >= 0.5
    return _DESCRIPTIONS[feature].format(
        v=value,
        words=words,
        percent=f"{value:.0%}",
        does=("mostly" if yes else "mostly do not") if plural else ("does" if yes else "does not"),
        **{"is": ("mostly" if yes else "mostly not") if plural else ("is" if yes else "is not")},
    )
