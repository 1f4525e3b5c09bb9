"""The article body a page marks in its markup. On an HTML page about one item, the first
element whose class or id is one that content systems give a post's text ("entry-content",
"article-body": html_tags.ARTICLE_BODY_HINT) bounds the article when it holds a fifth or
more of what the cut kept: whatever the cut kept outside it (a sidebar's link lists, an
author box, a comment thread the model took for prose) is dropped after the cut, but for
the headings above it (the headline). Below a body holding less (a short post under a long
thread or sidebar), what the cut kept in an <aside>, <nav> or <footer>, or in a container
named for comments or related stories, is dropped all the same. html_segments also counts
the body's text as a positive class hint when it scores containers, so the body is more
often the page's best container.

On such a page that also declares itself an article (og:type, JSON-LD), text wholly inside
a link, in one of three or more linked cards under one parent after the page's best
container, is another page's teaser: a rule rejects it before the cut (linked_teasers).

trafilatura looks for these names first; Chaff's model, fitted on WCXB alone, never learned
them: a stump on a class name has too few pages per content system to pay. Measured on
pages the model never saw, and on wcxb-dev by CV (docs/measurements.md, 2026-12-04).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from worker.core.features import feature_names
from worker.core.html_tags import (
    ARTICLE_BODY_HINT,
    COMMENT_HINT,
    IN_ASIDE,
    IN_FOOTER,
    IN_HEADING,
    IN_NAV,
    RELATED_HINT,
)

# The body must hold this share of the words the cut kept: a named element holding less is
# an excerpt, a teaser's text or a widget, and the article is elsewhere.
MIN_KEPT_SHARE = 0.2
REASON = "outside the element the page marks as its article body"
# What the page marks as no part of its article: an <aside>, <nav> or <footer>, and a
# container whose class or id says comments or related stories. Below a body too short for
# the share, these go all the same (a thread of comments is often longer than the post).
_MARKED_ASIDE = IN_ASIDE | IN_NAV | IN_FOOTER | COMMENT_HINT | RELATED_HINT


def outside_declared_body(
    bits: Sequence[int] | npt.NDArray[np.int64],
    words: npt.NDArray[np.float64],
    keep: npt.NDArray[np.bool_],
) -> npt.NDArray[np.bool_]:
    """The kept segments to drop (by their context bits, html_segments): those outside the
    page's declared article body, when it holds at least MIN_KEPT_SHARE of the kept words;
    when it holds less, those after its start that the page marks as not the article
    (_MARKED_ASIDE). The headings above the body stay: the headline often sits outside the
    element around the post's text."""
    # No element named as a body (about half of the pages): ARTICLE_BODY_HINT is the highest
    # bit, so the largest value tells, without making an array (~3 us against ~15).
    top = bits.max(initial=0) if isinstance(bits, np.ndarray) else max(bits, default=0)
    if top < ARTICLE_BODY_HINT:
        return np.zeros(len(keep), dtype=bool)
    bits = np.asarray(bits, dtype=np.int64)
    inside = declared_body(bits)
    kept_words = float(words[keep].sum())
    if not inside.any() or kept_words <= 0:
        return np.zeros(len(keep), dtype=bool)
    dropped: npt.NDArray[np.bool_] = keep & ~inside
    start = int(np.argmax(inside))
    if float(words[keep & inside].sum()) < MIN_KEPT_SHARE * kept_words:
        # A short body (a photo's caption, a note under a long thread): only what the page
        # itself marks as not the article goes, below the body's start.
        dropped &= (bits & _MARKED_ASIDE) != 0
        dropped[:start] = False
        return dropped
    dropped[:start] &= (bits[:start] & IN_HEADING) == 0
    return dropped


def declared_body(bits: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Per segment, whether it lies in the page's first element named as an article body:
    the first run of segments carrying the hint (the segments of one element are
    consecutive; a second named element further down is mostly a teaser's). Not the first
    <article> when none is named (trafilatura's next guess): a grid of <article> teaser
    cards is one run of them, and would pass for the body."""
    named = (bits & ARTICLE_BODY_HINT) != 0
    inside = np.zeros(len(named), dtype=bool)
    if not named.any():
        return inside
    start = int(np.argmax(named))
    after = np.flatnonzero(~named[start:])
    end = start + int(after[0]) if len(after) else len(named)
    inside[start:end] = True
    return inside


# A page that declares itself an article (og:type, JSON-LD) and is about one item: text
# wholly inside a link, in a card among this many linked cards under one parent, after the
# page's best container, is the teaser of another page ("More stories" grids, issue 17's
# example). On pages that declare nothing, or another kind, such grids are too often the
# content (a documentation index, a product's variants: there the rule cost wcxb-dev 0.008
# and cleaneval 0.009), and inside the best container they are a wiki's lists.
TEASER_CARDS = 3
TEASER_LINK_DENSITY = 0.9
TEASER_REASON = "a linked teaser among other pages' teasers, on a page that declares an article"
_HTML = feature_names("text/html")
_LINK_DENSITY = _HTML.index("link_density")
_LINKED_CARDS = _HTML.index("log_linked_cards")
_DECLARES_ARTICLE = _HTML.index("declares_article")
_AFTER_BEST = _HTML.index("after_best_candidate")
_LOG_TEASER_CARDS = float(np.log1p(TEASER_CARDS))  # the column holds log1p of the count


def linked_teasers(features: npt.NDArray[np.float32]) -> dict[int, str]:
    """Position -> reason for each linked teaser card after the best container on a page
    that declares an article (an HTML page's feature table; run on one-item pages only)."""
    if not len(features) or features[0, _DECLARES_ARTICLE] < 0.5:
        return {}
    after = np.flatnonzero(features[:, _AFTER_BEST] > 0.5)
    teasers = (features[after, _LINK_DENSITY] >= TEASER_LINK_DENSITY) & (
        features[after, _LINKED_CARDS] >= _LOG_TEASER_CARDS
    )
    return dict.fromkeys(after[teasers].tolist(), TEASER_REASON)
