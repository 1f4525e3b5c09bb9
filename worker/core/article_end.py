"""Where a text dump's article ends, read from the lines news sites and blogs print around it
(and, on HTML, where a list of other pages under one of those lines runs).

A text dump keeps none of the containers that tell an article from what follows it, but some
lines survive the dump and say the same thing on every site:

- A post's filing line ("Tags: Election 2012", "Filed under: Travel", "Posted in C++",
  "Tagged with BlackBerry, RIM", "This entry was posted on ... and is filed under ..."):
  blogs and news sites print it once, under the article; the comments, the sidebar and the
  related lists come after it (post_footer_rejections).
- A heading over a list of other pages ("Related articles", "More from Gay Star News",
  "You may also like:", "Most popular", "Around the web"): it and the teaser headlines under
  it are no part of the article, wherever the list sits, up to the next paragraph of prose
  (related_list_rejections).
- A post's navigation ("Previous post: Title", "Next Post →", "PREVIOUS ARTICLE"): the
  article ended above it (post_navigation_rejections).

All need prose above them: under a headline, a "Tags:" line, a "Next article" link or a
"Latest news" column opens nothing. One pass in C finds the lines each rule could read
(end_lines): each pass over a page's lines costs about 4 us, a tenth of the rules' time.

On an HTML page about one item, the same headings open the lists of other pages the cut kept,
and the markup bounds each list: the heading and the run of linked lines under it
(related_links_after_cut).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from worker.core import heading_words
from worker.core.html_tags import IN_LINK
from worker.core.kernels import lines_opening_with

NAVIGATION_REASON_START = "after the post's navigation "
FOOTER_REASON_START = "after the post's filing line "
RELATED_REASON_START = "in the list of other pages that "

# A line of a post's navigation, read from the start of the line: "Previous post: Title",
# "Next Post →", "Newer Post Older Post Home", "PREVIOUS ARTICLE", "Next »", "Artículo
# anterior" (heading_words.py has the languages). Blogs and news sites print it under the
# article, before the comments, the sidebar and the related lists.
_POST_NAVIGATION = re.compile(heading_words.NAVIGATION, re.IGNORECASE)
_NAVIGATION_CHARS = 120
# Prose above the line: a "Next article" link beside the headline ends nothing.
NAVIGATION_PROSE_WORDS = 100.0

# A post's filing line, read from the start of the line ("Tags: …", "Schlagwörter: …").
_POST_FOOTER = re.compile(heading_words.FILING, re.IGNORECASE)
_FOOTER_CHARS = 200
# A filing line ends the article when this share of the page's prose is above it (and
# NAVIGATION_PROSE_WORDS at least): on some sites the tags sit under the headline.
FOOTER_PROSE_SHARE = 0.3
# Filing lines farther apart than this are a listing's (one under each post): none ends it.
_FOOTER_SPAN = 3

# A heading over a list of other pages: the whole line (a colon or an arrow may end it).
_RELATED_HEADING = re.compile(rf"(?:{heading_words.RELATED})\s*[:»›：]?\s*", re.IGNORECASE)
_RELATED_CHARS = 60
# The list runs to the first paragraph of prose: this many words, ending as a sentence ends
# (a teaser's headline and dek on one line run to 15 or 20; docs/measurements.md, 2026-12-04:
# 15, 20, 25, 30 and 50 tried).
_LIST_END_WORDS = 25
_SENTENCE_ENDS = '.!?"”’)。！？」）'
# Prose above the heading (as for the post's navigation): a menu's "Latest news" opens nothing.
RELATED_PROSE_WORDS = 100.0


_LONGEST = max(_NAVIGATION_CHARS, _FOOTER_CHARS, _RELATED_CHARS)
_NAVIGATION, _FOOTER, _RELATED = 1, 2, 4  # the rules, as bits


def _openings() -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Every rule's openings, each once, and the rules each may open a line for. The kernel
    reports the first opening that fits a line, so an opening stands for the rules of every
    opening it starts or that starts it ("entrada": "Entrada anterior" and "Entradas
    relacionadas")."""
    rules = {
        _NAVIGATION: heading_words.NAVIGATION_OPENINGS,
        _FOOTER: heading_words.FILING_OPENINGS,
        _RELATED: heading_words.RELATED_OPENINGS,
    }
    openings = tuple(dict.fromkeys(o for family in rules.values() for o in family))
    bits = tuple(
        sum(
            rule
            for rule, family in rules.items()
            if any(o.startswith(other) or other.startswith(o) for other in family)
        )
        for o in openings
    )
    return openings, bits


_OPENINGS, _OPENING_RULES = _openings()


class EndLines(NamedTuple):
    """The lines each rule could read, by how they open and their length, in page order."""

    navigation: list[int]
    footer: list[int]
    related: list[int]


