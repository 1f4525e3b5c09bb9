"""html_kernels.segment_columns, .main_container, .sibling_columns, .repeats_title and
kernels.short_lines_starting give what html_segments and rules computed with Python and numpy
before (html_references.segment_columns, .in_main_container, .sibling_columns, and the Python
definitions below), to the bit: on the fixture pages, with the columns the walk gives, and
on hypothesis-made ones; and they refuse what they cannot read.

Both key blocks by a hash table in the order their ids come, the references by a dict or by
sorting: sums agree (both add in document order), which ids in any order keep testing.
"""

from __future__ import annotations

from typing import Any

import html_references as reference
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kernel_fixtures import KERNEL_SETTINGS, assert_bit_equal, fixture_pages

from worker.core import html_kernels, html_tags, html_walk, kernels
from worker.core import html_segments as hs
from worker.core.html_segments import html_segments

HTML_PAGES = [
    pytest.param(page_id, id=page_id) for mode, page_id in fixture_pages() if mode == "html"
]


def walk_columns(page_id: str) -> dict[str, Any]:
    """The columns html_segments' structure reads, for a fixture page."""
    segments = html_segments(fixture_pages()["html", page_id].body("html"))
    assert segments.html is not None and segments.structure is not None
    layout = segments.html
    marks = html_kernels.segment_marks(segments.texts)
    comment = np.array([bool(bits & html_tags.COMMENT_HINT) for bits in layout.bits])
    links = segments.structure[:, hs.STRUCTURE_NAMES.index("link_density")]
    return {
        "texts": segments.texts,
        "paths": layout.paths,
        "blocks": layout.blocks,
        "groups": layout.groups,
        "chars": np.where(comment, 0.0, marks.chars),
        "all_chars": marks.chars,
        "ends_prose": marks.ends_prose,
        # (the float32 column read back: any link densities do)
        "link_density": links.astype(np.float64),
    }


def assert_same_main_container(
    texts: list[str],
    paths: Any,
    blocks: Any,
    chars: np.ndarray[Any, Any],
    ends_prose: np.ndarray[Any, Any],
) -> tuple[int, int, int] | None:
    inside, found = html_kernels.main_container(paths, blocks, chars, ends_prose, hs._PROSE_CHARS)
    expected_inside, expected = reference.in_main_container(
        texts, paths, blocks, chars, ends_prose, hs._PROSE_CHARS
    )
    assert found == expected
    assert inside.dtype == np.bool_ and inside.tolist() == expected_inside
    return found


def assert_same_siblings(groups: Any, chars: Any, link_density: Any) -> None:
    actual = html_kernels.sibling_columns(groups, chars, link_density)
    expected = reference.sibling_columns(groups, chars, link_density)
    for actual_column, expected_column in zip(actual, expected, strict=True):
        assert_bit_equal(actual_column, expected_column)


def test_main_container_matches_python_on_the_fixture_pages() -> None:
    found = []
    for param in HTML_PAGES:
        c = walk_columns(param.values[0])
        found.append(
            assert_same_main_container(
                c["texts"], c["paths"], c["blocks"], c["chars"], c["ends_prose"]
            )
        )
    # Most pages have prose, and the container is found at several depths.
    assert sum(f is not None for f in found) > len(found) * 3 / 4
    assert len({f[0] for f in found if f is not None}) > 3


@pytest.mark.parametrize("page_id", HTML_PAGES)
def test_sibling_columns_match_numpy_on_the_fixture_pages(page_id: str) -> None:
    c = walk_columns(page_id)
    assert_same_siblings(c["groups"], c["all_chars"], c["link_density"])


# Ids as the walk makes them (addresses, 16-byte aligned) and any other int64.
node_ids = st.one_of(
    st.integers(0, 1 << 12).map(lambda slot: 0x7F00_0000_0000 + 16 * slot),
    st.integers(-(1 << 63), (1 << 63) - 1),
)
prose_chars = st.sampled_from([1, 12, 79, 80, 81, 100, 160, 240, 400])


