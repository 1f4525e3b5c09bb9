"""`chaff classify`: classify pages offline, without Kafka, one JSON line per page.

A source is a page file (HTML, .html.gz, a text dump), a file of JSONL raw-page records (the
ones `chaff produce` publishes), or `-` for standard input. Every page goes through the same
validation as on the raw topic, so what would be dead-lettered there is an error here, with
the same reason, and the exit code says so.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import orjson

from worker.config import Settings
from worker.core.classify import classify_page
from worker.core.metadata import ArticleMetadata
from worker.core.raw_page import BadInput, RawPage, parse_raw_page
from worker.core.segment_model import SegmentModel
from worker.core.site_memory import MemorySettings
from worker.core.site_pass import MemoryNote, classify_remembering
from worker.core.site_store import SiteStore
from worker.core.verdict import ContentType, PageVerdict
from worker.learn.command_args import EXIT_BAD_INPUT
from worker.stream.produce import JSONL_SUFFIXES, content_type_of

STDIN = "-"


@dataclass(frozen=True, slots=True)
class Page:
    """One page to classify, or the reason it cannot be (`error`)."""

    source: str
    line: int | None  # 1-based, for JSONL records
    page: RawPage | None
    error: BadInput | None = None


def classify_command(args: argparse.Namespace) -> int:
    model = SegmentModel.from_json(args.model.read_bytes()) if args.model else None
    limit = Settings.from_env().max_page_bytes
    # One memory for the whole run: the records pass through it in the order given.
    memory = SiteStore() if args.site_memory == "on" else None
    failures = 0
    for source in args.sources:
        try:
            pages = list(pages_of(source, args.content_type, limit, sys.stdin.buffer))
        except (OSError, EOFError, gzip.BadGzipFile) as error:
            print(f"chaff classify: {source}: {error}", file=sys.stderr)
            failures += 1
            continue
        for item in pages:
            problem = unclassifiable(item, model)
            if problem is not None:
                print(f"chaff classify: {problem}", file=sys.stderr)
                failures += 1
            else:
                line = verdict_line(item, model, with_segments=not args.article_only, memory=memory)
                sys.stdout.buffer.write(orjson.dumps(line) + b"\n")
    sys.stdout.flush()
    return EXIT_BAD_INPUT if failures else 0


def unclassifiable(item: Page, model: SegmentModel | None) -> str | None:
    """Why `chaff classify` cannot classify this page, with where it is (it is then not
    remembered either), or None."""
    where = item.source if item.line is None else f"{item.source}:{item.line}"
    if item.page is None:
        return f"{where}: {item.error}"
    if model is not None and model.content_type != item.page.content_type:
        return f"{where}: model is for {model.content_type}"
    return None


def remember_records(
    source: str, data: bytes, before_line: int, memory: SiteStore, limit: int
) -> int:
    """Pass the JSONL records of `data` on lines before `before_line` (1-based) through
    `memory` in file order, as `chaff classify --site-memory on` does (records it cannot
    classify are skipped); how many it passed."""
    passed = 0
    for item in _records(source, data, limit):
        if item.line is None or item.line >= before_line:
            break
        if unclassifiable(item, None) is None:
            assert item.page is not None
            classify_with_memory(memory, item.page, None)
            passed += 1
    return passed


def classify_with_memory(
    memory: SiteStore, page: RawPage, model: SegmentModel | None
) -> tuple[PageVerdict, MemoryNote]:
    """The page's verdict with its site's memory in `memory`, which then holds the page."""
    return classify_remembering(
        memory, MemorySettings(), page.site, page.url, page.body, page.content_type, model
    )


def pages_of(
    source: str, declared: ContentType | None, limit: int, stdin: IO[bytes]
) -> Iterator[Page]:
    if source == STDIN:
        data = stdin.read()
        if declared is None and data.lstrip()[:1] == b"{":
            yield from _records(STDIN, data, limit)
        else:
            yield _page_file(STDIN, data, declared, limit)
        return
    path = Path(source)
    if path.suffix.lower() in JSONL_SUFFIXES:
        yield from _records(source, path.read_bytes(), limit)
        return
    raw = path.read_bytes()
    if path.suffix.lower() == ".gz":
        raw = gzip.decompress(raw)
    # By extension as `chaff produce` does; None lets the validation sniff the content.
    declared = declared or cast(ContentType | None, content_type_of(path))
    yield _page_file(source, raw, declared, limit, url=path.resolve().as_uri())


def _records(source: str, data: bytes, limit: int) -> Iterator[Page]:
    for number, value in enumerate(data.splitlines(), start=1):
        if value.strip():
            yield _validated(source, number, value, limit)


def _page_file(
    source: str,
    raw: bytes,
    declared: ContentType | None,
    limit: int,
    url: str = "file:///dev/stdin",
) -> Page:
    """A page file as the record `chaff produce` would make of it, validated the same way."""
    return _validated(source, None, page_record(raw, declared, url), limit)


def page_record(raw: bytes, declared: ContentType | None, url: str) -> bytes:
    """The raw-page record (JSON) of a page file's bytes."""
    record: dict[str, str] = {"url": url, "body": raw.decode("utf-8", errors="replace")}
    if declared:
        record["content_type"] = declared
    return orjson.dumps(record)


def _validated(source: str, line: int | None, value: bytes, limit: int) -> Page:
    try:
        return Page(source, line, parse_raw_page(value, limit))
    except BadInput as error:
        return Page(source, line, None, error)


def verdict_line(
    item: Page,
    model: SegmentModel | None,
    *,
    with_segments: bool,
    memory: SiteStore | None = None,
) -> dict[str, Any]:
    """The output line of one page; with `memory`, its site's earlier pages inform the
    verdict (and the line says how: `site_memory`)."""
    page = item.page
    assert page is not None
    note = None
    if memory is None:
        verdict = classify_page(page.body, page.content_type, model)
    else:
        verdict, note = classify_with_memory(memory, page, model)
    line: dict[str, Any] = {
        "source": item.source,
        "line": item.line,
        "page_id": page.page_id,
        "url": page.url,
        "content_type": page.content_type,
        "model_version": verdict.model_version,
        "page_kind": verdict.page_kind,
        "article": verdict.article_text,
        # The article record's fields (chaff.article/2); null or empty without an article.
        **(verdict.metadata or ArticleMetadata()).as_json(page.url),
        "article_markdown": verdict.article_markdown,
    }
    if note is not None:
        line["site_memory"] = note.as_json()
    if with_segments:
        line["segments"] = [
            {
                "position": s.position,
                "text": s.text,
                "label": s.label,
                "score": s.score,
                "reasons": list(s.reasons),
            }
            for s in verdict.segments
        ]
    return line
