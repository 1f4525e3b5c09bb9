"""Text blocks of an HTML page in document order, with the structure around each one.

One pass over the DOM (lexbor via selectolax: it parses about three times faster than
lxml), in C (html_walk.py). Every block-level element starts a new segment; inline text
joins the current one. For each segment we keep what boilerplate detectors have always
used: link density, the kind of element, and whether it sits inside navigation, a header
or footer, a list, a form, or a container whose class or id says "menu", "share",
"comment", "related" (or "article", "content", "post").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from selectolax.lexbor import LexborHTMLParser

from worker.core import html_kernels
from worker.core.declared import read_declared
from worker.core.html_layout import page_layout
from worker.core.html_tags import (
    ARTICLE_BODY_HINT,
    COMMENT_HINT,
    CONTEXT_BITS,
    IN_HEADING,
    IN_LIST,
    NEGATIVE_HINT,
    POSITIVE_HINT,
)
from worker.core.html_walk import Walked, walk
from worker.core.page_meta import DECLARED_KINDS
from worker.core.segments import HtmlLayout, PageSegments

# Some sites (Discourse forums, for one) serve their whole content inside <noscript> for
# crawlers, and an HTML5 parser keeps <noscript> as raw text: read it as a <div> instead.
_NOSCRIPT = re.compile(r"<(/?)noscript\b", re.IGNORECASE)
STRUCTURE_NAMES: tuple[str, ...] = (
    "link_density",
    "block_kind",
    "depth",
    "text_pieces",
    *(f"{name}" for name in CONTEXT_BITS),
    "siblings_text_share",
    "siblings_log_count",
    "siblings_link_density",
    "siblings_log_mean_chars",
    "in_main_container",
    "main_container_prose_share",
    "heading_in_main",
    "list_item_in_main",
    "negative_class_in_main",
    "short_in_main",
    "in_title",
    "in_best_candidate",
    "candidate_score",
    "before_best_candidate",
    "after_best_candidate",
    "best_candidate_text_share",
    "card_link_density",
    "log_linked_cards",
    *(f"declares_{kind}" for kind in DECLARED_KINDS),
)
_SHORT_CHARS = 12
_PROSE_CHARS = 80
# Chinese and Japanese end sentences with their own marks and close quotes with 」』 and a
# full-width bracket; a sentence of theirs has no spaces (a character is about a word).
_CLOSING = "\"'”’)」』）"
_SENTENCE_ENDS = frozenset(".!?。！？" + _CLOSING)
_FULL_STOPS = frozenset(".!?…")
_CJK_FULL_STOPS = frozenset("。！？")
_SENTENCE_SPACES = 5
_CJK_SENTENCE_CHARS = 10


def html_segments(html: str) -> PageSegments:
    if not html or html.isspace():  # (html.strip() would copy the page)
        return PageSegments("text/html", [])
    tree = LexborHTMLParser(_noscript_as_div(html))
    declared = read_declared(tree)  # before the head and the scripts holding JSON-LD go
    # (its first <title>, as tree.css_first("title") finds it: 44 us a page less)
    title = " ".join(declared.first_title.split()).lower()
    blocks = _PageBlocks(walk(tree))
    structure = blocks.structure(title, declared.kinds)
    walked = blocks.walked
    layout = HtmlLayout(
        tree, walked.bits, walked.kinds, walked.blocks, walked.groups, walked.paths, declared
    )
    return PageSegments("text/html", walked.texts, structure, walked.utf8, html=layout)


def _noscript_as_div(html: str) -> str | bytes:
    """_NOSCRIPT.sub(r"<\\1div", html), as the UTF-8 the parser reads (selectolax would
    encode a str so itself). In C, in the pass that encodes the page: the regex took 1.2 ms
    on a page holding one, and str.encode alone a third of a millisecond on most pages."""
    encoded = html_kernels.html_utf8(html)
    if encoded is None:  # a lone surrogate, which UTF-8 cannot hold: lexbor takes the str
        return _NOSCRIPT.sub(r"<\1div", html)
    return encoded


class _PageBlocks:
    """The structure columns of a page's segments, from what the walk gathered."""

    def __init__(self, walked: Walked) -> None:
        self.walked = walked
        self.texts, self.bits, self.paths = walked.texts, walked.bits, walked.paths

    def structure(self, title: str, declared: Sequence[bool] = ()) -> npt.NDArray[np.float32]:
        count = len(self.texts)
        matrix = np.empty((count, len(STRUCTURE_NAMES)), dtype=np.float32)
        if not count:
            return matrix
        marks = html_kernels.segment_marks(self.texts)
        chars = marks.chars
        # Link density, block kind, depth, text pieces and a column per context bit, in C
        # (numpy took ten calls and three lists made arrays).
        w = self.walked
        columns = (w.links, w.kinds, w.depths, w.pieces, w.bits)
        link_density = html_kernels.segment_columns(
            columns, chars, _BIT_TUPLE, matrix, _LINK_DENSITY
        )
        flags = matrix[:, _FIRST_BIT : _FIRST_BIT + len(_BIT_TUPLE)] != 0

        # (np.unique and np.bincount by group before, in C: the same values to the bit)
        siblings = html_kernels.sibling_columns(self.walked.groups, chars, link_density)
        matrix[:, _SIBLINGS_SHARE] = siblings.share
        matrix[:, _SIBLINGS_COUNT] = np.log1p(siblings.segments)
        matrix[:, _SIBLINGS_LINKS] = siblings.link_density
        matrix[:, _SIBLINGS_CHARS] = np.log1p(siblings.mean_chars)

        # A comment thread's prose is no article's: a long thread would otherwise become the
        # main container (readability drops such "unlikely candidates" before scoring).
        comment = flags[:, _BIT_INDEX[COMMENT_HINT]]
        in_main, prose_share = self._in_main_container(
            np.where(comment, 0.0, chars), marks.ends_prose
        )
        matrix[:, _IN_MAIN] = in_main
        matrix[:, _MAIN_PROSE_SHARE] = prose_share
        # Stumps cannot learn "a heading inside the article" from the two facts apart.
        matrix[:, _HEADING_IN_MAIN] = in_main & flags[:, _BIT_INDEX[IN_HEADING]]
        matrix[:, _LIST_ITEM_IN_MAIN] = in_main & flags[:, _BIT_INDEX[IN_LIST]]
        matrix[:, _NEGATIVE_IN_MAIN] = in_main & flags[:, _BIT_INDEX[NEGATIVE_HINT]]
        matrix[:, _SHORT_IN_MAIN] = in_main & (chars < _SHORT_CHARS)
        matrix[:, _IN_TITLE] = self._in_title(title)
        matrix[:, _FIRST_DECLARED : _FIRST_DECLARED + len(DECLARED_KINDS)] = (
            np.asarray(declared, dtype=np.float32) if len(declared) else 0.0
        )
        negative, positive = self._class_hints(flags)
        layout = page_layout(
            list(self.paths),
            chars,
            link_density,
            marks.commas,
            marks.ends_sentence,
            negative,
            positive,
            flags[:, _BIT_INDEX[COMMENT_HINT]],
        )
        matrix[:, _IN_BEST] = layout.in_best
        matrix[:, _CANDIDATE_SCORE] = layout.candidate_score
        matrix[:, _BEFORE_BEST] = layout.before_best
        matrix[:, _AFTER_BEST] = layout.after_best
        matrix[:, _BEST_SHARE] = layout.best_text_share
        matrix[:, _CARD_LINKS] = layout.card_link_density
        matrix[:, _LINKED_CARDS] = layout.linked_cards_around
        return matrix

    def _class_hints(
        self, flags: npt.NDArray[np.bool_]
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Per segment, whether a block around it has a negative and a positive class hint,
        for the container scoring: text inside an element named as an article body
        ("entry-content", html_tags.ARTICLE_BODY_HINT) counts as positive and never negative
        (Blogger wraps every post in a "widget Blog", WordPress names a post's tags in its
        classes), so the body becomes the best container more often where a sidebar or a
        thread outweighs a short post (docs/measurements.md, 2026-12-04, midday)."""
        negative = flags[:, _BIT_INDEX[NEGATIVE_HINT]]
        positive = flags[:, _BIT_INDEX[POSITIVE_HINT]]
        # (no named body on about half of the pages: ARTICLE_BODY_HINT is the highest bit)
        if max(self.bits) < ARTICLE_BODY_HINT:
            return negative, positive
        body = (
            np.fromiter(self.bits, dtype=np.int64, count=len(self.bits)) & ARTICLE_BODY_HINT
        ) != 0
        return negative & ~body, positive | body

    def _in_title(self, title: str) -> npt.NDArray[np.bool_]:
        """Whether the segment repeats the page's <title> (the article's headline, usually):
        its text lowered is in the title, and it is not too short for that to mean much."""
        if len(title) < _SHORT_CHARS:
            return np.zeros(len(self.texts), dtype=bool)
        # (in C: lowering never shortens a str, so a text longer than the title is not in it)
        return html_kernels.repeats_title(self.texts, title, _SHORT_CHARS)

    def _in_main_container(
        self, chars: npt.NDArray[np.float64], ends_prose: npt.NDArray[np.bool_]
    ) -> tuple[npt.NDArray[np.bool_], float]:
        """Whether each segment lies inside the page's main container, the way readability
        finds it: the deepest block holding at least half of the page's prose (of two at the
        same depth, holding exactly half each, the first); and the share of the page's text
        that container holds. A segment given 0 characters is no prose; ends_prose: whether
        each ends in _SENTENCE_ENDS."""
        # (In C: the prose characters by block, the blocks in the order of their first prose
        # segment, then html_layout.main_container and who is inside it.)
        in_main, found = html_kernels.main_container(
            self.paths, self.walked.blocks, chars, ends_prose, _PROSE_CHARS
        )
        if found is None:
            return in_main, 0.0
        return in_main, found[2] / max(1, sum(map(len, self.texts)))


_BIT_TUPLE = tuple(CONTEXT_BITS.values())
_BIT_INDEX = {bit: index for index, bit in enumerate(CONTEXT_BITS.values())}
_COLUMN = {name: index for index, name in enumerate(STRUCTURE_NAMES)}
_LINK_DENSITY, _BLOCK_KIND = _COLUMN["link_density"], _COLUMN["block_kind"]
_DEPTH, _TEXT_PIECES = _COLUMN["depth"], _COLUMN["text_pieces"]
_FIRST_BIT = _COLUMN["in_link"]
# (html_kernels.segment_columns writes these in this order)
assert STRUCTURE_NAMES[_LINK_DENSITY : _FIRST_BIT + len(CONTEXT_BITS)] == (
    "link_density",
    "block_kind",
    "depth",
    "text_pieces",
    *CONTEXT_BITS,
)
_SIBLINGS_SHARE, _SIBLINGS_COUNT = _COLUMN["siblings_text_share"], _COLUMN["siblings_log_count"]
_SIBLINGS_LINKS = _COLUMN["siblings_link_density"]
_SIBLINGS_CHARS = _COLUMN["siblings_log_mean_chars"]
_IN_MAIN, _MAIN_PROSE_SHARE = _COLUMN["in_main_container"], _COLUMN["main_container_prose_share"]
_HEADING_IN_MAIN, _LIST_ITEM_IN_MAIN = _COLUMN["heading_in_main"], _COLUMN["list_item_in_main"]
_NEGATIVE_IN_MAIN, _SHORT_IN_MAIN = _COLUMN["negative_class_in_main"], _COLUMN["short_in_main"]
_IN_TITLE = _COLUMN["in_title"]
_FIRST_DECLARED = _COLUMN[f"declares_{DECLARED_KINDS[0]}"]
_IN_BEST, _CANDIDATE_SCORE = _COLUMN["in_best_candidate"], _COLUMN["candidate_score"]
_BEST_SHARE = _COLUMN["best_candidate_text_share"]
_BEFORE_BEST, _AFTER_BEST = _COLUMN["before_best_candidate"], _COLUMN["after_best_candidate"]
_CARD_LINKS, _LINKED_CARDS = _COLUMN["card_link_density"], _COLUMN["log_linked_cards"]


# The definitions html_kernels.segment_marks computes in one pass
# (tests/core/test_segment_marks.py).
def _count_commas(text: str) -> int:
    return text.count(",") + text.count("，") + text.count("、")


def _ends_sentence(text: str) -> bool:
    """Ends like a sentence of prose: ".", "!" or "?", perhaps inside a closing quote, after
    six words or more (a name with its "(formerly ...)" is no sentence); or "。", "！" or "？"
    after ten characters or more."""
    end = text.rstrip(_CLOSING)[-1:]
    if end in _CJK_FULL_STOPS:
        return len(text) >= _CJK_SENTENCE_CHARS
    return end in _FULL_STOPS and text.count(" ") >= _SENTENCE_SPACES
