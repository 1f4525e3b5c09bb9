"""The page layout kernel (html_kernels.page_layout, behind html_layout.page_layout) gives the
results of the numpy definition it replaced (html_references.page_layout) to the bit: on
the fixture pages, with the arguments html_segments hands over, and on hypothesis-made trees
and lists of paths; and it refuses arguments it cannot read.

The C keys its nodes by a hash table in the order their ids come, numpy by sorting them:
the two agree on sums (both add in path order) and on ties (both pick the first in document
order: ids are memory addresses), which the random trees, whose ids come in any order, keep
testing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import html_references as reference
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kernel_fixtures import KERNEL_SETTINGS, assert_bit_equal, fixture_pages

from worker.core import _kernels, html_layout
from worker.core import html_segments as html_segments_module
from worker.core.html_layout import Layout
from worker.core.html_segments import html_segments

Float64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]
# page_layout's arguments: paths, chars, link_density, commas, ends_sentence, negative, positive,
# unlikely
LayoutArgs = tuple[list[tuple[int, ...]], Float64, Float64, Float64, Bool, Bool, Bool, Bool]
ARRAY_FIELDS = (
    "in_best",
    "candidate_score",
    "before_best",
    "after_best",
    "card_link_density",
    "linked_cards_around",
)


@contextmanager
def field(name: str) -> Iterator[None]:
    """Names the Layout field whose comparison fails."""
    try:
        yield
    except (AssertionError, pytest.fail.Exception) as failure:
        pytest.fail(f"{name}: {failure}")


def assert_same_layout(args: LayoutArgs) -> Layout:
    """The kernel's layout is numpy's, to the bit; returns numpy's."""
    actual = html_layout.page_layout(*args)
    with np.errstate(all="ignore"):  # the odd inputs make NaNs and infinities
        expected = reference.page_layout(*args)
    for name in ARRAY_FIELDS:
        with field(name):
            assert_bit_equal(getattr(actual, name), getattr(expected, name))
    with field("best_text_share"):
        assert isinstance(actual.best_text_share, float)
        assert_bit_equal(np.array(actual.best_text_share), np.array(expected.best_text_share))
    return expected


# --- the fixture pages, as html_segments hands them over ---------------------------------------

HTML_PAGES = [
    pytest.param(page_id, id=page_id) for mode, page_id in fixture_pages() if mode == "html"
]


