"""A raw record's bytes to a RawPage, or a BadInput saying precisely why not: the
raw-page contract (schemas/raw-page.schema.json), without Kafka. records.py builds the
outputs of what passes, and the dead letter of what does not."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

import orjson

from worker.core import kernels
from worker.core.content_type import normalise_content_type, sniff_content_type
from worker.core.verdict import ContentType

ErrorKind = Literal[
    "invalid_json",
    "schema_violation",
    "not_utf8",
    "empty_body",
    "too_large",
    "binary_body",
    "processing_error",
]
ERROR_KINDS: tuple[ErrorKind, ...] = get_args(ErrorKind)
# Share of control characters (other than tab, newlines, form feed) that marks binary data.
BINARY_CONTROL_RATIO = 0.05
_SNIFF_CHARS = 8192
# What str.isspace() calls whitespace (re's \s tests each character as it does).
_WHITESPACE = re.compile(r"\s")
_MAX_PAGE_ID_CHARS = 200


# How deep a page may nest its elements. lexbor's parse time grows with the square of the
# depth (0.7 s for 20,000 nested <div>s, 2.6 s for 40,000; a 2 MB page could hold 400,000):
# the worker dead-letters deeper pages instead of parsing them for minutes. Real pages nest
# a few dozen deep (46 at most in WCXB's 1,355).
MAX_NESTING = 10_000


def nests_deeper_than(html: str, limit: int = MAX_NESTING) -> bool:
    """Whether the page's start tags, less its end tags, ever stand more than `limit` deep.

    An upper estimate of the parsed depth (a tag the parser closes by itself still counts,
    but for void elements and those whose end tag may be left out; "<x/>" closes itself
    only inside <svg> or <math>), and cheap where it matters: a page with no more than `limit`
    "<" cannot be that deep, and most pages are done when they are counted. In C
    (kernels.nests_deeper_than): as a regex the scan took longer than classifying the page on
    the 2% of pages with more than 10,000 tags, and str.count("<") 0.2 ms on a 250 kB page
    outside Latin-1, more than half of validating its record.
    """
    return kernels.nests_deeper_than(html, limit)


class BadInput(Exception):
    """A raw record that cannot be processed; `kind` names the reason class."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind: ErrorKind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class RawPage:
    url: str
    body: str
    content_type: ContentType
    fetch_time: str | None
    page_id: str
    site: str
    scraper: Mapping[str, Any] | None = None


# --- identity -----------------------------------------------------------------------------


def derive_page_id(url: str, fetch_time: str | None) -> str:
    """Deterministic id: the same url fetched at the same time is the same page."""
    return hashlib.sha256(f"{url}\n{fetch_time or ''}".encode()).hexdigest()[:16]


def site_of(url: str) -> str:
    """Lowercased host without a leading "www." ("" for URLs without a host, e.g. file:)."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


# --- validation ---------------------------------------------------------------------------


def parse_raw_page(value: bytes | None, max_page_bytes: int) -> RawPage:
    """Validate a raw record value against the raw-page contract, or raise BadInput."""
    if value is None:
        raise BadInput("invalid_json", "record has no value (a tombstone); expected a JSON object")
    if len(value) > max_page_bytes:
        raise BadInput(
            "too_large",
            f"record is {len(value):,} bytes, over the limit of {max_page_bytes:,} "
            "(CHAFF_MAX_PAGE_BYTES)",
        )
    if not value or value.isspace():  # not value.strip(): that copies a padded record
        raise BadInput("invalid_json", "record value is empty; expected a JSON object")
    try:
        # The bytes, not a str: orjson would encode a str to UTF-8 again first (1 ms for
        # a 270 kB page outside Latin-1, three times the parse). orjson also rejects what
        # is not UTF-8, so a parsed record needs no decoding of its own (0.08 ms a record).
        document = orjson.loads(value)
    except orjson.JSONDecodeError as error:
        _explain_unparsable(value)
        raise BadInput("invalid_json", f"invalid JSON: {error}") from None
    # DEL, the one control character JSON may hold unescaped, in the record's head (its
    # first _SNIFF_CHARS characters, at least); found without copying the head.
    head_bytes = _SNIFF_CHARS * 4
    if value.find(b"\x7f", 0, head_bytes) >= 0:
        _refuse_binary("record", value[:head_bytes].decode("utf-8", "ignore")[:_SNIFF_CHARS])
    if not isinstance(document, dict):
        raise BadInput("schema_violation", f"expected a JSON object, got {_json_type(document)}")
    return _page_from_object(document)


def _explain_unparsable(value: bytes) -> None:
    """Why a record orjson could not parse is not JSON at all, if it is not: not UTF-8, or
    binary (raises BadInput); else returns, and the record is invalid JSON."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(
            "not_utf8",
            f"record is not valid UTF-8: byte 0x{value[error.start]:02x} at offset "
            f"{error.start} ({error.reason})",
        ) from None
    _refuse_binary("record", text)


