"""html_kernels.article_markdown (kernels_c/markdown.c) writes what markdown.python_markdown
writes, character for character: on the fixture pages, every segment kept or some, and on
hypothesis-made pages of lists, tables, headings and quotes nested at random, their texts
the walk's or ones starting like markup (Unicode digits and spaces, lone surrogates); it
leaves a page keeping a <pre> to Python, and refuses what it cannot read."""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import partial
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kernel_fixtures import KERNEL_SETTINGS, fixture_pages

from worker.core import html_kernels
from worker.core.html_segments import html_segments
from worker.core.html_tags import HEADING_LEVELS
from worker.core.markdown import _CODES, _PRE_KIND, article_markdown, python_markdown
from worker.core.segments import HtmlLayout

HTML_PAGES = [
    pytest.param(page_id, id=page_id) for mode, page_id in fixture_pages() if mode == "html"
]


def columns(layout: HtmlLayout) -> html_kernels.LayoutColumns:
    return layout.bits, layout.kinds, layout.paths, layout.blocks, layout.groups


def compiled(texts: Sequence[str], kept: Sequence[int], layout: HtmlLayout) -> str | None:
    return html_kernels.article_markdown(texts, kept, columns(layout), _CODES)


def keeps_pre(kept: Sequence[int], layout: HtmlLayout) -> bool:
    quote = _CODES[0][3]
    return any(layout.kinds[i] == _PRE_KIND and not layout.bits[i] & quote for i in kept)


def assert_same_markdown(texts: Sequence[str], kept: Sequence[int], layout: HtmlLayout) -> None:
    markdown = compiled(texts, kept, layout)
    if keeps_pre(kept, layout):
        assert markdown is None  # python_markdown writes it
    else:
        assert markdown == python_markdown(texts, kept, layout)
    assert article_markdown(texts, kept, layout) == python_markdown(texts, kept, layout)


@pytest.mark.parametrize("page_id", HTML_PAGES)
def test_the_fixture_pages_give_the_python_markdown(page_id: str) -> None:
    segments = html_segments(fixture_pages()["html", page_id].body("html"))
    assert segments.html is not None
    texts, layout = segments.texts, segments.html
    every = range(len(texts))
    no_pre = [i for i in every if layout.kinds[i] != _PRE_KIND]
    for kept in (every, no_pre, no_pre[::2], no_pre[1::3], [i for i in no_pre if i % 5 != 2]):
        assert_same_markdown(texts, kept, layout)


# --- hypothesis-made pages ---------------------------------------------------------------------

# Texts that start like markup or almost: Unicode digits (U+0663, U+FF11) and spaces (U+00A0,
# U+2003, U+3000), the escapes of a table cell, and characters of every width.
STARTS = ["#", ">", "*", "+", "-", "=", "`", "|", "~", "1.", "12)", "3", "1.x", "0)"]
STARTS += ["\u0663.", "1\u0663.", "\uff11)", "9.\u00a0", "9.\u2003", "9)\u3000", "5.\t", "a"]
STARTS += ["\\", "|x|", "\u00e9", "\u20ac", "\U0001f600", "1\U0001d7d8.", "x \\ y | z"]
WORDS = ["word", "a|b", "c\\d", "1.", "#", "\u00e9t\u00e9", "\u4e2d", "\U0001f600", ""]
text = st.builds(
    lambda start, words: start + " ".join(words),
    st.sampled_from(STARTS),
    st.lists(st.sampled_from(WORDS), max_size=3),
)
# The segments' texts swapped for any str: empty ones, lone surrogates, no spaces at all.
PIECES = [*STARTS, *WORDS, "\ud800", "\udfff", " ", "\n"]
ANY_TEXT = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)


def element(tag: str, children: list[str]) -> str:
    return f"<{tag}>{''.join(children)}</{tag}>"


def html_list(tag: str, items: list[list[str]]) -> str:
    return element(tag, [element("li", item) for item in items])


def html_table(head: bool, rows: list[list[list[str]]]) -> str:
    cells = [
        element("tr", [element("th" if head and r == 0 else "td", c) for c in row])
        for r, row in enumerate(rows)
    ]
    return element("table", [element("tbody", cells)])


leaf = text.map(lambda words: element("p", [html.escape(words)])) | text.map(html.escape)
BLOCKS = ["p", "div", "h1", "h2", "h3", "h4", "h6", "blockquote", "section", "span", "pre"]
nodes = st.recursive(
    leaf,
    lambda children: st.one_of(
        st.builds(element, st.sampled_from(BLOCKS), st.lists(children, min_size=1, max_size=3)),
        st.builds(
            html_list,
            st.sampled_from(["ul", "ol"]),
            st.lists(st.lists(children, min_size=1, max_size=3), min_size=1, max_size=4),
        ),
        st.builds(
            html_table,
            st.booleans(),
            st.lists(
                st.lists(st.lists(children, min_size=1, max_size=2), min_size=1, max_size=3),
                min_size=1,
                max_size=3,
            ),
        ),
    ),
    max_leaves=24,
)


@KERNEL_SETTINGS
@given(st.lists(nodes, min_size=1, max_size=5), st.data())
def test_hypothesis_pages_give_the_python_markdown(body: list[str], data: Any) -> None:
    segments = html_segments(f"<html><body>{''.join(body)}</body></html>")
    if segments.html is None or not segments.texts:
        return
    texts, layout = segments.texts, segments.html
    count = len(texts)
    kept = data.draw(st.sets(st.integers(0, count - 1)).map(sorted) | st.just(range(count)))
    if data.draw(st.booleans()):  # most often without a <pre>, which the C leaves to Python
        kept = [i for i in kept if layout.kinds[i] != _PRE_KIND]
    if data.draw(st.booleans()):
        texts = data.draw(st.lists(ANY_TEXT, min_size=count, max_size=count))
    assert_same_markdown(texts, kept, layout)


