"""The compiled kernels (worker/core/kernels.py, kernels_c/) give the results of the numpy
definitions they replaced (numpy_references.py) to the bit, and refuse bad arguments with
ValueError instead of reading or writing past a buffer.

Bit-exact: the models were trained and their figures measured on the numpy features; a
kernel one rounding off would move scores near the cut and the accuracy figures with them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import numpy_references as reference
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from worker.core import _kernels, html_tags, kernels
from worker.core.article_start import REASON as HEADLINE_REASON
from worker.core.article_start import dump_headline, html_headline
from worker.core.classify import _reasons, classify_page, describe, one_item_drops
from worker.core.features import (
    _BOILERPLATE,
    _BOILERPLATE_PHRASES,
    _CLASS_TABLE,
    _CODE_POINT_KINDS,
    _ENDS_SENTENCE_TABLE,
    _SMOOTHING_RADII,
    _WINDOWS,
    _source_columns,
    _text_features,
    page_features,
    smoothing_features,
)
from worker.core.html_segments import html_segments
from worker.core.model import AdditiveModel
from worker.core.phrases import _LOWERCASE_TO_ASCII, PhraseCounter
from worker.core.rules import page_rule_hits
from worker.core.segment_model import LOG_WORDS, shipped_model
from worker.core.segments import PageSegments, segment_page
from worker.core.trees import TreeEnsemble
from worker.core.verdict import ContentType, SegmentVerdict
from worker.learn.dataset import LabelledPage, Mode, load_pages

FIXTURE = Path(__file__).parents[1] / "fixtures" / "wcxb"
CONTENT_TYPES: dict[Mode, ContentType] = {"html": "text/html", "text": "text/plain"}
RADII = (0, 1, 2, 3, 4, 5, 8, 16, 40)
KERNEL_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def assert_bit_equal(actual: npt.NDArray[Any], expected: npt.NDArray[Any]) -> None:
    """Same dtype, shape and values, NaN where NaN is, and zeros of the same sign (which
    np.array_equal alone does not check)."""
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    same = np.array_equal(actual, expected, equal_nan=actual.dtype.kind == "f")
    if same and actual.dtype.kind == "f":
        numbers = ~np.isnan(expected)
        same = np.array_equal(np.signbit(actual[numbers]), np.signbit(expected[numbers]))
    if not same:
        differs = (actual != expected) & ~(np.isnan(actual) & np.isnan(expected))
        if actual.dtype.kind == "f":
            differs |= np.signbit(actual) != np.signbit(expected)
            differs &= ~(np.isnan(actual) & np.isnan(expected))
        where = tuple(int(i) for i in np.argwhere(differs)[0])
        pytest.fail(
            f"{int(differs.sum())} of {actual.size} differ; first at {where}: "
            f"kernel {actual[where]!r} ({float(actual[where]).hex()}), "
            f"numpy {expected[where]!r} ({float(expected[where]).hex()})"
        )


def encoded_page(texts: list[str]) -> bytes:
    """The page as the feature code hands it to the kernels."""
    return "\n".join(texts).encode("utf-8", "surrogatepass")


# --- the fixture pages: every text dump and every HTML page's segments ------------------------


@cache
def fixture_pages() -> dict[tuple[Mode, str], LabelledPage]:
    modes: tuple[Mode, ...] = ("html", "text")
    return {(mode, page.page_id): page for mode in modes for page in load_pages(FIXTURE, mode)}


FIXTURE_PAGES = [pytest.param(*key, id="-".join(key)) for key in fixture_pages()]


@cache
def fixture_segments(mode: Mode, page_id: str) -> PageSegments:
    segments = segment_page(fixture_pages()[mode, page_id].body(mode), CONTENT_TYPES[mode])
    assert len(segments) > 0 and all(segments.texts)
    return segments


@cache
def fixture_text_features(mode: Mode, page_id: str) -> npt.NDArray[np.float64]:
    texts = fixture_segments(mode, page_id).texts
    return reference.text_counts(encoded_page(texts), len(texts))


def test_the_fixture_pages_are_all_there() -> None:
    """The parametrised tests below run once per page: a missing page would shrink them."""
    assert len(FIXTURE_PAGES) == 70


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_text_counts_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """Real pages: the segments the segmenters make, in the scripts the dataset has."""
    texts = fixture_segments(mode, page_id).texts
    actual = kernels.text_counts(
        encoded_page(texts), len(texts), _CLASS_TABLE, _ENDS_SENTENCE_TABLE, _CODE_POINT_KINDS
    )
    assert_bit_equal(actual, fixture_text_features(mode, page_id))


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_context_columns_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """On the columns the context features average (and all the others), and on one."""
    segments = fixture_segments(mode, page_id)
    assert segments.structure is not None
    values = np.column_stack(
        (fixture_text_features(mode, page_id), segments.structure.astype(np.float64))
    )
    for radii in (_WINDOWS, _SMOOTHING_RADII, RADII):
        for sources in (values, np.ascontiguousarray(values[:, 1:2])):
            assert_bit_equal(
                context_table(sources, radii), reference.context_columns(sources, radii)
            )


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_position_features_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """From the log_words and ends_sentence columns, as page_features passes them."""
    text = fixture_text_features(mode, page_id)
    expected = np.empty((text.shape[0], kernels.POSITION_COLUMNS), dtype=np.float32)
    reference.position_features(text[:, 1], text[:, 11], expected)
    assert_bit_equal(kernels.position_features(text[:, 1], text[:, 11]), expected)
    # written into a page's table from a column on, the columns around them untouched
    table = np.full((text.shape[0], 3 + kernels.POSITION_COLUMNS + 2), 7.0, dtype=np.float32)
    kernels.position_features(text[:, 1], text[:, 11], table, 3)
    assert_bit_equal(table[:, 3 : 3 + kernels.POSITION_COLUMNS], expected)
    assert (table[:, :3] == 7.0).all() and (table[:, 3 + kernels.POSITION_COLUMNS :] == 7.0).all()


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_page_features_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """The whole table, as page_features assembled it in numpy: the text columns, the
    structure, the context columns and the position columns, each rounded to float32 once."""
    segments = fixture_segments(mode, page_id)
    assert segments.structure is not None
    text = _text_features(segments.texts, segments.utf8)
    text_sources, structure_sources = _source_columns(segments.content_type)
    sources = np.column_stack(
        (text[:, text_sources], segments.structure[:, structure_sources].astype(np.float64))
    )
    position = np.empty((len(segments), kernels.POSITION_COLUMNS), dtype=np.float32)
    reference.position_features(text[:, 1], text[:, 11], position)
    expected = np.hstack(
        (
            text.astype(np.float32),
            segments.structure,
            reference.context_columns(sources, _WINDOWS),
            position,
        )
    )
    assert_bit_equal(page_features(segments), expected)


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_smoothing_features_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """On the local logits of the shipped model, and on logits pushed past the clip."""
    features = page_features(fixture_segments(mode, page_id))
    _, local_logits = shipped_model(CONTENT_TYPES[mode]).local.scores(features)
    log_words = features[:, LOG_WORDS]
    for logits in (local_logits, local_logits * 40.0):
        assert_bit_equal(
            smoothing_features(logits, log_words),
            reference.smoothing_features(logits, log_words, _SMOOTHING_RADII),
        )


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_model_scores_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """Both stages of the shipped model, on the features they see in production: stumps by
    numpy's step tables, trees (the HTML local stage) by trees.reference_scores."""
    segments = fixture_segments(mode, page_id)
    model = shipped_model(CONTENT_TYPES[mode])
    features = page_features(segments)
    local_logits = None
    for stage in (model.local, model.smoothing):
        if local_logits is not None:
            features = smoothing_features(local_logits, features[:, LOG_WORDS])
        if isinstance(stage, TreeEnsemble):
            contributions, logits = stage.scores(features)
            expected, expected_logits = reference.tree_scores(stage, features)
            assert_bit_equal(contributions, expected)
            assert_bit_equal(logits, expected_logits)
            local_logits = logits
            continue
        contributions, logits = kernels.StepTables(stage.thresholds, stage.values).scores(
            features, stage.bias
        )
        expected = reference.additive_contributions(features, stage.thresholds, stage.values)
        assert_bit_equal(contributions, expected)
        assert_bit_equal(logits, reference.additive_logits(expected, stage.bias))
        assert_bit_equal(stage.scores(features)[1], logits)
        local_logits = logits


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_strongest_columns_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """The reasons' columns, for the labels the model gives and for the opposite ones."""
    segments = fixture_segments(mode, page_id)
    model = shipped_model(CONTENT_TYPES[mode])
    scores = model.score(segments)
    keep = scores.scores >= 0.5
    for kept in (keep, ~keep):
        for columns in (2, 8):
            assert_bit_equal(
                kernels.strongest_columns(scores.local_contributions, kept, columns),
                reference.strongest_columns(scores.local_contributions, kept, columns),
            )


BOILERPLATE_BYTES = tuple(phrase.encode() for phrase in sorted(set(_BOILERPLATE_PHRASES)))


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_phrase_counts_match_the_regex_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """The boilerplate phrases, where they occur: navigation, footers, share widgets."""
    texts = fixture_segments(mode, page_id).texts
    joined = "\n".join(texts)
    assert not any(character in joined for character in _LOWERCASE_TO_ASCII)
    expected = _BOILERPLATE.reference_counts(joined.lower(), texts)
    assert expected.sum() > 0 or mode == "text"  # the HTML pages all have some boilerplate
    actual = kernels.phrase_counts(encoded_page(texts), len(texts), BOILERPLATE_BYTES)
    assert_bit_equal(actual, expected)


# --- text_counts ----------------------------------------------------------------------------

