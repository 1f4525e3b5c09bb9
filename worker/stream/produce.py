"""`chaff produce`: publish files as raw-page records, keyed by site.

Inputs:
- `*.jsonl` / `*.ndjson`: one raw-page record (JSON object) per line, sent as it is, so
  malformed lines reach the worker (and its dead-letter topic) exactly as written;
- any other file (HTML, `.html.gz`, text dumps): its content becomes the `body` of a new
  record; `url` is `--url-prefix` + the file name, else the file's `file://` URI; the
  content type comes from the extension (.html/.htm → text/html, .txt → text/plain), else
  it is sniffed by the worker.
Directories are walked recursively in name order and only page files are taken from them
(the extensions above; HTML and text may end in .gz); what was skipped is reported.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from worker.core.raw_page import site_of

JSONL_SUFFIXES = {".jsonl", ".ndjson"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".text"}


@dataclass(frozen=True, slots=True)
class PageFiles:
    """What `expand_paths` found: the files to publish, and those a directory walk passed
    over because they are not pages (a README, a licence, a script)."""

    pages: list[Path]
    skipped: list[Path]


def is_page_file(path: Path) -> bool:
    """JSONL records, or HTML or a text dump (these two may be gzipped), by extension."""
    if path.suffix.lower() in JSONL_SUFFIXES:
        return True
    return content_type_of(path) is not None


PAGE_FILE_KINDS = (
    f"{', '.join(sorted(JSONL_SUFFIXES))}, and {', '.join(sorted(HTML_SUFFIXES | TEXT_SUFFIXES))}"
    " with or without .gz"
)


def expand_paths(paths: Iterable[Path]) -> PageFiles:
    """Files named on the command line are taken as they are (the user chose them);
    directories are walked in name order, keeping page files only."""
    pages: list[Path] = []
    skipped: list[Path] = []
    for path in paths:
        if path.is_dir():
            for found in sorted(
                p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
            ):
                (pages if is_page_file(found) else skipped).append(found)
        elif path.is_file():
            pages.append(path)
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    return PageFiles(pages, skipped)


def content_type_of(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in HTML_SUFFIXES:
        return "text/html"
    if last in TEXT_SUFFIXES:
        return "text/plain"
    return None


def _key_of(value: bytes) -> bytes | None:
    """The site of a JSONL record, if its url can be read; None lets the broker spread it."""
    try:
        url = orjson.loads(value).get("url")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return site_of(url).encode() if isinstance(url, str) else None


def records_from_file(
    path: Path, url_prefix: str | None, fetch_time: str | None = None
) -> Iterator[tuple[bytes | None, bytes]]:
    """(key, value) pairs to publish for one file."""
    if path.suffix.lower() in JSONL_SUFFIXES:
        with path.open("rb") as lines:
            for line in lines:
                value = line.rstrip(b"\r\n")
                if value.strip():
                    yield _key_of(value), value
        return
    data = path.read_bytes()
    if path.suffix.lower() == ".gz":
        data = gzip.decompress(data)
    body = data.decode("utf-8", errors="replace")
    url = f"{url_prefix.rstrip('/')}/{path.name}" if url_prefix else path.resolve().as_uri()
    record: dict[str, object] = {
        "url": url,
        "body": body,
        "fetch_time": fetch_time or datetime.now(UTC).isoformat(timespec="seconds"),
        "scraper": {"name": "chaff produce", "file": str(path)},
    }
    content_type = content_type_of(path)
    if content_type:
        record["content_type"] = content_type
    yield site_of(url).encode() or None, orjson.dumps(record)