def _refuse_binary(what: str, text: str) -> None:
    share = _control_share(text)
    if share > BINARY_CONTROL_RATIO:
        raise BadInput(
            "binary_body",
            f"{what} looks binary: {share:.0%} control characters in its first "
            f"{min(len(text), _SNIFF_CHARS)} characters",
        )


def _page_from_object(document: dict[str, Any]) -> RawPage:
    url = _string_field(document, "url", required=True)
    assert url is not None
    parts = urlsplit(url)
    if not parts.scheme or _WHITESPACE.search(url):
        raise BadInput("schema_violation", f"field 'url' is not an absolute URL: {url[:200]!r}")
    body = _string_field(document, "body", required=True)
    assert body is not None
    if not body or body.isspace():  # not body.strip(): that copies the page
        raise BadInput("empty_body", "field 'body' is empty or only whitespace")
    _refuse_binary("field 'body'", body)
    declared = _string_field(document, "content_type")
    content_type = normalise_content_type(declared) if declared else sniff_content_type(body)
    if content_type is None:
        raise BadInput(
            "schema_violation",
            f"field 'content_type' is {declared!r}; supported: text/html, text/plain",
        )
    if content_type == "text/html" and nests_deeper_than(body, MAX_NESTING):
        raise BadInput(
            "too_large",
            f"field 'body' nests HTML elements more than {MAX_NESTING:,} deep"
            " (parsing time grows with the square of the depth)",
        )
    fetch_time = _string_field(document, "fetch_time")
    if fetch_time is not None:
        parse_rfc3339(fetch_time)
    page_id = _string_field(document, "page_id")
    if page_id is not None and not 0 < len(page_id) <= _MAX_PAGE_ID_CHARS:
        raise BadInput(
            "schema_violation", f"field 'page_id' must be 1-{_MAX_PAGE_ID_CHARS} characters"
        )
    scraper = document.get("scraper")
    if scraper is not None and not isinstance(scraper, dict):
        raise BadInput(
            "schema_violation", f"field 'scraper' must be an object, got {_json_type(scraper)}"
        )
    return RawPage(
        url=url,
        body=body,
        content_type=content_type,
        fetch_time=fetch_time,
        page_id=page_id or derive_page_id(url, fetch_time),
        site=site_of(url),
        scraper=scraper,
    )


def _string_field(document: Mapping[str, Any], name: str, required: bool = False) -> str | None:
    value = document.get(name)
    if value is None:
        if required:
            raise BadInput("schema_violation", f"field {name!r} is required")
        return None
    if not isinstance(value, str):
        raise BadInput(
            "schema_violation", f"field {name!r} must be a string, got {_json_type(value)}"
        )
    return value


def parse_rfc3339(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(
            "schema_violation", f"field 'fetch_time' is not an RFC 3339 time: {text[:100]!r}"
        ) from None
    if parsed.tzinfo is None:
        raise BadInput("schema_violation", f"field 'fetch_time' has no time zone: {text[:100]!r}")
    return parsed


def _control_share(text: str) -> float:
    """The share of control characters (kernels.control_characters) in text's head."""
    head = min(len(text), _SNIFF_CHARS)
    return kernels.control_characters(text, head) / head if head else 0.0


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")