# A byte of every class; the bytes that end a sentence (. ! ? " ' ) and the last bytes of ” ’);
# the dash teaser and a dash without its space; non-ASCII of 2, 3 and 4 bytes (an emoji); a
# lone surrogate (encoded as "?"); whitespace and line separators that break no segment.
TEXT_PIECES = [" ", "  ", "\t", "a", "z", "A", "Z", "word", "Word", "0", "7", ".", "!", "?"]
TEXT_PIECES += [",", ";", ":", "|", "-", " -", "'", '"', ")", "”", "’", "é", "É", "©", "—"]
TEXT_PIECES += ["\u3042", "\U0001f600", "\ud800", "\x00", "\x7f", "\r", "\x0b", "\xa0"]
TEXT_PIECES += ["\u2028", "\u2029", "\x85", "\xad", "\u200b", "\ufeff"]
# Other scripts: cased letters of two bytes (Cyrillic, Greek), CJK words and their marks.
TEXT_PIECES += ["Ж", "ж", "Слово", "Ω", "ω", "中", "文字", "。", "，", "！", "ǅ"]
segment_text = st.lists(st.sampled_from(TEXT_PIECES), min_size=1, max_size=12).map("".join)
text_page = st.lists(segment_text, min_size=1, max_size=300)


@KERNEL_SETTINGS
@given(text_page)
def test_text_counts_match_numpy(texts: list[str]) -> None:
    """Every byte class at every edge of a segment, in pages of 1 to 300 segments."""
    page = encoded_page(texts)
    actual = kernels.text_counts(
        page, len(texts), _CLASS_TABLE, _ENDS_SENTENCE_TABLE, _CODE_POINT_KINDS
    )
    assert_bit_equal(actual, reference.text_counts(page, len(texts)))


@KERNEL_SETTINGS
@given(
    st.lists(
        st.binary(min_size=1, max_size=16).map(lambda raw: raw.replace(b"\n", b"\t")),
        min_size=1,
        max_size=300,
    )
)
def test_text_counts_match_numpy_on_any_bytes(segments: list[bytes]) -> None:
    """Not UTF-8 at all: stray continuation bytes, lead bytes without them."""
    page = b"\n".join(segments)
    actual = kernels.text_counts(
        page, len(segments), _CLASS_TABLE, _ENDS_SENTENCE_TABLE, _CODE_POINT_KINDS
    )
    assert_bit_equal(actual, reference.text_counts(page, len(segments)))


@pytest.mark.parametrize("length", [4094, 4095, 4096, 4097, 9000])
def test_text_counts_past_the_table_of_small_counts(length: int) -> None:
    """Counts under 4096 take log1p from a table made at import, the others call it."""
    segments = [b"x" * length, b"a " * (length // 2), b"y"]
    page = b"\n".join(segments)
    actual = kernels.text_counts(
        page, len(segments), _CLASS_TABLE, _ENDS_SENTENCE_TABLE, _CODE_POINT_KINDS
    )
    assert_bit_equal(actual, reference.text_counts(page, len(segments)))


def test_text_counts_on_known_segments() -> None:
    """The edge bytes the features read: a one-byte segment, the page's first and last."""
    texts = ["A", "Teaser -", "Word-", "Ends.", "“Quoted”", "Ends’", "x:", "|pipe", "9", "é"]
    page = encoded_page(texts)
    actual = kernels.text_counts(
        page, len(texts), _CLASS_TABLE, _ENDS_SENTENCE_TABLE, _CODE_POINT_KINDS
    )
    assert_bit_equal(actual, reference.text_counts(page, len(texts)))
    assert actual[:, 13].tolist() == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0]  # ends_dash_teaser
    assert actual[:, 11].tolist() == [0, 0, 0, 1, 1, 1, 0, 0, 0, 0]  # ends_sentence


def test_text_counts_read_other_scripts_as_they_read_ascii() -> None:
    """A Russian line has its capitals, a Chinese one a word per character and its 。."""
    texts = ["Мир и Война.", "Mir i Voina.", "中文的段落。", "Ελλάδα", "ωμέγα"]
    page = encoded_page(texts)
    actual = kernels.text_counts(
        page, len(texts), _CLASS_TABLE, _ENDS_SENTENCE_TABLE, _CODE_POINT_KINDS
    )
    assert_bit_equal(actual, reference.text_counts(page, len(texts)))
    # The Cyrillic line reads as its transliteration does: case, words, sentence end.
    assert_bit_equal(actual[0, [1, 3, 4, 10, 11, 15, 16]], actual[1, [1, 3, 4, 10, 11, 15, 16]])
    assert np.expm1(actual[2, 1]) == pytest.approx(5.0)  # five characters, five words
    assert actual[2, 11] == 1.0  # ends_sentence
    assert actual[3, 15] == 1.0 and actual[4, 16] == 1.0  # starts_upper, starts_lower
    assert actual[[0, 2, 3, 4], 6].min() > 0.0 and actual[1, 6] == 0.0  # non_ascii_share


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.just(""), segment_text), min_size=1, max_size=40))
def test_an_empty_segment_reads_as_a_lone_space(texts: list[str]) -> None:
    """The segmenters make no empty segment and numpy's code could not take one; the kernel
    counts it as it counts " " (the C says: as a lone newline), not as a neighbour's bytes."""
    page = encoded_page(texts)
    actual = kernels.text_counts(
        page, len(texts), _CLASS_TABLE, _ENDS_SENTENCE_TABLE, _CODE_POINT_KINDS
    )
    spaced = [text or " " for text in texts]
    assert_bit_equal(actual, reference.text_counts(encoded_page(spaced), len(spaced)))


# --- moving_means ---------------------------------------------------------------------------

any_float = st.floats(allow_nan=True, allow_infinity=True)
plain_float = st.one_of(
    st.floats(-1.0, 1.0),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, 0.5, 1e300, -1e300, 5e-324]),
)


@st.composite
def table_of_values(draw: st.DrawFn) -> npt.NDArray[np.float64]:
    rows = draw(st.integers(1, 300))
    width = draw(st.sampled_from([None, 0, 1, 2, 3, 7]))
    shape = (rows,) if width is None else (rows, width)
    elements = draw(st.sampled_from([plain_float, any_float, st.integers(0, 3).map(float)]))
    table: npt.NDArray[np.float64] = draw(arrays(np.float64, shape, elements=elements))
    return table


@KERNEL_SETTINGS
@given(
    table_of_values().filter(lambda table: table.ndim == 2 and table.shape[1] > 0),
    st.lists(st.integers(0, 40), max_size=6).map(tuple),
    st.integers(0, 3),
    st.integers(0, 3),
)
def test_context_columns_match_numpy(
    sources: npt.NDArray[np.float64], radii: tuple[int, ...], before: int, after: int
) -> None:
    """Written into a wider float32 table from a column on; the columns around them stay as
    they were. Windows wider than the page, radius 0, sums that overflow to inf (inf - inf),
    values past float32's range (inf, as numpy's assignment rounds them)."""
    with np.errstate(invalid="ignore", over="ignore"):
        expected = reference.context_columns(sources, radii)
    written = expected.shape[1]
    table = np.full((sources.shape[0], before + written + after), 7.0, dtype=np.float32)
    kernels.context_columns(sources, radii, table, before)
    assert_bit_equal(table[:, before : before + written], expected)
    assert (table[:, :before] == 7.0).all() and (table[:, before + written :] == 7.0).all()


def context_table(
    sources: npt.NDArray[np.float64], radii: tuple[int, ...]
) -> npt.NDArray[np.float32]:
    count, width = sources.shape
    table = np.empty((count, width * (len(radii) + 2)), dtype=np.float32)
    kernels.context_columns(sources, radii, table, 0)
    return table


def test_context_columns_keep_a_leading_negative_zero() -> None:
    """np.cumsum starts from the first value, not from 0.0 + it: a window from row 0 over
    -0.0 alone has the sum -0.0 (hypothesis needs thousands of examples to find this)."""
    values = np.asarray([[-0.0, 1.0], [-0.0, -0.0], [2.0, -0.0]])
    for radii in ((0, 1, 2), (0,)):
        for sources in (values, np.ascontiguousarray(values[:, :1])):
            assert_bit_equal(
                context_table(sources, radii), reference.context_columns(sources, radii)
            )
    assert np.signbit(context_table(values, (0, 1))[0, [0, 2]]).all()  # row 0, radii 0 and 1


def test_context_columns_match_the_plain_formula() -> None:
    """The mean of the window clipped at the page's edges, from cumulative sums; the numpy
    reference and the kernel both give exactly that, 2-D and 1-D."""
    rng = np.random.default_rng(0)
    for count in range(1, 30):
        values = rng.normal(size=(count, 3))
        for radius in (0, 1, 2, 5, 8, 16, 40):
            index = np.arange(count)
            low, high = np.maximum(index - radius, 0), np.minimum(index + radius + 1, count)
            sums = np.concatenate((np.zeros((1, 3)), np.cumsum(values, axis=0)))
            width = (high - low).astype(np.float64)
            expected = (sums[high] - sums[low]) / width[:, None]
            assert np.array_equal(
                context_table(values, (radius,))[:, :3], expected.astype(np.float32)
            )
            column = np.ascontiguousarray(values[:, :1])
            assert np.array_equal(
                context_table(column, (radius,))[:, 0], expected[:, 0].astype(np.float32)
            )
            assert np.array_equal(reference.moving_mean(values, radius), expected)


# --- position_features ----------------------------------------------------------------------

log_words_value = st.one_of(
    st.integers(0, 40).map(lambda words: float(np.log1p(words))),
    st.integers(0, 10**6).map(lambda words: float(np.log1p(words))),
    st.floats(-5.0, 60.0),
)
ends_sentence_value = st.one_of(st.sampled_from([0.0, 1.0]), any_float)


