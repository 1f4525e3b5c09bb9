"""Where a text dump's article ends, read from the lines news sites and blogs print around it.

A text dump keeps none of the containers that tell an article from what follows it, but two
kinds of lines survive the dump and say the same thing on every site:

- A post's filing line ("Tags: Election 2012", "Filed under: Travel", "Posted in C++",
  "Tagged with BlackBerry, RIM", "This entry was posted on ... and is filed under ..."):
  blogs and news sites print it once, under the article; the comments, the sidebar and the
  related lists come after it (post_footer_rejections).
- A heading over a list of other pages ("Related articles", "More from Gay Star News",
  "You may also like:", "Most popular", "Around the web"): it and the teaser headlines under
  it are no part of the article, wherever the list sits, up to the next paragraph of prose
  (related_list_rejections).

Both need prose above them: under a headline, a "Tags:" line or a "Latest news" column opens
nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from worker.core import kernels

FOOTER_REASON_START = "after the post's filing line "
RELATED_REASON_START = "in the list of other pages that "

# A post's filing line, read from the start of the line.
_POST_FOOTER = re.compile(
    r"(?:tags\b|tagged\b(?:\s+(?:with|as|in)\b)?|filed\s+(?:under|in)\b|posted\s+in\b"
    r"|categories\b|category\s*:)\s*:?\s*\S|this\s+entry\s+was\s+posted\b",
    re.IGNORECASE,
)
_FOOTER_STARTS = "tTfFpPcC"
_FOOTER_WORDS = ("tag", "filed", "posted", "categor", "this entry")
_FOOTER_CHARS = 200
# A filing line ends the article when this share of the page's prose is above it (and
# NAVIGATION_PROSE_WORDS at least): on some sites the tags sit under the headline.
FOOTER_PROSE_SHARE = 0.3
# Filing lines farther apart than this are a listing's (one under each post): none ends it.
_FOOTER_SPAN = 3

# A heading over a list of other pages: the whole line (a colon or an arrow may end it).
_RELATED_HEADING = re.compile(
    r"(?:related(?:\s+(?:articles?|posts?|stories|content|links|coverage|reading|news"
    r"|videos?|items|entries))?"
    r"|more\s+(?:from|on|in|stories|news|articles|posts|like\s+this)\b.{0,40}"
    r"|(?:you|we\s+think\s+you)\s+(?:may|might|will|should)\s+(?:also\s+)?"
    r"(?:like|enjoy|be\s+interested\s+in)"
    r"|also\s+(?:on|from|in)\b.{0,30}"
    r"|recommended\s+(?:for\s+you|stories|articles|reading)"
    r"|explore\s+related\s+content"
    r"|most\s+(?:popular|read|viewed|shared|emailed)(?:\s+(?:stories|articles|posts|now|today))?"
    r"|(?:popular|recent|latest|similar|top)\s+(?:posts|stories|articles|news|entries)"
    r"|(?:from\s+)?around\s+the\s+web|from\s+the\s+web|further\s+reading|what\s+to\s+read\s+next"
    r"|don['’]t\s+miss|must[- ]reads?\b.{0,40}"
    r"|trending(?:\s+(?:now|stories|articles))?)"
    r"\s*[:»›]?\s*",
    re.IGNORECASE,
)
_RELATED_STARTS = "rRmMyYwWaAeEpPlLsStTfFdD"
_RELATED_WORDS = (
    "related", "more", "like", "enjoy", "interest", "also", "recommend", "popular", "read",
    "viewed", "shared", "emailed", "recent", "latest", "similar", "top", "web", "miss",
    "trending",
)  # fmt: skip
_RELATED_CHARS = 60
# The list runs to the first paragraph of prose: this many words, ending as a sentence ends
# (a teaser's headline and dek on one line run to 15 or 20; docs/measurements.md, 2026-12-04:
# 15, 20, 25, 30 and 50 tried).
_LIST_END_WORDS = 25
_SENTENCE_ENDS = '.!?"”’)'
# Prose above the heading (as for the post's navigation): a menu's "Latest news" opens nothing.
RELATED_PROSE_WORDS = 100.0


def post_footer_rejections(
    texts: Sequence[str],
    prose: npt.NDArray[np.float64],
    min_prose: float,
    opens_thread: Callable[[str], bool] = lambda text: False,
) -> dict[int, str]:
    """Position -> reason for every line after a text dump's filing line (_POST_FOOTER,
    shorter than _FOOTER_CHARS, with FOOTER_PROSE_SHARE of the page's prose and `min_prose`
    words of it above, every filing line of the page within _FOOTER_SPAN lines). `prose`:
    the words of prose up to and with each line (rules._prose). A filing line with a line
    that `opens_thread` (a comment marker) within _FOOTER_SPAN lines under it needs only
    `min_prose`: under a long thread the post is far less than the share."""
    if not len(texts) or prose[-1] < min_prose:
        return {}
    lines = [
        position
        for position in kernels.short_lines_starting(
            texts, 0, _FOOTER_CHARS, _FOOTER_STARTS, _FOOTER_WORDS
        )
        if _POST_FOOTER.match(texts[position])
    ]
    if not lines or lines[-1] - lines[0] > _FOOTER_SPAN:
        return {}
    needed = max(min_prose, FOOTER_PROSE_SHARE * float(prose[-1]))
    position = next((p for p in lines if prose[p] >= needed), None)
    if position is None:
        position = next((p for p in lines if prose[p] >= min_prose), None)
        below = texts[position + 1 : position + 1 + _FOOTER_SPAN] if position is not None else []
        if position is None or not any(map(opens_thread, below)):
            return {}
    reason = f"{FOOTER_REASON_START}{texts[position]!r}: the article ends above it"
    return dict.fromkeys(range(position + 1, len(texts)), reason)


def related_list_rejections(
    texts: Sequence[str], words: npt.NDArray[np.float64], prose: npt.NDArray[np.float64]
) -> dict[int, str]:
    """Position -> reason for each heading of a list of other pages (_RELATED_HEADING, the
    whole line, shorter than _RELATED_CHARS, with RELATED_PROSE_WORDS words of prose above
    it) and the lines under it, up to the next paragraph of prose (_LIST_END_WORDS words
    ending as a sentence ends)."""
    if not len(texts) or prose[-1] < RELATED_PROSE_WORDS:
        return {}
    first = int(np.searchsorted(prose, RELATED_PROSE_WORDS))
    rejected: dict[int, str] = {}
    candidates = kernels.short_lines_starting(
        texts, first, _RELATED_CHARS, _RELATED_STARTS, _RELATED_WORDS
    )
    for heading in candidates:
        text = texts[heading]
        # (a heading ends in no full stop: "More posts ≠ more subscribers." is a sentence)
        if heading in rejected or text[-1] == "." or not _RELATED_HEADING.fullmatch(text):
            continue
        reason = f"{RELATED_REASON_START}{text!r} heads"
        for position in range(heading, len(texts)):
            if words[position] >= _LIST_END_WORDS and texts[position][-1:] in _SENTENCE_ENDS:
                break
            rejected[position] = reason
    return rejected
