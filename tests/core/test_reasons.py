"""Every feature a reason can quote is described in words (worker/core/reasons_text.py).

The names come from feature_names(): a feature added without a description fails here.
"""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from worker.core import html_segments, html_tags, kernels
from worker.core.classify import classify_page
from worker.core.features import feature_names, page_features
from worker.core.reasons_text import DESCRIPTIONS, NEIGHBOUR_DESCRIPTIONS, describe
from worker.core.segments import segment_page
from worker.core.verdict import ContentType
from worker.learn.dataset import Mode, load_pages

ROOT = Path(__file__).parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "wcxb"
SEED = ROOT / "seeds" / "000_bd0859deabb9f25c.txt"
CONTENT_TYPES: tuple[ContentType, ...] = ("text/html", "text/plain")
NAMES = sorted({name for content_type in CONTENT_TYPES for name in feature_names(content_type)})
_CONTEXT = re.compile(r"_(mean\d+|prev|next)$")

# Values of every kind of feature: 0/1 flags, shares, counts and block kinds, and the log1p
# of counts (as the features hold them), each rounded as the reasons round them.
_COUNTS = (0, 1, 2, 3, 7, 12, 40, 150, 2500)
_VALUES = sorted({0.0, 0.04, 0.25, 0.5, 0.67, 0.9, 1.0, *map(float, _COUNTS)})
_LOG_VALUES = sorted({math.log1p(count) for count in _COUNTS} | {0.35, 1.5})


def rounded(values: list[float]) -> list[float]:
    """Two significant digits, as kernels.rounded_values gives a reason its value."""
    table = np.asarray([values], dtype=np.float32)
    columns = np.arange(len(values), dtype=np.int64).reshape(1, -1)
    return [float(v) for v in kernels.rounded_values(table, columns)[0]]


def values_of(name: str) -> list[float]:
    is_log = "log_" in name or name.startswith("repeats")
    return rounded(_LOG_VALUES if is_log else _VALUES)


def assert_in_words(name: str, value: float, text: str) -> None:
    where = f"describe({name!r}, {value!r}) = {text!r} (see worker/core/reasons_text.py)"
    assert text and text == text.strip(), where
    assert "=" not in text and "no description" not in text, where  # the fallback
    assert not re.search(r"[A-Za-z0-9]_|_[A-Za-z0-9]", text), where  # a raw feature name
    assert "{" not in text and "}" not in text, where  # a placeholder left unformatted
    assert not re.search(r"\bnan\b|\binf\b", text), where
    assert not re.search(r"(?<![\d.])1 [a-z]+s\b", text), where  # "1 words"
    if _CONTEXT.search(name) and "neighbours" in text:  # a mean over neighbours: a plural
        assert not re.search(r": (is|does|has) |\bits\b", text), where


@pytest.mark.parametrize("name", NAMES)
def test_every_feature_is_described_in_words(name: str) -> None:
    for value in values_of(name):
        assert_in_words(name, value, describe(name, value))


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_every_context_column_names_where_it_looks(content_type: ContentType) -> None:
    names = feature_names(content_type)
    context = [name for name in names if _CONTEXT.search(name)]
    assert len(context) >= 5 * 4
    for name in context:
        window = re.search(r"_mean(\d+)$", name)
        prefix = f"neighbours ±{window[1]}: " if window else ""
        for value in values_of(name):
            text = describe(name, value)
            if window:
                assert text.startswith(prefix), (name, text)
            else:
                assert text.startswith(("previous segment: ", "next segment: ", "is the page's")), (
                    name,
                    text,
                )


def test_flags_averaged_over_neighbours_have_plural_words() -> None:
    sources = {name.removesuffix("_prev") for name in NAMES if name.endswith("_prev")}
    flags = {source for source in sources if isinstance(DESCRIPTIONS[source], tuple)}
    assert {"ends_sentence", "in_list", "negative_class"} <= flags
    assert flags <= NEIGHBOUR_DESCRIPTIONS.keys()
    assert NEIGHBOUR_DESCRIPTIONS.keys() <= sources  # none stays behind for a dropped source


def test_every_local_feature_has_a_description_and_no_other_does() -> None:
    """A description whose feature is gone would hide a name describe() no longer sees."""
    local = {name for name in NAMES if not _CONTEXT.search(name)}
    missing, stale = sorted(local - DESCRIPTIONS.keys()), sorted(DESCRIPTIONS.keys() - local)
    assert not missing, f"describe these in reasons_text.DESCRIPTIONS: {missing}"
    assert not stale, f"no feature has these names any more: {stale}"


def test_every_block_kind_has_its_words() -> None:
    kinds = {0, 10, *html_tags.BLOCK_KINDS.values()}  # 0: no block; 10: any other
    descriptions = DESCRIPTIONS["block_kind"]
    assert isinstance(descriptions, dict)
    texts = [descriptions[kind] for kind in sorted(kinds)]
    assert len(set(texts)) == len(texts)


