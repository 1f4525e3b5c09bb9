"""Typed entry points to the classifier's compiled inner loops (_kernels, from kernels_c/).

numpy serves the classifier well for whole-page work, but a page's hot spots are loops
over a few hundred short rows, where numpy spends more time entering and leaving its calls
than computing (the byte counts of every segment, the moving means, the model's table
lookups, the choice of each segment's reasons, the page's cut, the article container found
from an HTML page's block paths), loops over every line, character or byte that Python runs
one step at a time (a text dump's lines, an HTML page's UTF-8 and <noscript> tags, the
rules, boilerplate phrases, repeated segments), and the Python objects made per segment
(the words of its reasons, its SegmentVerdict row, its row in the reject record, its
article's Markdown). These run in C. Each kernel gives the result of the numpy or Python
definition it replaced, to the bit (tests/core/*_references.py and
tests/core/test_fast_paths.py keep those definitions, markdown.python_markdown its own;
tests/core/test_*kernel*.py and test_page_layout.py compare them), so the models and their
figures, and the output records, do not change with it.

The wrappers here allocate the outputs and hand over C-contiguous arrays; the C
checks every length again before it reads a byte. This module has the kernels both kinds of
page go through (text features, model, reasons, rules, a text dump's lines, the raw page's
checks and the reject record's rows); html_kernels.py those only an HTML page goes through,
stage_kernels.py those that do a whole stage in one call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from worker.core import _kernels

Float64 = npt.NDArray[np.float64]
Float32 = npt.NDArray[np.float32]
RowT = TypeVar("RowT", bound=tuple[Any, ...])  # a NamedTuple of segment_verdicts' rows

TEXT_COUNT_COLUMNS = 18  # the text features the byte pass measures (TEXT_NAMES' first 18)
POSITION_COLUMNS = 7
TEXT_STRUCTURE_COLUMNS = 3  # blank_before, blank_after, log_run_length


def text_counts(
    page: bytes, count: int, class_table: bytes, ends_sentence_table: bytes, kinds: bytes
) -> Float64:
    """The byte-count text features of the `count` segments whose UTF-8 `page` joins by
    newlines: one row per segment, TEXT_COUNT_COLUMNS columns. `kinds`: a byte per code
    point of the Basic Multilingual Plane (features.KIND_*), for the characters of two and
    three bytes."""
    out = np.empty((count, TEXT_COUNT_COLUMNS))
    _kernels.text_counts(page, class_table, ends_sentence_table, kinds, count, out)
    return out


def context_columns(sources: Float64, radii: Sequence[int], out: Float32, column: int) -> None:
    """Write into out[:, column:], a page's float32 feature table, what its rows' neighbours
    look like: for each radius r, the mean of sources[i - r : i + r + 1] (the window clipped
    at both ends), then each row's previous row of sources (zeros on the first row), then its
    next (zeros on the last).
    """
    table = np.ascontiguousarray(sources, dtype=np.float64)
    _require_table(out)
    count, width = table.shape
    _kernels.context_columns(table, count, width, tuple(radii), out, out.shape[1], column)


def position_features(
    log_words: Float64, ends_sentence: Float64, out: Float32 | None = None, column: int = 0
) -> Float32:
    """Where each segment sits among the page's words and prose (features.POSITION_NAMES),
    in out[:, column:] if given (a page's float32 feature table), else in a new table."""
    count = log_words.shape[0]
    if out is None:
        out = np.empty((count, POSITION_COLUMNS), dtype=np.float32)
    _require_table(out)
    _kernels.position_features(
        np.ascontiguousarray(log_words, dtype=np.float64),
        np.ascontiguousarray(ends_sentence, dtype=np.float64),
        count,
        out,
        out.shape[1],
        column,
    )
    return out


def _require_table(out: Float32) -> None:
    # The kernels write through the buffer: a copy made here would be filled and dropped.
    if out.dtype != np.float32 or out.ndim != 2 or not out.flags.c_contiguous:
        raise ValueError("out must be a C-contiguous float32 table")


class StepTables:
    """An additive model's step functions as flat tables: feature j's sorted thresholds are
    edges[edge_starts[j] : edge_starts[j + 1]], its values start at values[value_starts[j]]."""

    def __init__(
        self, thresholds: Sequence[Sequence[float]], values: Sequence[Sequence[float]]
    ) -> None:
        self.width = len(thresholds)
        self.edges = np.asarray([t for feature in thresholds for t in feature], dtype=np.float64)
        self.edge_starts = np.cumsum([0, *map(len, thresholds)], dtype=np.int64)
        self.values = np.asarray([v for feature in values for v in feature], dtype=np.float64)
        self.value_starts = np.cumsum([0, *map(len, values)], dtype=np.int64)[:-1]

    def scores(self, features: npt.NDArray[np.floating], bias: float) -> tuple[Float64, Float64]:
        """Each feature's contribution (a value x lies in the interval after the thresholds
        strictly below it), and bias plus each row's sum. Features are read as float32."""
        table = np.ascontiguousarray(features, dtype=np.float32)
        if table.ndim != 2 or table.shape[1] != self.width:
            raise ValueError(f"features must be rows of {self.width}, not {table.shape}")
        count = table.shape[0]
        contributions = np.empty((count, self.width))
        logits = np.empty(count)
        _kernels.additive_scores(
            table,
            count,
            self.edges,
            self.edge_starts,
            self.values,
            self.value_starts,
            bias,
            contributions,
            logits,
        )
        return contributions, logits


def strongest_columns(
    contributions: Float64, keep: npt.NDArray[np.bool_], columns: int
) -> npt.NDArray[np.int64]:
    """Per row, the `columns` columns (at most 8) pushing hardest toward the row's label: the
    largest contributions of kept rows, the most negative of the others; of equal ones, the
    first."""
    table = np.ascontiguousarray(contributions, dtype=np.float64)
    count, width = table.shape
    out = np.empty((count, columns), dtype=np.int64)
    _kernels.strongest_columns(table, np.ascontiguousarray(keep, dtype=np.uint8), count, width, out)
    return out


def phrase_counts(page: bytes, count: int, phrases: tuple[bytes, ...]) -> Float32 | None:
    """Per segment of `page` (UTF-8, segments joined by newlines), how many phrase matches
    start in it: leftmost first, the longest at a position, never overlapping, the page's
    ASCII letters lowercased. Phrases are lowercase bytes without newlines. None if the page
    holds U+212A or U+0130, whose lowercase is ASCII or longer: str.lower() is needed."""
    out = np.empty(count, dtype=np.float32)
    return out if _kernels.phrase_counts(page, count, phrases, out) else None


def repeat_counts(page: bytes, count: int) -> Float32:
    """Per segment of `page` (UTF-8, segments joined by newlines), how many other segments
    hold the same text."""
    out = np.empty(count, dtype=np.float32)
    _kernels.repeat_counts(page, count, out)
    return out


def rounded_values(features: Float32, columns: npt.NDArray[np.int64]) -> Float64:
    """features[i, columns[i, c]], rounded to two significant digits (what a reason quotes)."""
    table = np.ascontiguousarray(features, dtype=np.float32)
    chosen = np.ascontiguousarray(columns, dtype=np.int64)
    out = np.empty(chosen.shape)
    _kernels.rounded_values(table, table.shape[1], chosen, out)
    return out


class ReasonTexts:
    """The words for a feature's value, as describe(name, value) gives them, remembered per
    feature column (at most `limit` values each), for whole tables of chosen columns."""

    def __init__(
        self, names: Sequence[str], describe: Callable[[str, float], str], limit: int = 1024
    ) -> None:
        self._names = tuple(names)
        self._describe = describe
        self._caches: list[dict[float, str]] = [{} for _ in self._names]
        self._limit = limit

    def caches(
        self,
    ) -> tuple[list[dict[float, str]], Callable[[str, float], str], tuple[str, ...], int]:
        """Its caches, describe, names and limit (stage_kernels.feature_reasons reads them)."""
        return self._caches, self._describe, self._names, self._limit

    def rows(self, columns: npt.NDArray[np.int64], values: Float64) -> list[tuple[str, ...]]:
        """Per row, the texts of its (columns[i, c], values[i, c]) pairs, in order; -0.0
        is read as 0.0 (a dict takes the two for one key, and "-0.0" tells an operator
        nothing more)."""
        if columns.ndim != 2 or columns.shape != values.shape:
            raise ValueError(f"columns {columns.shape} and values {values.shape} differ")
        return _kernels.reason_texts(
            self._caches,
            self._describe,
            self._names,
            np.ascontiguousarray(columns, dtype=np.int64),
            np.ascontiguousarray(values, dtype=np.float64) + 0.0,  # a copy, -0.0 as 0.0
            columns.shape[0],
            self._limit,
        )


def segment_verdicts(
    row_type: type[RowT],
    texts: list[str],
    keep: npt.NDArray[np.bool_],
    scores: Float64,
    reasons: list[tuple[str, ...]],
    labels: tuple[str, str],
) -> tuple[RowT, ...]:
    """row_type(i, texts[i], labels[keep[i]], round(scores[i], 4), reasons[i]) for every
    segment, rounded as np.round(scores, 4); row_type is a NamedTuple of those five."""
    return _kernels.segment_verdicts(
        row_type,
        texts,
        np.ascontiguousarray(keep, dtype=np.uint8),
        np.ascontiguousarray(scores, dtype=np.float64),
        reasons,
        labels,
    )


def text_lines(body: str) -> tuple[list[str], Float32, bytes] | None:
    """A text dump's non-blank lines, whitespace collapsed, one row of structure per line
    (segments.TEXT_STRUCTURE_NAMES) and the UTF-8 of the lines joined by newlines; None when
    the body holds a line break other than "\\n" and "\\r\\n", or a lone surrogate."""
    found = _kernels.text_lines(body)
    if found is None:
        return None
    texts, structure, page = found
    rows = np.frombuffer(structure, dtype=np.float32).reshape(len(texts), TEXT_STRUCTURE_COLUMNS)
    return texts, rows, page


def rule_rejections(
    texts: list[str], separators: str, min_run: int, headline_words: int, headline_ends: str
) -> dict[int, str]:
    """Position -> reason for each segment without a word character ("no words") and each
    segment of a feed: min_run or more segments in a row ending in the same separator after
    a space, the lone separators among them and the headline right after them (at most
    headline_words words, not ending in one of headline_ends)."""
    return _kernels.rule_rejections(texts, separators, min_run, headline_words, headline_ends)


def page_cut(
    scores: Float64, words: Float64, floor: float, bias: float, always_kept: float
) -> float:
    """decision.Decision.cut, in one pass: the bar of the page (2.0 when nothing is kept)."""
    return _kernels.page_cut(
        np.ascontiguousarray(scores, dtype=np.float64),
        np.ascontiguousarray(words, dtype=np.float64),
        floor,
        bias,
        always_kept,
    )


def headline_runs(
    texts: list[str],
    words: Float64,
    min_run: int,
    headline_words: tuple[float, float],
    prose_line_words: float,
    article_prose_words: float,
) -> list[tuple[int, int, bool]]:
    """(start, end, above) of each run of `min_run` headline lines or more (`headline_words`
    words, not ending in "."), [start, end), with no prose line (`prose_line_words` words or
    more, ending in . ! ? " or ”) above it (above: True) or none below it, and
    `article_prose_words` words of prose outside it; the loop in C (headline_runs.py)."""
    low, high = headline_words
    return _kernels.headline_runs(
        texts,
        np.ascontiguousarray(words, dtype=np.float64),
        min_run,
        low,
        high,
        prose_line_words,
        article_prose_words,
    )


def short_lines_starting(
    texts: Sequence[str],
    first: int,
    max_chars: int,
    starts: str,
    words: tuple[str, ...] = (),
    non_ascii_letters: bool = False,
) -> list[int]:
    """[p for p in range(first, len(texts)) if len(texts[p]) < max_chars and
    (texts[p][:1] in starts or non_ascii_letters and not texts[p][:1].isascii() and
    texts[p][0].isalpha()) and (not words or any(not c.isascii() and c.isalpha() for c in
    texts[p]) or any(w in texts[p].lower() for w in words))] (starts: at most 8 characters
    past ASCII; words: lowercase ASCII), the loop in C."""
    return _kernels.short_lines_starting(texts, first, max_chars, starts, words, non_ascii_letters)


def lines_opening_with(
    texts: Sequence[str], first: int, max_chars: int, openings: tuple[str, ...]
) -> list[tuple[int, int]]:
    """[(p, i) for p in range(first, len(texts)) if 0 < len(texts[p]) < max_chars and
    texts[p] starts with openings[i] (lowercase ASCII; the first i that fits), its ASCII
    letters in any case], the loop in C."""
    return _kernels.lines_opening_with(texts, first, max_chars, openings)


def nests_deeper_than(html: str, limit: int) -> bool:
    """Whether the page's tags, as re.findall(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*?(/?)>")
    finds them, ever stand more than `limit` deep: start tags less end tags, leaving out the
    tags that never hold others open, and "<x/>" inside <svg> or <math>."""
    return _kernels.nests_deeper_than(html, limit)


def control_characters(text: str, limit: int) -> int:
    """How many of text's first `limit` characters (all, if negative) are control characters
    that plain text does not contain: below U+0020 but for tab, newline, vertical tab, form
    feed and carriage return, and DEL (U+007F)."""
    return _kernels.control_characters(text, limit)


def reject_rows(
    segments: Sequence[tuple[Any, ...]], kept_label: str
) -> tuple[list[str], list[dict[str, Any]]]:
    """One pass over a page's verdict rows (position, text, label, score, reasons): the texts
    of those labelled `kept_label`, in order, and each other row as the reject record lists
    it, {"position", "text", "score": round(score, 4), "reasons"}."""
    rows = segments if isinstance(segments, tuple) else tuple(segments)
    return _kernels.reject_rows(rows, kept_label)
