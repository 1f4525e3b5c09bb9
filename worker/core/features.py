"""Numeric features of every segment of a page, computed for the whole page at once.

Per-segment Python loops are too slow for a stream worker (a text dump has ~400 lines),
so the text features are byte counts taken with numpy over the page's UTF-8 bytes, and
the context features are moving averages over neighbouring segments.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from worker.core.html_segments import STRUCTURE_NAMES
from worker.core.phrases import PhraseCounter
from worker.core.segments import TEXT_STRUCTURE_NAMES, PageSegments

FloatArray = npt.NDArray[np.float32]
FloatArray64 = npt.NDArray[np.float64]

# Byte classes counted per segment.
_SPACE, _UPPER, _LOWER, _DIGIT, _SENTENCE, _COMMA, _PIPE, _OTHER, _MULTIBYTE, _CONTINUATION = range(
    10
)
_CLASS_COUNT = 10
_BYTE_CLASS = np.full(256, _OTHER, dtype=np.int64)
_BYTE_CLASS[[0x20, 0x09, 0x0A]] = _SPACE
_BYTE_CLASS[ord("A") : ord("Z") + 1] = _UPPER
_BYTE_CLASS[ord("a") : ord("z") + 1] = _LOWER
_BYTE_CLASS[ord("0") : ord("9") + 1] = _DIGIT
_BYTE_CLASS[[ord("."), ord("!"), ord("?")]] = _SENTENCE
_BYTE_CLASS[[ord(","), ord(";"), ord(":")]] = _COMMA
_BYTE_CLASS[ord("|")] = _PIPE
_BYTE_CLASS[0xC0:0x100] = _MULTIBYTE  # lead bytes: one per non-ASCII character
_BYTE_CLASS[0x80:0xC0] = _CONTINUATION  # counted, then ignored
_CLASS_TABLE = bytes(_BYTE_CLASS.astype(np.uint8))  # for bytes.translate: a C-speed lookup

_ENDS_SENTENCE = np.zeros(256, dtype=bool)
_ENDS_SENTENCE[[ord(c) for c in ".!?\"')"]] = True
_ENDS_SENTENCE[0x9D] = True  # last byte of ” and ’ (U+201D/U+2019 end in 0x9D/0x99)
_ENDS_SENTENCE[0x99] = True

# Words that mark navigation, legal text, social widgets and teaser feeds in any layout.
_BOILERPLATE_PHRASES = (
    "cookie", "privacy", "copyright", "©", "all rights reserved", "terms of", "subscribe",
    "newsletter", "sign up", "sign in", "log in", "login", "register", "follow us", "share",
    "tweet", "facebook", "twitter", "instagram", "linkedin", "pinterest", "youtube",
    "whatsapp", "read more", "continue reading", "advertis", "sponsored", "related",
    "recommended", "trending", "popular", "comments", "reply", "contact us", "about us",
    "skip to", "back to top", "next post", "previous post", "posted in", "tagged",
    "categories", "menu", "search",
)  # fmt: skip


_BOILERPLATE = PhraseCounter(_BOILERPLATE_PHRASES)

TEXT_NAMES: tuple[str, ...] = (
    "log_chars",
    "log_words",
    "mean_word_bytes",
    "upper_share",
    "lower_share",
    "digit_share",
    "non_ascii_share",
    "sentence_marks_per_word",
    "commas_per_word",
    "pipes",
    "capitalised_word_share",
    "ends_sentence",
    "ends_colon",
    "ends_dash_teaser",
    "ends_digit",
    "starts_upper",
    "starts_lower",
    "starts_symbol",
    "boilerplate_words",
    "repeats_in_page",
)
# Local features averaged over neighbours and read from the previous and next segment.
_CONTEXT_SOURCES = frozenset(
    {"log_words", "ends_sentence", "lower_share", "capitalised_word_share"}
    | {"link_density", "in_list", "negative_class"}  # HTML
    | {"log_run_length"}  # text dumps
)
_WINDOWS = (1, 3, 8)
_PROSE_WORDS = 12
POSITION_NAMES: tuple[str, ...] = (
    "between_prose",
    "log_distance_to_prose",
    "relative_position",
    "words_before_share",
    "distance_to_densest",
    "page_log_segments",
    "page_log_words",
)


@cache
def feature_names(content_type: str) -> tuple[str, ...]:
    names = [*TEXT_NAMES, *_structure_names(content_type)]
    # The context columns follow their sources in the order of the local columns.
    sources = [name for name in names if name in _CONTEXT_SOURCES]
    names += [f"{source}_mean{window}" for window in _WINDOWS for source in sources]
    names += [f"{source}_prev" for source in sources] + [f"{source}_next" for source in sources]
    return (*names, *POSITION_NAMES)


@cache
def _source_columns(content_type: str) -> tuple[list[int], list[int]]:
    """Which text and which structure columns feed the context features."""
    text = [i for i, name in enumerate(TEXT_NAMES) if name in _CONTEXT_SOURCES]
    structure = [
        i for i, name in enumerate(_structure_names(content_type)) if name in _CONTEXT_SOURCES
    ]
    return text, structure


def _structure_names(content_type: str) -> tuple[str, ...]:
    return STRUCTURE_NAMES if content_type == "text/html" else TEXT_STRUCTURE_NAMES


def page_features(segments: PageSegments) -> FloatArray:
    """One row per segment, columns in the order of feature_names(content_type)."""
    count = len(segments)
    names = feature_names(segments.content_type)
    features = np.empty((count, len(names)), dtype=np.float32)
    if count == 0:
        return features
    # Computed in float64 and rounded to float32 once, as each column is stored.
    text = _text_features(segments.texts)
    features[:, : text.shape[1]] = text
    text_sources, structure_sources = _source_columns(segments.content_type)
    sources = np.empty((count, len(text_sources) + len(structure_sources)))
    sources[:, : len(text_sources)] = text[:, text_sources]
    column = text.shape[1]
    structure = segments.structure
    if structure is None or structure.shape[1] != len(_structure_names(segments.content_type)):
        raise ValueError(f"{segments.content_type} segments need their structure columns")
    features[:, column : column + structure.shape[1]] = structure
    sources[:, len(text_sources) :] = structure[:, structure_sources]
    column += structure.shape[1]
    width = sources.shape[1]
    for means in _moving_means(sources, _WINDOWS):
        features[:, column : column + width] = means
        column += width
    features[0, column : column + width] = 0.0  # previous segment's sources
    features[1:, column : column + width] = sources[:-1]
    column += width
    features[-1, column : column + width] = 0.0  # next segment's sources
    features[:-1, column : column + width] = sources[1:]
    column += width
    _position_features(text[:, 1], text[:, 11], features[:, column:])
    return features


def _text_features(texts: list[str]) -> npt.NDArray[np.float64]:
    joined = "\n".join(texts)
    encoded = joined.encode("utf-8", "replace")
    data = np.frombuffer(encoded, dtype=np.uint8)
    classes = np.frombuffer(encoded.translate(_CLASS_TABLE), dtype=np.uint8)
    newlines = np.flatnonzero(data == 0x0A)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [data.size]))  # exclusive
    count = len(texts)
    # Each byte falls in a cell of a (segment, after a space?, byte class) table; a segment owns
    # its bytes and the newline after it. The word starts are the cells after a space whose
    # class is not a space (the page's first byte counts as after one).
    is_space = classes == _SPACE
    after_space = np.empty(data.size, dtype=np.uint8)
    after_space[:1] = _CLASS_COUNT
    np.multiply(is_space[:-1], np.uint8(_CLASS_COUNT), out=after_space[1:])
    row_width = 2 * _CLASS_COUNT
    segment_bytes = np.diff(np.append(starts, data.size))
    row_of_byte = np.repeat(np.arange(0, count * row_width, row_width), segment_bytes)
    cells = row_of_byte + (classes + after_space)
    table = np.bincount(cells, minlength=count * row_width).reshape(count, 2, _CLASS_COUNT)
    word_starts = table[:, 1, :]
    counts = table[:, 0, :] + word_starts
    # All integers (exact in float64 in any order): the same values as float sums of counts.
    words = (word_starts.sum(axis=1) - word_starts[:, _SPACE]).astype(np.float64)
    capitalised = word_starts[:, _UPPER].astype(np.float64)
    chars = np.maximum(segment_bytes - counts[:, _CONTINUATION] - counts[:, _SPACE], 1)
    chars = chars.astype(np.float64)
    letters = (counts[:, _UPPER] + counts[:, _LOWER] + counts[:, _MULTIBYTE]).astype(np.float64)
    letters = np.maximum(letters, 1.0)
    counts = counts.astype(np.float64)
    safe_words = np.maximum(words, 1.0)
    last = data[ends - 1]
    before_last = data[np.maximum(ends - 2, starts)]
    first_class = classes[starts]
    last_class = classes[ends - 1]
    features = np.empty((count, len(TEXT_NAMES)))
    features[:, 0] = np.log1p(chars)
    features[:, 1] = np.log1p(words)
    features[:, 2] = chars / safe_words
    features[:, 3] = counts[:, _UPPER] / letters
    features[:, 4] = counts[:, _LOWER] / letters
    features[:, 5] = counts[:, _DIGIT] / chars
    features[:, 6] = counts[:, _MULTIBYTE] / chars
    features[:, 7] = counts[:, _SENTENCE] / safe_words
    features[:, 8] = counts[:, _COMMA] / safe_words
    features[:, 9] = counts[:, _PIPE]
    features[:, 10] = capitalised / safe_words
    features[:, 11] = _ENDS_SENTENCE[last]
    features[:, 12] = last == ord(":")
    features[:, 13] = (last == ord("-")) & (before_last == 0x20)
    features[:, 14] = last_class == _DIGIT
    features[:, 15] = first_class == _UPPER
    features[:, 16] = first_class == _LOWER
    features[:, 17] = (first_class == _OTHER) | (first_class == _PIPE)
    features[:, 18] = _BOILERPLATE.counts(joined, encoded, starts, texts)
    features[:, 19] = np.log1p(_repeat_counts(texts))
    return features


def _repeat_counts(texts: list[str]) -> FloatArray:
    seen = Counter(texts)
    if len(seen) == len(texts):
        return np.zeros(len(texts), dtype=np.float32)
    return np.fromiter(map(seen.__getitem__, texts), dtype=np.float32, count=len(texts)) - 1


def _moving_mean(values: npt.NDArray[np.float64], radius: int) -> npt.NDArray[np.float64]:
    """Mean of values[i - radius : i + radius + 1] along axis 0, clipped at the page edges."""
    means: npt.NDArray[np.float64] = _moving_means(values, (radius,))[0]
    return means


def _moving_means(
    values: npt.NDArray[np.float64], radii: tuple[int, ...]
) -> npt.NDArray[np.float64]:
    """_moving_mean for each radius (along the first axis of the result), from one cumulative
    sum.

    Window i sums the rows up to min(i + r, n - 1), less those before max(i - r, 0): cumulative
    sums taken as slices. A window starting at row 0 skips the subtraction (of 0.0 before: x -
    0.0 is x, so the results are those of the plain formula, to the bit). Inside the page a
    window is 2r + 1 rows wide, at its edges r + 1 to 2r.
    """
    count = values.shape[0]
    sums = np.cumsum(values, axis=0)
    window_sums = np.empty(values.shape)
    column = (slice(None), None) if values.ndim == 2 else (slice(None),)
    means = np.empty((len(radii), *values.shape))
    for radius, out in zip(radii, means, strict=True):
        ahead = min(radius + 1, count)  # rows i < count - ahead end their window inside
        window_sums[: count - ahead] = sums[ahead - 1 : count - 1]
        window_sums[count - ahead :] = sums[count - 1]
        behind = min(radius + 1, count)  # rows i >= behind start their window after row 0
        window_sums[behind:] -= sums[: count - behind]
        if count < 2 * radius + 1:  # a window may reach past both edges
            index = np.arange(count)
            width = np.minimum(index + radius + 1, count) - np.maximum(index - radius, 0)
            np.divide(window_sums, width[column], out=out)
            continue
        first_widths, last_widths = _edge_widths(radius)
        inner = slice(radius, count - radius)
        np.divide(window_sums[inner], 2 * radius + 1, out=out[inner])
        np.divide(window_sums[:radius], first_widths[column], out=out[:radius])
        np.divide(window_sums[count - radius :], last_widths[column], out=out[count - radius :])
    return means


@cache
def _edge_widths(radius: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Widths of the first and of the last `radius` windows of a page of 2 * radius + 1 rows
    or more."""
    first = np.arange(radius + 1, 2 * radius + 1)
    first.flags.writeable = False
    return first, first[::-1]


