"""Where a text dump's article starts: the headline on the line above its first paragraph.

A dump keeps no <h1>: its headline is a short line with no full stop, like the menu items
and teaser headlines around it, and the model is often unsure of it (the seed page's
scored 0.44 to 0.52 as models were refitted). The line right above the first paragraph
the cut kept is the headline on news pages and blogs. Measured post hoc on the text dumps
of every corpus (docs/measurements.md, 2026-12-04, afternoon): cleaneval +0.0002,
dragnet +0.0003, googletrends +0.0001, wcxb-dev −0.0001 (in sample).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

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
    paragraphs = np.flatnonzero(keep & (words >= PARAGRAPH_WORDS))
    if not len(paragraphs) or paragraphs[0] == 0:
        return None
    line = int(paragraphs[0]) - 1
    fewest, most = HEADLINE_WORDS
    text = texts[line].rstrip()
    if keep[line] or not fewest <= words[line] <= most or text.endswith(tuple(_SENTENCE_ENDS)):
        return None
    return line
