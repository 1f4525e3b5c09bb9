"""The vectorised text paths give exactly what the plain Python they replace gives."""

import re
import sys

import numpy as np
import numpy_references as reference
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.core import kernels, rules
from worker.core.features import _BOILERPLATE, _BOILERPLATE_PHRASES
from worker.core.phrases import PhraseCounter
from worker.core.segments import PageSegments, text_segments


def reference_text_segments(body: str) -> PageSegments:
    """The plain definition: non-blank lines, whitespace collapsed, and the blank-line layout."""
    texts: list[str] = []
    blank_before: list[bool] = []
    previous_blank = True
    for line in body.splitlines():
        text = " ".join(line.split())
        if text:
            texts.append(text)
            blank_before.append(previous_blank)
        previous_blank = not text
    if not texts:
        return PageSegments("text/plain", [])
    before = np.asarray(blank_before, dtype=np.float32)
    after = np.append(before[1:], 1.0)
    run = np.cumsum(before)
    run_length = np.bincount(run.astype(np.int64))[run.astype(np.int64)]
    structure = np.column_stack([before, after, reference.log1p(run_length)]).astype(np.float32)
    return PageSegments("text/plain", texts, structure)


WHITESPACE = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
TRICKY = [*WHITESPACE, "\r\n", "\n", "\n", " ", " ", "a", "b", "é", "’", "—", "©", "\u3042"]
TRICKY += ["\ud800", "\U0001f600", "\xad", "\u200b"]  # a lone surrogate, an emoji, no spaces
tricky_text = st.lists(st.sampled_from(TRICKY), max_size=40).map("".join)


def assert_same_segments(body: str) -> None:
    expected, actual = reference_text_segments(body), text_segments(body)
    assert actual.texts == expected.texts
    if expected.structure is None:
        assert actual.structure is None
    else:
        assert actual.structure is not None
        assert actual.structure.dtype == expected.structure.dtype
        assert np.array_equal(actual.structure, expected.structure)
    if actual.utf8 is not None:  # the kernel's page, which the features read
        assert actual.utf8 == "\n".join(expected.texts).encode("utf-8", "surrogatepass")


@pytest.mark.parametrize(
    "body",
    [
        "",
        " ",
        "\n",
        " \n\t\n\xa0",
        "a",
        "a\n",
        "\na",
        " a  b \n\nc\td",
        "a\r\nb\r\n\r\nc",
        "a\r\r\nb",  # a lone \r, then \r\n: two breaks, one blank line between them
        "a\rb",
        "a\x0bb\x0cc\x1cd\x1de\x1ef\x85g\u2028h\u2029i",
        "a\x1fb",  # whitespace, but no line break
        "non\xa0breaking\u3000spaces\u2009here",
        "only\u2000\n\u205f\n\u202f",
        "\xa0",
        "\u3000\u3000",
    ],
)
def test_text_segments_match_the_reference_on_odd_input(body: str) -> None:
    assert_same_segments(body)


@settings(max_examples=400, deadline=None)
@given(tricky_text)
def test_text_segments_match_the_reference(body: str) -> None:
    assert_same_segments(body)


# Long lines, where the kernel takes 16 printable ASCII characters at a time: words, single
# and double spaces, whitespace and characters that stop a block, in str of each width.
BLOCK_PIECES = ["abcdefghijklmnop", "Word", "x", " ", " ", "  ", "\t", "~", "\x7f", "\x1f", "!"]
BLOCK_PIECES += ["é", "’", "\U0001f600", "\xa0", "\u3000", "\n", "\r\n", "\n\n"]
block_text = st.tuples(
    st.sampled_from(["", "é", "’", "\U0001f600"]),  # the str's width: 1, 2 or 4 bytes
    st.lists(st.sampled_from(BLOCK_PIECES), max_size=60).map("".join),
).map("".join)


@settings(max_examples=400, deadline=None)
@given(block_text)
def test_text_segments_match_the_reference_on_long_lines(body: str) -> None:
    assert_same_segments(body)


@pytest.mark.parametrize("width", ["", "é", "’", "\U0001f600"])
def test_an_odd_character_anywhere_in_a_block(width: str) -> None:
    for odd in [" ", "  ", "\t", "\x7f", "\x1f", "é", "\u3000", "\n", "\r\n", "\ud800"]:
        for offset in range(40):
            line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
            body = f"{width}\n{line[:offset]}{odd}{line[offset:]} tail of the line  \nend"
            assert_same_segments(body)
            assert_same_segments(f"{width}{line[:offset]} {odd}{line[offset:]}")