def _position_features(
    log_words: npt.NDArray[np.float64],
    ends_sentence: npt.NDArray[np.float64],
    out: npt.NDArray[np.float32],
) -> None:
    """Fills out's columns, named by POSITION_NAMES."""
    count = log_words.size
    words = np.expm1(log_words)
    total = max(words.sum(), 1.0)
    index = np.arange(count, dtype=np.float64)
    densest = float(np.argmax(_moving_mean(words, 5)))
    # Prose lines (long, ending in punctuation) anchor the article: what lies between the
    # first and the last of them, close to one, is rarely navigation.
    prose = (words >= _PROSE_WORDS) & (ends_sentence > 0)
    previous = np.maximum.accumulate(np.where(prose, index, -np.inf))
    following = np.minimum.accumulate(np.where(prose, index, np.inf)[::-1])[::-1]
    distance = np.minimum(index - previous, following - index)
    out[:, 0] = np.isfinite(previous) & np.isfinite(following)
    out[:, 1] = np.log1p(np.minimum(distance, count))
    out[:, 2] = index / max(count - 1, 1)
    out[:, 3] = (np.cumsum(words) - words) / total
    out[:, 4] = np.abs(index - densest) / max(count, 1)
    out[:, 5] = np.log1p(count)
    out[:, 6] = np.log1p(total)