@st.composite
def page_positions(draw: st.DrawFn) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    rows = draw(st.integers(1, 300))
    log_words = draw(arrays(np.float64, rows, elements=log_words_value))
    ends_sentence = draw(arrays(np.float64, rows, elements=ends_sentence_value))
    return log_words, ends_sentence


@KERNEL_SETTINGS
@given(page_positions())
def test_position_features_match_numpy(
    page: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
) -> None:
    """Pages with and without prose, ties for the densest window, odd ends_sentence values."""
    log_words, ends_sentence = page
    expected = np.empty((log_words.size, kernels.POSITION_COLUMNS), dtype=np.float32)
    reference.position_features(log_words, ends_sentence, expected)
    assert_bit_equal(kernels.position_features(log_words, ends_sentence), expected)


def test_position_features_match_numpy_on_long_pages() -> None:
    """The page's word total is a pairwise sum: pages past 128 and 256 segments take other
    paths through it than the hypothesis pages mostly do."""
    rng = np.random.default_rng(2)
    for count in (*range(1, 140), 255, 256, 257, 511, 1000, 4097):
        log_words = np.log1p(rng.integers(0, 60, size=count) * rng.random(count))
        ends_sentence = (rng.random(count) < 0.5).astype(np.float64)
        expected = np.empty((count, kernels.POSITION_COLUMNS), dtype=np.float32)
        reference.position_features(log_words, ends_sentence, expected)
        assert_bit_equal(kernels.position_features(log_words, ends_sentence), expected)


# --- StepTables.scores ----------------------------------------------------------------------

Tables = tuple[list[list[float]], list[list[float]], float, npt.NDArray[np.float32]]
threshold = st.one_of(
    st.floats(width=32, allow_nan=False, allow_infinity=False),  # a feature can equal it
    st.floats(-100.0, 100.0, width=32),
    st.floats(allow_nan=False, allow_infinity=False),  # float64: between two float32 values
)
step_value = st.one_of(
    st.floats(-3.0, 3.0),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0]),
)


def feature_pool(thresholds: list[list[float]]) -> list[float]:
    """Every threshold as float32 and its float32 neighbours, and the extremes."""
    extremes = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 3.4e38, -3.4e38, 1e-45]
    pool = [float(np.float32(value)) for value in extremes]
    with np.errstate(over="ignore"):
        for value in (t for feature in thresholds for t in feature):
            single = np.float32(value)
            below = np.nextafter(single, np.float32(-np.inf))
            above = np.nextafter(single, np.float32(np.inf))
            pool += [float(single), float(below), float(above)]
    return pool


@st.composite
def step_tables(draw: st.DrawFn) -> Tables:
    width = draw(st.integers(0, 9))
    thresholds = [sorted(set(draw(st.lists(threshold, max_size=12)))) for _ in range(width)]
    values = [
        draw(st.lists(step_value, min_size=len(t) + 1, max_size=len(t) + 1)) for t in thresholds
    ]
    bias = draw(st.one_of(st.floats(-5.0, 5.0), st.sampled_from([0.0, -0.0])))
    rows = draw(st.integers(1, 300))
    element = st.one_of(
        st.sampled_from(feature_pool(thresholds)), st.floats(width=32, allow_nan=True)
    )
    features = draw(arrays(np.float32, (rows, width), elements=element))
    return thresholds, values, bias, features


@KERNEL_SETTINGS
@given(step_tables())
def test_step_table_scores_match_numpy(tables: Tables) -> None:
    """Feature values on, just above and just below every threshold, extremes, NaN."""
    thresholds, values, bias, features = tables
    contributions, logits = kernels.StepTables(thresholds, values).scores(features, bias)
    expected = reference.additive_contributions(features, thresholds, values)
    assert_bit_equal(contributions, expected)
    with np.errstate(over="ignore", invalid="ignore"):  # 1e308 + 1e308, inf - inf
        expected_logits = reference.additive_logits(expected, bias)
    assert_bit_equal(logits, expected_logits)


def test_logits_sum_like_numpy_at_every_width() -> None:
    """numpy sums a row pairwise: 8 partial sums, blocks of 128, halves beyond; the kernel
    must follow at every width, not only at the shipped models' 9 and 93 features."""
    rng = np.random.default_rng(1)
    for width in range(300):
        thresholds = [[0.0]] * width
        values = [
            list(rng.normal(size=2) * 10.0 ** rng.integers(-8, 8, size=2)) for _ in thresholds
        ]
        features = rng.normal(size=(3, width)).astype(np.float32)
        contributions, logits = kernels.StepTables(thresholds, values).scores(features, 0.1)
        expected = reference.additive_contributions(features, thresholds, values)
        assert_bit_equal(contributions, expected)
        assert_bit_equal(logits, reference.additive_logits(expected, 0.1))


def test_step_tables_read_features_as_float32() -> None:
    """A float64 feature above a threshold that lies between two float32 values is rounded
    to the float32 below it, as in the float32 feature matrix the model sees."""
    single = float(np.float32(0.1))
    threshold = float(np.nextafter(single, np.inf))
    above = np.asarray([[np.nextafter(threshold, np.inf)]])  # float32(above) == single
    tables = kernels.StepTables([[threshold]], [[-1.0, 1.0]])
    contributions, _ = tables.scores(above, 0.0)
    assert contributions.tolist() == [[-1.0]]
    expected = reference.additive_contributions(above, [[threshold]], [[-1.0, 1.0]])
    assert_bit_equal(contributions, expected)


def test_nan_features_land_in_the_last_interval() -> None:
    """As kernels_c/model.c documents (and np.searchsorted does: NaN sorts after every number)."""
    thresholds = [[-1.0, 0.0, 2.5], [], [7.0]]
    values = [[1.0, 2.0, 3.0, 4.0], [0.5], [-8.0, 16.0]]
    features = np.full((3, 3), np.nan, dtype=np.float32)
    features[1] = [np.inf, 1.0, -np.inf]
    contributions, logits = kernels.StepTables(thresholds, values).scores(features, 0.25)
    assert contributions[0].tolist() == [4.0, 0.5, 16.0]
    assert contributions[2].tolist() == [4.0, 0.5, 16.0]
    assert contributions[1].tolist() == [4.0, 0.5, -8.0]
    assert logits.tolist() == [20.75, -3.25, 20.75]
    assert_bit_equal(contributions, reference.additive_contributions(features, thresholds, values))


def test_a_value_equal_to_a_threshold_goes_left() -> None:
    """LightGBM sends x <= threshold to the left: equal is below, the next float above."""
    tables = kernels.StepTables([[1.0, 2.0]], [[10.0, 20.0, 30.0]])
    one, two = np.float32(1.0), np.float32(2.0)
    features = np.asarray([[one], [np.nextafter(one, two)], [two], [np.nextafter(two, one * 3)]])
    contributions, _ = tables.scores(features, 0.0)
    assert contributions[:, 0].tolist() == [10.0, 20.0, 20.0, 30.0]


def test_unsorted_thresholds_are_refused_by_the_model_and_harmless_in_c() -> None:
    """kernels_c/model.c takes the thresholds as sorted and does not check: AdditiveModel refuses
    others, and the C, given them anyway, still reads only the feature's own values."""
    with pytest.raises(ValueError):
        AdditiveModel(("x",), 0.0, ((3.0, 1.0, 2.0),), ((10.0, 20.0, 30.0, 40.0),))
    tables = kernels.StepTables([[3.0, 1.0, 2.0], [0.0]], [[10.0, 20.0, 30.0, 40.0], [1.0, 2.0]])
    values = np.linspace(-1.0, 5.0, 61, dtype=np.float32)
    contributions, _ = tables.scores(np.column_stack((values, values)), 0.0)
    assert set(contributions[:, 0].tolist()) <= {10.0, 20.0, 30.0, 40.0}
    assert set(contributions[:, 1].tolist()) == {1.0, 2.0}


# --- strongest_columns ----------------------------------------------------------------------

contribution = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5]),  # ties
    st.floats(allow_nan=False),  # contributions come from finite tables; inf for the edges
)


@st.composite
def reason_tables(
    draw: st.DrawFn,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], int]:
    rows = draw(st.integers(1, 300))
    width = draw(st.integers(1, 12))
    contributions = draw(arrays(np.float64, (rows, width), elements=contribution))
    keep = draw(arrays(np.bool_, rows))
    columns = draw(st.integers(0, min(width, 8)))
    return contributions, keep, columns


@KERNEL_SETTINGS
@given(reason_tables())
def test_strongest_columns_match_a_stable_argsort(
    table: tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], int],
) -> None:
    """Ties (of 0.0 and -0.0 too), infinities, 0 to 8 columns of up to 12."""
    contributions, keep, columns = table
    assert_bit_equal(
        kernels.strongest_columns(contributions, keep, columns),
        reference.strongest_columns(contributions, keep, columns),
    )


@KERNEL_SETTINGS
@given(reason_tables())
def test_strongest_two_columns_match_a_stable_argsort(
    table: tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], int],
) -> None:
    """Two columns, as classify asks for them, take a path of their own in C."""
    contributions, keep, _ = table
    if contributions.shape[1] < 2:
        contributions = np.repeat(contributions, 2, axis=1)  # ties between the two
    assert_bit_equal(
        kernels.strongest_columns(contributions, keep, 2),
        reference.strongest_columns(contributions, keep, 2),
    )


def test_strongest_columns_break_ties_toward_the_first_column() -> None:
    """As kernels_c/reasons.c documents: the reasons of a page do not depend on a sort's whims."""
    contributions = np.asarray([[1.0, 3.0, 3.0, -2.0, -2.0], [0.0, -0.0, 0.0, 0.0, 1.0]])
    keep = np.asarray([True, False])
    assert kernels.strongest_columns(contributions, keep, 3).tolist() == [[1, 2, 0], [0, 1, 2]]
    assert kernels.strongest_columns(contributions, ~keep, 2).tolist() == [[3, 4], [4, 0]]


