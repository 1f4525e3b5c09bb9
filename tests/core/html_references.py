"""The regexes and numpy definitions of what an HTML page's kernels compute: the hints
(kernels_c/needles.c), the structure columns, main container and sibling columns
(structure.c, containers.c) and the layout (layout.c); test_html_text_kernels.py,
test_structure_kernels.py, test_page_layout.py and html_segments_reference.py read them
(numpy_references.py says where they come from).

The first structure columns (segment_columns), the main container and the sibling columns
are html_segments' Python and numpy as they were before their port to C (2026-12-03, issue
17's speed): the link density and the flags of the context bits, html_layout.main_container
and the prose summed by block around it, and np.unique with np.bincount by group.

page_layout is worker/core/html_layout.py's numpy version, as the lead wrote it (2026-12-02,
before its port to C); its constants and Layout are imported from there, so a tweak of one
moves both. One departure: the linked cards' log1p is libm's (numpy_references.py).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate, chain

import numpy as np
import numpy.typing as npt
from numpy_references import Bool, Float32, Float64, log1p

from worker.core.html_layout import (
    _ANCESTOR_DIVIDERS,
    _CARD_SEGMENTS,
    _HINT_WEIGHT,
    _LINKED_CARD,
    _LINKED_PARAGRAPH,
    _LONG_PARAGRAPH_CHARS,
    _MAX_LENGTH_POINTS,
    _MIN_PARAGRAPH_CHARS,
    Layout,
)

# The regexes the hint needles replaced (worker/core/html_segments.py at cdc82af).
NEGATIVE_HINTS = re.compile(
    r"nav|menu|foot|sidebar|side-bar|widget|comment|share|social|related|recommend|promo|"
    r"banner|cookie|consent|breadcrumb|subscri|newsletter|signup|login|popup|modal|advert|"
    r"\bads?\b|sponsor|tags?\b|meta|author-bio|pagination|pager|toolbar|masthead|header|"
    r"skip|hidden|teaser|trending|popular|more-|outbrain|taboola|disqus"
)
COMMENT_HINTS = re.compile(r"comment|disqus|respond|reply|replies|discuss")
RELATED_HINTS = re.compile(
    r"related|recommend|teaser|trending|popular|more-|outbrain|taboola|promo|read-next|"
    r"readnext|also-|suggest|most-|latest|headlines"
)
POSITIVE_HINTS = re.compile(
    r"article|content|entry|post|story|body|main|text|prose|blog|markdown|answer|question|"
    r"description|product|review|message|thread|documentation|docs"
)

# The element around a post's text, by trafilatura's BODY_XPATH names (html_tags at 2026-12-04),
# or a class of the one name "post" or "entry" with at most an id after it.
ARTICLE_BODY_HINTS = re.compile(
    r"post[-_]text|post-body|post-?entry|post[-_]?content|post_inner_wrapper|article-?text|"
    r"entry-content|article-?content|article__content|article-?body|article__body|"
    r"page-content|text-content|body-text|article__container|art-content|^(?:post|entry) \S*$"
)


def page_layout(
    paths: list[tuple[int, ...]],
    chars: Float64,
    link_density: Float64,
    commas: Float64,
    ends_sentence: Bool,
    negative: Bool,
    positive: Bool,
    unlikely: Bool,
) -> Layout:
    """html_layout.page_layout (see its module for what the layout is)."""
    count = len(paths)
    lengths = np.fromiter(map(len, paths), dtype=np.int64, count=count)
    flat = np.fromiter(chain.from_iterable(paths), dtype=np.int64, count=int(lengths.sum()))
    nodes, first_entry, node_of = np.unique(flat, return_index=True, return_inverse=True)
    segment_of = np.repeat(np.arange(count), lengths)
    # 0 for the segment's own block, 1 for its parent, 2 for the grandparent...
    level = (
        np.repeat(lengths, lengths)
        - 1
        - (np.arange(flat.size) - np.repeat(_starts(lengths), lengths))
    )

    linked_chars = chars * link_density
    node_chars = np.bincount(node_of, weights=chars[segment_of], minlength=nodes.size)
    node_links = np.bincount(node_of, weights=linked_chars[segment_of], minlength=nodes.size)
    node_negative = np.bincount(
        node_of, weights=(chars * negative)[segment_of], minlength=nodes.size
    )
    node_positive = np.bincount(
        node_of, weights=(chars * positive)[segment_of], minlength=nodes.size
    )

    # Prose, not a list of names or links: it ends a sentence or runs long. Unlikely
    # content (a comment thread) scores nothing, though its characters count above.
    paragraph = ~unlikely & (
        (chars >= _MIN_PARAGRAPH_CHARS)
        & (link_density <= _LINKED_PARAGRAPH)
        & (ends_sentence | (chars >= _LONG_PARAGRAPH_CHARS))
    )
    points = np.where(paragraph, 1.0 + commas + np.minimum(chars // 100, _MAX_LENGTH_POINTS), 0.0)
    divider = np.zeros(flat.size)
    for depth, value in enumerate(_ANCESTOR_DIVIDERS, start=1):
        divider[level == depth] = value
    scored = divider > 0
    node_points = np.bincount(
        node_of[scored], weights=points[segment_of[scored]] / divider[scored], minlength=nodes.size
    )
    candidate = node_points > 0
    safe_chars = np.maximum(node_chars, 1.0)
    hints = _HINT_WEIGHT * (node_positive - node_negative) / safe_chars
    score = np.where(candidate, (node_points + hints) * (1.0 - node_links / safe_chars), 0.0)

    card_link_density, linked_cards_around = _cards(
        lengths, node_of, segment_of, node_chars, node_links
    )
    if not candidate.any() or score.max() <= 0:
        nothing = np.zeros(count, dtype=bool)
        return Layout(
            nothing, np.zeros(count), nothing, nothing, 0.0, card_link_density, linked_cards_around
        )
    # np.unique numbers the nodes by id (a memory address): rank them in document order,
    # the order of their first path entry, so a tie goes to the first, parse after parse.
    document_order = np.argsort(first_entry, kind="stable")
    best = int(document_order[np.argmax(score[document_order])])
    best_score = float(score[best])
    in_best = np.zeros(count, dtype=bool)
    in_best[segment_of[node_of == best]] = True
    relative = np.clip(score / best_score, 0.0, 1.0)[node_of]
    candidate_score = np.zeros(count)
    np.maximum.at(candidate_score, segment_of, relative)
    inside = np.flatnonzero(in_best)
    positions = np.arange(count)
    return Layout(
        in_best,
        candidate_score,
        positions < inside[0],
        positions > inside[-1],
        float(node_chars[best] / max(1.0, chars.sum())),
        card_link_density,
        linked_cards_around,
    )


def _cards(
    lengths: npt.NDArray[np.int64],
    node_of: npt.NDArray[np.int64],
    segment_of: npt.NDArray[np.int64],
    node_chars: Float64,
    node_links: Float64,
) -> tuple[Float64, Float64]:
    """Each segment's card link density, and the linked cards beside its card."""
    node_segments = np.bincount(node_of)
    starts = _starts(lengths)
    position = np.arange(node_of.size) - np.repeat(starts, lengths)
    # Along a path the segments held only shrink, so the card is the first small ancestor.
    small = node_segments[node_of] <= _CARD_SEGMENTS
    first_small = np.minimum.reduceat(np.where(small, position, lengths[segment_of] - 1), starts)
    card = node_of[starts + first_small]
    parent = node_of[starts + np.maximum(first_small - 1, 0)]
    card_link_density = node_links[card] / np.maximum(node_chars[card], 1.0)
    linked = (card_link_density >= _LINKED_CARD) & (first_small > 0)
    # distinct linked cards per parent
    pairs = np.unique(np.stack([parent[linked], card[linked]]), axis=1)
    per_parent = np.bincount(pairs[0], minlength=node_segments.size)
    around = np.where(linked, log1p(per_parent[parent]), 0.0)
    return card_link_density, around


