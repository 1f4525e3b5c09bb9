"""kernels_c/html_text.c and needles.c: html_utf8 renames <noscript> as the regex did and
encodes as str.encode, joined_words folds whitespace as str.split, and the class/id needles
find what html_tags' regexes (html_references.py) found."""

from __future__ import annotations

import re
import sys

import html_references as reference
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.core import _kernels, html_kernels, html_tags
from worker.core.html_segments import html_segments

# --- <noscript> renamed <div> ------------------------------------------------------------------

NOSCRIPT = re.compile(r"<(/?)noscript\b", re.IGNORECASE)  # what the kernel does to the text
NOSCRIPT_PIECES = ["<noscript", "</noscript", "<NOSCRIPT", "</NoScript", "<noſcrİpt", "<noscrıpt"]
NOSCRIPT_PIECES += ["<", "/", ">", "noscript", "<nos", "é", "_", "1", "-", " ", "\U0001f600", "x"]
NOSCRIPT_PIECES += ["’", "<p>plain text</p>", "abcdefgh"]  # runs the kernel takes 4 or 8 at a time
noscript_page = st.lists(st.sampled_from(NOSCRIPT_PIECES), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(noscript_page)
def test_html_utf8_renames_as_the_regex_does(page: str) -> None:
    assert html_kernels.html_utf8(page) == NOSCRIPT.sub(r"<\1div", page).encode()


def test_html_utf8_ends_the_name_where_re_sees_a_word_boundary() -> None:
    """Every character after the name, one to four bytes of UTF-8: renamed only where the
    regex's \\b holds (the character is no letter, digit or underscore)."""
    characters = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    page = "".join(f"<noscript{c}" for c in characters)
    assert html_kernels.html_utf8(page) == NOSCRIPT.sub(r"<\1div", page).encode()


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
                assert html_kernels.html_utf8(page) == expected, (page, piece)


def test_html_utf8_encodes_every_code_point() -> None:
    characters = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    for page in (characters[:256], characters[:0xD800], characters):  # UCS-1, UCS-2, UCS-4
        assert html_kernels.html_utf8(page) == NOSCRIPT.sub(r"<\1div", page).encode()


@pytest.mark.parametrize("page", ["\ud800", "a\udfff<noscript>", "é\udc80", "\U0001f600\ud83d"])
def test_html_utf8_gives_none_for_a_lone_surrogate(page: str) -> None:
    assert html_kernels.html_utf8(page) is None


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
    joined = html_kernels.joined_words(runs)
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
    assert html_kernels.Needles([("\U0001f600x", False, False)]).found_in("a\U0001f600x")