@st.composite
def pages(draw: st.DrawFn) -> tuple[list[str], list[tuple[int, ...]], list[int], Any, Any]:
    """Segments in blocks of a random tree: a block's own text may come before, between or
    after its child blocks, so a block's segments need not be adjacent."""
    ids = iter(draw(st.lists(node_ids, min_size=40, max_size=40, unique=True)))
    paths: list[tuple[int, ...]] = []

    def grow(path: tuple[int, ...], depth: int) -> None:
        children = draw(st.integers(0, 3 if depth < 5 else 0))
        for child in range(children + 1):
            if draw(st.booleans()):
                paths.append(path)
            if child < children:
                block = next(ids, None)
                if block is not None:
                    grow((*path, block), depth + 1)

    grow((next(ids),), 0)
    chars = [draw(prose_chars) for _ in paths]
    texts = ["x" * n for n in chars]
    ends = np.array([draw(st.booleans()) for _ in paths], dtype=np.bool_)
    return texts, paths, [path[-1] for path in paths], np.array(chars, dtype=np.float64), ends


@KERNEL_SETTINGS
@given(pages())
def test_main_container_matches_python_on_random_pages(
    page: tuple[list[str], list[tuple[int, ...]], list[int], Any, Any],
) -> None:
    texts, paths, blocks, chars, ends = page
    assert_same_main_container(texts, paths, blocks, chars, ends)
    # As the walk hands them over too: tuples of the columns.
    assert_same_main_container(texts, tuple(paths), tuple(blocks), chars, ends)


def test_main_container_on_a_tie_takes_the_first_block() -> None:
    """Two blocks at the same depth holding exactly half of the prose each."""
    paths = [(1, 2), (1, 3)]
    texts = ["x" * 100 + ".", "y" * 100 + "."]
    chars = np.array([101.0, 101.0])
    ends = np.array([True, True])
    found = assert_same_main_container(texts, paths, [2, 3], chars, ends)
    assert found == (1, 2, 101)


def test_main_container_without_prose() -> None:
    inside, found = html_kernels.main_container(
        [(1,), (1, 2)], [1, 2], np.array([10.0, 500.0]), np.array([True, False]), 80.0
    )
    assert found is None and inside.tolist() == [False, False]


@KERNEL_SETTINGS
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0, 1, 2, 7, 2**62, -(2**63)]) | node_ids,
            st.integers(1, 5000),
            st.floats(0.0, 1.0),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_sibling_columns_match_numpy_on_random_groups(rows: list[tuple[int, int, float]]) -> None:
    groups = [group for group, _, _ in rows]
    chars = np.array([float(n) for _, n, _ in rows])
    density = np.array([d for _, _, d in rows])
    assert_same_siblings(groups, chars, density)
    assert_same_siblings(tuple(groups), chars, density)


def test_the_structure_kernels_refuse_what_they_cannot_read() -> None:
    one, two = np.ones(1), np.ones(2)
    ends = np.ones(1, dtype=np.bool_)
    with pytest.raises(ValueError, match="chars"):
        html_kernels.sibling_columns([1], two, one)
    with pytest.raises(TypeError, match="64 bits"):
        html_kernels.sibling_columns(["a"], one, one)  # type: ignore[list-item]
    with pytest.raises(OverflowError):
        html_kernels.sibling_columns([2**64], one, one)
    with pytest.raises(TypeError, match=r"len|sequence"):
        html_kernels.sibling_columns(1, one, one)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="one block per path"):
        html_kernels.main_container([(1,)], [1, 2], one, ends, 0.0)
    with pytest.raises(ValueError, match="chars"):
        html_kernels.main_container([(1,)], [1], two, ends, 0.0)
    with pytest.raises(TypeError, match="tuple"):
        html_kernels.main_container([[1]], [1], one, ends, 0.0)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="empty"):
        html_kernels.main_container([()], [1], one, ends, 0.0)
    with pytest.raises(TypeError, match="64 bits"):
        html_kernels.main_container([(1, "b")], [1], one, ends, 0.0)  # type: ignore[list-item]
    with pytest.raises(OverflowError):
        html_kernels.main_container([(1,)], [2**70], one, ends, 0.0)


def assert_same_segment_columns(
    columns: tuple[Any, ...], chars: np.ndarray[Any, Any], bit_values: tuple[int, ...]
) -> None:
    width = 4 + len(bit_values)
    # Written between two columns it must leave alone.
    matrix = np.full((len(chars), width + 2), -7.0, dtype=np.float32)
    density = html_kernels.segment_columns(columns, chars, bit_values, matrix, 1)
    expected, expected_density = reference.segment_columns(columns, chars, bit_values)
    assert_bit_equal(matrix[:, 1:-1], expected)
    assert_bit_equal(density, expected_density)
    assert (matrix[:, 0] == -7.0).all() and (matrix[:, -1] == -7.0).all()