def end_lines(texts: Sequence[str], first: int = 0) -> EndLines:
    """The candidates from `first` on."""
    navigation: list[int] = []
    footer: list[int] = []
    related: list[int] = []
    for position, opening in lines_opening_with(texts, first, _LONGEST, _OPENINGS):
        chars = len(texts[position])
        rules = _OPENING_RULES[opening]
        if rules & _NAVIGATION and chars < _NAVIGATION_CHARS:
            navigation.append(position)
        if rules & _FOOTER and chars < _FOOTER_CHARS:
            footer.append(position)
        if rules & _RELATED and chars < _RELATED_CHARS:
            related.append(position)
    return EndLines(navigation, footer, related)


def prose_upto(words: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The words of prose (lines of PROSE_WORDS or more) up to and with each line."""
    prose: npt.NDArray[np.float64] = np.where(words >= PROSE_WORDS, words, 0.0).cumsum()
    return prose


PROSE_WORDS = 15  # a line of this many words is prose


def article_end_rejections(
    texts: Sequence[str],
    words: npt.NDArray[np.float64],
    prose: npt.NDArray[np.float64],
    opens_thread: Callable[[str], bool],
) -> dict[int, str]:
    """Position -> reason for every line these rules reject on a text dump (the post's
    navigation's reason first, then the filing line's, where both hold). `prose`:
    prose_upto(words); `opens_thread`: whether a line is a comment marker."""
    if not len(texts) or prose[-1] < NAVIGATION_PROSE_WORDS:
        return {}
    lines = end_lines(texts, int(prose.searchsorted(NAVIGATION_PROSE_WORDS)))
    rejected = _related_lists(texts, words, prose, lines.related)
    rejected.update(_post_footer(texts, prose, opens_thread, lines.footer))
    rejected.update(_post_navigation(texts, prose, lines.navigation))
    return rejected


def post_navigation_rejections(
    texts: Sequence[str], words: npt.NDArray[np.float64]
) -> dict[int, str]:
    """Position -> reason for every line after a text dump's post navigation (the first
    _POST_NAVIGATION line shorter than _NAVIGATION_CHARS with NAVIGATION_PROSE_WORDS words
    of prose above it): the article ends above it. Measured on pages the model never saw
    (docs/measurements.md, 2026-12-04): dragnet 0.818 -> 0.829, googletrends 0.809 ->
    0.812, wcxb-dev by CV +0.0005, cleaneval unchanged; every one of dragnet's 64 pages
    and wcxb-dev's 8 pages it changes gains."""
    if not len(texts):
        return {}
    return _post_navigation(texts, prose_upto(words), end_lines(texts).navigation)


def _post_navigation(
    texts: Sequence[str], prose: npt.NDArray[np.float64], lines: list[int]
) -> dict[int, str]:
    for position in lines:
        text = texts[position]
        if prose[position] >= NAVIGATION_PROSE_WORDS and _POST_NAVIGATION.match(text):
            reason = f"{NAVIGATION_REASON_START}{text!r}: the article ends above it"
            return dict.fromkeys(range(position + 1, len(texts)), reason)
    return {}


def post_footer_rejections(
    texts: Sequence[str],
    words: npt.NDArray[np.float64],
    opens_thread: Callable[[str], bool] = lambda text: False,
) -> dict[int, str]:
    """Position -> reason for every line after a text dump's filing line (_POST_FOOTER,
    shorter than _FOOTER_CHARS, with FOOTER_PROSE_SHARE of the page's prose and
    NAVIGATION_PROSE_WORDS words of it above, every filing line of the page within
    _FOOTER_SPAN lines). A filing line with a line that `opens_thread` (a comment marker)
    within _FOOTER_SPAN lines under it needs only NAVIGATION_PROSE_WORDS: under a long
    thread the post is far less than the share."""
    if not len(texts):
        return {}
    return _post_footer(texts, prose_upto(words), opens_thread, end_lines(texts).footer)


def _post_footer(
    texts: Sequence[str],
    prose: npt.NDArray[np.float64],
    opens_thread: Callable[[str], bool],
    candidates: list[int],
) -> dict[int, str]:
    lines = [position for position in candidates if _POST_FOOTER.match(texts[position])]
    if not lines or lines[-1] - lines[0] > _FOOTER_SPAN:
        return {}
    needed = max(NAVIGATION_PROSE_WORDS, FOOTER_PROSE_SHARE * float(prose[-1]))
    position = next((p for p in lines if prose[p] >= needed), None)
    if position is None:
        position = next((p for p in lines if prose[p] >= NAVIGATION_PROSE_WORDS), None)
        below = texts[position + 1 : position + 1 + _FOOTER_SPAN] if position is not None else []
        if position is None or not any(map(opens_thread, below)):
            return {}
    reason = f"{FOOTER_REASON_START}{texts[position]!r}: the article ends above it"
    return dict.fromkeys(range(position + 1, len(texts)), reason)


def _heads_list(text: str) -> bool:
    """Whether a candidate line (end_lines' related) is a heading over a list of other
    pages: the whole line, and no full stop at its end ("More posts ≠ more subscribers." is
    a sentence)."""
    return text[-1] != "." and _RELATED_HEADING.fullmatch(text) is not None