@cache
def fixture_layout_args(page_id: str) -> LayoutArgs:
    """What html_segments' structure passes page_layout for the page (copied: the walk's own
    arrays stay its own)."""
    calls: list[tuple[Any, ...]] = []

    def record(*args: Any) -> Layout:
        calls.append(args)
        return html_layout.page_layout(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(html_segments_module, "page_layout", record)
        html_segments(fixture_pages()["html", page_id].body("html"))
    assert len(calls) == 1
    paths, *arrays = calls[0]
    assert isinstance(paths, list)
    chars, link_density, commas, ends_sentence, negative, positive, unlikely = map(np.array, arrays)
    return paths, chars, link_density, commas, ends_sentence, negative, positive, unlikely


def test_the_html_fixture_pages_are_all_there() -> None:
    assert len(HTML_PAGES) == 35


@pytest.mark.parametrize("page_id", HTML_PAGES)
def test_page_layout_matches_numpy_on_the_fixture_pages(page_id: str) -> None:
    assert_same_layout(fixture_layout_args(page_id))


def test_the_fixture_pages_reach_every_part_of_the_layout() -> None:
    """The comparisons above cover a best container with segments before and after it, and
    cards linked and not, grids of them among them."""
    layouts = [assert_same_layout(fixture_layout_args(p.values[0])) for p in HTML_PAGES]
    assert all(layout.in_best.any() and not layout.in_best.all() for layout in layouts)
    assert all(layout.before_best.any() for layout in layouts)
    assert sum(layout.after_best.any() for layout in layouts) > len(layouts) / 2
    assert all(0.0 < layout.best_text_share < 1.0 for layout in layouts)
    around = np.concatenate([layout.linked_cards_around for layout in layouts])
    assert (around == 0).any() and (around > np.log1p(2.0)).any()
    scores = np.concatenate([layout.candidate_score for layout in layouts])
    assert ((scores > 0) & (scores < 1)).any()


# --- hypothesis-made pages ---------------------------------------------------------------------

# Ids as html_segments makes them (addresses, 16-byte aligned) and any other int64.
node_ids = st.one_of(
    st.integers(0, 1 << 20).map(lambda slot: 0x7F00_0000_0000 + 16 * slot),
    st.integers(-(1 << 63), (1 << 63) - 1),
)
segment_chars = st.one_of(
    st.sampled_from([1, 12, 24, 25, 26, 99, 100, 101, 199, 200, 300, 399, 400, 1000]),
    st.integers(1, 700),
)


Columns = tuple[Float64, Float64, Float64, Bool, Bool, Bool, Bool]


@st.composite
def segment_columns(draw: st.DrawFn, count: int) -> Columns:
    """chars, link_density, commas, ends_sentence, negative, positive, unlikely as
    html_segments makes them: whole characters, a link density of linked characters, whole
    commas. A page may be all prose, all links, or short lines only."""
    kind = draw(st.sampled_from(["any", "all linked", "unlinked", "short lines"]))
    chars = np.array(draw(st.lists(segment_chars, min_size=count, max_size=count)), dtype=float)
    if kind == "short lines":
        chars = np.minimum(chars, 24.0)
    shares = draw(
        st.lists(
            st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0, 1)),
            min_size=count,
            max_size=count,
        )
    )
    links = np.round(chars * np.array(shares, dtype=float))
    link_density = np.minimum(1.0, links / chars)
    if kind != "any":
        link_density[:] = 1.0 if kind == "all linked" else 0.0
    commas = np.array(draw(st.lists(st.integers(0, 9), min_size=count, max_size=count)), float)
    ends_sentence, negative, positive, unlikely = (
        np.array(draw(st.lists(st.booleans(), min_size=count, max_size=count)), dtype=bool)
        for _ in range(4)
    )
    return chars, link_density, commas, ends_sentence, negative, positive, unlikely


@st.composite
def page_trees(draw: st.DrawFn) -> LayoutArgs:
    """A random tree of blocks (each below one drawn before it), and segments in blocks of
    it: each segment's path is its block's ancestors, as the walk gives them."""
    size = draw(st.integers(1, 40))
    parents = [draw(st.integers(0, node - 1)) for node in range(1, size)]
    ids = draw(st.lists(node_ids, min_size=size, max_size=size, unique=True))
    paths: list[tuple[int, ...]] = [(ids[0],)]
    for node, parent in enumerate(parents, start=1):
        paths.append((*paths[parent], ids[node]))
    blocks = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=80))
    chars, link_density, commas, ends, negative, positive, unlikely = draw(
        segment_columns(len(blocks))
    )
    return (
        [paths[b] for b in blocks],
        chars,
        link_density,
        commas,
        ends,
        negative,
        positive,
        unlikely,
    )


@KERNEL_SETTINGS
@given(page_trees())
def test_page_layout_matches_numpy_on_random_trees(args: LayoutArgs) -> None:
    assert_same_layout(args)


any_float = st.floats(allow_nan=True, allow_infinity=True)
plain_float = st.one_of(st.sampled_from([0.0, -0.0, 1.0, 0.5, 25.0, 100.0, 250.0]), any_float)


@st.composite
def odd_pages(draw: st.DrawFn) -> LayoutArgs:
    """Paths no walk makes (the same id twice in a path, or under different parents) and
    floats no page has (fractions, negatives, NaN, infinities): the kernel computes what
    numpy does whatever it is given."""
    pool = draw(st.lists(node_ids, min_size=1, max_size=12, unique=True))
    path = st.lists(st.sampled_from(pool), min_size=1, max_size=8).map(tuple)
    paths = draw(st.lists(path, min_size=1, max_size=30))
    count = len(paths)

    def floats() -> Float64:
        return np.array(draw(st.lists(plain_float, min_size=count, max_size=count)))

    def flags() -> Bool:
        return np.array(draw(st.lists(st.booleans(), min_size=count, max_size=count)))

    return paths, floats(), floats(), floats(), flags(), flags(), flags(), flags()


@KERNEL_SETTINGS
@given(odd_pages())
def test_page_layout_matches_numpy_on_any_paths_and_floats(args: LayoutArgs) -> None:
    assert_same_layout(args)