# --- phrase_counts --------------------------------------------------------------------------


def assert_kernel_counts_like_the_regex(phrases: tuple[str, ...], texts: list[str]) -> None:
    """kernels.phrase_counts itself (not PhraseCounter.counts, which sends pages holding K or
    İ to the regex) against the regex over the lowercased page."""
    joined = "\n".join(texts)
    expected = PhraseCounter(phrases).reference_counts(joined.lower(), texts)
    encoded = tuple(phrase.encode() for phrase in sorted(set(phrases)))
    assert_bit_equal(kernels.phrase_counts(encoded_page(texts), len(texts), encoded), expected)


@pytest.mark.parametrize(
    ("phrases", "texts", "counts"),
    [
        (("ab",), ["x", "yab"], [0, 1]),  # at the very end of the page
        (("ab",), ["yAB"], [1]),  # uppercase on the page, at its end
        (("ab",), ["abx", "y"], [1, 0]),  # at the very start
        (("ab",), ["xa", "b"], [0, 0]),  # across a newline: no match
        (("a b",), ["xa", "b"], [0, 0]),
        (("ab",), ["xya"], [0]),  # the page ends inside a phrase
        (("aba",), ["ababa"], [1]),  # overlapping matches: the first only
        (("aa",), ["aaaaa"], [2]),
        (("ab", "abab"), ["ababab"], [2]),  # the longest at a position
        (("ab", "bcd"), ["abcd"], [1]),  # the leftmost beats a longer one after it
        (("b", "abc"), ["abd"], [1]),  # no match at a: on to b
        (("-",), ["a - b -", "-", "x"], [2, 1, 0]),  # one byte
        (("©",), ["©2024 ©", "x©"], [2, 1]),  # one non-ASCII character
        (("sign in", "sign", "in"), ["Sign In", "sign", "In"], [1, 1, 1]),
        (("ab",), ["", "ab", ""], [0, 1, 0]),  # empty segments
    ],
)
def test_phrase_counts_on_known_pages(
    phrases: tuple[str, ...], texts: list[str], counts: list[float]
) -> None:
    """The cases a scan over bytes gets wrong first: ends, overlaps, newlines."""
    assert_kernel_counts_like_the_regex(phrases, texts)
    encoded = tuple(phrase.encode() for phrase in phrases)
    assert kernels.phrase_counts(encoded_page(texts), len(texts), encoded).tolist() == counts


# Few letters, so that phrases overlap, prefix each other and run across segment ends.
PAGE_CHARACTERS = [*"abAB -\t©éÉ", "\u3042", "\U0001f600", "\ud800"]
phrase = st.one_of(st.text("ab -", min_size=1, max_size=5), st.just("©"))
phrase_text = st.lists(st.sampled_from(PAGE_CHARACTERS), max_size=20).map("".join)
phrase_texts = st.lists(phrase_text, min_size=1, max_size=300)


@settings(max_examples=300, deadline=None)
@given(st.lists(phrase, min_size=1, max_size=6).map(tuple), phrase_texts)
def test_phrase_counts_match_the_regex(phrases: tuple[str, ...], texts: list[str]) -> None:
    """Random phrase sets over a few letters: overlaps, shared prefixes, uppercase pages."""
    assert_kernel_counts_like_the_regex(phrases, texts)


def test_only_caseless_characters_stand_alone_as_phrases() -> None:
    """The bytes path lowercases ASCII only: a phrase "é" would miss the page's "É", so it is
    refused; "©" has no case and is taken."""
    with pytest.raises(ValueError):
        PhraseCounter(("é",))
    texts = ["© x", "É ©"]
    joined = "\n".join(texts)
    counter = PhraseCounter(("©",))
    assert_bit_equal(
        counter.counts(encoded_page(texts), texts),
        counter.reference_counts(joined.lower(), texts),
    )


def test_a_lone_surrogate_is_no_question_mark() -> None:
    """A lone surrogate reaches the bytes path as three non-ASCII bytes (surrogatepass), so a
    phrase holding "?" cannot match it where the regex does not."""
    texts = ["a\ud800", "a?"]
    joined = "\n".join(texts)
    counter = PhraseCounter(("a?",))
    counts = counter.counts(encoded_page(texts), texts)
    assert_bit_equal(counts, counter.reference_counts(joined.lower(), texts))
    assert counts.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("character", _LOWERCASE_TO_ASCII)
@pytest.mark.parametrize(
    "texts",
    [["{c}"], ["a {c}", "b"], ["a", "b{c}"], ["{c}{c} log in"], ["sign up", "x", "©{c}"]],
)
def test_phrase_counts_refuse_a_page_whose_lowercase_bytes_would_mislead(
    character: str, texts: list[str]
) -> None:
    """K (KELVIN SIGN) lowercases to ASCII "k" and İ to two characters: anywhere on the page,
    the kernel says so, and PhraseCounter counts with the regex instead."""
    page = [text.format(c=character) for text in texts]
    assert kernels.phrase_counts(encoded_page(page), len(page), BOILERPLATE_BYTES) is None
    joined = "\n".join(page)
    assert_bit_equal(
        _BOILERPLATE.counts(encoded_page(page), page),
        _BOILERPLATE.reference_counts(joined.lower(), page),
    )
    # the kernel still checks its sizes on such a page
    with pytest.raises(ValueError):
        kernels.phrase_counts(encoded_page(page), len(page) + 1, BOILERPLATE_BYTES)


def test_phrase_counts_read_the_neighbours_of_those_characters() -> None:
    """Their bytes' neighbours (™ is E2 84 A2, Ĳ is C4 B2) are ordinary characters."""
    page = ["™ log in", "Ĳ sign up ℃"]
    counts = kernels.phrase_counts(encoded_page(page), len(page), BOILERPLATE_BYTES)
    assert counts is not None
    assert_bit_equal(counts, _BOILERPLATE.reference_counts("\n".join(page).lower(), page))


# --- repeat_counts --------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_repeat_counts_match_a_counter_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    texts = fixture_segments(mode, page_id).texts
    actual = kernels.repeat_counts(encoded_page(texts), len(texts))
    assert_bit_equal(actual, reference.repeat_counts(texts))


@KERNEL_SETTINGS
@given(st.lists(st.sampled_from(["", "a", "ab", "b", "a b", "é", "\ud800", "Share", "share"])))
def test_repeat_counts_match_a_counter(texts: list[str]) -> None:
    """Empty segments, prefixes of each other, case, non-ASCII, a lone surrogate."""
    texts = texts or [""]
    actual = kernels.repeat_counts(encoded_page(texts), len(texts))
    assert_bit_equal(actual, reference.repeat_counts(texts))


def test_repeat_counts_on_a_known_page() -> None:
    texts = ["Share", "x", "Share", "", "Share", "", "share"]
    counts = kernels.repeat_counts(encoded_page(texts), len(texts))
    assert counts.tolist() == [2, 0, 2, 1, 2, 1, 0]


def test_repeat_counts_of_many_segments_that_collide() -> None:
    """More segments than a small table: the table grows with the page, probing stays right."""
    texts = [str(i % 700) for i in range(5000)]
    counts = kernels.repeat_counts(encoded_page(texts), len(texts))
    assert_bit_equal(counts, reference.repeat_counts(texts))


@pytest.mark.parametrize(("page", "count"), [(b"a\nb", 1), (b"a\nb", 3), (b"", 0)])
def test_repeat_counts_refuse_a_count_the_page_does_not_hold(page: bytes, count: int) -> None:
    with pytest.raises(ValueError):
        _kernels.repeat_counts(page, count, np.empty(max(count, 1), dtype=np.float32))


# --- the C's argument checks ----------------------------------------------------------------

CLASSES = _CLASS_TABLE
ENDS = _ENDS_SENTENCE_TABLE
F64 = np.float64
I64 = np.int64


def text_counts_call(page: bytes, count: int, rows: int | None = None, **tables: bytes) -> None:
    out = np.empty((count if rows is None else rows, kernels.TEXT_COUNT_COLUMNS))
    _kernels.text_counts(
        page,
        tables.get("classes", CLASSES),
        tables.get("ends", ENDS),
        tables.get("kinds", _CODE_POINT_KINDS),
        count,
        out,
    )


def additive_call(
    count: int = 2,
    width: int = 2,
    edges: npt.NDArray[np.float64] | None = None,
    edge_starts: list[int] | None = None,
    table_starts: list[int] | None = None,
    feature_items: int | None = None,
    contribution_items: int | None = None,
    logit_items: int | None = None,
) -> None:
    """A good call of two features with one threshold each, but for what is given."""
    _kernels.additive_scores(
        np.zeros(count * width if feature_items is None else feature_items, dtype=np.float32),
        count,
        np.asarray([0.0, 1.0]) if edges is None else edges,
        np.asarray([0, 1, 2] if edge_starts is None else edge_starts, dtype=I64),
        np.arange(4.0),
        np.asarray([0, 2] if table_starts is None else table_starts, dtype=I64),
        0.0,
        np.empty(count * width if contribution_items is None else contribution_items),
        np.empty(count if logit_items is None else logit_items),
    )


