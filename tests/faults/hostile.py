"""Hypothesis strategies for hostile raw records, each paired with the outcomes it may have.

A hostile record is drawn as (value, allowed outcomes). Where the worker's validation order
makes the dead-letter kind predictable, exactly that kind is allowed; the few cases whose
kind depends on the drawn bytes allow the handful of kinds they can hit (all dead letters).

The size of "megabyte" records is chosen against HOSTILE_MAX_PAGE_BYTES, which the hostile
scenario passes to the worker as CHAFF_MAX_PAGE_BYTES.
"""

from __future__ import annotations

import string

import orjson
from hypothesis import strategies as st

from worker.core.raw_page import MAX_NESTING

Hostile = tuple[bytes | None, frozenset[str]]

HOSTILE_MAX_PAGE_BYTES = 1_000_000
GOOD_URL = "https://hostile.example.test/page"
GOOD_BODY = "A short story about the harbour wall, told in one plain sentence."
# orjson refuses to parse JSON nested deeper than this (its documented recursion limit)
JSON_DEPTH_LIMIT = 1024
# ... and refuses to write JSON nested deeper than this
JSON_WRITE_DEPTH_LIMIT = 255
PAGE_OUTCOMES = frozenset({"article", "page_rejected"})


def dead(*kinds: str) -> frozenset[str]:
    return frozenset(f"dead_letter:{kind}" for kind in kinds)


def page(**fields: object) -> bytes:
    return orjson.dumps({"url": GOOD_URL, "body": GOOD_BODY, **fields})


def _is_json(text: str) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


_printable = st.text(alphabet=string.ascii_letters + string.digits + string.punctuation + " ")

invalid_json: st.SearchStrategy[Hostile] = st.one_of(
    _printable.filter(lambda t: t.strip() != "" and not _is_json(t)).map(
        lambda t: (t.encode(), dead("invalid_json"))
    ),
    # a page cut short by a broken scraper
    st.integers(min_value=1, max_value=len(page()) - 1).map(
        lambda cut: (page()[:cut], dead("invalid_json"))
    ),
    st.sampled_from([b"", b"   ", b"\n\t ", None]).map(lambda v: (v, dead("invalid_json"))),
)

# Text without control characters: JSON leaves DEL and the C1 controls unescaped, and a short
# value holding them is (rightly) dead-lettered as binary before its schema is looked at.
_plain_text = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), max_size=30)

_not_a_string = st.one_of(
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.integers(-1000, 1000), max_size=3),
    st.dictionaries(_plain_text, st.integers(-1000, 1000), max_size=3),
)

wrong_types: st.SearchStrategy[Hostile] = st.one_of(
    _not_a_string.map(lambda v: page(url=v)),
    _not_a_string.map(lambda v: page(body=v)),
    _not_a_string.map(lambda v: page(content_type=v)),
    _not_a_string.filter(lambda v: not isinstance(v, dict)).map(lambda v: page(scraper=v)),
    st.sampled_from(["url", "body"]).map(lambda name: page(**{name: None})),
    st.text(alphabet=string.ascii_letters, max_size=20).map(lambda t: page(fetch_time=t)),
    st.sampled_from(["", "not a url", "/relative/path", "http://has space.test/"]).map(
        lambda url: page(url=url)
    ),
    st.sampled_from(["application/pdf", "image/png", "text/csv"]).map(
        lambda ct: page(content_type=ct)
    ),
    # valid JSON, but not an object
    st.one_of(_not_a_string, _plain_text).map(orjson.dumps),
).map(lambda value: (value, dead("schema_violation")))

wrong_encoding: st.SearchStrategy[Hostile] = st.one_of(
    # Latin-1 with "é " somewhere: 0xE9 followed by a space is never valid UTF-8
    _printable.map(
        lambda t: (
            f'{{"url": "{GOOD_URL}", "body": "café au lait {t!s:.40}"}}'.encode("latin-1"),
            dead("not_utf8"),  # decoding fails before the (maybe broken) JSON is parsed
        )
    ),
    # UTF-16 with a byte-order mark: starts with 0xFF 0xFE
    st.just((page().decode().encode("utf-16"), dead("not_utf8"))),
    # UTF-16 without one: ASCII as UTF-16 is half NUL bytes
    st.just((page().decode().encode("utf-16-le"), dead("binary_body"))),
)

megabyte_sized: st.SearchStrategy[Hostile] = st.integers(
    min_value=HOSTILE_MAX_PAGE_BYTES + 1, max_value=HOSTILE_MAX_PAGE_BYTES * 3 // 2
).map(lambda size: (page(body="word " * (size // 5)), dead("too_large")))

empty_body: st.SearchStrategy[Hostile] = st.text(alphabet=" \t\n\r", max_size=50).map(
    lambda blank: (page(body=blank), dead("empty_body"))
)


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


deeply_nested: st.SearchStrategy[Hostile] = st.one_of(
    st.integers(2, JSON_DEPTH_LIMIT - 100).map(lambda d: (_nested(d), dead("schema_violation"))),
    st.integers(JSON_DEPTH_LIMIT + 10, 20_000).map(lambda d: (_nested(d), dead("invalid_json"))),
    # A valid page whose passed-through "scraper" object is too deep to write back into an
    # article record: a schema violation (or a page-level reject, which does not carry it,
    # should the classifier reject the page's one sentence).
    st.integers(JSON_WRITE_DEPTH_LIMIT + 10, JSON_DEPTH_LIMIT - 100).map(
        lambda d: (
            f'{{"url": "{GOOD_URL}", "body": "{GOOD_BODY}", "scraper": {{"x": '.encode()
            + _nested(d)
            + b"}}",
            dead("schema_violation") | {"page_rejected"},
        )
    ),
)

# HTML nested past the worker's limit (lexbor's parse time grows with the square of the
# depth): dead-lettered unparsed; at or under the limit, an ordinary page.
deeply_nested_html: st.SearchStrategy[Hostile] = st.one_of(
    st.integers(MAX_NESTING + 1, MAX_NESTING + 5_000).map(
        lambda d: (page(body="<div>" * d + GOOD_BODY, content_type="text/html"), dead("too_large"))
    ),
    st.integers(1_000, MAX_NESTING).map(
        lambda d: (page(body="<div>" * d + GOOD_BODY, content_type="text/html"), PAGE_OUTCOMES)
    ),
)

# Control characters that are not whitespace: Python's str.strip() also strips 0x1C-0x1F,
# which would turn an all-control body into an empty one.
_controls = [c for c in range(0x1C) if chr(c) not in "\t\n\r\f\v"]

binary_junk: st.SearchStrategy[Hostile] = st.one_of(
    # control bytes, valid UTF-8 but mostly control characters
    st.lists(st.sampled_from(_controls), min_size=1, max_size=4000).map(
        lambda codes: (bytes(codes), dead("binary_body"))
    ),
    # the same inside a well-formed page
    st.lists(st.sampled_from(_controls), min_size=1, max_size=500).map(
        lambda codes: (page(body="".join(map(chr, codes))), dead("binary_body"))
    ),
    # anything at all: which check trips first depends on the bytes
    st.binary(min_size=1, max_size=4000)
    .filter(lambda b: b.strip() != b"")
    .map(lambda b: (b, dead("not_utf8", "binary_body", "invalid_json", "schema_violation"))),
)

hostile_records: st.SearchStrategy[Hostile] = st.one_of(
    invalid_json,
    wrong_types,
    wrong_encoding,
    megabyte_sized,
    empty_body,
    deeply_nested,
    deeply_nested_html,
    binary_junk,
)
