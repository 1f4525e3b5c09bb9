"""Runs of headlines on a text dump: the lists of other stories above or below an article.

A news page's dump often opens with the site's list of other stories, a headline a line
("Gay US ice dancer talks about coming out and falling in love"), or closes with one. No
line of it ends as the seed's feed does (" -": rules.py), and each reads like a short
sentence, so the model scores them as the article's subheadings. What gives them away is
the run: six lines or more in a row of 4 to 25 words that do not end in a full stop,
above all of the page's prose or below all of it, on a page with an article's worth of
prose elsewhere. A list between the article's paragraphs is left to the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from worker.core import kernels

MIN_RUN = 6  # lines in a row
HEADLINE_WORDS = (4, 25)  # the words of each, at least and at most
# A line of prose: this many words or more, ending in . ! ? " or ” (as kernels_c/rules.c reads
# it).
PROSE_LINE_WORDS = 12
# The prose the rest of the page needs for the run to be outside an article.
ARTICLE_PROSE_WORDS = 150
REASON_START = "one of a run of "


def headline_runs(texts: Sequence[str], words: npt.NDArray[np.float64]) -> dict[int, str]:
    """Position -> reason for every line of a run of headlines (MIN_RUN lines or more of
    HEADLINE_WORDS words, none ending in a full stop) with no line of prose (PROSE_LINE_WORDS
    words or more, ending in . ! ? " or ”) above it or none below it, and
    ARTICLE_PROSE_WORDS words of prose outside it. On pages the model never saw
    (docs/measurements.md, 2026-12-04), text dumps: googletrends 0.8156 -> 0.8224, dragnet
    0.8514 -> 0.8551, cleaneval 0.9081 -> 0.9084; wcxb-dev by CV 0.8193 -> 0.8198."""
    if len(texts) < MIN_RUN:
        return {}
    runs = kernels.headline_runs(
        texts if isinstance(texts, list) else list(texts),
        words,
        MIN_RUN,
        HEADLINE_WORDS,
        PROSE_LINE_WORDS,
        ARTICLE_PROSE_WORDS,
    )
    rejected: dict[int, str] = {}
    for start, end, above in runs:
        side = "above" if above else "below"
        reason = f"{REASON_START}{end - start} headlines {side} all of the article's prose"
        rejected.update(dict.fromkeys(range(start, end), reason))
    return rejected