def test_the_additive_call_helper_is_a_good_call() -> None:
    """The calls below differ from this one in one argument each."""
    additive_call()
    _kernels.strongest_columns(np.zeros(6), np.ones(2, dtype=np.uint8), 2, 3, np.empty(4, I64))
    text_counts_call(b"a\nb", 2)
    _kernels.phrase_counts(b"a\nb", 2, (b"a",), np.empty(2, dtype=np.float32))


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: text_counts_call(b"a\nb", 2, classes=CLASSES[:255]), id="class-table"),
        pytest.param(lambda: text_counts_call(b"a\nb", 2, ends=ENDS + b"\0"), id="ends-table"),
        pytest.param(lambda: text_counts_call(b"a\nb", 2, kinds=bytes(256)), id="kinds-table"),
        pytest.param(
            lambda: text_counts_call(b"a\nb", 2, classes=bytes([10]) * 256), id="unknown-class"
        ),
        pytest.param(lambda: text_counts_call(b"a\nb", 2, rows=1), id="out-short"),
        pytest.param(lambda: text_counts_call(b"a\nb", 2, rows=3), id="out-long"),
        pytest.param(lambda: text_counts_call(b"a\nb\nc", 2, rows=2), id="more-newlines"),
        pytest.param(lambda: text_counts_call(b"a\nb", 3, rows=3), id="fewer-newlines"),
        pytest.param(lambda: text_counts_call(b"", 0), id="no-segment"),
        pytest.param(lambda: text_counts_call(b"a", -1, rows=0), id="negative-count"),
    ],
)
def test_text_counts_refuses_bad_arguments(call: Any) -> None:
    """Tables, out and page must fit count: the C reads them by it."""
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize(
    ("values", "count", "radii", "out", "out_width", "column"),
    [
        pytest.param(5, 3, (1,), 18, 6, 0, id="values-short"),
        pytest.param(7, 3, (1,), 18, 6, 0, id="values-long"),
        pytest.param(6, 3, (1,), 24, 6, 0, id="out-long"),
        pytest.param(6, 3, (1, 2), 18, 6, 0, id="more-radii-than-fit"),
        pytest.param(6, 3, (2, -3), 24, 8, 0, id="negative-second-radius"),
        pytest.param(6, 3, (1,), 17, 6, 0, id="out-short"),
        pytest.param(6, 3, (1,), 21, 7, 2, id="past-the-last-column"),
        pytest.param(6, 3, (1,), 21, 7, -1, id="negative-column"),
        pytest.param(6, 3, (-1,), 18, 6, 0, id="negative-radius"),
        pytest.param(6, 3, (1,), 18, -6, 0, id="negative-out-width"),
        pytest.param(6, -3, (1,), 18, 6, 0, id="negative-count"),
    ],
)
def test_context_columns_refuse_bad_arguments(
    values: int, count: int, radii: tuple[int, ...], out: int, out_width: int, column: int
) -> None:
    """Two source columns and one radius write 2 x 3 columns: values must hold count x 2,
    out count x out_width, and the six columns must fit from `column` on."""
    table = np.empty(out, dtype=np.float32)
    with pytest.raises(ValueError):
        _kernels.context_columns(np.zeros(values), count, 2, radii, table, out_width, column)
    _kernels.context_columns(np.zeros(6), 3, 2, (1,), np.empty(21, dtype=np.float32), 7, 1)


@pytest.mark.parametrize(
    "table",
    [
        pytest.param(np.zeros((3, 8)), id="float64"),
        pytest.param(np.zeros((3, 16), dtype=np.float32)[:, ::2], id="not-contiguous"),
        pytest.param(np.zeros(24, dtype=np.float32), id="one-dimensional"),
    ],
)
def test_the_table_writing_wrappers_refuse_a_table_they_cannot_fill(
    table: npt.NDArray[Any],
) -> None:
    """A converted copy would be filled and dropped, leaving the caller's table as it was."""
    with pytest.raises(ValueError, match="C-contiguous float32"):
        kernels.context_columns(np.zeros((3, 2)), (1,), table, 0)
    with pytest.raises(ValueError, match="C-contiguous float32"):
        kernels.position_features(np.zeros(3), np.zeros(3), table, 0)


def test_the_context_columns_wrapper_refuses_a_negative_radius() -> None:
    with pytest.raises(ValueError, match="negative"):
        kernels.context_columns(np.zeros((4, 2)), (1, -1), np.empty((4, 8), dtype=np.float32), 0)


@pytest.mark.parametrize(
    ("log_words", "ends_sentence", "count", "out"),
    [
        pytest.param(0, 0, 0, 0, id="no-segment"),
        pytest.param(2, 3, 3, 21, id="log-words-short"),
        pytest.param(3, 4, 3, 21, id="ends-sentence-long"),
        pytest.param(3, 3, 3, 20, id="out-short"),
        pytest.param(3, 3, 3, 28, id="out-long"),
        pytest.param(3, 3, -3, 21, id="negative-count"),
    ],
)
def test_position_features_refuses_bad_arguments(
    log_words: int, ends_sentence: int, count: int, out: int
) -> None:
    """Every buffer must hold count rows."""
    with pytest.raises(ValueError):
        _kernels.position_features(
            np.zeros(log_words), np.zeros(ends_sentence), count, np.empty(out, dtype=np.float32)
        )


@pytest.mark.parametrize(
    ("out_width", "column"),
    [
        pytest.param(8, 2, id="past-the-last-column"),
        pytest.param(8, -1, id="negative-column"),
        pytest.param(6, 0, id="narrower-than-the-columns"),
    ],
)
def test_position_features_refuse_a_column_outside_the_table(out_width: int, column: int) -> None:
    """Its seven columns must fit in the table from `column` on."""
    table = np.empty(3 * out_width, dtype=np.float32)
    with pytest.raises(ValueError):
        _kernels.position_features(np.zeros(3), np.zeros(3), 3, table, out_width, column)
    _kernels.position_features(np.zeros(3), np.zeros(3), 3, np.empty(24, dtype=np.float32), 8, 1)


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param({"edge_starts": []}, id="no-edge-starts"),
        pytest.param({"feature_items": 3}, id="features-short"),
        pytest.param({"feature_items": 5}, id="features-long"),
        pytest.param({"table_starts": [0]}, id="table-starts-short"),
        pytest.param({"table_starts": [0, 2, 3]}, id="table-starts-long"),
        pytest.param({"contribution_items": 3}, id="contributions-short"),
        pytest.param({"logit_items": 3}, id="logits-long"),
        pytest.param({"edge_starts": [0, 1, 3]}, id="edges-past-the-end"),
        pytest.param({"edge_starts": [0, 2, 1]}, id="edge-starts-unsorted"),
        pytest.param({"edge_starts": [-1, 1, 2]}, id="edge-start-negative"),
        pytest.param({"edges": np.zeros(1)}, id="edges-short"),
        pytest.param({"table_starts": [0, 3]}, id="values-past-the-end"),
        pytest.param({"table_starts": [-1, 2]}, id="table-start-negative"),
        pytest.param(
            {"count": -1, "feature_items": 0, "contribution_items": 0, "logit_items": 0},
            id="negative-count",
        ),
    ],
)
def test_additive_scores_refuses_bad_tables(arguments: dict[str, Any]) -> None:
    """The tables index each other: no index may point outside them."""
    with pytest.raises(ValueError):
        additive_call(**arguments)


def test_step_tables_refuse_features_of_another_width() -> None:
    with pytest.raises(ValueError):
        kernels.StepTables([[0.0], [1.0]], [[1.0, 2.0], [3.0, 4.0]]).scores(np.zeros((4, 3)), 0.0)


@pytest.mark.parametrize(
    ("contributions", "keep", "count", "width", "out"),
    [
        pytest.param(6, 2, 2, 3, 8, id="k-larger-than-width"),
        pytest.param(20, 2, 2, 10, 18, id="k-larger-than-8"),
        pytest.param(6, 3, 2, 3, 4, id="keep-long"),
        pytest.param(5, 2, 2, 3, 4, id="contributions-short"),
        pytest.param(6, 2, 2, 3, 3, id="out-not-whole-rows"),
        pytest.param(0, 2, 2, 0, 0, id="no-column"),
        pytest.param(0, 0, -1, 3, 0, id="negative-count"),
    ],
)
def test_strongest_columns_refuses_bad_arguments(
    contributions: int, keep: int, count: int, width: int, out: int
) -> None:
    """k comes from out's length: it must be whole rows, at most width and 8."""
    with pytest.raises(ValueError):
        _kernels.strongest_columns(
            np.zeros(contributions), np.ones(keep, dtype=np.uint8), count, width, np.empty(out, I64)
        )


def test_the_strongest_columns_wrapper_refuses_more_columns_than_there_are() -> None:
    with pytest.raises(ValueError):
        kernels.strongest_columns(np.zeros((3, 2)), np.ones(3, dtype=bool), 3)


@pytest.mark.parametrize(
    ("page", "count", "phrases", "out"),
    [
        pytest.param(b"a\nb\nc", 2, (b"a",), 2, id="more-newlines"),
        pytest.param(b"a\nb", 3, (b"a",), 3, id="fewer-newlines"),
        pytest.param(b"abc", 3, (b"x",), 3, id="fewer-newlines-no-match"),
        pytest.param(b"", 0, (b"a",), 0, id="no-segment"),
        pytest.param(b"a\nb", 2, (b"a",), 3, id="out-long"),
        pytest.param(b"a\nb", 2, (b"",), 2, id="empty-phrase"),
        pytest.param(b"a\nb", 2, (b"a\nb",), 2, id="phrase-with-newline"),
        pytest.param(b"a\nb", 2, ("a",), 2, id="phrase-not-bytes"),
    ],
)
def test_phrase_counts_refuses_bad_arguments(
    page: bytes, count: int, phrases: tuple[Any, ...], out: int
) -> None:
    with pytest.raises(ValueError):
        _kernels.phrase_counts(page, count, phrases, np.empty(out, dtype=np.float32))


