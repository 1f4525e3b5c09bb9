"""kernels_c/feature_table.c: feature_table makes a page's feature table in one call as
page_features made it from the kernels one by one (features.features_one_by_one, whose
kernels the other tests hold to numpy), to the bit, on the fixture dumps and HTML pages and
on hypothesis-made dumps; and leaves to them the pages it cannot read."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kernel_fixtures import (
    FIXTURE_PAGES,
    KERNEL_SETTINGS,
    assert_bit_equal,
    fixture_pages,
    fixture_segments,
)

from worker.core import features as F
from worker.core import stage_kernels
from worker.core.segments import PageSegments, text_segments
from worker.learn.dataset import Mode


def both_ways(segments: PageSegments) -> tuple[bool, F.FloatArray, F.FloatArray]:
    """(whether the kernel made the table, its table, the table made one kernel at a time)"""
    assert segments.structure is not None
    shape = (len(segments), len(F.feature_names(segments.content_type)))
    fused, one_by_one = np.full(shape, np.nan, np.float32), np.empty(shape, np.float32)
    made = F._feature_table(segments, segments.structure, fused)
    F.features_one_by_one(segments, segments.structure, one_by_one)
    return made, fused, one_by_one


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_feature_table_match_the_kernels_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """The dumps, and the HTML pages' segments read as the lines of one."""
    segments = fixture_segments(mode, page_id)
    if mode == "html":
        segments = text_segments("\n".join(segments.texts))
    made, fused, one_by_one = both_ways(segments)
    assert made
    assert_bit_equal(fused, one_by_one)


@pytest.mark.parametrize("page_id", [page for mode, page in fixture_pages() if mode == "html"])
def test_feature_table_match_the_kernels_on_the_html_pages(page_id: str) -> None:
    """An HTML page's table, its structure columns and all, as page_features makes it."""
    segments = fixture_segments("html", page_id)
    made, fused, one_by_one = both_ways(segments)
    assert made
    assert_bit_equal(fused, one_by_one)


# Words of each class, boilerplate phrases in either case, sentence ends, other scripts, the
# two characters whose lowercase the phrase counts cannot read, and whitespace.
PIECES = [" ", "  ", "\t", "a", "Word", "7", ".", "!", ":", "|", " -", "”", "é", "Ж", "中"]
PIECES += ["。", "Share", "COOKIE", "read more", "Comments", "©", "sign\tin", "\u212a", "\u0130"]
line = st.lists(st.sampled_from(PIECES), max_size=10).map("".join)
# lines may repeat: picked from a few
body = st.lists(line, min_size=1, max_size=12).flatmap(
    lambda lines: st.lists(st.sampled_from([*lines, ""]), min_size=1, max_size=200)
)


@KERNEL_SETTINGS
@given(body)
def test_feature_table_match_the_kernels(lines: list[str]) -> None:
    segments = text_segments("\n".join(lines))
    if not len(segments):
        return
    made, fused, one_by_one = both_ways(segments)
    joined = "\n".join(segments.texts)
    # a page the phrase counts cannot read is left to the kernels one by one
    assert made == ("\u212a" not in joined and "\u0130" not in joined)
    if made:
        assert_bit_equal(fused, one_by_one)


def test_feature_table_leave_counts_past_their_table() -> None:
    """A line repeated more times than log1p_counts holds: False."""
    segments = text_segments("same\n" * 5 + "other")
    arguments = call_arguments(segments)
    assert stage_kernels.feature_table(**arguments)
    arguments["log1p_counts"] = arguments["log1p_counts"][:4]  # counts 0..3; "same" has 4
    assert not stage_kernels.feature_table(**arguments)


def call_arguments(segments: PageSegments) -> dict[str, Any]:
    assert segments.structure is not None and segments.utf8 is not None
    text_sources, structure_sources = F._source_columns("text/plain")
    return {
        "page": segments.utf8,
        "count": len(segments),
        "byte_tables": (F._CLASS_TABLE, F._ENDS_SENTENCE_TABLE, F._CODE_POINT_KINDS),
        "phrases": F._BOILERPLATE.encoded,
        "log1p_counts": F._LOG1P_COUNTS,
        "structure": segments.structure,
        "sources": (tuple(text_sources), tuple(structure_sources), F._POSITION_SOURCES),
        "radii": F._WINDOWS,
        "out": np.empty((len(segments), len(F.feature_names("text/plain"))), np.float32),
    }


@pytest.mark.parametrize(
    "wrong",
    [
        {"count": 3},  # the page holds two
        {"count": 0},
        {"structure": np.zeros((2, 2), np.float32)},
        {"out": np.empty((2, 54), np.float32)},
        {"out": np.empty((2, 56), np.float32)},
        {"sources": ((1, 20), (2,), (1, 11))},
        {"sources": ((1,), (3,), (1, 11))},
        {"sources": ((1,), (2,), (1, -1))},
        {"sources": ((1,), (2,), (1,))},  # type: ignore[dict-item]
        {"radii": (1, -3)},
        {"byte_tables": (b"\x00" * 255, F._ENDS_SENTENCE_TABLE, F._CODE_POINT_KINDS)},
        {"phrases": (b"",)},
    ],
)
def test_feature_table_refuse_what_they_cannot_read(wrong: dict[str, Any]) -> None:
    arguments = call_arguments(text_segments("One line.\nTwo lines"))
    with pytest.raises(ValueError):
        stage_kernels.feature_table(**(arguments | wrong))