def test_every_code_point_reads_to_the_kernel_as_to_str_split_and_splitlines() -> None:
    """kernels.text_lines decodes UTF-8 itself: each character, whitespace or not, one, two,
    three or four bytes long, must come out as str.split() and str.splitlines() see it."""
    characters = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    breaks = {c for c in characters if len(f"a{c}b".splitlines()) == 2}
    assert breaks == {*"\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}
    body = "\n".join(f"x{c}y {c}{c}z" for c in characters if c not in breaks)
    assert kernels.text_lines(body) is not None
    assert text_segments(body).utf8 is not None  # so assert_same_segments checks it
    assert_same_segments(body)
    for character in breaks - {"\n"}:  # the plain way takes these pages
        assert kernels.text_lines(f"a{character}b") is None
        assert_same_segments(f"a{character}b\n\nc")
    assert kernels.text_lines("a\r\nb") is not None
    assert kernels.text_lines("lone \ud800 surrogate") is None


# Phrases, their neighbours and overlaps (“log in” / “login”, “sign up” / “sign in”,
# “continue reading more”), letters that lowercase to ASCII or change length (K, İ), ©.
PHRASE_PIECES = [*_BOILERPLATE_PHRASES, "Share", "SEARCH", "re", "co", "ntinue ", "all ", " "]
PHRASE_PIECES += ["\n", "\n", "é", "’", "©", "\u212a", "\u0130", "log", "in", "up", "ing more"]
PHRASE_PIECES += ["stagram", "ms of", "ubscribe", "sign instagram", "registerms of"]
phrase_page = st.lists(
    st.lists(st.sampled_from(PHRASE_PIECES), min_size=1, max_size=12).map("".join),
    min_size=1,
    max_size=8,
)


def assert_same_counts(counter: PhraseCounter, texts: list[str]) -> None:
    joined = "\n".join(texts)
    encoded = joined.encode("utf-8", "surrogatepass")
    expected = counter.reference_counts(joined.lower(), texts)
    actual = counter.counts(encoded, texts)
    assert actual.dtype == expected.dtype and np.array_equal(actual, expected)


@settings(max_examples=400, deadline=None)
@given(phrase_page)
def test_boilerplate_counts_match_the_regex(pieces: list[str]) -> None:
    texts = [" ".join(piece.replace("\n", " ").split()) or "x" for piece in pieces]
    assert_same_counts(_BOILERPLATE, texts)


def test_boilerplate_counts_on_known_lines() -> None:
    texts = [
        "Share this: Facebook Twitter",
        "©2024 All rights reserved. Privacy policy | Cookie settings",
        "Continue reading more",
        "loginlog in sign upsign in",
        "sign instagram registerms of follow usubscribe",  # overlaps: the first match wins
        "\u212aelvin cookie İstanbul share",
        "nothing here",
    ]
    assert_same_counts(_BOILERPLATE, texts)
    assert_same_counts(_BOILERPLATE, texts[:4])  # no K or İ: the compiled path


def test_the_regex_alternation_is_the_longest_phrase_first() -> None:
    counter = PhraseCounter(("read more", "read", "reading", "©"))
    assert [m.group() for m in counter.pattern.finditer("reading read more ©")] == [
        "reading",
        "read more",
        "©",
    ]
    assert_same_counts(counter, ["reading read more ©", "readread"])


def test_phrase_counter_refuses_what_its_fast_path_cannot_count() -> None:
    for phrases in (("Upper",), ("naïve phrase",), ("",), ("two\nlines",)):
        with pytest.raises(ValueError):
            PhraseCounter(phrases)


def test_only_the_copyright_sign_itself_lowercases_to_it() -> None:
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if "©" in c.lower()] == ["©"]


def test_the_phrase_regex_is_a_plain_alternation() -> None:
    # The first-letter grouping is a speed-up only: the same matches as the flat alternation.
    flat = re.compile("|".join(map(re.escape, sorted(_BOILERPLATE_PHRASES, key=len)[::-1])))
    text = "sign up, share, read more, continue reading, © copyright, all rights reserved"
    assert [m.span() for m in _BOILERPLATE.pattern.finditer(text)] == [
        m.span() for m in flat.finditer(text)
    ]


def looks_like_headline(text: str) -> bool:
    return len(text.split()) <= 30 and text[-1] not in ".!:;,"


def reference_rule_rejections(texts: list[str]) -> dict[int, str]:
    """rules.rule_rejections as first written: one trailing_separator call per segment."""
    rejected: dict[int, str] = {}
    run: list[int] = []
    run_separator: str | None = None
    teasers = 0

    def close_run(next_position: int) -> None:
        if teasers < rules.FEED_MIN_RUN:
            return
        if next_position < len(texts) and looks_like_headline(texts[next_position]):
            run.append(next_position)
        reason = f"in a feed of {teasers}+ teaser headlines separated by ' {run_separator}'"
        for position in run:
            rejected.setdefault(position, reason)

    for position, text in enumerate(texts):
        if re.search(r"\w", text) is None:
            rejected[position] = "no words"
            if run:
                run.append(position)
            continue
        separator = rules.trailing_separator(text)
        if separator is not None and separator == run_separator:
            run.append(position)
            teasers += 1
            continue
        close_run(position)
        run, run_separator, teasers = ([position], separator, 1) if separator else ([], None, 0)
    close_run(len(texts))
    return rejected


# Teaser lines (" -", " |"), look-alikes without the space ("Word-"), lone separators,
# headlines and prose, so that feeds of three or more form often.
RULE_LINES = ["Teaser one -", "Teaser two -", "Word-", "x |", "a »", "-", "|", "•", "…", "_"]
RULE_LINES += ["A headline", "Prose ends here.", "Colon:", "٠", "é -", " -", "ab", "é"]
RULE_LINES += ["News »", "Más –", "a\u2003b -", "Word " * 31, "under_score", "\U0001f600 |"]
rule_page = st.lists(st.sampled_from(RULE_LINES), max_size=24)


@settings(max_examples=500, deadline=None)
@given(rule_page)
def test_rule_rejections_match_the_plain_loop(texts: list[str]) -> None:
    assert rules.rule_rejections(texts) == reference_rule_rejections(texts)


def test_isalnum_is_a_shortcut_for_a_word_character() -> None:
    word = re.compile(r"\w")
    assert all(word.match(c) for c in map(chr, range(sys.maxunicode + 1)) if c.isalnum())
