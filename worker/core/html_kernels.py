"""Typed entry points to the kernels only an HTML page goes through, in its order: its UTF-8
and the walk's text (kernels_c/html_text.c), the structure columns (structure.c), the
sibling columns and main container (containers.c), the layout (layout.c) and the article's
Markdown (markdown.c). kernels.py has the kernels both kinds of page go through and says why
they are compiled; its conventions hold here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from worker.core import _kernels
from worker.core.kernels import Float64

Bools = npt.NDArray[np.bool_]


def html_utf8(page: str) -> bytes | None:
    """page.encode("utf-8") with its <noscript> and </noscript> tags renamed div, as
    re.sub(r"<(/?)noscript\\b", r"<\\1div", page, flags=re.IGNORECASE) renames them; None
    if the page holds a lone surrogate."""
    return _kernels.html_utf8(page)


def joined_words(runs: Sequence[list[str]]) -> list[str]:
    """For each run of str, " ".join("".join(run).split())."""
    return _kernels.joined_words(runs)


class Needles:
    """Words to look for in short texts: found_in(text) is re.search of their alternation,
    each word perhaps asking for a word boundary (re's \\b) before and after it."""

    def __init__(self, words: Sequence[tuple[str, bool, bool]]) -> None:
        self._compiled = _kernels.compile_needles(tuple(words))

    def found_in(self, text: str) -> bool:
        return _kernels.contains_needle(self._compiled, text)


class SegmentMarks(NamedTuple):
    """What html_segments reads of each segment's text (segment_marks)."""

    chars: Float64  # len(text)
    commas: Float64  # html_segments._count_commas(text): , ， 、
    ends_sentence: Bools  # html_segments._ends_sentence(text)
    ends_prose: Bools  # text[-1] in html_segments._SENTENCE_ENDS


def segment_marks(texts: list[str]) -> SegmentMarks:
    """Each text's length, commas and how it ends, in one pass over the list."""
    count = len(texts)
    marks = SegmentMarks(
        np.empty(count), np.empty(count), np.empty(count, np.bool_), np.empty(count, np.bool_)
    )
    _kernels.segment_marks(texts, *marks)
    return marks


def segment_columns(
    columns: tuple[Sequence[int], Sequence[int], Sequence[int], Sequence[int], Sequence[int]],
    chars: Float64,
    bit_values: tuple[int, ...],
    matrix: npt.NDArray[np.float32],
    column: int,
) -> Float64:
    """Writes matrix[:, column : column + 4 + len(bit_values)]: from the walk's links, kinds,
    depths, pieces and bits (`columns`), each segment's link density (np.minimum(1.0, links
    / chars)), block kind, depth and text pieces, then whether its bits have each value (1.0
    or 0.0). Returns the link densities unrounded."""
    density = np.empty(len(chars))
    _kernels.segment_columns(*columns, chars, bit_values, matrix, column, density)
    return density


def paths_through(paths: list[tuple[int, ...]], depth: int, block: int) -> Bools:
    """For each path: len(path) > depth and path[depth] == block."""
    inside = np.empty(len(paths), dtype=np.bool_)
    _kernels.paths_through(paths, depth, block, inside)
    return inside


def repeats_title(texts: list[str], title: str, min_chars: int) -> Bools:
    """For each text: min_chars <= len(text) <= len(title) and text.lower() in title."""
    repeats = np.empty(len(texts), dtype=np.bool_)
    _kernels.repeats_title(texts, title, min_chars, repeats)
    return repeats


class SiblingColumns(NamedTuple):
    """Per segment, what the segments sharing its group (its block's parent) hold."""

    share: Float64  # their characters over the page's
    link_density: Float64  # their linked characters over their characters
    segments: Float64  # how many segments share the group
    mean_chars: Float64  # their characters per segment


def sibling_columns(groups: Sequence[int], chars: Float64, link_density: Float64) -> SiblingColumns:
    """np.unique(groups, return_inverse=True), then np.bincount of chars, of chars times
    link_density and of the segments by group, each read back per segment."""
    count = len(groups)
    columns = SiblingColumns(*(np.empty(count) for _ in SiblingColumns._fields))
    _kernels.sibling_columns(groups, chars, link_density, *columns)
    return columns


def main_container(
    paths: Sequence[tuple[int, ...]],
    blocks: Sequence[int],
    chars: Float64,
    ends_prose: Bools,
    min_chars: float,
) -> tuple[Bools, tuple[int, int, int] | None]:
    """Whether each segment is inside the main container, and that container as
    html_layout.main_container gives it (depth, block, prose characters), of the prose
    segments (chars >= min_chars, ending prose) summed by block; None without prose."""
    inside = np.empty(len(paths), dtype=np.bool_)
    found = _kernels.main_container(paths, blocks, chars, ends_prose, min_chars, inside)
    return inside, found


# html_layout's constants, in the order _kernels.page_layout reads them: min_paragraph_chars,
# long_paragraph_chars, linked_paragraph, max_length_points, hint_weight, card_segments,
# linked_card and the ancestor dividers (at most 16).
LayoutRules = tuple[float, float, float, float, float, float, float, tuple[float, ...]]


def page_layout(
    paths: list[tuple[int, ...]],
    chars: Float64,
    link_density: Float64,
    commas: Float64,
    ends_sentence: Bools,
    negative: Bools,
    positive: Bools,
    unlikely: Bools,
    rules: LayoutRules,
) -> tuple[Bools, Float64, Bools, Bools, float, Float64, Float64]:
    """html_layout.page_layout's fields, in its Layout's order: in_best, candidate_score,
    before_best, after_best, best_text_share, card_link_density, linked_cards_around. Every
    path is a non-empty tuple of int (node ids that fit in int64), root first."""
    count = len(paths)
    in_best, before_best, after_best = (np.empty(count, dtype=np.bool_) for _ in range(3))
    candidate_score, card_links, linked_cards = (np.empty(count) for _ in range(3))
    share = _kernels.page_layout(
        paths,
        np.ascontiguousarray(chars, dtype=np.float64),
        np.ascontiguousarray(link_density, dtype=np.float64),
        np.ascontiguousarray(commas, dtype=np.float64),
        np.ascontiguousarray(ends_sentence, dtype=np.bool_),
        np.ascontiguousarray(negative, dtype=np.bool_),
        np.ascontiguousarray(positive, dtype=np.bool_),
        np.ascontiguousarray(unlikely, dtype=np.bool_),
        rules,
        in_best,
        candidate_score,
        before_best,
        after_best,
        card_links,
        linked_cards,
    )
    return in_best, candidate_score, before_best, after_best, share, card_links, linked_cards


# The context bits and block kinds article_markdown reads (html_tags), in its order: IN_LIST,
# IN_TABLE, IN_HEADING, IN_QUOTE, IN_ORDERED_LIST, IN_UNORDERED_LIST and the heading levels'
# bits (ascending); the kinds of an <li>, a <td> and a <pre>.
MarkdownCodes = tuple[tuple[int, int, int, int, int, int, int], tuple[int, int, int]]
LayoutColumns = tuple[
    Sequence[int], Sequence[int], Sequence[tuple[int, ...]], Sequence[int], Sequence[int]
]


def article_markdown(
    texts: Sequence[str], kept: Sequence[int], columns: LayoutColumns, codes: MarkdownCodes
) -> str | None:
    """markdown.python_markdown of the `kept` segments (increasing positions) from the walk's
    bits, kinds, paths, blocks and groups (`columns`), the loop in C; None when a kept
    segment is a <pre>, whose lines only the tree has."""
    return _kernels.article_markdown(texts, kept, columns, *codes)
