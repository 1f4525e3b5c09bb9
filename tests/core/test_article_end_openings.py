"""article_end.py finds its lines' openings in one C pass (kernels.lines_opening_with) before
any regex runs: the pass must let through every line a rule's regex can match, and read
openings as the Python it replaced did."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.core.article_end import (
    _OPENINGS,
    _POST_FOOTER,
    _POST_NAVIGATION,
    _RELATED_HEADING,
    end_lines,
)
from worker.core.kernels import lines_opening_with

_FOOTER_AT_START = re.compile(f"^(?:{_POST_FOOTER.pattern})", _POST_FOOTER.flags)
_HEADING_ALONE = re.compile(f"^(?:{_RELATED_HEADING.pattern})$", _RELATED_HEADING.flags)


def dump_line(line: str) -> str:
    """A line as a text dump's segments hold it (segments.py): its spaces collapsed."""
    return " ".join(line.split())


# re's IGNORECASE matches these to ASCII letters (KELVIN SIGN to "k", LONG S to "s", the
# Turkish dotted and dotless i to "i"); the kernel reads ASCII letters as ASCII only.
_FOLDS_TO_ASCII = frozenset("\u212a\u017f\u0130\u0131")


def readable(line: str) -> bool:
    return not _FOLDS_TO_ASCII.intersection(line)


@settings(max_examples=400, deadline=None)
@given(st.from_regex(_FOOTER_AT_START))
def test_every_filing_line_opens_as_one(line: str) -> None:
    line = dump_line(line)
    if _POST_FOOTER.match(line) and readable(line) and len(line) < 200:
        assert end_lines([line]).footer == [0]


@settings(max_examples=400, deadline=None)
@given(st.from_regex(_HEADING_ALONE))
def test_every_related_heading_opens_as_one(line: str) -> None:
    line = dump_line(line)
    if _RELATED_HEADING.fullmatch(line) and readable(line) and len(line) < 60:
        assert end_lines([line]).related == [0]


@settings(max_examples=400, deadline=None)
@given(st.from_regex(re.compile(f"^(?:{_POST_NAVIGATION.pattern})", _POST_NAVIGATION.flags)))
def test_every_navigation_line_opens_as_one(line: str) -> None:
    line = dump_line(line)
    if _POST_NAVIGATION.match(line) and readable(line) and len(line) < 120:
        assert end_lines([line]).navigation == [0]


def test_a_line_goes_to_every_rule_an_opening_of_it_starts() -> None:
    """The kernel reports the first opening that fits: "entrada" opens navigation and
    related headings alike."""
    assert end_lines(["Entrada anterior"]).navigation == [0]
    assert end_lines(["Entradas relacionadas"]).related == [0]
    assert end_lines(["Post precedente"]).navigation == [0]
    assert end_lines(["Post correlati"]).related == [0]
    assert end_lines(["Tags: politics"]) == ([], [0], [])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(st.sampled_from(list("moReE é\u212aàÀпПрР")), max_size=8), max_size=30),
    st.integers(-2, 32),
    st.integers(0, 9),
)
def test_lines_opening_with_matches_python(texts: list[str], first: int, max_chars: int) -> None:
    openings = ("mo", "re", "e", "more", "àe", "пр")
    expected = []
    for position in range(max(0, first), len(texts)):
        text = texts[position]
        if not 0 < len(text) < max_chars:
            continue
        # An ASCII letter of an opening matches its letter in either case, and nothing past
        # ASCII (the Kelvin sign lowers to "k" in Python, not in C); any other character
        # matches what lowercases to it.
        fits = [
            i
            for i, opening in enumerate(openings)
            if len(text) >= len(opening)
            and all(
                (t.isascii() and t.lower() == o) if o.isascii() else t.lower() == o
                for t, o in zip(text, opening, strict=False)
            )
        ]
        if fits:
            expected.append((position, fits[0]))
    assert lines_opening_with(texts, first, max_chars, openings) == expected
    assert lines_opening_with(tuple(texts), first, max_chars, openings) == expected


def test_lines_opening_with_refuses_bad_openings() -> None:
    with pytest.raises(ValueError, match="lowercase"):
        lines_opening_with(["More"], 0, 10, ("More",))
    with pytest.raises(ValueError, match="lowercase"):
        lines_opening_with(["Ähnliche"], 0, 10, ("Äh",))
    with pytest.raises(ValueError, match="non-empty str"):
        lines_opening_with(["More"], 0, 10, ("",))
    with pytest.raises(ValueError, match="at most 1024"):
        lines_opening_with(["More"], 0, 10, tuple(f"w{n}" for n in range(1025)))
    with pytest.raises(TypeError, match="sequence of str"):
        lines_opening_with([1], 0, 10, ("m",))  # type: ignore[list-item]
    assert len(_OPENINGS) <= 1024
