"""Decisions no model needs to learn: they hold on every site.

- A segment without a single word character (a lone "-", "|", "•") is never article text.
- Feed spam: a run of three or more segments that all end in the same detached separator
  (" -", " |", " »", " …") is a list of teaser headlines, whatever the model thinks of each
  line alone. Lone separators between them belong to the run, and so does the headline
  right after it: a separator goes between items, so the last item has none.
- A comment section (comment_section_rejections): after a line that opens one ("12
  Comments", "Leave a Reply", "Post a comment"...), once most of the page's prose is behind
  it, nothing is the article: on a text dump, which keeps none of the containers that tell
  a thread from its article, and on an HTML page about one item (many blogs of 2012 mark
  their threads with no class a model could read).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from worker.core import kernels

FEED_MIN_RUN = 3
_HEADLINE_WORDS = 30
_SEPARATORS = "-|»›•…–—"
_HEADLINE_ENDS = ".!:;,"  # a headline (the feed's last item) never ends in these
# How every rule's reason starts (the first two are written in _kernels.c): what tells a
# rule's reason from the model's (classify.reason_origin).
RULE_REASON_STARTS = ("no words", "in a feed of ", "in the comment section that ")


def trailing_separator(text: str) -> str | None:
    """The separator a teaser line ends with (" -" gives "-"), if any."""
    if len(text) >= 3 and text[-1] in _SEPARATORS and text[-2] == " ":
        return text[-1]
    return None


def rule_rejections(texts: Sequence[str]) -> dict[int, str]:
    """Position -> reason, for every segment a rule rejects. The loop runs in C
    (kernels.rule_rejections: it ran once per line of every page, a tenth of a text dump's
    time in Python); tests/core/test_fast_paths.py keeps it in plain Python."""
    return kernels.rule_rejections(
        list(texts), _SEPARATORS, FEED_MIN_RUN, _HEADLINE_WORDS, _HEADLINE_ENDS
    )


# A line that opens a comment section, read from the start of the line.
_COMMENT_SECTION = re.compile(
    r"(?:(?:\d+|no|one|two|three)?\s*(?:comments?|responses?|replies|reactions?)"
    r"(?:\s*\(\d+\))?\s*:?$)|\d+\s+thoughts? on\b|leave a (?:reply|comment)|post a comment"
    r"|add (?:a|your) comment|(?:join|read) the discussion|discussion\s*\(\d+\)$"
    # WordPress's 'N Responses to “Title”', and 'Comments »' or '20 Comments Post a comment'
    r"|(?:\d+|no|one)\s+(?:responses?|comments?|replies|thoughts?)\s+(?:to|on)\s+[\"“'‘«]"
    r"|comments?\s*[»›]$|\d+\s+comments?\s+(?:post|add|leave) a comment",
    re.IGNORECASE,
)
# The characters a marker can start with: the regex runs on these lines only (it ran on
# every line below the prose share, a tenth of a text dump's time).
_MARKER_STARTS = "0123456789cCrRlLpPaAjJdDnNoOtT"
# Every match of _COMMENT_SECTION holds one of these words: on an ASCII line (in any case;
# re's IGNORECASE reads ASCII as ASCII) it is tried only where one is (in C too: ~60 lines a
# dump passed the first-character test, each a regex call).
_MARKER_WORDS = ("comment", "respons", "repl", "reaction", "thought", "discussion")
_MARKER_CHARS = 60  # a heading or a link, not a sentence that mentions comments
_PROSE_WORDS = 15  # a line of this many words is prose
# Share of the page's prose that must come before the marker: a "Comments" link in the
# menu at the top of the page opens nothing.
_PROSE_BEFORE = 0.3
# On a text dump, this many words of prose above the marker are enough too: under a thread
# of dozens of comments the article is far less than _PROSE_BEFORE of the page's prose.
TEXT_PROSE_WORDS_BEFORE = 200.0


def comment_section_rejections(
    texts: Sequence[str],
    words: npt.NDArray[np.float64],
    prose_words_before: float | None = None,
) -> dict[int, str]:
    """Position -> reason for every line of a page's comment section: the lines after
    the first marker line (_COMMENT_SECTION, shorter than _MARKER_CHARS, not repeated on
    the page: "Add a comment" under each answer of a Q&A page opens no section) that has
    _PROSE_BEFORE of the page's prose above it, or `prose_words_before` words of prose.
    Measured on pages the model never saw (docs/measurements.md, 2026-12-03): dragnet's
    word-F1 0.716 -> 0.766 on text dumps, 0.865 -> 0.877 on HTML; with 200 words of
    prose enough on text dumps, 0.766 -> 0.784."""
    if not len(texts):
        return {}
    prose = np.cumsum(np.where(words >= _PROSE_WORDS, words, 0.0))
    if prose[-1] <= 0:
        return {}
    # Only the lines below the prose share are candidates: the loop starts there.
    needed = _PROSE_BEFORE * prose[-1]
    if prose_words_before is not None:
        needed = min(needed, prose_words_before)
    first = int(np.searchsorted(prose, needed))
    # (the lines short enough, starting as a marker can and holding a marker's word, found
    # in C: ~150 a page are not)
    candidates = kernels.short_lines_starting(
        texts, first, _MARKER_CHARS, _MARKER_STARTS, _MARKER_WORDS
    )
    for position in candidates:
        text = texts[position]
        if _COMMENT_SECTION.match(text) and texts.count(text) == 1:
            reason = f"in the comment section that {text!r} opens"
            return dict.fromkeys(range(position + 1, len(texts)), reason)
    return {}


def page_rejections(
    texts: Sequence[str],
    words: npt.NDArray[np.float64],
    content_type: str,
    one_item_page: bool = False,
) -> dict[int, str]:
    """Every rule for a page: position -> reason (the feed and no-word rules first, where
    more than one holds). The comment-section rule holds for text dumps, and for HTML pages
    the page-level stage takes for one item's: on a forum thread the replies are content."""
    ruled = rule_rejections(texts)
    if content_type == "text/plain":
        return comment_section_rejections(texts, words, TEXT_PROSE_WORDS_BEFORE) | ruled
    if one_item_page:
        return comment_section_rejections(texts, words) | ruled
    return ruled
