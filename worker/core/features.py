"""Numeric features of every segment of a page, computed for the whole page at once.

Per-segment Python loops are too slow for a stream worker (a text dump has ~400 lines),
so the text features are byte counts taken with numpy over the page's UTF-8 bytes, and
the context features are moving averages over neighbouring segments.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import numpy.typing as npt

from worker.core.html_segments import STRUCTURE_NAMES
from worker.core.segments import TEXT_STRUCTURE_NAMES, PageSegments

FloatArray = npt.NDArray[np.float32]

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


def _first_letter_regex(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation per first character: Python's re scans that far faster than a flat one."""
    by_first: dict[str, list[str]] = {}
    for phrase in sorted(set(phrases), key=len, reverse=True):
        by_first.setdefault(phrase[0], []).append(re.escape(phrase[1:]))
    branches = [f"{re.escape(first)}(?:{'|'.join(rest)})" for first, rest in by_first.items()]
    return re.compile("|".join(branches))


_BOILERPLATE = _first_letter_regex(_BOILERPLATE_PHRASES)

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
_CONTEXT_SOURCES = ("log_words", "ends_sentence", "lower_share", "capitalised_word_share")
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


def feature_names(content_type: str) -> tuple[str, ...]:
    names = list(TEXT_NAMES)
    sources = list(_CONTEXT_SOURCES)
    if content_type == "text/html":
        names += STRUCTURE_NAMES
        sources += ["link_density", "in_list", "negative_class"]
    else:
        names += TEXT_STRUCTURE_NAMES
        sources += ["log_run_length"]
    names += [f"{source}_mean{window}" for window in _WINDOWS for source in sources]
    names += [f"{source}_prev" for source in sources] + [f"{source}_next" for source in sources]
    return (*names, *POSITION_NAMES)


def page_features(segments: PageSegments) -> FloatArray:
    """One row per segment, columns in the order of feature_names(content_type)."""
    count = len(segments)
    names = feature_names(segments.content_type)
    if count == 0:
        return np.zeros((0, len(names)), dtype=np.float32)
    text = _text_features(segments.texts)
    blocks = [text]
    if segments.structure is not None:
        blocks.append(segments.structure.astype(np.float64))
    local = np.hstack(blocks)
    column = {name: local[:, i] for i, name in enumerate(names[: local.shape[1]])}
    sources = np.column_stack(
        [column[name] for name in names if name in column and _is_context_source(name)]
    )
    context = [_moving_mean(sources, window) for window in _WINDOWS]
    context += [_shift(sources, 1), _shift(sources, -1)]
    position = np.column_stack(_position_features(column["log_words"], column["ends_sentence"]))
    return np.hstack([local, *context, position]).astype(np.float32)


def _is_context_source(name: str) -> bool:
    return name in _CONTEXT_SOURCES or name in (
        "link_density",
        "in_list",
        "negative_class",
        "log_run_length",
    )