# Columns no walk gives: few ids, repeated in a path, the table id 0 among them, bits and
# kinds past 64 bits, any mix of context bits.
BITS = [*_CODES[0][:6], *HEADING_LEVELS, 1 << 70, 1]
ids = st.integers(0, 6)


def made_layout(
    bits: list[int], kinds: list[int], blocks: list[int], groups: list[int], paths: list[Any]
) -> HtmlLayout:
    """A layout without a tree (no <pre> is kept) or declared metadata."""
    return HtmlLayout(None, bits, kinds, blocks, groups, paths, None)  # type: ignore[arg-type]


@st.composite
def made_columns(draw: st.DrawFn) -> tuple[list[str], HtmlLayout]:
    count = draw(st.integers(1, 12))
    column = partial(st.lists, min_size=count, max_size=count)
    bits = draw(column(st.lists(st.sampled_from(BITS), max_size=4).map(sum)))
    kinds = draw(column(st.sampled_from([0, 1, *_CODES[1][:2], 5, 1 << 70])))
    paths = draw(column(st.lists(ids, max_size=5).map(tuple)))
    return draw(column(ANY_TEXT)), made_layout(
        bits, kinds, draw(column(ids)), draw(column(ids)), paths
    )


@KERNEL_SETTINGS
@given(made_columns(), st.data())
def test_made_columns_give_the_python_markdown(
    page: tuple[list[str], HtmlLayout], data: Any
) -> None:
    texts, layout = page
    kept = data.draw(st.sets(st.integers(0, len(texts) - 1)).map(sorted))
    assert compiled(texts, kept, layout) == python_markdown(texts, kept, layout)


def test_a_list_twice_on_a_path_counts_once() -> None:
    """A path naming the list 2 twice (no walk makes one), above the list 6 holding the
    item 7: lists.intersection counts it once, the item is one list deep."""
    in_list = _CODES[0][0]
    layout = made_layout([in_list] * 2, [2, 1], [3, 5], [2, 7], [(2, 3), (2, 2, 6, 7, 5)])
    assert python_markdown(["a", "b"], [1], layout) == "  - b"
    assert compiled(["a", "b"], [1], layout) == "  - b"


# --- what it refuses --------------------------------------------------------------------------

PAGE = "<ul><li>a</li><li><p>b</p><p>c</p></li></ul><table><tr><td>d</td></tr></table><pre>e</pre>"


def page() -> tuple[list[str], HtmlLayout]:
    segments = html_segments(f"<html><body>{PAGE}</body></html>")
    assert segments.html is not None
    return segments.texts, segments.html


def test_a_kept_pre_is_left_to_python_which_reads_its_lines() -> None:
    texts, layout = page()
    assert compiled(texts, range(len(texts)), layout) is None
    assert compiled(texts, range(len(texts) - 1), layout) == "- a\n- b c\n\n| d |\n| --- |"
    assert article_markdown(texts, range(len(texts)), layout).endswith("```\ne\n```")


def changed(column: int, value: Any) -> html_kernels.LayoutColumns:
    layout = page()[1]
    changed: list[Any] = list(columns(layout))
    changed[column] = value
    return changed[0], changed[1], changed[2], changed[3], changed[4]


@pytest.mark.parametrize(
    ("texts", "kept", "given", "error"),
    [
        pytest.param(["a"] * 4, [0], None, ValueError, id="fewer-texts"),
        pytest.param(None, [0, 7], None, ValueError, id="kept-past-the-end"),
        pytest.param(None, [-1], None, ValueError, id="kept-negative"),
        pytest.param(None, [1, 0], None, ValueError, id="kept-decreasing"),
        pytest.param(None, [1, 1], None, ValueError, id="kept-twice"),
        pytest.param(None, ["0"], None, TypeError, id="kept-no-int"),
        pytest.param([b"a"] * 5, [0], None, TypeError, id="text-bytes"),
        pytest.param(None, [0], changed(0, [1.0] * 5), TypeError, id="bits-float"),
        pytest.param(None, [0], changed(1, ["2"] * 5), TypeError, id="kinds-str"),
        pytest.param(None, [0], changed(2, [[1, 2]] * 5), TypeError, id="path-list"),
        pytest.param(None, [0], changed(2, [("1",)] * 5), TypeError, id="path-of-str"),
        pytest.param(None, [0], changed(3, [1.0] * 5), TypeError, id="block-float"),
        pytest.param(None, [0], changed(4, [1 << 64] * 5), OverflowError, id="group-past-64-bits"),
        pytest.param(None, [0], changed(4, [1] * 4), ValueError, id="fewer-groups"),
        pytest.param(None, [0], changed(3, 5), TypeError, id="blocks-no-sequence"),
    ],
)
def test_bad_arguments_are_refused(
    texts: list[Any] | None, kept: list[Any], given: Any, error: type[Exception]
) -> None:
    page_texts, layout = page()
    assert len(page_texts) == 5
    with pytest.raises(error):
        html_kernels.article_markdown(
            page_texts if texts is None else texts,
            kept,
            columns(layout) if given is None else given,
            _CODES,
        )