def test_segment_columns_match_numpy_on_the_fixture_pages() -> None:
    for param in HTML_PAGES:
        segments = html_segments(fixture_pages()["html", param.values[0]].body("html"))
        assert segments.html is not None
        root = segments.html.tree.body
        assert root is not None
        w = html_walk.compiled_walk(root)
        walked = (w.links, w.kinds, w.depths, w.pieces, w.bits)
        chars = html_kernels.segment_marks(w.texts).chars
        assert_same_segment_columns(walked, chars, hs._BIT_TUPLE)


@KERNEL_SETTINGS
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3000),
            st.integers(0, 12),
            st.integers(0, 300),
            st.integers(1, 500),
            st.integers(0, (1 << 30) - 1),
            st.integers(1, 3000),
        ),
        max_size=50,
    )
)
def test_segment_columns_match_numpy_on_random_columns(
    rows: list[tuple[int, int, int, int, int, int]],
) -> None:
    columns = tuple(tuple(row[k] for row in rows) for k in range(5))
    chars = np.array([float(row[5]) for row in rows])
    assert_same_segment_columns(columns, chars, hs._BIT_TUPLE)
    assert_same_segment_columns(tuple(map(list, columns)), chars, (1, 6, 1 << 29))


def test_segment_columns_refuse_what_they_cannot_read() -> None:
    matrix = np.zeros((2, 10), dtype=np.float32)
    chars = np.ones(2)
    good = ([0, 1], [1, 1], [1, 1], [1, 1], [1, 2])
    with pytest.raises(ValueError, match="kinds: one per segment"):
        html_kernels.segment_columns(([0, 1], [1], [1, 1], [1, 1], [1, 2]), chars, (1,), matrix, 0)
    with pytest.raises(ValueError, match="do not fit"):
        html_kernels.segment_columns(good, chars, (1, 2, 4), matrix, 4)
    with pytest.raises(ValueError, match="do not fit"):
        html_kernels.segment_columns(good, chars, (1,), matrix, -1)
    with pytest.raises(ValueError, match="matrix"):
        html_kernels.segment_columns(good, chars, (1,), np.zeros(5, dtype=np.float32), 0)
    with pytest.raises(TypeError):
        html_kernels.segment_columns(([0, "a"], *good[1:]), chars, (1,), matrix, 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="64 bit values"):
        html_kernels.segment_columns(
            good, chars, tuple(range(65)), np.zeros((2, 80), np.float32), 0
        )


def reference_repeats_title(texts: list[str], title: str, min_chars: int) -> list[bool]:
    """html_segments' test before html_kernels.repeats_title."""
    return [min_chars <= len(t) <= len(title) and t.lower() in title for t in texts]


# ASCII in both cases, and what lowers to more or other characters (İ, Σ, K as the Kelvin
# sign) or not at all.
_TITLE_ALPHABET = st.sampled_from(list("abcABC xyz-|.\u0130\u03a3\u03c3\u212a\u00df\u00e9"))


@KERNEL_SETTINGS
@given(
    st.lists(st.text(_TITLE_ALPHABET, max_size=40), max_size=30),
    st.text(_TITLE_ALPHABET, max_size=60),
    st.integers(0, 14),
)
def test_repeats_title_matches_python(texts: list[str], title: str, min_chars: int) -> None:
    title = title.lower()
    # Some texts the title holds, in other cases.
    texts += [title[:n].upper() for n in range(0, len(title), 7)]
    expected = reference_repeats_title(texts, title, min_chars)
    assert html_kernels.repeats_title(texts, title, min_chars).tolist() == expected


def test_repeats_title_on_known_texts() -> None:
    title = "a headline about the weather | the daily news"
    texts = ["A Headline About The Weather", "The Daily", "x" * 600, "THE DAILY NEWS", "Weather!"]
    repeats = html_kernels.repeats_title(texts, title, 12)
    assert repeats.tolist() == [True, False, False, True, False]
    long_title = "y" * 700
    texts = ["Y" * 600, "Y" * 12, "\u0130" + "y" * 20]
    assert html_kernels.repeats_title(texts, long_title, 12).tolist() == [True, True, False]
    assert html_kernels.repeats_title(["\u0130stanbul news"], "i\u0307stanbul news today", 12)[0]
    with pytest.raises(TypeError, match="list of str"):
        html_kernels.repeats_title([1], title, 12)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="out"):
        html_kernels._kernels.repeats_title(["a"], title, 12, np.empty(2, dtype=np.bool_))


