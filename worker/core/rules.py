"""Decisions no model needs to learn: they hold on every site.

- A segment without a single word character (a lone "-", "|", "•") is never article text.
- Feed spam: a run of three or more segments that all end in the same detached separator
  (" -", " |", " »", " …") is a list of teaser headlines, whatever the model thinks of each
  line alone. Lone separators between them belong to the run, and so does the headline
  right after it: a separator goes between items, so the last item has none.
- A post's navigation ("Previous post: ...", "Next article") on a text dump, with prose
  above it: the article ended above it (post_navigation_rejections). So did it above a
  post's filing line ("Tags: ...", "Filed under ..."), and a heading over a list of other
  pages ("Related articles", "More from ...") heads no article text (article_end.py).
- A comment section (comment_section_rejections): after a line that opens one ("12
  Comments", "Leave a Reply", "Post a comment"...), once most of the page's prose is behind
  it, nothing is the article: on a text dump, which keeps none of the containers that tell
  a thread from its article, and on an HTML page about one item (many blogs of 2012 mark
  their threads with no class a model could read).
- On an HTML page about one item, what the cut kept outside the element the page names as
  its article body ("entry-content", "article-body"), when that holds a fifth of the kept
  words, and below a shorter body what it kept in asides, menus, footers, comment and
  related-story containers (declared_body.py; applied after the cut, in classify_page); and
  on such a page that declares itself an article, the linked teaser cards of other pages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from worker.core import heading_words as words
from worker.core import kernels
from worker.core.article_end import (
    FOOTER_REASON_START,
    NAVIGATION_REASON_START,
    RELATED_REASON_START,
    article_end_rejections,
    prose_upto,
)
from worker.core.article_start import REASON as HEADLINE_REASON
from worker.core.declared_body import REASON as OUTSIDE_BODY_REASON
from worker.core.declared_body import TEASER_REASON, linked_teasers
from worker.core.features import feature_names
from worker.core.headline_runs import REASON_START as HEADLINE_RUN_REASON_START
from worker.core.headline_runs import headline_runs

FEED_MIN_RUN = 3
_HEADLINE_WORDS = 30
_SEPARATORS = "-|»›•…–—"
_HEADLINE_ENDS = ".!:;,。！：；，"  # a headline (the feed's last item) never ends in these
# How every rule's reason starts (the first two are written in kernels_c/rules.c): what tells a
# rule's reason from the model's (classify.reason_origin).
RULE_REASON_STARTS = (
    "no words",
    "in a feed of ",
    "in the comment section that ",
    NAVIGATION_REASON_START,
    FOOTER_REASON_START,
    RELATED_REASON_START,
    HEADLINE_RUN_REASON_START,
    OUTSIDE_BODY_REASON,
    TEASER_REASON,
    HEADLINE_REASON,  # a rule that keeps: article_start.py
)


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
        texts if isinstance(texts, list) else list(texts),  # (the kernel only reads it)
        _SEPARATORS,
        FEED_MIN_RUN,
        _HEADLINE_WORDS,
        _HEADLINE_ENDS,
    )


# A line that opens a comment section, read from the start of the line (heading_words.py
# has the words of each language).
_COMMENT_SECTION = re.compile(
    rf"(?:{words.COMMENT_COUNT}?\s*{words.COMMENTS}(?:\s*\(\d+\))?{words.COMMENT_COUNT_AFTER}"
    rf"\s*:?$)|{words.GLUED_COUNT}\s*:?$"
    rf"|\d+\s+thoughts? on\b|{words.LEAVE_A_COMMENT}"
    r"|(?:join|read) the discussion|discussion\s*\(\d+\)$"
    # WordPress's 'N Responses to “Title”', and 'Comments »' or '20 Comments Post a comment'
    rf"|{words.ONE}\s+{words.THREAD_OF_POST}"
    r"|comments?\s*[»›]$|\d+\s+comments?\s+(?:post|add|leave) a comment",
    re.IGNORECASE,
)
# A marker that counts the comments under the post it names, as blog themes print them:
# "{ 74 comments… read them below or add one }", "111 Responses to “My New Project”",
# "3 thoughts on “Headline”", "100 of 524 comments loaded". A forum thread's reply count
# names no post, and a menu link has no count: such a line opens a thread even under a post
# of a few lines (a photo, a short note), where the article is far less prose than the rule
# asks of the other markers.
_COUNTED_THREAD = re.compile(
    r"\{?\s*\d+\s+comments?\W+read (?:them|it)\b"
    rf"|\d+\s+{words.THREAD_OF_POST}|{words.TITLE_FIRST_THREAD}"
    r"|\d+\s+of\s+\d+\s+comments\b",
    re.IGNORECASE,
)
# The characters a marker can start with: the regex runs on these lines only (it ran on
# every line below the prose share, a tenth of a text dump's time), and on those that start
# with a letter past ASCII (Cyrillic, CJK, "Écrire").
_MARKER_STARTS = "0123456789cCrRlLpPaAjJdDnNoOtT{kKsShHeEuUgGbByYzZ"
_COUNTED_STARTS = "0123456789{《"  # "《Title》上有3条评论"
# Every match of _COMMENT_SECTION and _COUNTED_THREAD holds one of these words: on a line
# with no letter past ASCII (in any case; re's IGNORECASE folds only letters to ASCII ones)
# it is tried only where one is (in C too: ~60 lines a dump passed the first-character
# test, each a regex call; a curly quote or a dash let ~4 more a dump through).
_MARKER_WORDS = (
    "comment", "respons", "repl", "reacti", "thought", "discussion", "komment", "koment",
    "comentar", "antwort", "gedanke", "gedachte", "respuest", "pensamient", "rispost",
    "pensier", "resposta", "pensament", "yorum", "svar", "balasan",
)  # fmt: skip
_MARKER_CHARS = 60  # a heading or a link, not a sentence that mentions comments
_COUNTED_CHARS = 160  # a counted marker with the title of its post


@dataclass(frozen=True, slots=True)
class CommentSection:
    """When a marker line opens a comment section (comment_section_rejections)."""

    # Share of the page's prose that must come before the marker: a "Comments" link in the
    # menu at the top of the page opens nothing.
    prose_share: float = 0.3
    # This many words of prose above the marker are enough too (None: the share alone):
    # under a thread of dozens of comments the article is far less than the share.
    prose_words: float | None = None
    # A counted marker (_COUNTED_THREAD) needs only this many words of prose above it, or
    # the others' bar where that is lower (None: counted markers are held to the others' bar).
    counted_prose_words: float | None = None
    # A marker found again within this many lines is the same heading printed twice
    # ("15 comments" above and beside the thread); farther apart, the marker repeats on the
    # page ("Add a comment" under each answer of a Q&A page) and opens nothing.
    repeat_span: int = 0


# On a text dump: 200 words of prose above a marker, or 50 above a counted one, and a marker
# printed twice in a row (docs/measurements.md, 2026-12-03 and 2026-12-04). HTML pages
# taken for one item get the counted markers and the repeat too, but keep the share for the
# other markers: 200 words there cost cleaneval 0.004 for dragnet's 0.004 (2026-12-04).
TEXT_DUMP_SECTION = CommentSection(prose_words=200.0, counted_prose_words=50.0, repeat_span=2)
HTML_SECTION = CommentSection(counted_prose_words=50.0, repeat_span=2)


def comment_section_rejections(
    texts: Sequence[str],
    words: npt.NDArray[np.float64],
    section: CommentSection = HTML_SECTION,
) -> dict[int, str]:
    """Position -> reason for every line of a page's comment section: the lines after
    the first marker line (_COMMENT_SECTION, shorter than _MARKER_CHARS, not repeated on
    the page beyond `section.repeat_span` lines) with `section`'s prose above it.
    Measured on pages the model never saw (docs/measurements.md, 2026-12-03): dragnet's
    word-F1 0.716 -> 0.766 on text dumps, 0.865 -> 0.877 on HTML; with 200 words of
    prose enough on text dumps, 0.766 -> 0.784; with counted markers and markers printed
    twice, 0.784 -> 0.807 on text dumps, 0.8952 -> 0.8965 on HTML (2026-12-04)."""
    if not len(texts):
        return {}
    return _comment_section(texts, prose_upto(words), section)


def _comment_section(
    texts: Sequence[str], prose: npt.NDArray[np.float64], section: CommentSection
) -> dict[int, str]:
    if prose[-1] <= 0:
        return {}
    needed = section.prose_share * prose[-1]
    if section.prose_words is not None:
        needed = min(needed, section.prose_words)
    # Only the lines below the prose a marker needs are candidates: the loops start there.
    first = int(prose.searchsorted(needed))
    counted = section.counted_prose_words
    # (the lines short enough, starting as a marker can and holding a marker's word, found
    # in C: ~150 a page are not)
    candidates = kernels.short_lines_starting(
        texts, first, _MARKER_CHARS, _MARKER_STARTS, _MARKER_WORDS, non_ascii_letters=True
    )
    if counted is not None:
        # A counted marker starts with a digit, a brace or a title in 《》, needs only
        # `counted` words of prose above it, and may run past _MARKER_CHARS with the post's
        # title in it ("40 Responses to “CHURUMURI POLL: Has India lost moral compass?”").
        first_counted = int(prose.searchsorted(min(counted, needed)))
        counted_lines = kernels.short_lines_starting(
            texts, first_counted, _COUNTED_CHARS, _COUNTED_STARTS, _MARKER_WORDS
        )
        candidates = sorted(set(candidates).union(counted_lines))
    for position in candidates:
        text = texts[position]
        if (position >= first and len(text) < _MARKER_CHARS and _COMMENT_SECTION.match(text)) or (
            counted is not None and _COUNTED_THREAD.match(text)
        ):
            found = _section(texts, position, section.repeat_span)
            if found:
                return found
    return {}


def opens_comment_thread(text: str) -> bool:
    """Whether a line is a comment marker (either kind), whatever the prose above it."""
    return bool(
        len(text) < _COUNTED_CHARS
        and (
            (len(text) < _MARKER_CHARS and _COMMENT_SECTION.match(text))
            or _COUNTED_THREAD.match(text)
        )
    )


def _section(texts: Sequence[str], position: int, repeat_span: int) -> dict[int, str]:
    """The comment section that the marker at `position` opens: every line after it (after
    its last copy, when it is printed twice), or none if the marker repeats across the page."""
    text = texts[position]
    last = _last_of_one_heading(texts, text, position, repeat_span)
    if last is None:
        return {}
    reason = f"in the comment section that {text!r} opens"
    return dict.fromkeys(range(last + 1, len(texts)), reason)


def _last_of_one_heading(texts: Sequence[str], text: str, position: int, span: int) -> int | None:
    """The position of the marker's last copy when every copy of `text` on the page lies
    within `span` lines of the first, else None (a marker repeated across the page)."""
    if texts.count(text) == 1:
        return position
    copies = [i for i, other in enumerate(texts) if other == text]
    if copies[-1] - copies[0] > span:
        return None
    return copies[-1]


def page_rejections(
    texts: Sequence[str],
    words: npt.NDArray[np.float64],
    content_type: str,
    one_item_page: bool = False,
    features: npt.NDArray[np.float32] | None = None,
) -> dict[int, str]:
    """Every rule for a page: position -> reason (the feed and no-word rules first, where
    more than one holds). The comment-section rule holds for text dumps, and for HTML pages
    the page-level stage takes for one item's: on a forum thread the replies are content.
    On those HTML pages the linked-teaser rule reads the page's feature table, `features`
    (declared_body.linked_teasers; not run without it)."""
    return page_rule_hits(texts, words, content_type, one_item_page, features)[0]


def page_rule_hits(
    texts: Sequence[str],
    words: npt.NDArray[np.float64],
    content_type: str,
    one_item_page: bool = False,
    features: npt.NDArray[np.float32] | None = None,
) -> tuple[dict[int, str], int | None]:
    """page_rejections, and the position where the page's comment section starts (it runs
    to the page's end), None when none opened."""
    ruled = rule_rejections(texts)
    if content_type == "text/plain":
        if not len(texts):
            return ruled, None
        prose = prose_upto(words)
        section = _comment_section(texts, prose, TEXT_DUMP_SECTION)
        # The article's end as its navigation and filing line tell it, and the lists of
        # other pages (article_end.py).
        ending = article_end_rejections(texts, words, prose, opens_comment_thread)
        # Lists of other stories above or below all of the article (headline_runs.py).
        runs = headline_runs(texts, words)
        # (a section's keys run in page order)
        return runs | ending | section | ruled, next(iter(section), None)
    if not one_item_page:
        return ruled, None
    section = comment_section_rejections(texts, words, HTML_SECTION)
    if (
        section
        and features is not None
        and _above_the_article(next(iter(section)), words, features)
    ):
        section = {}
    teasers = linked_teasers(features) if features is not None else {}
    return teasers | section | ruled, next(iter(section), None)


_IN_MAIN = feature_names("text/html").index("in_main_container")
# Words the block holding most of the page's prose needs to be taken for the article: a
# smaller one may be a comment form's block, not where the article is.
_ARTICLE_WORDS = 100.0


def _above_the_article(
    start: int, words: npt.NDArray[np.float64], features: npt.NDArray[np.float32]
) -> bool:
    """Whether a comment section starting at `start` would begin above every word of the
    block holding most of the page's prose: the marker is then a tab or a link above the
    article ("Article | Comments" on a news site), not a heading under it. On dragnet,
    0.9193 -> 0.9216 (four pages of two sites, none worse, 2026-12-04)."""
    in_main = words * (features[:, _IN_MAIN] > 0.5)
    return bool(in_main[:start].sum() == 0 and in_main.sum() >= _ARTICLE_WORDS)
