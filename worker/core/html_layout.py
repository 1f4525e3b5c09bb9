"""Where the article sits on an HTML page: readability's candidate scoring, on block paths.

The walk (html_segments) gives every segment the path of its block ancestors. From those
paths alone this module finds the page's best article container the way readability does:
each paragraph scores its parent and grandparent, so the prose of one article body adds up
in one container, while comments, teaser cards and link lists spread their scores over many
small ones; a container's score is then cut by its link density and its class hints. The
older "deepest block holding half the prose" lost to any grid or comment thread holding
more prose than the article.

The computation is one C kernel (html_kernels.page_layout, in kernels_c/layout.c): the numpy
over the flattened paths it was written from took about a fifth of a page's time, the kernel
takes a fifteenth of the numpy's. That numpy is tests/core/html_references.page_layout, and
tests/core/test_page_layout.py holds the kernel to it, bit for bit. Both read the constants
below: a tweak here moves both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from worker.core import html_kernels

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_MIN_PARAGRAPH_CHARS = 25  # readability ignores shorter paragraphs
_MAX_LENGTH_POINTS = 3  # one point per 100 characters, up to three
# A paragraph's score goes to its block's parent in full, to the grandparent halved and to
# the great-grandparent divided by six (Mozilla readability's dividers).
_ANCESTOR_DIVIDERS = (1.0, 2.0, 6.0)
_HINT_WEIGHT = 25.0  # readability's class weight, in paragraph points
_LINKED_PARAGRAPH = 0.5  # a paragraph more linked than this scores nothing
_LONG_PARAGRAPH_CHARS = 100
_CARD_SEGMENTS = 4
_LINKED_CARD = 0.5


@dataclass(frozen=True, slots=True)
class Layout:
    """Per segment, where it lies relative to the page's best article container."""

    in_best: BoolArray  # inside the best candidate
    candidate_score: FloatArray  # best score among its ancestors, relative to the best (0..1)
    before_best: BoolArray  # before the best candidate's first segment
    after_best: BoolArray  # after its last segment
    best_text_share: float  # the share of the page's characters the best candidate holds
    # Its card: the largest block around it holding at most _CARD_SEGMENTS segments (a
    # teaser's headline and dek, a menu item, a paragraph), and how much of that is links.
    card_link_density: FloatArray
    # How many linked cards share the card's parent (a grid of teasers), as log1p; 0 when
    # its own card is not linked.
    linked_cards_around: FloatArray


def page_layout(
    paths: list[tuple[int, ...]],
    chars: FloatArray,
    link_density: FloatArray,
    commas: FloatArray,
    ends_sentence: BoolArray,
    negative: BoolArray,
    positive: BoolArray,
    unlikely: BoolArray,
) -> Layout:
    """The layout of a page's segments, from each one's block path (root first, its own block
    last), characters, link density, commas, whether it ends a sentence and whether a block
    around it has a negative or positive class hint, and whether it is unlikely content (a
    comment thread).

    A paragraph (prose: _MIN_PARAGRAPH_CHARS or more, at most _LINKED_PARAGRAPH linked,
    ending a sentence or _LONG_PARAGRAPH_CHARS long) scores 1 + its commas + a point per 100
    characters (at most _MAX_LENGTH_POINTS), given to its ancestors divided by
    _ANCESTOR_DIVIDERS. A block scored so is a candidate: its points, plus _HINT_WEIGHT times
    the share of its characters under positive less negative hints, times its unlinked share.
    The best candidate is the highest (of equal ones, the first in document order).
    Comment-thread text scores no points (its characters still count), so a long thread
    cannot become the best container.
    """
    return Layout(
        *html_kernels.page_layout(
            paths, chars, link_density, commas, ends_sentence, negative, positive, unlikely, _RULES
        )
    )


_RULES: html_kernels.LayoutRules = (
    _MIN_PARAGRAPH_CHARS,
    _LONG_PARAGRAPH_CHARS,
    _LINKED_PARAGRAPH,
    _MAX_LENGTH_POINTS,
    _HINT_WEIGHT,
    _CARD_SEGMENTS,
    _LINKED_CARD,
    _ANCESTOR_DIVIDERS,
)
