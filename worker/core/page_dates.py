"""Dates a page gives: machine dates from its metadata, and the datelines of its text.

`iso_date` reads the forms pages write (ISO 8601 with or without a time and zone, "Oct 31,
2025", "9 November 2025", RFC 2822, "2025/03/05") and gives ISO 8601: a date, or a
datetime when the page gave the time (with its offset when it gave one). What it cannot
read without guessing (01/02/2025: January or February?) is None.

`dateline` reads a segment that is a dateline ("Published on March 3, 2024", "Last updated:
Dec 12, 2025 · 5 min read"): a short segment whose words are the date and a few of the words
datelines use, so that a sentence mentioning a date is not taken for the page's date.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import unquote, urlsplit

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
# The lookahead (the names' first letters) spares re trying every name at every position:
# a third of the time of the patterns that hold a month.
_MONTH = r"(?=[adfjmnos])(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ISO = re.compile(
    r"(?P<year>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.IGNORECASE,
)
_SLASHED_YMD = re.compile(r"\b(?P<year>\d{4})[/.](?P<m>\d{1,2})[/.](?P<d>\d{1,2})\b")
# A capitalised month may follow a word without a space: inline elements joined ("Dakota
# Hebert<span>July 3, 2025</span>" reads "Dakota HebertJuly 3, 2025").
_MONTH_DAY_YEAR = re.compile(
    r"(?=[adfjmnos])(?:\b|(?-i:(?<=[a-z])(?=[ADFJMNOS])))"
    + _MONTH
    + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})(?!\d)",
    re.IGNORECASE,
)
_DAY_MONTH_YEAR = re.compile(
    r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<year>\d{4})(?!\d)",
    re.IGNORECASE,
)
# 17.05.2021 is day first wherever dots are written; 10/31/2024 and 11-29-2024 (vBulletin's
# posts) only where the numbers tell.
_DOTTED_DMY = re.compile(r"\b(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<year>\d{4})\b")
_SLASHED = re.compile(r"\b(?P<a>\d{1,2})(?P<sep>[/-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4})\b")
_EARLIEST_YEAR, _LATEST_YEAR = 1990, 2100
# The order iso_date tries them in (a dateline tries the month names first: _date_match).
_IN_ORDER = (_ISO, _MONTH_DAY_YEAR, _DAY_MONTH_YEAR, _SLASHED_YMD, _DOTTED_DMY, _SLASHED)


def iso_date(text: str | None) -> str | None:
    """The first date in `text` as ISO 8601 (with the time and zone it gives), else None."""
    if not text:
        return None
    text = text.strip()
    for pattern in _IN_ORDER:
        if found := pattern.search(text):
            return _iso(found)
    return None


def _iso(found: re.Match[str]) -> str | None:
    """The date a match of one of the patterns holds, as ISO 8601; None when it is no date
    (31 February) or could be two (01/02/2025)."""
    if found.re is _SLASHED:
        first, second = int(found["a"]), int(found["b"])
        if (first > 12) == (second > 12):  # both could be the month, or neither
            return None
        month_number, day_number = (second, first) if first > 12 else (first, second)
        day = _date(found["year"], str(month_number), str(day_number))
        return None if day is None else day.isoformat()
    month = found.groupdict().get("month")
    if month is None:
        number = found["m"]
    elif (known := _MONTHS.get(month.casefold())) is not None:
        number = str(known)
    else:  # letters re matches case-insensitively to a name's ("aprıl": a dotless ı)
        return None
    day = _date(found["year"], number, found["d"])
    if day is None or found.re is not _ISO or found["H"] is None:
        return None if day is None else day.isoformat()
    return _with_time(day, found["H"], found["M"], found["S"], found["zone"])


# A permalink's date: /2025/12/19/ or 2025-12-15, in a URL's path.
_URL_DATE = re.compile(
    r"(?<!\d)(?P<year>(?:19|20)\d\d)(?P<sep>[/-])(?P<m>\d\d)(?P=sep)(?P<d>\d\d)(?!\d)"
)


def url_date(url: str) -> str | None:
    """The date in a URL's path (a blog's permalink: /2025/12/19/title), else None."""
    found = _URL_DATE.search(urlsplit(unquote(url)).path)
    day = found and _date(found["year"], found["m"], found["d"])
    return day.isoformat() if day else None


def _date(year: str, month: str, day: str) -> date | None:
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if _EARLIEST_YEAR <= value.year <= _LATEST_YEAR else None


def _with_time(day: date, hour: str, minute: str, second: str | None, zone: str | None) -> str:
    try:
        moment = datetime(day.year, day.month, day.day, int(hour), int(minute), int(second or 0))
    except ValueError:
        return day.isoformat()
    text = moment.isoformat()
    if zone:
        if zone.upper() == "Z":
            return text + "+00:00"
        digits = zone[1:].replace(":", "")
        return f"{text}{zone[0]}{digits[:2]}:{digits[2:4] or '00'}"
    return text


# Words a dateline may hold besides its date: "Published on", "Updated", "Posted", a time,
# a reading time. Anything else makes the segment a sentence that mentions a date.
_DATELINE_WORDS = frozenset(
    str.split(
        "published publish posted updated update last modified on at date am pm min mins minute "
        "minutes read reading time edt est pdt pst gmt utc cet bst ist originally first "
        "created written released asked answered submitted start started edited monday tuesday "
        "wednesday thursday friday saturday sunday mon tue wed thu fri sat sun of"
    )
) | frozenset(_MONTHS)
_UPDATED = re.compile(r"\b(?:updated|modified|revised|edited)\b[^\d]{0,12}$", re.IGNORECASE)
DATELINE_CHARS = 120
# Every form read has a year: a cheap test that rules out most short segments with digits.
YEAR = re.compile(r"(?:19|20|21)\d\d")
_DATE_TOKENS = re.compile(r"\d+(?:st|nd|rd|th)?|[^\W\d_]+")
# The parts of a dateline that also names the author: "By Jane Doe • March 3, 2024".
_PARTS = re.compile(r"\s*(?:[|•·⋅●—–]|\s-\s)\s*")
_BY_NAME = re.compile(
    r"(?:\b(?:[Pp]osted|[Ww]ritten|[Ss]tarted)\s+)?\b[Bb]y:?\s+(?:[A-Z][\w.'’-]*\.?,?\s*){1,4}"
)
_OTHER_WORDS = 8
_NOTE = re.compile(r"\([^()]*\)")
# A forum thread's first line: "Discussion in 'Hosting Advice' started by pelex, May 26, 2025."
# (XenForo; a user name is any word, in any case), the date last.
_STARTED_BY = re.compile(r"\b[Ss]tarted\s+by\s+[^,\s][^,]{0,40},\s*$")
# A name set beside the date, without a "by" ("Andrew Gerrand 4 August 2010", "Dec 17,
# 2025Julian K. Arni"): two or three capitalised words (or initials), and nothing else.
_NAME_BESIDE = re.compile(r"\s*(?:[A-Z][a-z’'-]+|[A-Z]\.)(?:\s+(?:[A-Z][a-z’'-]+|[A-Z]\.)){1,2}\s*")


def dateline(text: str) -> tuple[str, bool] | None:
    """(the ISO date, whether it says "updated") when `text` is a dateline, else None: a short
    segment holding a date and, besides it, only the words datelines use, perhaps an author
    ("by Jane Doe") and a few words set apart by separators ("Jane Doe • Mar 3, 2024")."""
    if len(text) > DATELINE_CHARS or not YEAR.search(text):
        return None
    found = _date_match(text)
    if found is None:
        return None
    before, after = text[: found.start()], text[found.end() :]
    if "(" in after:  # a note after the date: "(This post was last modified: ...)"
        after = _NOTE.sub(" ", after)
    if not before.strip() and not after.strip():  # the date alone, as most datelines are
        value = _iso(found)
        return None if value is None else (value, False)
    # The part holding the date, between the separators around it.
    head = _PARTS.split(before)
    tail = _PARTS.split(after)
    own = _BY_NAME.sub(" ", head[-1] + " " + tail[0])
    if not (
        _dateline_words(own)
        or _NAME_BESIDE.fullmatch(own)
        or (_STARTED_BY.search(before) and not after.strip(" ."))
    ):
        return None
    others = " ".join(head[:-1] + tail[1:])
    if len(_DATE_TOKENS.findall(others)) > _OTHER_WORDS:
        return None
    value = _iso(found)
    return None if value is None else (value, bool(_UPDATED.search(head[-1])))


def _dateline_words(text: str) -> bool:
    """Whether the words of `text` are all numbers or words datelines use."""
    for token in _DATE_TOKENS.findall(text.lower()):
        if not (token[0].isdigit() or token in _DATELINE_WORDS):
            return False
    return True


def _date_match(text: str) -> re.Match[str] | None:
    """The first of the date patterns, in this order, found in `text`. Each is tried only
    where the text holds what it needs (a month name's first three letters, a "-", a "/" or
    a "."): the month names' alternation, case-insensitive, costs microseconds a segment.
    (Not ASCII, the text may hold characters re takes for a letter of a month: "ſ" for "s".)"""
    lowered = text.lower()
    if not text.isascii() or any(month in lowered for month in _MONTH_PREFIXES):
        for pattern in (_MONTH_DAY_YEAR, _DAY_MONTH_YEAR):
            if found := pattern.search(text):
                return found
    if "-" in text and (found := _ISO.search(text)):
        return found
    dotted, slashed = "." in text, "/" in text
    if (dotted or slashed) and (found := _SLASHED_YMD.search(text)):
        return found
    if dotted and (found := _DOTTED_DMY.search(text)):
        return found
    return _SLASHED.search(text) if slashed or "-" in text else None


_MONTH_PREFIXES = tuple(sorted({name[:3] for name in _MONTHS}))
