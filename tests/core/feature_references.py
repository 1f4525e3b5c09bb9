"""The numpy definitions of the text features (kernels_c/text_features.c, text_repeats.c)
and of the context features (context_features.c, smoothing_stage.c), as features.py computed
them; test_text_feature_kernels.py, test_context_feature_kernels.py and
test_smoothing_stage_kernel.py hold the kernels to them (numpy_references.py says where they
come from).

The phrase counts' reference is PhraseCounter.reference_counts in worker/core/phrases.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cache

import numpy as np
import numpy.typing as npt
from numpy_references import Float32, Float64, expm1, log1p

from worker.core.features import (
    _CLASS_TABLE,
    _CODE_POINT_KINDS,
    _COMMA,
    _CONTINUATION,
    _DIGIT,
    _ENDS_SENTENCE,
    _LOWER,
    _MULTIBYTE,
    _OTHER,
    _PIPE,
    _SENTENCE,
    _SPACE,
    _UPPER,
    KIND_COMMA,
    KIND_LOWER,
    KIND_SENTENCE,
    KIND_UPPER,
    KIND_WORD,
)

_CLASS_COUNT = 10  # the byte classes, _SPACE to _CONTINUATION
TEXT_COUNT_COLUMNS = 18  # TEXT_NAMES up to starts_symbol
_PROSE_WORDS = 12


def text_counts(page: bytes, count: int) -> Float64:
    """TEXT_NAMES' first 18 columns for the `count` segments of `page`, their UTF-8 joined by
    newlines, as _text_features computed them.

    Every segment needs a byte: the segmenters make no empty segment, and for one the old
    code read a byte of another segment (or past the page).
    """
    data = np.frombuffer(page, dtype=np.uint8)
    classes = np.frombuffer(page.translate(_CLASS_TABLE), dtype=np.uint8)
    newlines = np.flatnonzero(data == 0x0A)
    if newlines.size + 1 != count:
        raise ValueError(f"{count} segments need {count - 1} newlines, not {newlines.size}")
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [data.size]))  # exclusive
    if np.any(ends == starts):
        raise ValueError("an empty segment")
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
    # The characters of two and three bytes, by their kind (features.KIND_*): their case,
    # their sentence marks and commas count as ASCII ones, a CJK character is a word.
    kinds = np.frombuffer(_CODE_POINT_KINDS, dtype=np.uint8)
    wide = np.flatnonzero(classes == _MULTIBYTE)
    wide_kinds = np.array([kinds[_code_point_at(page, p, len(page))] for p in wide.tolist()])
    wide_kinds = wide_kinds.astype(np.uint8).reshape(-1)
    wide_segment = np.searchsorted(starts, wide, side="right") - 1
    wide_after_space = after_space[wide] != 0

    def wide_count(mask: npt.NDArray[np.bool_]) -> Float64:
        return np.bincount(wide_segment[mask], minlength=count).astype(np.float64)

    upper = counts[:, _UPPER] + wide_count((wide_kinds & KIND_UPPER) != 0)
    lower = counts[:, _LOWER] + wide_count((wide_kinds & KIND_LOWER) != 0)
    capitalised += wide_count(wide_after_space & ((wide_kinds & KIND_UPPER) != 0))
    words += wide_count(~wide_after_space & ((wide_kinds & KIND_WORD) != 0))
    safe_words = np.maximum(words, 1.0)
    sentence = counts[:, _SENTENCE] + wide_count((wide_kinds & KIND_SENTENCE) != 0)
    commas = counts[:, _COMMA] + wide_count((wide_kinds & KIND_COMMA) != 0)
    first_kind = np.array(
        [
            kinds[_code_point_at(page, s, e)] if classes[s] == _MULTIBYTE else 0
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
        ]
    ).astype(np.uint8)
    last_kind = np.array(
        [_last_kind(page, s, e, kinds) for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    ).astype(np.uint8)
    features = np.empty((count, TEXT_COUNT_COLUMNS))
    features[:, 0] = log1p(chars)
    features[:, 1] = log1p(words)
    features[:, 2] = chars / safe_words
    features[:, 3] = upper / letters
    features[:, 4] = lower / letters
    features[:, 5] = counts[:, _DIGIT] / chars
    features[:, 6] = counts[:, _MULTIBYTE] / chars
    features[:, 7] = sentence / safe_words
    features[:, 8] = commas / safe_words
    features[:, 9] = counts[:, _PIPE]
    features[:, 10] = capitalised / safe_words
    features[:, 11] = _ENDS_SENTENCE[last] | ((last_kind & KIND_SENTENCE) != 0)
    features[:, 12] = last == ord(":")
    features[:, 13] = (last == ord("-")) & (before_last == 0x20)
    features[:, 14] = last_class == _DIGIT
    features[:, 15] = (first_class == _UPPER) | ((first_kind & KIND_UPPER) != 0)
    features[:, 16] = (first_class == _LOWER) | ((first_kind & KIND_LOWER) != 0)
    features[:, 17] = (first_class == _OTHER) | (first_class == _PIPE)
    return features


def _code_point_at(page: bytes, p: int, end: int) -> int:
    """The code point of the character of two or three UTF-8 bytes at page[p], if the bytes
    up to `end` hold one, else 0 (as kernels_c/text_features.c reads them)."""
    raw = page[p : min(p + 3, end)]
    leads = {2: (0xC2, 0xDF, 0x1F), 3: (0xE0, 0xEF, 0x0F)}  # first, last lead byte, its bits
    for length, (first, last, bits) in leads.items():
        if len(raw) < length or not first <= raw[0] <= last:
            continue
        if all(0x80 <= byte <= 0xBF for byte in raw[1:length]):
            value = raw[0] & bits
            for byte in raw[1:length]:
                value = value << 6 | byte & 0x3F
            return value
    return 0


def _last_kind(page: bytes, start: int, end: int, kinds: npt.NDArray[np.uint8]) -> int:
    """The kind of the last character of page[start:end]: its first byte is found by
    stepping back over at most two continuation bytes."""
    p = end - 1
    while p > start and p > end - 3 and 0x80 <= page[p] <= 0xBF:
        p -= 1
    return int(kinds[_code_point_at(page, p, end)]) if page[p] >= 0xC2 else 0


def repeat_counts(texts: list[str]) -> Float32:
    """How many other segments hold the same text (features.py at 2d924a3)."""
    seen = Counter(texts)
    if len(seen) == len(texts):
        return np.zeros(len(texts), dtype=np.float32)
    return np.fromiter(map(seen.__getitem__, texts), dtype=np.float32, count=len(texts)) - 1


def moving_mean(values: Float64, radius: int) -> Float64:
    """Mean of values[i - radius : i + radius + 1] along axis 0, clipped at the page edges."""
    means: Float64 = moving_means(values, (radius,))[0]
    return means


def moving_means(values: Float64, radii: Sequence[int]) -> Float64:
    """moving_mean for each radius (along the first axis of the result), from one cumulative
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