def related_list_rejections(texts: Sequence[str], words: npt.NDArray[np.float64]) -> dict[int, str]:
    """Position -> reason for each heading of a list of other pages (_RELATED_HEADING, the
    whole line, shorter than _RELATED_CHARS, with RELATED_PROSE_WORDS words of prose above
    it) and the lines under it, up to the next paragraph of prose (_LIST_END_WORDS words
    ending as a sentence ends)."""
    if not len(texts):
        return {}
    return _related_lists(texts, words, prose_upto(words), end_lines(texts).related)


def _related_lists(
    texts: Sequence[str],
    words: npt.NDArray[np.float64],
    prose: npt.NDArray[np.float64],
    candidates: list[int],
) -> dict[int, str]:
    rejected: dict[int, str] = {}
    list_ends: list[int] | None = None  # the lines long enough to end a list
    for heading in candidates:
        text = texts[heading]
        if heading in rejected or prose[heading] < RELATED_PROSE_WORDS or not _heads_list(text):
            continue
        if list_ends is None:
            list_ends = (words >= _LIST_END_WORDS).nonzero()[0].tolist()
        # (a loop over the list's lines read each one's words from numpy: a list of a
        # hundred lines cost more than the rest of the page's rules)
        end = next(
            (p for p in list_ends if p >= heading and texts[p][-1:] in _SENTENCE_ENDS),
            len(texts),
        )
        rejected.update(dict.fromkeys(range(heading, end), f"{RELATED_REASON_START}{text!r} heads"))
    return rejected


# On an HTML page the list under a heading is the run of lines in a link below it; a line
# outside any link of fewer words than this (a teaser's date, byline or "Read more") does
# not end it, a longer one does...
LINKED_LIST_LINE_WORDS = 8
# ... unless the markup says the list goes on: a line inside the heading's section (the
# deepest block holding the heading and the line after it: a "Most read" rail) ends the list
# only as prose does in a text dump (_LIST_END_WORDS words ending as a sentence ends), so an
# unlinked teaser's headline and dek under the rail's heading do not.
# A list is another page's only while it is less than this share of what the cut kept: on a
# listing taken for one item the linked lines are the content.
LINKED_LIST_KEPT_SHARE = 0.5


def related_links_after_cut(
    texts: Sequence[str],
    words: npt.NDArray[np.float64],
    bits: Sequence[int] | npt.NDArray[np.int64],
    paths: Sequence[tuple[int, ...]],
    keep: npt.NDArray[np.bool_],
) -> dict[int, str]:
    """Position -> reason for each kept segment of an HTML page about one item that a list
    of other pages holds: a _RELATED_HEADING line with RELATED_PROSE_WORDS words of prose
    above it and the segments under it in a link (html_tags.IN_LINK, by `bits`), or outside
    one and under LINKED_LIST_LINE_WORDS words, or in the heading's section (by the block
    `paths` of html_segments) and no prose. None when they would be
    LINKED_LIST_KEPT_SHARE or more of the kept words. Measured on pages the model never saw
    and on wcxb-dev (docs/measurements.md, 2026-12-04, afternoon, and 2026-12-04, night)."""
    if not len(texts):
        return {}
    prose = prose_upto(words)
    if prose[-1] < RELATED_PROSE_WORDS:
        return {}
    first = int(np.searchsorted(prose, RELATED_PROSE_WORDS))
    listed: dict[int, str] = {}
    list_ends: npt.NDArray[np.intp] | None = None  # the lines that end a list
    for heading in end_lines(texts, first).related:
        text = texts[heading]
        if heading in listed or not _heads_list(text):
            continue
        if list_ends is None:  # (as _related_lists: no per-line reads from numpy)
            in_link = (np.asarray(bits, dtype=np.int64) & IN_LINK) != 0
            list_ends = np.flatnonzero(~in_link & (words >= LINKED_LIST_LINE_WORDS))
        after = int(np.searchsorted(list_ends, heading, side="right"))
        end = int(list_ends[after]) if after < len(list_ends) else len(texts)
        end = max(end, _section_end(texts, words, paths, heading))
        listed.update(dict.fromkeys(range(heading, end), f"{RELATED_REASON_START}{text!r} heads"))
    dropped = {position: reason for position, reason in listed.items() if keep[position]}
    dropped_words = float(sum(words[position] for position in dropped))
    if dropped_words >= LINKED_LIST_KEPT_SHARE * float(words[keep].sum()):
        return {}
    return dropped


def _section_end(
    texts: Sequence[str],
    words: npt.NDArray[np.float64],
    paths: Sequence[tuple[int, ...]],
    heading: int,
) -> int:
    """The first line after `heading` outside its section (the blocks its path shares with
    the next line's), or inside it and prose; len(texts) if none."""
    if heading + 1 >= len(texts):
        return len(texts)
    own, following = paths[heading], paths[heading + 1]
    shared = next(
        (depth for depth, (a, b) in enumerate(zip(own, following, strict=False)) if a != b),
        min(len(own), len(following)),
    )
    section = own[:shared]
    for line in range(heading + 1, len(texts)):
        if paths[line][:shared] != section or (
            words[line] >= _LIST_END_WORDS and texts[line][-1:] in _SENTENCE_ENDS
        ):
            return line
    return len(texts)
