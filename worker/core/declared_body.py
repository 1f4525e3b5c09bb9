"""The article body a page marks in its markup. On an HTML page about one item, the first
element whose class or id is one that content systems give a post's text ("entry-content",
"article-body": html_tags.ARTICLE_BODY_HINT), or failing one the first <article> or <main>,
bounds the article when it holds a fifth or more of what the cut kept: whatever the cut
kept outside it (a sidebar's link lists, an author box, a comment thread the model took
for prose) is dropped after the cut, but for the headings above it (the headline).

trafilatura looks for these names and elements first; Chaff's model, fitted on WCXB alone,
never learned them: a stump on a class name has too few pages per content system to pay.
Measured on pages the model never saw (docs/measurements.md, 2026-12-04): dragnet's word-F1
0.898 -> 0.913 (trafilatura 0.912), googletrends 0.855 -> 0.863, cleaneval and wcxb-dev
(CV) unchanged or better.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from worker.core.html_tags import ARTICLE_BODY_HINT, IN_ARTICLE, IN_HEADING

# The body must hold this share of the words the cut kept: a named element holding less is
# an excerpt, a teaser's text or a widget, and the article is elsewhere.
MIN_KEPT_SHARE = 0.2
REASON = "outside the element the page marks as its article body"


def outside_declared_body(
    bits: Sequence[int] | npt.NDArray[np.int64],
    words: npt.NDArray[np.float64],
    keep: npt.NDArray[np.bool_],
) -> npt.NDArray[np.bool_]:
    """The kept segments to drop (by their context bits, html_segments): those outside the
    page's declared article body, when it holds at least MIN_KEPT_SHARE of the kept words
    (none otherwise). The headings above the body stay: the headline often sits outside
    the element around the post's text."""
    bits = np.asarray(bits, dtype=np.int64)
    inside = declared_body(bits)
    kept_words = float(words[keep].sum())
    if not inside.any() or kept_words <= 0:
        return np.zeros(len(keep), dtype=bool)
    if float(words[keep & inside].sum()) < MIN_KEPT_SHARE * kept_words:
        return np.zeros(len(keep), dtype=bool)
    dropped: npt.NDArray[np.bool_] = keep & ~inside
    start = int(np.argmax(inside))
    dropped[:start] &= (bits[:start] & IN_HEADING) == 0
    return dropped


def declared_body(bits: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Per segment, whether it lies in the page's first element named as an article body,
    else in its first <article> or <main> (trafilatura's next guess too): the first run of
    segments carrying the hint (the segments of one element are consecutive; a second named
    element further down is mostly a teaser's)."""
    named = (bits & ARTICLE_BODY_HINT) != 0
    if not named.any():
        named = (bits & IN_ARTICLE) != 0
    inside = np.zeros(len(named), dtype=bool)
    if not named.any():
        return inside
    start = int(np.argmax(named))
    after = np.flatnonzero(~named[start:])
    end = start + int(after[0]) if len(after) else len(named)
    inside[start:end] = True
    return inside