def _starts(lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    starts = np.zeros_like(lengths)
    np.cumsum(lengths[:-1], out=starts[1:])
    return starts


# The older measure, still a feature: the deepest block holding half of the page's prose.
_MAIN_SHARE = 0.5


def main_container(prose: list[tuple[tuple[int, ...], int]]) -> tuple[int, int, int]:
    """The deepest block holding at least half of the prose, given the blocks holding prose
    (their paths and characters) in document order; as (depth, block, prose characters).

    The blocks inside any container come one after another in that order, so a container
    holding half of the prose holds the block at the middle of it: only the ancestors of
    that block need weighing (and, when the middle falls exactly between two blocks, those
    of the block before it too). Along one path the prose held only shrinks with depth, so
    a binary search finds the deepest holding enough, weighing a few blocks instead of every
    ancestor of every prose block.
    """
    half = _MAIN_SHARE * sum(block_chars for _, block_chars in prose)

    def held(path: tuple[int, ...], depth: int) -> int:
        ancestor = path[depth]
        return sum(n for p, n in prose if len(p) > depth and p[depth] == ancestor)

    def deepest_holding_half(path: tuple[int, ...]) -> tuple[int, int]:
        low, high = 0, len(path) - 1  # the root, at depth 0, holds all
        while low < high:
            middle = (low + high + 1) // 2
            if held(path, middle) >= half:
                low = middle
            else:
                high = middle - 1
        return low, held(path, low)

    cumulative = list(accumulate(block_chars for _, block_chars in prose))
    middle = bisect_right(cumulative, half)  # the block holding the middle character
    witnesses = [prose[middle][0]]
    if middle and cumulative[middle - 1] == half:  # what ends just before may hold half too
        witnesses.insert(0, prose[middle - 1][0])
    best: tuple[int, int, int] = (-1, 0, 0)
    for path in witnesses:  # the earlier first: of two at the same depth, it wins
        depth, held_chars = deepest_holding_half(path)
        if depth > best[0]:
            best = (depth, path[depth], held_chars)
    return best


def in_main_container(
    texts: list[str],
    paths: Sequence[tuple[int, ...]],
    blocks: Sequence[int],
    chars: Float64,
    ends_prose: npt.NDArray[np.bool_],
    min_chars: float,
) -> tuple[list[bool], tuple[int, int, int] | None]:
    """html_segments._in_main_container before html_kernels.main_container: whether each segment
    is inside the main container, and that container (None without prose)."""
    prose_by_block: dict[int, int] = {}
    path_of: dict[int, tuple[int, ...]] = {}
    for i in np.flatnonzero((chars >= min_chars) & ends_prose).tolist():
        block = blocks[i]
        prose_by_block[block] = prose_by_block.get(block, 0) + len(texts[i])
        path_of[block] = paths[i]
    if not prose_by_block:
        return [False] * len(texts), None
    prose = [(path_of[block], block_chars) for block, block_chars in prose_by_block.items()]
    depth, main, held = main_container(prose)
    inside = [len(path) > depth and path[depth] == main for path in paths]
    return inside, (depth, main, held)


def sibling_columns(
    groups: Sequence[int], chars: Float64, link_density: Float64
) -> tuple[Float64, Float64, Float64, Float64]:
    """The sibling columns' values before html_kernels.sibling_columns: the group's share of the
    page's characters, its link density, its count of segments and its characters per
    segment, for each segment."""
    _, group = np.unique(np.array(groups, dtype=np.int64), return_inverse=True)
    group_chars = np.bincount(group, weights=chars)
    group_links = np.bincount(group, weights=chars * link_density) / group_chars
    group_size = np.bincount(group)
    return (
        group_chars[group] / chars.sum(),
        group_links[group],
        group_size[group].astype(np.float64),
        group_chars[group] / group_size[group],
    )


def segment_columns(
    columns: tuple[Sequence[int], ...], chars: Float64, bit_values: tuple[int, ...]
) -> tuple[Float32, Float64]:
    """The structure columns html_kernels.segment_columns writes (link density, block kind, depth,
    text pieces, a flag per bit value), and the link densities, as html_segments made them
    before it."""
    links, kinds, depths, pieces, bits = columns
    link_density = np.minimum(1.0, np.array(links, dtype=np.float64) / chars)
    out = np.empty((len(chars), 4 + len(bit_values)), dtype=np.float32)
    out[:, 0] = link_density
    out[:, 1] = kinds
    out[:, 2] = depths
    out[:, 3] = pieces
    values = np.array(bit_values, dtype=np.int64)
    out[:, 4:] = (np.array(bits, dtype=np.int64)[:, None] & values[None, :]) != 0
    return out, link_density