# Counts so large that count * width * item size overflows Py_ssize_t and wraps to the length
# of an empty buffer: the length checks must not be fooled into running the loops. Each call
# runs in a child process, so a crash fails one test instead of ending the run, and writes into
# zero-length views of zeroed guard arrays, so a write past the buffer shows.
OVERFLOWING_CALLS = [
    pytest.param(
        "_kernels.text_counts(b'abc', bytes(256), bytes(256), bytes(65536), 2**60, guard64[:0])",
        id="text-counts",
    ),
    pytest.param(
        "_kernels.position_features(np.empty(0), np.empty(0), 2**62, guard32[:0])",
        id="position-features",
    ),
    pytest.param(
        "_kernels.context_columns(np.empty(0), 2**32, 2**32, (1,), guard32[:0], 3, 0)",
        id="context-columns",
    ),
    pytest.param(
        "_kernels.context_columns(np.empty(0), 0, 2**62, (1,), guard32[:0], 2**62, 0)",
        id="context-columns-wide",
    ),
    pytest.param(
        "_kernels.additive_scores(np.empty(0, np.float32), 2**61, np.zeros(0),"
        " np.zeros(9, np.int64), np.zeros(8), np.zeros(8, np.int64), 0.0, guard64[:0],"
        " guard64[:0])",
        id="additive-scores",
    ),
    pytest.param(
        "_kernels.strongest_columns(np.empty(0), np.empty(0, np.uint8), 2**61, 8, guard64[:0]"
        ".view(np.int64))",
        id="strongest-columns",
    ),
    pytest.param(
        "_kernels.phrase_counts(b'abc', 2**62, (b'a',), guard32[:0])",
        id="phrase-counts",
    ),
]


def run_in_a_child(statement: str) -> subprocess.CompletedProcess[str]:
    """Runs the statement; prints ValueError if it raised one, then whether the guards kept
    their zeros."""
    script = (
        "import sys\nimport numpy as np\nfrom worker.core import _kernels, kernels\n"
        "guard64, guard32 = np.zeros(64), np.zeros(64, dtype=np.float32)\n"
        f"try:\n    {statement}\nexcept ValueError:\n    print('ValueError')\n"
        "print('untouched' if not (guard64.any() or guard32.any()) else 'written')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
    )


@pytest.mark.parametrize("statement", OVERFLOWING_CALLS)
def test_overflowing_counts_are_refused(statement: str) -> None:
    """A count from outside must not buy a write past the buffers."""
    child = run_in_a_child(statement)
    assert (child.returncode, child.stdout) == (0, "ValueError\nuntouched\n"), child.stderr[-2000:]


def test_a_radius_near_the_largest_integer_means_the_whole_page() -> None:
    """A window that reaches past both edges is the whole page, however wide it is."""
    child = run_in_a_child(
        "values = np.arange(5.0).reshape(5, 1)\n"
        "    table = np.empty((5, 3), dtype=np.float32)\n"
        "    kernels.context_columns(values, (sys.maxsize,), table, 0)\n"
        "    print(table[:, 0].tolist() == [values.sum() / 5] * 5)"
    )
    expected = ("True\nuntouched\n", "ValueError\nuntouched\n")
    assert child.returncode == 0 and child.stdout in expected, child


# --- the reasons' values, the page's cut and the str kernels -----------------------------------


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_the_cut_and_the_reason_values_match_numpy_on_the_fixture_pages(
    mode: Mode, page_id: str
) -> None:
    """On the shipped model's scores: the page's cut, and the values its reasons quote."""
    segments = fixture_segments(mode, page_id)
    model = shipped_model(CONTENT_TYPES[mode])
    page = model.score(segments)
    decision = page.decision
    expected_cut = reference.page_cut(page.scores, page.words, decision.floor, decision.bias)
    assert decision.cut(page.scores, page.words) == expected_cut
    columns = kernels.strongest_columns(page.local_contributions, page.scores >= 0.5, 2)
    assert_bit_equal(
        kernels.rounded_values(page.features, columns),
        reference.rounded_values(page.features, columns),
    )


@KERNEL_SETTINGS
@given(
    arrays(np.float32, st.tuples(st.integers(1, 40), st.integers(1, 12))),
    st.integers(0, 2**16),
)
def test_rounded_values_match_numpy(features: npt.NDArray[np.float32], seed: int) -> None:
    """Any float32, NaN, infinities, subnormals and zeros of either sign included."""
    columns = np.random.default_rng(seed).integers(0, features.shape[1], (features.shape[0], 3))
    assert_bit_equal(
        kernels.rounded_values(features, columns), reference.rounded_values(features, columns)
    )


def test_rounded_values_on_known_values() -> None:
    features = np.array([[0.0, -0.0, 1234.5, 0.0456, -7.25, 1e-13]], dtype=np.float32)
    values = kernels.rounded_values(features, np.array([[0, 1, 2, 3, 4, 5]]))
    assert values.tolist() == [[0.0, 0.0, 1200.0, 0.046, -7.2, 1e-13]]


def plain_reasons(
    names: tuple[str, ...],
    columns: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    describe: Any,
) -> list[tuple[str, ...]]:
    """What ReasonTexts.rows stands for: describe every pair (-0.0 as 0.0), no cache."""
    return [
        tuple(describe(names[c], v + 0.0) for c, v in zip(row_columns, row_values, strict=True))
        for row_columns, row_values in zip(columns.tolist(), values.tolist(), strict=True)
    ]


def spelled_out(name: str, value: float) -> str:
    return f"{name}={value!r}"


@KERNEL_SETTINGS
@given(
    st.integers(0, 40),
    st.integers(1, 4),
    st.lists(st.floats(allow_nan=False), min_size=1, max_size=6),
    st.integers(1, 8),
    st.integers(0, 2**16),
)
def test_reason_texts_are_what_describe_says(
    rows: int, k: int, pool: list[float], limit: int, seed: int
) -> None:
    """A small pool of values makes hits; a small limit makes the caches clear in between."""
    names = ("alpha", "beta", "gamma")
    rng = np.random.default_rng(seed)
    columns = rng.integers(0, len(names), (rows, k))
    values = np.asarray(pool)[rng.integers(0, len(pool), (rows, k))]
    texts = kernels.ReasonTexts(names, spelled_out, limit)
    for _ in range(2):  # the second time from the caches
        assert texts.rows(columns, values) == plain_reasons(names, columns, values, spelled_out)


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_reason_texts_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """The reasons classify_page quotes: the shipped feature names, the describe it uses."""
    segments = fixture_segments(mode, page_id)
    model = shipped_model(CONTENT_TYPES[mode])
    page = model.score(segments)
    columns = kernels.strongest_columns(page.local_contributions, page.scores >= 0.5, 2)
    values = kernels.rounded_values(page.features, columns)
    names = model.local.feature_names
    texts = kernels.ReasonTexts(names, describe)
    assert texts.rows(columns, values) == plain_reasons(names, columns, values, describe)


def test_reason_texts_cache_per_column_and_clear_at_the_limit() -> None:
    calls: list[tuple[str, float]] = []

    def counted(name: str, value: float) -> str:
        calls.append((name, value))
        return spelled_out(name, value)

    texts = kernels.ReasonTexts(("a", "b"), counted, limit=2)
    columns = np.array([[0, 1], [0, 1], [1, 0]])
    assert texts.rows(columns, np.array([[1.0, 1.0], [1.0, 1.0], [2.0, 3.0]])) == [
        ("a=1.0", "b=1.0"),
        ("a=1.0", "b=1.0"),
        ("b=2.0", "a=3.0"),
    ]
    assert calls == [("a", 1.0), ("b", 1.0), ("b", 2.0), ("a", 3.0)]
    calls.clear()
    # Column "a" holds 1.0 and 3.0: a third value clears it, then 1.0 is described again.
    texts.rows(np.array([[0], [0], [0]]), np.array([[4.0], [1.0], [4.0]]))
    assert calls == [("a", 4.0), ("a", 1.0)]


