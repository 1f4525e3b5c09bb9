"""kernels_c/text_features.c: text_counts, phrase_counts and repeat_counts give what numpy
(feature_references.py), the boilerplate regex and a Counter give, to the bit, on the fixture
pages and on hypothesis-made ones."""

from __future__ import annotations

import feature_references as reference
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_fixtures import (
    FIXTURE_PAGES,
    KERNEL_SETTINGS,
    assert_bit_equal,
    encoded_page,
    fixture_segments,
    fixture_text_features,
)

from worker.core import _kernels, kernels
from worker.core.features import (
    _BOILERPLATE,
    _BOILERPLATE_PHRASES,
    _CLASS_TABLE,
    _CODE_POINT_KINDS,
    _ENDS_SENTENCE_TABLE,
)
from worker.core.phrases import _LOWERCASE_TO_ASCII, PhraseCounter
from worker.learn.dataset import Mode

# --- the fixture pages -----------------------------------------------------------------------


def test_the_fixture_pages_are_all_there() -> None:
    """The kernels' tests on the fixture pages run once per page: a missing page would
    shrink them."""
    assert len(FIXTURE_PAGES) == 70


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_text_counts_match_numpy_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """Real pages: the segments the segmenters make, in the scripts the dataset has."""
    texts = fixture_segments(mode, page_id).texts
    actual = kernels.text_counts(
        encoded_page(texts), len(texts), _CLASS_TABLE, _ENDS_SENTENCE_TABLE, _CODE_POINT_KINDS
    )
    assert_bit_equal(actual, fixture_text_features(mode, page_id))


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


long_segment = st.one_of(
    st.lists(st.sampled_from(TEXT_PIECES), min_size=1, max_size=2500).map(
        lambda pieces: "".join(pieces).encode("utf-8", "surrogatepass").replace(b"\n", b" ")
    ),
    st.binary(min_size=1, max_size=6000).map(lambda raw: raw.replace(b"\n", b"\t")),
)


@KERNEL_SETTINGS
@given(st.lists(long_segment, min_size=1, max_size=4))
def test_text_counts_match_numpy_on_long_segments(segments: list[bytes]) -> None:
    """Segments of thousands of bytes: the kernel reads them sixteen bytes at a time, adds
    its byte counters up every 255 such chunks and reads the rest a byte at a time."""
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


# The kernel tries sixteen positions at a time by their first four bytes, each phrase's
# first byte choosing one of 16 groups: pages long enough for that, phrases with more first
# letters than there are groups, in either case, running across the blocks of sixteen.
many_letters = st.text("abcdefghijklmnopqrstuvwxyz -", min_size=1, max_size=6)
mixed_case_text = st.lists(
    st.sampled_from([*"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ -©", "\u2019"]),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(many_letters, min_size=1, max_size=40).map(tuple),
    st.lists(mixed_case_text, min_size=1, max_size=60),
)
def test_phrase_counts_match_the_regex_with_many_first_letters(
    phrases: tuple[str, ...], texts: list[str]
) -> None:
    assert_kernel_counts_like_the_regex(phrases, texts)


@KERNEL_SETTINGS
@given(st.lists(mixed_case_text, min_size=1, max_size=40))
def test_boilerplate_counts_match_the_regex_on_long_pages(texts: list[str]) -> None:
    """The shipped phrases, spliced into random text in any case."""
    spliced = [
        text[: len(text) // 2] + phrase.upper() + text[len(text) // 2 :]
        for text, phrase in zip(texts, _BOILERPLATE_PHRASES * 2, strict=False)
    ]
    assert_kernel_counts_like_the_regex(tuple(_BOILERPLATE_PHRASES), texts + spliced)


@pytest.mark.parametrize("character", _LOWERCASE_TO_ASCII)
@pytest.mark.parametrize("at", [0, 15, 16, 17, 40, 63, 64, 99])
def test_phrase_counts_notice_the_refused_characters_anywhere(character: str, at: int) -> None:
    """K and İ are looked for among the sixteen-byte blocks too, wherever they fall."""
    page = "x" * at + character + "y" * 60
    assert kernels.phrase_counts(encoded_page([page]), 1, BOILERPLATE_BYTES) is None
    assert (
        kernels.phrase_counts(encoded_page(["x" * at + "z" * 61]), 1, BOILERPLATE_BYTES) is not None
    )


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