_SMOOTHING_RADII = (1, 2, 4, 8, 16)
SMOOTHING_NAMES: tuple[str, ...] = (
    "local_logit",
    *(f"local_score_mean{radius}" for radius in _SMOOTHING_RADII),
    "local_score_prev",
    "local_score_next",
    "log_words",
)


def smoothing_features(
    local_logits: npt.NDArray[np.float64], log_words: npt.NDArray[np.floating[Any]]
) -> FloatArray:
    """Inputs of the second stage: each segment's first-stage score beside its neighbours'.

    Article text comes in runs; a short line between two paragraphs is probably a heading,
    a long line inside a teaser feed probably one more teaser.
    """
    scores = 1.0 / (1.0 + np.exp(-np.clip(local_logits, -30.0, 30.0)))
    count = scores.size
    features = np.empty((count, len(SMOOTHING_NAMES)), dtype=np.float32)
    features[:, 0] = local_logits
    features[:, 1 : 1 + len(_SMOOTHING_RADII)] = _moving_means(scores, _SMOOTHING_RADII).T
    features[:1, 6] = 0.0  # the previous segment's score
    features[1:, 6] = scores[:-1]
    features[-1:, 7] = 0.0  # the next segment's score
    features[:-1, 7] = scores[1:]
    features[:, 8] = log_words
    return features