def _text_features(texts: list[str]) -> npt.NDArray[np.float64]:
    joined = "\n".join(texts)
    data = np.frombuffer(joined.encode("utf-8", "replace"), dtype=np.uint8)
    newlines = np.flatnonzero(data == 0x0A)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [data.size]))  # exclusive
    count = len(texts)
    classes = _BYTE_CLASS[data]
    owner = np.repeat(np.arange(count), ends - starts + 1)[: data.size]  # segment of each byte
    counts = np.bincount(owner * _CLASS_COUNT + classes, minlength=count * _CLASS_COUNT)
    counts = counts.reshape(count, _CLASS_COUNT).astype(np.float64)
    is_space = classes == _SPACE
    word_start = ~is_space & np.concatenate(([True], is_space[:-1]))
    words = np.bincount(owner, weights=word_start, minlength=count)
    capitalised = np.bincount(owner, weights=word_start & (classes == _UPPER), minlength=count)
    chars = np.maximum(counts[:, :_CONTINUATION].sum(axis=1) - counts[:, _SPACE], 1.0)
    letters = np.maximum(counts[:, _UPPER] + counts[:, _LOWER] + counts[:, _MULTIBYTE], 1.0)
    safe_words = np.maximum(words, 1.0)
    last = data[ends - 1]
    before_last = data[np.maximum(ends - 2, starts)]
    first = data[starts]
    first_class = _BYTE_CLASS[first]
    lowered = joined.lower()
    boilerplate = _per_segment_hits(_BOILERPLATE, lowered, texts)
    repeats = _repeat_counts(texts)
    return np.column_stack(
        [
            np.log1p(chars),
            np.log1p(words),
            chars / safe_words,
            counts[:, _UPPER] / letters,
            counts[:, _LOWER] / letters,
            counts[:, _DIGIT] / chars,
            counts[:, _MULTIBYTE] / chars,
            counts[:, _SENTENCE] / safe_words,
            counts[:, _COMMA] / safe_words,
            counts[:, _PIPE],
            capitalised / safe_words,
            _ENDS_SENTENCE[last],
            last == ord(":"),
            (last == ord("-")) & (before_last == 0x20),
            _BYTE_CLASS[last] == _DIGIT,
            first_class == _UPPER,
            first_class == _LOWER,
            (first_class == _OTHER) | (first_class == _PIPE),
            boilerplate,
            np.log1p(repeats),
        ]
    )


def _per_segment_hits(pattern: re.Pattern[str], lowered: str, texts: list[str]) -> FloatArray:
    """How many matches of `pattern` fall inside each segment of the joined page text."""
    lengths = np.fromiter((len(text) + 1 for text in texts), dtype=np.int64, count=len(texts))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    positions = [match.start() for match in pattern.finditer(lowered)]
    hits = np.zeros(len(texts), dtype=np.float32)
    if positions:
        owners = np.searchsorted(starts, np.asarray(positions), side="right") - 1
        np.add.at(hits, owners, 1.0)
    return hits


def _repeat_counts(texts: list[str]) -> FloatArray:
    seen: dict[str, int] = {}
    for text in texts:
        seen[text] = seen.get(text, 0) + 1
    return np.fromiter((seen[text] - 1 for text in texts), dtype=np.float32, count=len(texts))


def _moving_mean(values: npt.NDArray[np.float64], radius: int) -> npt.NDArray[np.float64]:
    """Mean of values[i - radius : i + radius + 1] along axis 0, clipped at the page edges."""
    count = values.shape[0]
    padded = np.concatenate((np.zeros((1, *values.shape[1:])), np.cumsum(values, axis=0)))
    index = np.arange(count)
    low = np.maximum(index - radius, 0)
    high = np.minimum(index + radius + 1, count)
    width = (high - low).astype(np.float64)
    means: npt.NDArray[np.float64] = (padded[high] - padded[low]) / (
        width[:, None] if values.ndim == 2 else width
    )
    return means


def _shift(values: npt.NDArray[np.float64], offset: int) -> npt.NDArray[np.float64]:
    """values[i - offset] (the previous segment for offset 1), 0 past the page edges."""
    shifted = np.zeros_like(values)
    if offset > 0:
        shifted[offset:] = values[:-offset]
    else:
        shifted[:offset] = values[-offset:]
    return shifted


def _position_features(
    log_words: npt.NDArray[np.float64], ends_sentence: npt.NDArray[np.float64]
) -> list[npt.NDArray[np.float64]]:
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
    return [
        (np.isfinite(previous) & np.isfinite(following)).astype(np.float64),
        np.log1p(np.minimum(distance, count)),
        index / max(count - 1, 1),
        (np.cumsum(words) - words) / total,
        np.abs(index - densest) / max(count, 1),
        np.full(count, np.log1p(count)),
        np.full(count, np.log1p(total)),
    ]


SMOOTHING_NAMES: tuple[str, ...] = (
    "local_logit",
    *(f"local_score_mean{radius}" for radius in (1, 2, 4, 8, 16)),
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
    means = [_moving_mean(scores, radius) for radius in (1, 2, 4, 8, 16)]
    columns = [local_logits, *means, _shift(scores, 1), _shift(scores, -1), log_words]
    stacked: FloatArray = np.column_stack(columns).astype(np.float32)
    return stacked