# --- known pages ------------------------------------------------------------------------------

PROSE = 150.0  # characters of a paragraph


def page(paths: list[tuple[int, ...]], **columns: list[float]) -> LayoutArgs:
    """A page of prose segments, unlinked, without commas or hints, none unlikely, but for
    `columns`."""
    count = len(paths)

    def column(name: str, default: float) -> Float64:
        return np.array(columns.get(name, [default] * count), dtype=float)

    return (
        paths,
        column("chars", PROSE),
        column("link_density", 0.0),
        column("commas", 0.0),
        column("ends_sentence", 1.0).astype(bool),
        column("negative", 0.0).astype(bool),
        column("positive", 0.0).astype(bool),
        column("unlikely", 0.0).astype(bool),
    )


def test_an_empty_page_has_an_empty_layout() -> None:
    layout = assert_same_layout(page([]))
    assert layout.in_best.shape == (0,) and layout.best_text_share == 0.0


def test_one_segment_scores_its_parent() -> None:
    layout = assert_same_layout(page([(1, 2)]))
    assert layout.in_best.tolist() == [True] and layout.best_text_share == 1.0
    alone = assert_same_layout(page([(1,)]))  # no block above it to score
    assert not alone.in_best.any() and alone.best_text_share == 0.0


@pytest.mark.parametrize(
    "columns",
    [
        pytest.param({"chars": [24.0] * 3}, id="short lines"),
        pytest.param({"chars": [80.0] * 3, "ends_sentence": [0.0] * 3}, id="no sentences"),
        pytest.param({"link_density": [1.0] * 3}, id="all linked"),
        pytest.param({"link_density": [0.6] * 3}, id="mostly linked"),
    ],
)
def test_a_page_without_paragraphs_has_no_best_container(columns: dict[str, list[float]]) -> None:
    layout = assert_same_layout(page([(1, 2, 3), (1, 2, 4), (1, 5)], **columns))
    assert not layout.in_best.any() and not layout.candidate_score.any()
    assert not (layout.before_best.any() or layout.after_best.any())
    assert layout.best_text_share == 0.0


def test_a_negative_hint_can_leave_no_container_above_zero() -> None:
    layout = assert_same_layout(page([(1, 2, 3), (1, 2, 4)], negative=[1, 1]))
    assert not layout.in_best.any()


def test_of_equal_containers_the_first_in_the_page_is_best() -> None:
    """Two paragraphs alike in blocks 9 and 7 (a list of links below their parent keeps it
    lower): the first in document order wins, not the lowest id. Ids are memory addresses,
    so a tie broken by them would change from one parse of the page to the next."""
    layout = assert_same_layout(
        page([(5, 9, 90), (5, 7, 70), (5, 99)], link_density=[0.0, 0.0, 1.0])
    )
    assert layout.in_best.tolist() == [True, False, False]
    assert layout.before_best.tolist() == [False, False, False]
    assert layout.after_best.tolist() == [False, True, True]
    assert layout.candidate_score.tolist()[:2] == [1.0, 1.0]


def test_a_long_comment_thread_is_not_the_best_container() -> None:
    """An article of three paragraphs (block 2) and a thread of eight comments below it
    (block 3), all prose alike: the thread scores more and wins, unless its segments are
    unlikely; then they score nothing, the article wins, and their characters still count
    (in the page's text and their cards, which stay as they were)."""
    article = [(1, 2, 10 + p) for p in range(3)]
    thread = [(1, 3, 30 + c) for c in range(8)]
    scored = assert_same_layout(page([*article, *thread]))
    assert scored.in_best.tolist() == [False] * 3 + [True] * 8
    assert scored.before_best.tolist() == [True] * 3 + [False] * 8
    assert scored.best_text_share == 8 / 11
    unlikely = assert_same_layout(page([*article, *thread], unlikely=[0.0] * 3 + [1.0] * 8))
    assert unlikely.in_best.tolist() == [True] * 3 + [False] * 8
    assert unlikely.after_best.tolist() == [False] * 3 + [True] * 8
    assert unlikely.best_text_share == 3 / 11
    for name in ("card_link_density", "linked_cards_around"):
        with field(name):
            assert_bit_equal(getattr(unlikely, name), getattr(scored, name))


