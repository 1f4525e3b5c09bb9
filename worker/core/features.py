"""Numeric features of every segment of a page, computed for the whole page at once.

Per-segment Python loops are too slow for a stream worker (a text dump has ~400 lines),
so the text features are byte counts taken in one pass over the page's UTF-8 bytes, and
the context features are moving averages over neighbouring segments; both loops are
compiled (kernels.py).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from worker.core import kernels, stage_kernels
from worker.core.html_segments import STRUCTURE_NAMES
from worker.core.model import AdditiveModel, negative_exp
from worker.core.phrases import PhraseCounter
from worker.core.segments import TEXT_STRUCTURE_NAMES, PageSegments

FloatArray = npt.NDArray[np.float32]

# Byte classes counted per segment, in the order of the enum in kernels_c/text_features.c.
_SPACE, _UPPER, _LOWER, _DIGIT, _SENTENCE, _COMMA, _PIPE, _OTHER, _MULTIBYTE, _CONTINUATION = range(
    10
)
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
_CLASS_TABLE = bytes(_BYTE_CLASS.astype(np.uint8))

_ENDS_SENTENCE = np.zeros(256, dtype=bool)
_ENDS_SENTENCE[[ord(c) for c in ".!?\"')"]] = True
_ENDS_SENTENCE[0x9D] = True  # last byte of ” and ’ (U+201D/U+2019 end in 0x9D/0x99)
_ENDS_SENTENCE[0x99] = True
_ENDS_SENTENCE_TABLE = bytes(_ENDS_SENTENCE.astype(np.uint8))

# What a character of two or three UTF-8 bytes is, per code point of the Basic Multilingual
# Plane (the KIND_* flags of kernels_c/text_features.c), so the byte pass reads other scripts
# as it reads ASCII: the case of Cyrillic, Greek and accented Latin letters, a CJK character
# as a word of its own (those scripts put no spaces between words), their sentence marks and
# commas. Read as ASCII-only, a Russian paragraph had no capitals and a Chinese one a single
# word.
KIND_UPPER, KIND_LOWER, KIND_WORD, KIND_SENTENCE, KIND_COMMA = 1, 2, 4, 8, 16
_CJK_WORD_RANGES = (
    (0x3040, 0x3100),  # Hiragana, Katakana
    (0x3400, 0x4DC0),  # CJK Extension A
    (0x4E00, 0xA000),  # CJK Unified Ideographs
    (0xF900, 0xFB00),  # CJK Compatibility Ideographs
)
_CJK_SENTENCE_MARKS = "。！？｡"
_OTHER_COMMAS = "，、；：､"


def _code_point_kinds() -> bytes:
    kinds = np.zeros(0x10000, dtype=np.uint8)
    # Cased letters of two bytes (U+0080..U+07FF): Latin-1 and Extended, Greek, Cyrillic,
    # Armenian; three-byte cased letters (Georgian Mtavruli, fullwidth Latin) are rare.
    for code_point in range(0x80, 0x800):
        character = chr(code_point)
        kinds[code_point] = KIND_UPPER * character.isupper() + KIND_LOWER * character.islower()
    for first, end in _CJK_WORD_RANGES:
        kinds[first:end] = KIND_WORD
    kinds[[ord(mark) for mark in _CJK_SENTENCE_MARKS]] = KIND_SENTENCE
    kinds[[ord(comma) for comma in _OTHER_COMMAS]] = KIND_COMMA
    return kinds.tobytes()


_CODE_POINT_KINDS = _code_point_kinds()

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
# Where a segment sits (kernels.position_features). Prose segments (12+ words ending in
# sentence punctuation) anchor the article: what lies between the first and the last of
# them, close to one, is rarely navigation.
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
    structure = segments.structure
    if structure is None or structure.shape[1] != len(_structure_names(segments.content_type)):
        raise ValueError(f"{segments.content_type} segments need their structure columns")
    # (in one call: from the kernels one by one an HTML page spent ~40 us in numpy)
    if not _feature_table(segments, structure, features):
        features_one_by_one(segments, structure, features)
    return features


def features_one_by_one(
    segments: PageSegments, structure: npt.NDArray[np.float32], features: FloatArray
) -> None:
    """page_features from the kernels one by one, for a page whose whole table could not be
    made in one call."""
    count = len(segments)
    # Computed in float64 and rounded to float32 once, as each column is stored.
    text = _text_features(segments.texts, segments.utf8)
    features[:, : text.shape[1]] = text
    text_sources, structure_sources = _source_columns(segments.content_type)
    sources = np.empty((count, len(text_sources) + len(structure_sources)))
    sources[:, : len(text_sources)] = text[:, text_sources]
    column = text.shape[1]
    features[:, column : column + structure.shape[1]] = structure
    sources[:, len(text_sources) :] = structure[:, structure_sources]
    column += structure.shape[1]
    kernels.context_columns(sources, _WINDOWS, features, column)
    column += sources.shape[1] * (len(_WINDOWS) + 2)
    log_words, ends_sentence = _POSITION_SOURCES
    kernels.position_features(text[:, log_words], text[:, ends_sentence], features, column)


# The text columns the position columns read.
_POSITION_SOURCES = (TEXT_NAMES.index("log_words"), TEXT_NAMES.index("ends_sentence"))
# numpy's log1p of the repeat counts (float32, as it gave them to _text_features), for the
# kernel of a whole table: C's log1pf may land an ulp away from numpy's.
_LOG1P_COUNTS = np.log1p(np.arange(4096, dtype=np.float32))


def _feature_table(
    segments: PageSegments, structure: npt.NDArray[np.float32], features: FloatArray
) -> bool:
    """The whole table in one call (stage_kernels.feature_table; an HTML page's too:
    its structure is only wider), as page_features makes it from the kernels one by one;
    False on the rare page it leaves to them (a character whose lowercase the phrase counts
    cannot read, a line repeated thousands of times)."""
    encoded = segments.utf8
    if encoded is None:
        encoded = "\n".join(segments.texts).encode("utf-8", "surrogatepass")
    text_sources, structure_sources = _source_columns(segments.content_type)
    return stage_kernels.feature_table(
        encoded,
        len(segments),
        (_CLASS_TABLE, _ENDS_SENTENCE_TABLE, _CODE_POINT_KINDS),
        _BOILERPLATE.encoded,
        _LOG1P_COUNTS,
        structure,
        (tuple(text_sources), tuple(structure_sources), _POSITION_SOURCES),
        _WINDOWS,
        features,
    )


def _text_features(texts: list[str], encoded: bytes | None) -> npt.NDArray[np.float64]:
    if encoded is None:
        # A lone surrogate (JSON may carry one) stays a non-ASCII character of three bytes:
        # no ASCII phrase can match it, as none matches it in the text.
        encoded = "\n".join(texts).encode("utf-8", "surrogatepass")
    count = len(texts)
    features = np.empty((count, len(TEXT_NAMES)))
    features[:, : kernels.TEXT_COUNT_COLUMNS] = kernels.text_counts(
        encoded, count, _CLASS_TABLE, _ENDS_SENTENCE_TABLE, _CODE_POINT_KINDS
    )
    features[:, 18] = _BOILERPLATE.counts(encoded, texts)
    features[:, 19] = np.log1p(kernels.repeat_counts(encoded, count))
    return features


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
    # the means of the scores around each segment, then its previous and next segment's score
    kernels.context_columns(scores.reshape(count, 1), _SMOOTHING_RADII, features, 1)
    features[:, 8] = log_words
    return features


def smoothed_logits(
    stage: AdditiveModel,
    local_logits: npt.NDArray[np.float64],
    log_words: npt.NDArray[np.float32],
) -> npt.NDArray[np.float64]:
    """stage.logits(smoothing_features(local_logits, log_words)), in one call but for
    numpy's exp (stage_kernels.smoothing_logits)."""
    return stage_kernels.smoothing_logits(
        negative_exp(local_logits),
        local_logits,
        log_words,
        _SMOOTHING_RADII,
        stage.tables,
        stage.bias,
    )