@KERNEL_SETTINGS
@given(
    st.lists(st.text(st.sampled_from(list("cCx1 é\u4e2d•《")), max_size=8), max_size=30),
    st.integers(-2, 32),
    st.integers(0, 9),
)
def test_short_lines_starting_matches_python(texts: list[str], first: int, max_chars: int) -> None:
    starts = "cC1"
    expected = [
        p
        for p in range(max(0, first), len(texts))
        if len(texts[p]) < max_chars and texts[p][:1] in frozenset(starts)
    ]
    assert kernels.short_lines_starting(texts, first, max_chars, starts) == expected
    assert kernels.short_lines_starting(tuple(texts), first, max_chars, starts) == expected
    # Lines that start with a letter past ASCII ("é", "中", not "•") too, where asked.
    also_non_ascii = [
        p
        for p in range(max(0, first), len(texts))
        if len(texts[p]) < max_chars
        and (
            texts[p][:1] in frozenset(starts)
            or (not texts[p][:1].isascii() and texts[p][0].isalpha())
        )
    ]
    assert kernels.short_lines_starting(texts, first, max_chars, starts, (), True) == (
        also_non_ascii
    )
    # Starts past ASCII given one by one.
    with_brackets = [
        p
        for p in range(max(0, first), len(texts))
        if len(texts[p]) < max_chars and texts[p][:1] in frozenset("cC1《")
    ]
    assert kernels.short_lines_starting(texts, first, max_chars, "cC1《") == with_brackets


@KERNEL_SETTINGS
@given(
    st.lists(
        st.text(st.sampled_from(list("cCoOrRx1 é\u212a\u2019\u2003")), max_size=12), max_size=30
    ),
    st.integers(-2, 32),
    st.integers(0, 13),
)
def test_short_lines_starting_with_words_matches_python(
    texts: list[str], first: int, max_chars: int
) -> None:
    starts, words = "cCx", ("co", "rr", "orc", "x")
    expected = [
        p
        for p in range(max(0, first), len(texts))
        if len(texts[p]) < max_chars
        and texts[p][:1] in frozenset(starts)
        and (
            any(not c.isascii() and c.isalpha() for c in texts[p])
            or any(w in texts[p].lower() for w in words)
        )
    ]
    assert kernels.short_lines_starting(texts, first, max_chars, starts, words) == expected
    assert kernels.short_lines_starting(texts, first, max_chars, starts, ()) == (
        kernels.short_lines_starting(texts, first, max_chars, starts)
    )


@KERNEL_SETTINGS
@given(
    st.lists(
        st.lists(st.sampled_from(["repl", "REPLY", "rep", "Comment", "commen", "x", " ", "r"]))
        .map("".join)
        .filter(bool),
        max_size=30,
    ),
    st.integers(0, 40),
)
def test_short_lines_starting_with_long_words_matches_python(
    texts: list[str], max_chars: int
) -> None:
    """Words of four letters or more: an ASCII line is read four bytes at a time."""
    starts, words = "rRcCx ", ("repl", "comment", "xrep")
    expected = [
        p
        for p in range(len(texts))
        if len(texts[p]) < max_chars
        and texts[p][:1] in frozenset(starts)
        and any(w in texts[p].lower() for w in words)
    ]
    assert kernels.short_lines_starting(texts, 0, max_chars, starts, words) == expected


def test_short_lines_starting_with_words_on_known_lines() -> None:
    texts = ["12 Comments", "12 Reasons", "Leave a REPLY", "Comments: \u00e9", "1 thing", "1 rep"]
    texts += [
        "1 Women\u2019s health",
        "1 \u201cComments\u201d",
        "1 \u0421\u043f\u0430\u0441\u0438\u0431\u043e",
    ]
    words = ("comment", "repl")
    assert kernels.short_lines_starting(texts, 0, 60, "1L", words) == [0, 2, 7, 8]
    assert kernels.short_lines_starting(texts, 0, 60, "1LC", words) == [0, 2, 3, 7, 8]
    assert kernels.short_lines_starting(texts, 0, 13, "1L", words) == [0, 7, 8]


def test_short_lines_starting_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="at most 8 starts past ASCII"):
        kernels.short_lines_starting(["a"], 0, 5, "éèêëàâîïô")
    with pytest.raises(TypeError, match="sequence of str"):
        kernels.short_lines_starting(["a", 2], 0, 5, "a")  # type: ignore[list-item]
    for words in (("\u00e9",), ("",), ("Comment",), tuple("abcdefghijklmnopqrstuvwxyz0123456")):
        with pytest.raises(ValueError, match="words"):
            kernels.short_lines_starting(["a"], 0, 5, "a", words)