def test_a_grid_of_linked_cards() -> None:
    """Three linked teasers of two segments under one list, and a paragraph; each teaser
    counts once, however many segments it holds."""
    paths = [(1, 2, 10 + card, 20 + 2 * card + part) for card in range(3) for part in range(2)]
    layout = assert_same_layout(
        page([*paths, (1, 3, 4)], link_density=[1.0] * 6 + [0.0], chars=[30.0] * 6 + [PROSE])
    )
    assert layout.card_link_density.tolist() == [1.0] * 6 + [0.0]
    assert layout.linked_cards_around.tolist() == [math.log1p(3.0)] * 6 + [0.0]
    assert layout.in_best.tolist() == [False] * 6 + [True]


# --- what the kernel refuses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paths", "error", "message"),
    [
        pytest.param(((1, 2),), TypeError, "paths must be a list", id="a tuple of paths"),
        pytest.param([[1, 2]], TypeError, r"paths\[0\] is a list, not a tuple", id="a list"),
        pytest.param([(1,), ()], ValueError, r"paths\[1\] is empty", id="empty"),
        pytest.param([(1, "2")], TypeError, r"paths\[0\] holds a str", id="a str id"),
        pytest.param([(1, 2.0)], TypeError, r"paths\[0\] holds a float", id="a float id"),
        pytest.param(
            [(1 << 63,)], OverflowError, r"paths\[0\] holds an id beyond int64", id="beyond"
        ),
    ],
)
def test_page_layout_refuses_paths_it_cannot_read(
    paths: Any, error: type[Exception], message: str
) -> None:
    args = page([(1,)] * len(paths))
    with pytest.raises(error, match=message):
        html_layout.page_layout(paths, *args[1:])


@pytest.mark.parametrize("column", range(1, 8))
@pytest.mark.parametrize("length", [1, 3])
def test_page_layout_refuses_columns_of_another_length(column: int, length: int) -> None:
    args: list[Any] = list(page([(1, 2), (1, 3)]))
    args[column] = args[column][:1] if length == 1 else np.concatenate([args[column]] * 2)[:3]
    with pytest.raises(ValueError, match=r"holds \d+ bytes, expected"):
        html_layout.page_layout(*args)


def kernel_call(**changes: Any) -> float:
    """_kernels.page_layout on a page of two segments, but for `changes`."""
    arguments: dict[str, Any] = {
        "paths": [(1, 2), (1, 3)],
        "chars": np.full(2, PROSE),
        "link_density": np.zeros(2),
        "commas": np.zeros(2),
        "ends_sentence": np.ones(2, dtype=bool),
        "negative": np.zeros(2, dtype=bool),
        "positive": np.zeros(2, dtype=bool),
        "unlikely": np.zeros(2, dtype=bool),
        "rules": html_layout._RULES,
        "in_best": np.zeros(2, dtype=bool),
        "candidate_score": np.zeros(2),
        "before_best": np.zeros(2, dtype=bool),
        "after_best": np.zeros(2, dtype=bool),
        "card_link_density": np.zeros(2),
        "linked_cards_around": np.zeros(2),
    }
    arguments.update(changes)
    return _kernels.page_layout(*arguments.values())


def test_the_kernel_call_helper_is_a_good_call() -> None:
    assert kernel_call() == 1.0


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        pytest.param({"in_best": np.zeros(3, dtype=bool)}, ValueError, id="in-best"),
        pytest.param({"candidate_score": np.zeros(1)}, ValueError, id="candidate-score"),
        pytest.param({"before_best": np.zeros(2)}, ValueError, id="before-best-float"),
        pytest.param({"linked_cards_around": np.zeros(2, np.float32)}, ValueError, id="float32"),
        pytest.param({"card_link_density": b"\0" * 16}, TypeError, id="read-only"),
        pytest.param({"rules": html_layout._RULES[:7]}, TypeError, id="rules-short"),
        pytest.param({"rules": (*html_layout._RULES[:7], (1.0,) * 17)}, ValueError, id="17"),
        pytest.param({"rules": (*html_layout._RULES[:7], ("1",))}, TypeError, id="divider-str"),
    ],
)
def test_the_kernel_refuses_bad_outputs_and_rules(changes: dict[str, Any], error: type) -> None:
    with pytest.raises(error):
        kernel_call(**changes)
