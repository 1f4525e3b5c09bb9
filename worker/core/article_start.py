"""Where an article starts: the headline above its first paragraph, kept when the cut
rejected it.

A dump keeps no <h1>: its headline is a short line with no full stop, like the menu items
and teaser headlines around it, and the model is often unsure of it (the seed page's
scored 0.44 to 0.52 as models were refitted). The line right above the first paragraph
the cut kept is the headline on news pages and blogs. Measured post hoc on the text dumps
of every corpus (docs/measurements.md, 2026-12-04, afternoon): cleaneval +0.0002,
dragnet +0.0003, googletrends +0.0001, wcxb-dev −0.0001 (in sample).

On an HTML page about one item the headline is an <h1>, or a line repeating the page's
<title>, above the first paragraph: the model, fitted on WCXB (whose gold holds the title
apart from the article's text), rejects it on most news pages, where Dragnet's and Google
Trends' gold keep it as the seed's does. Measured on the pages of every corpus
(docs/measurements.md, 2026-12-04, evening): dragnet +0.0038, googletrends +0.0040,
cleaneval +0.0002, wcxb-dev −0.0008 (in sample: its gold leaves the headline out).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from worker.core.features import feature_names
from worker.core.html_tags import HEADING_LEVELS

REASON = "the headline above the article's first paragraph"
# The first paragraph: a kept line of this many words.
PARAGRAPH_WORDS = 15
# A headline: this many words at least (not a date or a section's name) and at most.
HEADLINE_WORDS = (3, 20)
_SENTENCE_ENDS = ".!?:;,。！？：；，"  # a headline ends in none of these


def dump_headline(
    texts: Sequence[str], words: npt.NDArray[np.float64], keep: npt.NDArray[np.bool_]
) -> int | None:
    """The position of the line to keep as the headline of a text dump: the line right
    above the first kept line of PARAGRAPH_WORDS words, when the cut rejected it and it is
    a headline's length (HEADLINE_WORDS) with no sentence punctuation at its end; else None."""
    paragraphs = (keep & (words >= PARAGRAPH_WORDS)).nonzero()[0]
    if not len(paragraphs) or paragraphs[0] == 0:
        return None
    line = int(paragraphs[0]) - 1
    fewest, most = HEADLINE_WORDS
    text = texts[line].rstrip()
    if keep[line] or not fewest <= words[line] <= most or text.endswith(tuple(_SENTENCE_ENDS)):
        return None
    return line


_H1 = HEADING_LEVELS[0]
_IN_TITLE = feature_names("text/html").index("in_title")
_IN_HEADING = feature_names("text/html").index("in_heading")
_LINK_DENSITY = feature_names("text/html").index("link_density")
_LINKS = 0.5  # a headline is mostly not a link's text


def html_headline(
    bits: Sequence[int] | npt.NDArray[np.int64],
    features: npt.NDArray[np.float32],
    words: npt.NDArray[np.float64],
    keep: npt.NDArray[np.bool_],
) -> int | None:
    """The position of the segment to keep as an HTML page's headline: the nearest <h1> or
    line repeating the page's <title> (`features`' in_title) above the first kept segment of
    PARAGRAPH_WORDS words, of HEADLINE_WORDS words and mostly not links, when the cut kept
    no such segment anywhere; else None. `bits`: the segments' context bits."""
    first = int(np.argmax(keep & (words >= PARAGRAPH_WORDS)))  # (0 when there is none)
    if not keep[first] or words[first] < PARAGRAPH_WORDS:
        return None
    # (the <h1> bit read only where the heading column says a heading, and numpy kept to a
    # few calls: this runs on every HTML page about one item)
    headings = np.flatnonzero(features[:, _IN_HEADING] > 0.5).tolist()
    headline_like = features[:, _IN_TITLE] > 0.5
    headline_like[[position for position in headings if bits[position] & _H1]] = True
    if (headline_like & keep).any():
        return None
    fewest, most = HEADLINE_WORDS
    for line in reversed(np.flatnonzero(headline_like[:first]).tolist()):
        if fewest <= words[line] <= most and features[line, _LINK_DENSITY] < _LINKS:
            return int(line)
    return None