def test_the_short_line_is_as_short_as_the_segmenter_says() -> None:
    limit = html_segments._SHORT_CHARS
    assert describe("short_in_main", 1.0) == (
        f"is a short line (under {limit} characters) inside the main container"
    )


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("block_kind", 1.0, "is a paragraph (<p>)"),
        ("block_kind", 2.0, "is a list item (<li>)"),
        ("block_kind", 3.0, "is a heading (<h1>-<h6>)"),
        ("block_kind", 5.0, "is a <div> block"),
        ("block_kind", 10.0, "is a block of another kind (<section>, <dd>, <caption>...)"),
        ("block_kind", 0.0, "is loose text outside any block"),
        ("depth", 14.0, "nested 14 elements deep"),
        ("text_pieces", 3.0, "joins 3 text pieces"),
        ("text_pieces", 1.0, "is a single text piece"),
        ("in_link", 1.0, "is inside a link"),
        ("in_link", 0.0, "is not inside a link"),
        ("in_figure", 1.0, "is inside a figure or caption"),
        ("in_title", 1.0, "repeats the page's <title>"),
        ("link_density", 0.92, "92% of its text is links"),
        ("main_container_prose_share", 0.45, "the page's main container holds 45% of its text"),
        ("siblings_log_count", math.log1p(6), "is one of 6 sibling blocks"),
        ("siblings_log_count", math.log1p(1), "has no sibling blocks"),
        ("log_words", math.log1p(3), "3 words"),
        ("log_words", math.log1p(1), "1 word"),
        ("log_chars", math.log1p(1), "1 character"),
        ("page_log_words", math.log1p(1200), "the page has 1200 words"),
        ("page_log_segments", math.log1p(150), "the page has 150 segments"),
        ("repeats_in_page", 0.0, "not repeated on the page"),
        ("repeats_in_page", math.log1p(4), "repeated 4 more times on the page"),
        ("log_distance_to_prose", 0.0, "is a prose paragraph"),
        ("log_distance_to_prose", math.log1p(2), "2 segments from the nearest prose paragraph"),
        ("non_ascii_share", 0.3, "30% non-ASCII characters"),
        ("pipes", 2.0, "2 pipe characters (|)"),
        ("ends_digit", 1.0, "ends in a digit"),
        ("starts_upper", 0.0, "does not start with a capital letter"),
        ("blank_before", 1.0, "has a blank line before it"),
        ("blank_after", 0.0, "has no blank line after it"),
        ("log_run_length", math.log1p(4), "in a run of 4 lines between blank lines"),
        ("log_run_length", math.log1p(1), "is a line on its own between blank lines"),
        ("log_words_mean3", math.log1p(4), "neighbours ±3: 4 words"),
        ("link_density_mean3", 0.4, "neighbours ±3: 40% of their text is links"),
        ("in_list_mean8", 0.7, "neighbours ±8: mostly list items"),
        ("in_list_mean1", 0.3, "neighbours ±1: mostly not list items"),
        ("ends_sentence_mean3", 0.0, "neighbours ±3: mostly do not end in sentence punctuation"),
        (
            "log_run_length_mean3",
            math.log1p(3),
            "neighbours ±3: in runs of 3 lines between blank lines",
        ),
        ("in_list_prev", 1.0, "previous segment: is a list item"),
        ("ends_sentence_next", 1.0, "next segment: ends in sentence punctuation"),
        ("log_words_prev", math.log1p(9), "previous segment: 9 words"),
        ("log_words_next", 0.0, "is the page's last segment"),
        ("log_run_length_prev", 0.0, "is the page's first segment"),
    ],
)
def test_representative_texts(name: str, value: float, text: str) -> None:
    assert describe(name, rounded([value])[0]) == text


def test_an_unknown_feature_reads_as_its_name_and_value() -> None:
    """Never crash on a page for want of words: say which name needs them."""
    assert describe("no_such_feature", 0.25) == "no_such_feature = 0.25 (no description)"
    assert describe("no_such_feature_mean3", 1.0) == "no_such_feature_mean3 = 1 (no description)"
    assert describe("block_kind", float("nan")) == "block_kind = nan (no description)"
    assert describe("in_link", float("nan")) == "in_link = nan (no description)"
    assert describe("block_kind", 42.0) == "is a block of an unknown kind (42)"


# --- the values real pages have ---------------------------------------------------------------


@cache
def _fixture_bodies() -> list[tuple[ContentType, str]]:
    modes: dict[Mode, ContentType] = {"html": "text/html", "text": "text/plain"}
    return [
        (content_type, page.body(mode))
        for mode, content_type in modes.items()
        for page in load_pages(FIXTURE, mode)
    ]


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_every_value_of_the_fixture_pages_is_described(content_type: ContentType) -> None:
    """Every feature column of every fixture page (not only the ones the model picks), at
    every value it takes there, rounded as the reasons round it."""
    names = feature_names(content_type)
    described: set[tuple[int, float]] = set()
    for page_type, body in _fixture_bodies():
        if page_type != content_type:
            continue
        features = page_features(segment_page(body, content_type))
        columns = np.broadcast_to(np.arange(len(names), dtype=np.int64), features.shape)
        values = kernels.rounded_values(features, np.ascontiguousarray(columns))
        for column, value in set(
            zip(columns.ravel().tolist(), values.ravel().tolist(), strict=True)
        ):
            if (column, value) not in described:
                described.add((column, value))
                assert_in_words(names[column], value, describe(names[column], value))
    assert len({column for column, _ in described}) == len(names)


def test_the_reasons_of_real_pages_are_in_words() -> None:
    pages = [("text/plain", SEED.read_text(encoding="utf-8")), *_fixture_bodies()]
    for content_type, body in pages:
        for segment in classify_page(body, content_type).segments:
            assert segment.reasons
            for reason in segment.reasons:
                assert_in_words("(a reason)", math.nan, reason)
