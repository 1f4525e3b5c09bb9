"""kernels_c/records.c's checks of a raw page (worker/core/raw_page.py): control_characters
and nests_deeper_than count and scan as the Python and the regex they replaced did. The
reject record's rows: test_record_kernels.py."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kernel_fixtures import FIXTURE_PAGES, KERNEL_SETTINGS, fixture_pages

from worker.core import kernels

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