def test_reason_texts_describe_a_pair_once_a_call() -> None:
    """The texts a call has found serve its later rows, even where the cache was cleared
    in between; zeros and NaN go to the cache each time (0.0 and -0.0 are one key there)."""
    calls: list[tuple[str, float]] = []

    def counted(name: str, value: float) -> str:
        calls.append((name, value))
        return spelled_out(name, value)

    texts = kernels.ReasonTexts(("a", "b"), counted, limit=1)
    columns = np.array([[0, 1], [0, 1], [0, 1], [1, 0]])
    values = np.array([[1.0, 1.0], [2.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
    assert texts.rows(columns, values) == plain_reasons(("a", "b"), columns, values, counted)
    calls.clear()
    texts.rows(columns, values)
    assert calls == [("a", 1.0), ("b", 1.0), ("a", 2.0), ("b", 2.0)]
    calls.clear()
    nan = float("nan")
    zeros = texts.rows(np.zeros((3, 1), np.int64), np.array([[0.0], [nan], [0.0]]))
    assert zeros == [("a=0.0",), ("a=nan",), ("a=0.0",)]
    assert [value for _, value in calls][0::2] == [0.0, 0.0]  # cleared by NaN's text


def test_reason_texts_of_no_rows() -> None:
    texts = kernels.ReasonTexts(("a",), spelled_out)
    assert texts.rows(np.empty((0, 2), dtype=np.int64), np.empty((0, 2))) == []


@pytest.mark.parametrize(
    ("columns", "values", "error"),
    [
        ([[0, 2]], [[1.0, 1.0]], ValueError),  # no column 2
        ([[0, -1]], [[1.0, 1.0]], ValueError),
        ([[0, 1]], [[1.0]], ValueError),  # shapes differ
        ([0, 1], [1.0, 1.0], ValueError),  # not a table
    ],
    ids=["column-too-large", "negative-column", "shapes-differ", "one-dimensional"],
)
def test_reason_texts_refuse_bad_tables(
    columns: list[Any], values: list[Any], error: type[Exception]
) -> None:
    texts = kernels.ReasonTexts(("a", "b"), spelled_out)
    with pytest.raises(error):
        texts.rows(np.asarray(columns, dtype=np.int64), np.asarray(values))


def test_reason_texts_refuse_bad_calls() -> None:
    one = np.zeros((1, 1), dtype=np.int64)
    with pytest.raises(ValueError):  # one cache for two names
        _kernels.reason_texts([{}], spelled_out, ("a", "b"), one, np.zeros((1, 1)), 1, 8)
    with pytest.raises(TypeError):
        _kernels.reason_texts([[]], spelled_out, ("a",), one, np.zeros((1, 1)), 1, 8)
    with pytest.raises(ValueError):  # more rows than the buffers hold
        _kernels.reason_texts([{}], spelled_out, ("a",), one, np.zeros((1, 1)), 2, 8)
    with pytest.raises(TypeError):
        kernels.ReasonTexts(("a",), lambda name, value: 1).rows(one, np.zeros((1, 1)))  # type: ignore[arg-type, return-value]


def test_reason_texts_pass_describes_error_on() -> None:
    def failing(name: str, value: float) -> str:
        raise KeyError(name)

    with pytest.raises(KeyError):
        kernels.ReasonTexts(("a",), failing).rows(np.zeros((1, 1), np.int64), np.zeros((1, 1)))


def plain_verdicts(
    texts: list[str],
    keep: npt.NDArray[np.bool_],
    scores: npt.NDArray[np.float64],
    reasons: list[tuple[str, ...]],
) -> tuple[SegmentVerdict, ...]:
    """What segment_verdicts stands for (classify.py at 2d924a3)."""
    labels = np.where(keep, "article", "junk").tolist()
    with np.errstate(over="ignore"):  # x * 10^4 overflows past 1.8e304: inf, as in C
        rounded = np.round(scores, 4).tolist()
    rows = zip(range(len(texts)), texts, labels, rounded, reasons, strict=True)
    return tuple(SegmentVerdict(*row) for row in rows)


def assert_same_verdicts(
    actual: tuple[SegmentVerdict, ...], expected: tuple[SegmentVerdict, ...]
) -> None:
    assert all(type(row) is SegmentVerdict for row in actual)
    assert [row[:3] + row[4:] for row in actual] == [row[:3] + row[4:] for row in expected]
    assert_bit_equal(
        np.asarray([row.score for row in actual], dtype=np.float64),
        np.asarray([row.score for row in expected], dtype=np.float64),
    )


@KERNEL_SETTINGS
@given(arrays(np.float64, st.integers(0, 60)), st.integers(0, 2**16))
def test_segment_verdicts_round_and_label_as_numpy(
    scores: npt.NDArray[np.float64], seed: int
) -> None:
    """Any float64: NaN, infinities, zeros of either sign, halves at the fourth decimal."""
    rng = np.random.default_rng(seed)
    keep = rng.random(scores.size) < 0.5
    texts = [f"segment {i}" for i in range(scores.size)]
    reasons = [("a reason",) * int(rng.integers(0, 4)) for _ in range(scores.size)]
    actual = kernels.segment_verdicts(
        SegmentVerdict, texts, keep, scores, reasons, ("junk", "article")
    )
    assert_same_verdicts(actual, plain_verdicts(texts, keep, scores, reasons))


def test_segment_verdicts_round_halves_to_even_like_numpy() -> None:
    scores = np.array([0.00005, 0.00015, 0.12345, 0.99995, 1.0, 0.5, -0.0, 1e-300])
    keep = np.ones(scores.size, dtype=bool)
    texts = ["x"] * scores.size
    reasons: list[tuple[str, ...]] = [()] * scores.size
    actual = kernels.segment_verdicts(
        SegmentVerdict, texts, keep, scores, reasons, ("junk", "article")
    )
    assert_same_verdicts(actual, plain_verdicts(texts, keep, scores, reasons))


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_classify_page_builds_its_verdicts_as_before(mode: Mode, page_id: str) -> None:
    """The rows of a whole page, from classify_page's own steps, as the Python built them."""
    content_type = CONTENT_TYPES[mode]
    model = shipped_model(content_type)
    segments = fixture_segments(mode, page_id)
    page = model.score(segments)
    ruled, thread = page_rule_hits(
        segments.texts, page.words, content_type, page.single_item_page, page.features
    )
    if thread is not None and content_type == "text/plain":
        page = model.score_before_thread(segments, page, thread)
    scores = page.scores.copy()
    scores[list(ruled)] = 0.0
    cut_scores = page.decision.cut_scores(scores, page.features)
    cut = page.decision.cut(cut_scores, page.words)
    keep = cut_scores >= cut
    held = (cut_scores != scores) & (scores >= page.decision.cut(scores, page.words))
    headline = dump_headline(segments.texts, page.words, keep)
    if content_type == "text/plain" and headline is not None and headline not in ruled:
        keep[headline] = True
        ruled = ruled | {headline: HEADLINE_REASON}
    if page.single_item_page and segments.html is not None:
        headline = html_headline(segments.html.bits, page.features, page.words, keep)
        if headline is not None and headline not in ruled:
            keep[headline] = True
            ruled = ruled | {headline: HEADLINE_REASON}
        dropped = one_item_drops(segments.texts, segments.html.bits, page.words, keep)
        keep[list(dropped)] = False
        ruled = ruled | dropped
    reasons = _reasons(content_type, page, keep, ruled, cut, held)
    expected = plain_verdicts(segments.texts, keep, scores, reasons)
    verdict = classify_page(fixture_pages()[mode, page_id].body(mode), content_type)
    assert_same_verdicts(verdict.segments, expected)


def test_segment_verdicts_refuse_bad_calls() -> None:
    one = np.zeros(1)
    with pytest.raises(TypeError):  # not a tuple subclass
        _kernels.segment_verdicts(dict, ["x"], b"\x01", one, [()], ("junk", "article"))
    with pytest.raises(ValueError):  # scores of two segments for one text
        _kernels.segment_verdicts(
            SegmentVerdict, ["x"], b"\x01", np.zeros(2), [()], ("junk", "article")
        )
    with pytest.raises(ValueError):  # no reasons for the text
        _kernels.segment_verdicts(SegmentVerdict, ["x"], b"\x01", one, [], ("junk", "article"))
    with pytest.raises(ValueError):  # one label
        _kernels.segment_verdicts(SegmentVerdict, ["x"], b"\x01", one, [()], ("junk",))


page_scores = st.integers(1, 300).flatmap(
    lambda count: st.tuples(
        arrays(np.float64, count, elements=st.floats(0.0, 1.0)),
        arrays(np.float64, count, elements=st.floats(0.0, 500.0)),
    )
)


@KERNEL_SETTINGS
@given(page_scores, st.sampled_from([0.0, 0.05, 0.2, 0.5]), st.floats(-3.0, 3.0))
def test_page_cut_matches_numpy(
    scores_and_words: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    floor: float,
    bias: float,
) -> None:
    """Ties, scores of exactly 0, 1 and the floor, pages where nothing reaches the floor."""
    scores, words = scores_and_words
    expected = reference.page_cut(scores, words, floor, bias)
    assert kernels.page_cut(scores, words, floor, bias, 0.5) == expected


@pytest.mark.parametrize("count", [1, 15, 16, 17, 33, 250, 1000, 4099])
def test_page_cut_ranks_long_pages_of_tied_scores_like_numpy(count: int) -> None:
    """Long pages with few distinct scores: every level of the merge sort meets ties."""
    rng = np.random.default_rng(count)
    for levels in (2, 5, 40):
        scores = rng.integers(0, levels, count) / (levels - 1)
        words = rng.integers(0, 60, count).astype(np.float64)
        for floor in (0.0, 0.2):
            expected = reference.page_cut(scores, words, floor, 0.3)
            assert kernels.page_cut(scores, words, floor, 0.3, 0.5) == expected


def test_page_cut_refuses_tables_of_different_lengths() -> None:
    with pytest.raises(ValueError):
        _kernels.page_cut(np.zeros(3), np.zeros(2), 0.2, 0.0, 0.5)


@pytest.mark.parametrize(
    "call",
    [
        lambda: _kernels.rounded_values(
            np.zeros((2, 3), np.float32), 3, np.array([[0], [3]]), np.empty(2)
        ),
        lambda: _kernels.rounded_values(
            np.zeros((2, 3), np.float32), 3, np.array([[0], [-1]]), np.empty(2)
        ),
        lambda: _kernels.rounded_values(
            np.zeros((2, 3), np.float32), 3, np.array([0, 1, 2]), np.empty(3)
        ),
        lambda: _kernels.rounded_values(
            np.zeros((2, 3), np.float32), 0, np.array([[0]]), np.empty(1)
        ),
        lambda: _kernels.rounded_values(
            np.zeros((2, 3), np.float32), 3, np.array([[0], [1]]), np.empty(3)
        ),
    ],
    ids=["column-too-large", "negative-column", "ragged-rows", "no-width", "short-out"],
)
def test_rounded_values_refuses_bad_arguments(call: Any) -> None:
    with pytest.raises(ValueError):
        call()


def test_the_str_kernels_refuse_what_is_not_str() -> None:
    with pytest.raises(TypeError):
        _kernels.text_lines(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _kernels.rule_rejections(["ok", b"bytes"], "-", 3, 30, ".")  # type: ignore[list-item]


# --- <noscript> renamed <div> ------------------------------------------------------------------

NOSCRIPT = re.compile(r"<(/?)noscript\b", re.IGNORECASE)  # what the kernel does to the text
NOSCRIPT_PIECES = ["<noscript", "</noscript", "<NOSCRIPT", "</NoScript", "<noſcrİpt", "<noscrıpt"]
NOSCRIPT_PIECES += ["<", "/", ">", "noscript", "<nos", "é", "_", "1", "-", " ", "\U0001f600", "x"]
NOSCRIPT_PIECES += ["’", "<p>plain text</p>", "abcdefgh"]  # runs the kernel takes 4 or 8 at a time
noscript_page = st.lists(st.sampled_from(NOSCRIPT_PIECES), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(noscript_page)
def test_html_utf8_renames_as_the_regex_does(page: str) -> None:
    assert kernels.html_utf8(page) == NOSCRIPT.sub(r"<\1div", page).encode()


def test_html_utf8_ends_the_name_where_re_sees_a_word_boundary() -> None:
    """Every character after the name, one to four bytes of UTF-8: renamed only where the
    regex's \\b holds (the character is no letter, digit or underscore)."""
    characters = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    page = "".join(f"<noscript{c}" for c in characters)
    assert kernels.html_utf8(page) == NOSCRIPT.sub(r"<\1div", page).encode()


@pytest.mark.parametrize(
    "widest", ["", "é", "’", "\U0001f600"], ids=["ascii", "ucs1", "ucs2", "ucs4"]
)
def test_html_utf8_encodes_as_str_encode_at_every_offset(widest: str) -> None:
    """Runs of ASCII go 16 or 8 characters at a time: a '<', a "<noscript" or a wider
    character at every offset of such a run, in a str of each width."""
    for length in range(0, 40):
        for at in range(length + 1):
            for piece in ("<", "<noscript>", "</NOSCRIPT ", "ÿ", widest, "\x7f", "\x80"):
                page = "a" * at + piece + "b" * (length - at) + widest
                expected = NOSCRIPT.sub(r"<\1div", page).encode()
                assert kernels.html_utf8(page) == expected, (page, piece)


def test_html_utf8_encodes_every_code_point() -> None:
    characters = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    for page in (characters[:256], characters[:0xD800], characters):  # UCS-1, UCS-2, UCS-4
        assert kernels.html_utf8(page) == NOSCRIPT.sub(r"<\1div", page).encode()


@pytest.mark.parametrize("page", ["\ud800", "a\udfff<noscript>", "é\udc80", "\U0001f600\ud83d"])
def test_html_utf8_gives_none_for_a_lone_surrogate(page: str) -> None:
    assert kernels.html_utf8(page) is None


def test_a_page_with_noscript_segments_as_it_did_through_the_regex() -> None:
    """html_segments hands lexbor the renamed bytes (a <div> closes the open <p>, where a
    <noscript> would not); a page with a lone surrogate takes the regex, to the same end."""
    page = "<p>before <noscript>hidden</noscript> after</p>"
    assert html_segments(page).texts == ["before", "hidden", "after"]
    assert html_segments(page.replace("after", "\ud800after")).texts == [
        "before",
        "hidden",
        "after",
    ]


# --- an HTML segment's text nodes joined -------------------------------------------------------

WHITESPACE_CHARACTERS = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
JOIN_PIECES = [*WHITESPACE_CHARACTERS, "a", "é", "Ω", "\U0001f600", "\xff", "word", " ", "  "]
text_runs = st.lists(
    st.lists(st.lists(st.sampled_from(JOIN_PIECES), max_size=6).map("".join), max_size=5),
    max_size=6,
)


@settings(max_examples=400, deadline=None)
@given(text_runs)
def test_joined_words_fold_whitespace_as_str_split_does(runs: list[list[str]]) -> None:
    """Every whitespace character Python knows, text of 1-, 2- and 4-byte width: the same
    str, built at the same (narrowest) width, so equal ones compare and hash equal."""
    expected = [" ".join("".join(run).split()) for run in runs]
    joined = kernels.joined_words(runs)
    assert joined == expected
    assert [hash(text) for text in joined] == [hash(text) for text in expected]


def test_joined_words_refuse_what_is_not_a_list_of_str() -> None:
    with pytest.raises(TypeError):
        _kernels.joined_words([["ok"], [b"bytes"]])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        _kernels.joined_words([("a", "tuple")])  # type: ignore[list-item]


# --- class/id hints ----------------------------------------------------------------------------

HINT_PIECES = ["nav", "ad", "ads", "tag", "tags", "stage", "shadow", "header", "a", "d", "s"]
HINT_PIECES += [" ", "-", "_", "1", "é", "\u0660", "\U0001f600", "post", "docs", "side-bar"]
HINT_PIECES += ["ta", "g", "more-", "Ad", "x"]
hint_text = st.lists(st.sampled_from(HINT_PIECES), max_size=12).map("".join)


def assert_same_hints(text: str) -> None:
    assert html_tags._NEGATIVE.found_in(text) == bool(reference.NEGATIVE_HINTS.search(text))
    assert html_tags._POSITIVE.found_in(text) == bool(reference.POSITIVE_HINTS.search(text))


@settings(max_examples=1000, deadline=None)
@given(hint_text)
def test_hint_needles_find_what_the_regexes_found(text: str) -> None:
    assert_same_hints(text)


def test_hint_word_boundaries_are_those_of_re_for_every_character() -> None:
    """ "ad" as a whole word and "tag" at a word's end, next to every character: \\b is a
    word character (str.isalnum() or "_") on one side only."""
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        c = chr(code)
        for text in (f"{c}ad", f"ad{c}", f"{c}ads{c}", f"tag{c}", f"{c}tags"):
            assert html_tags._NEGATIVE.found_in(text) == bool(
                reference.NEGATIVE_HINTS.search(text)
            ), text


def test_needles_refuse_what_they_cannot_search() -> None:
    for needles in (("word",), (("", False, False),), ((b"bytes", False, False),)):
        with pytest.raises((TypeError, ValueError)):
            _kernels.compile_needles(needles)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        _kernels.contains_needle(object(), "text")
    assert kernels.Needles([("\U0001f600x", False, False)]).found_in("a\U0001f600x")


# --- control characters of a raw record -----------------------------------------------------


def plain_control_characters(text: str, limit: int) -> int:
    """records._control_share's count at 2d924a3."""
    return sum(1 for c in text[:limit] if (c < " " and c not in "\t\n\r\f\v") or c == "\x7f")


CONTROL_PIECES = [chr(c) for c in range(0x21)] + ["\x7f", "\x80", "a", "é", "’", "\U0001f600"]


@KERNEL_SETTINGS
@given(st.lists(st.sampled_from(CONTROL_PIECES)).map("".join), st.integers(-1, 50))
def test_control_characters_count_as_python_did(text: str, limit: int) -> None:
    """Every character below U+0021, DEL, and text of each str width; limits past the end
    and negative (the whole text)."""
    expected = plain_control_characters(text, limit if limit >= 0 else len(text))
    assert kernels.control_characters(text, limit) == expected


def test_control_characters_of_every_code_point() -> None:
    text = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert kernels.control_characters(text, len(text)) == 28  # 33 below space, 5 allowed, DEL
    assert kernels.control_characters(text, 9) == 9  # U+0000 to U+0008


# --- how deep a raw HTML record nests its tags ---------------------------------------------

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*?(/?)>")
_NOT_NESTING = frozenset((
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td",
    "th", "tbody", "thead", "tfoot", "colgroup", "rb", "rt", "rp", "html", "head", "body",
))  # fmt: skip


def plain_nests_deeper_than(html: str, limit: int) -> bool:
    """html_segments.nests_deeper_than's regex scan at 0ac8c2c (without its shortcut)."""
    depth = foreign = 0
    for closing, name, self_closing in _TAG.findall(html):
        name = name.lower()
        if name in _NOT_NESTING:
            continue
        if name in ("svg", "math"):
            foreign += -1 if closing else 1
        if closing:
            depth -= 1
        elif not (self_closing and foreign > 0):
            depth += 1
            if depth > limit:
                return True
    return False


TAG_PIECES = [
    *("<", ">", "/", "/>", "</", " ", "a", "Z", "9", "é", "\U0001f600", "=", "'", '"'),
    *("<div>", "</div>", "<DIV class=x>", "<p>", "<br/>", "<svg>", "</SVG>", "<math>"),
    *("</math>", "<path d='M0'/>", "<colgroup>", "<optgroup/>", "<x1>", "</x1>"),
    *("<averyveryverylongname>", "<span", "< b>", "<1>", "<a <b>", "<td/>"),
]


@KERNEL_SETTINGS
@given(st.lists(st.sampled_from(TAG_PIECES), max_size=60).map("".join), st.integers(-1, 6))
def test_nesting_scan_matches_the_regex(html: str, limit: int) -> None:
    """Tag soup of every kind the regex tells apart: names of each case and length, "/>"
    inside and outside <svg> and <math>, "<" without a name or without a ">" after it, and
    text of each str width."""
    assert kernels.nests_deeper_than(html, limit) == plain_nests_deeper_than(html, limit)


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_nesting_scan_matches_the_regex_on_real_pages(mode: str, page_id: str) -> None:
    page = fixture_pages()[(mode, page_id)].body(mode)
    for limit in (0, 5, 20, 40, 1_000):
        assert kernels.nests_deeper_than(page, limit) == plain_nests_deeper_than(page, limit)


@pytest.mark.parametrize("filler", ["", "a", "é", "\u013c", "\u803c", "\U0001003c"])
@pytest.mark.parametrize("offset", range(17))
def test_the_tag_count_before_the_scan_misses_no_tag(filler: str, offset: int) -> None:
    """nests_deeper_than counts the "<" first, 16 characters a step, and scans only a page
    holding more than `limit`: a count one short passes a page one too deep. Every str
    width, every offset into a step; U+013C, U+803C and U+1003C end in the byte of "<"."""
    depth = 40
    page = filler * offset + "".join(f"<div>{filler * (level % 5)}" for level in range(depth))
    assert kernels.nests_deeper_than(page, depth - 1)
    assert not kernels.nests_deeper_than(page, depth)