def position_features(log_words: Float64, ends_sentence: Float64, out: Float32) -> None:
    """Fills out's columns, named by features.POSITION_NAMES."""
    count = log_words.size
    words = expm1(log_words)
    total = max(words.sum(), 1.0)
    index = np.arange(count, dtype=np.float64)
    densest = float(np.argmax(moving_mean(words, 5)))
    # Prose lines (long, ending in punctuation) anchor the article: what lies between the
    # first and the last of them, close to one, is rarely navigation.
    prose = (words >= _PROSE_WORDS) & (ends_sentence > 0)
    previous = np.maximum.accumulate(np.where(prose, index, -np.inf))
    following = np.minimum.accumulate(np.where(prose, index, np.inf)[::-1])[::-1]
    distance = np.minimum(index - previous, following - index)
    out[:, 0] = np.isfinite(previous) & np.isfinite(following)
    out[:, 1] = log1p(np.minimum(distance, count))
    out[:, 2] = index / max(count - 1, 1)
    out[:, 3] = (np.cumsum(words) - words) / total
    out[:, 4] = np.abs(index - densest) / max(count, 1)
    out[:, 5] = log1p(count)
    out[:, 6] = log1p(total)


def context_columns(sources: Float64, radii: Sequence[int]) -> Float32:
    """The context columns as page_features assigned them before kernels.context_columns:
    the moving means per radius, the previous row's sources, the next row's, in float32."""
    count, width = sources.shape
    out = np.empty((count, width * (len(radii) + 2)), dtype=np.float32)
    column = 0
    for means in moving_means(sources, radii):
        out[:, column : column + width] = means
        column += width
    out[0, column : column + width] = 0.0
    out[1:, column : column + width] = sources[:-1]
    column += width
    out[-1, column : column + width] = 0.0
    out[:-1, column : column + width] = sources[1:]
    return out


def smoothing_features(local_logits: Float64, log_words: Float32, radii: Sequence[int]) -> Float32:
    """The smoothing stage's inputs as features.smoothing_features made them before
    kernels.context_columns: logit, means of the scores, previous and next score, log words."""
    scores = 1.0 / (1.0 + np.exp(-np.clip(local_logits, -30.0, 30.0)))
    count = scores.size
    features = np.empty((count, len(radii) + 4), dtype=np.float32)
    features[:, 0] = local_logits
    features[:, 1 : 1 + len(radii)] = moving_means(scores, radii).T
    features[:1, -3] = 0.0  # the previous segment's score
    features[1:, -3] = scores[:-1]
    features[-1:, -2] = 0.0  # the next segment's score
    features[:-1, -2] = scores[1:]
    features[:, -1] = log_words
    return features
