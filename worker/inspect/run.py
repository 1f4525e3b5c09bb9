"""`chaff inspect` at work: read the source, run the record through the worker's pipeline,
write the report. (The parser is in commands.py, which imports none of this.)"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from worker.config import Settings
from worker.core.records import Limits, Source
from worker.core.site_store import SiteStore
from worker.core.verdict import ContentType
from worker.inspect.commands import EXIT_BAD_SOURCE, NO_EARLIER_PAGES
from worker.inspect.compare import ExtractorMissing, compare, require
from worker.inspect.inspection import Comparison, Inspection, inspect_record, plural
from worker.inspect.report import render
from worker.learn.classify_files import page_record, remember_records
from worker.stream.produce import JSONL_SUFFIXES, content_type_of

_FILE_LINE = re.compile(r"(?P<path>.+):(?P<line>\d+)$")


class BadSource(Exception):
    """The source cannot be read; the message says why."""


@dataclass(frozen=True, slots=True)
class RawRecord:
    value: bytes | None
    source: Source
    label: str
    file_data: bytes | None = None  # the whole JSONL file, for a FILE:LINE record


def run_inspect(args: argparse.Namespace, settings: Settings) -> int:
    if args.compare:
        try:
            require(args.compare)  # before reading anything: say it at once
        except ExtractorMissing as error:
            print(f"chaff inspect: {error}", file=sys.stderr)
            return EXIT_BAD_SOURCE
    try:
        if args.source is not None:
            record = read_source(args.source, args.content_type, args.url_prefix)
        else:
            record = _topic_record(settings, args.topic, args.partition, args.offset)
    except BadSource as error:
        print(f"chaff inspect: {error}", file=sys.stderr)
        return EXIT_BAD_SOURCE
    except _KafkaFailure as failure:
        print(f"chaff inspect: {failure.message}", file=sys.stderr)
        return failure.exit_code
    memory, remembered = None, 0
    if args.site_memory == "on":
        if record.file_data is None:
            print(
                f"chaff inspect: {NO_EARLIER_PAGES.format(source='a page file')}", file=sys.stderr
            )
            return EXIT_BAD_SOURCE
        memory = SiteStore()
        line = record.source.offset + 1
        remembered = remember_records(
            record.source.topic, record.file_data, line, memory, settings.max_page_bytes
        )
    limits = Limits(settings.max_page_bytes, settings.max_output_bytes)
    inspection = inspect_record(record.value, record.source, record.label, limits, memory=memory)
    inspection = replace(inspection, records_remembered=remembered)
    page, verdict = inspection.page, inspection.verdict
    if args.compare and page is not None and verdict is not None:
        texts = tuple(s.text for s in verdict.segments)
        comparison = compare(args.compare, page.body, page.content_type, texts)
        inspection = replace(inspection, comparison=comparison)
    elif args.compare:
        note = "no comparison: the record is not a page the worker could read"
        inspection = replace(inspection, comparison=Comparison(args.compare, "", None, note))
    report = render(inspection).encode("utf-8")
    if args.output == "-":
        sys.stdout.buffer.write(report)
        sys.stdout.flush()
    else:
        try:
            Path(args.output).write_bytes(report)
        except OSError as error:
            print(f"chaff inspect: cannot write {args.output}: {error.strerror}", file=sys.stderr)
            return EXIT_BAD_SOURCE
    print(f"chaff inspect: {_summary(inspection)}; wrote {args.output}", file=sys.stderr)
    return 0


def _summary(inspection: Inspection) -> str:
    if inspection.dead_letter is not None:
        error = inspection.dead_letter["error"]
        return f"would be dead-lettered ({error['kind']}: {error['message']})"
    verdict = inspection.verdict
    assert verdict is not None
    kept, rejected = len(verdict.article_segments), len(verdict.rejected_segments)
    outcome = "article" if inspection.outcome == "article" else "page rejected"
    summary = f"{outcome}, {kept} segments kept, {rejected} rejected"
    note = inspection.site_memory
    if note is not None:
        summary += (
            f"; site memory from {plural(inspection.records_remembered, 'earlier record')}: "
            f"{plural(note.pages_seen, 'page')} of its site, "
            f"{plural(note.rejected, 'segment')} rejected"
        )
    return summary


def read_source(
    source: str, declared: ContentType | None, url_prefix: str | None = None
) -> RawRecord:
    """A page file as the record `chaff produce` would publish (its URL `url_prefix` + the
    file name, else its file:// URI), or FILE:LINE of a JSONL file."""
    path = Path(source)
    if not path.exists() and (match := _FILE_LINE.match(source)):
        return _jsonl_line(Path(match["path"]), int(match["line"]), source)
    if path.suffix.lower() in JSONL_SUFFIXES:
        raise BadSource(
            f"{source} is a file of raw-page records: name one as {source}:LINE (1-based)"
        )
    try:
        raw = path.read_bytes()
        if path.suffix.lower() == ".gz":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise BadSource(f"{source}: {getattr(error, 'strerror', None) or error}") from None
    declared = declared or content_type_of(path)  # type: ignore[assignment]
    url = f"{url_prefix.rstrip('/')}/{path.name}" if url_prefix else path.resolve().as_uri()
    value = page_record(raw, declared, url)
    return RawRecord(value, Source(str(path), 0, 0, None), source)


def _jsonl_line(path: Path, line: int, label: str) -> RawRecord:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadSource(f"{path}: {error.strerror}") from None
    lines = data.splitlines()
    if not 1 <= line <= len(lines):
        raise BadSource(f"{path} has {len(lines)} lines: there is no line {line}")
    value = lines[line - 1]
    if not value.strip():
        raise BadSource(f"line {line} of {path} is empty")
    return RawRecord(value, Source(str(path), 0, line - 1, None), label, data)


class _KafkaFailure(Exception):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.message, self.exit_code = message, exit_code


def _topic_record(settings: Settings, topic: str, partition: int, offset: int) -> RawRecord:
    from worker.stream.fetch import RecordNotFound, fetch_record
    from worker.stream.kafka_client import KafkaSetupError

    try:
        fetched = fetch_record(settings, topic, partition, offset)
    except KafkaSetupError as error:
        raise _KafkaFailure(str(error), error.exit_code) from None
    except RecordNotFound as error:
        raise BadSource(str(error)) from None
    return RawRecord(fetched.value, fetched.source, f"{topic}-{partition} offset {offset}")
