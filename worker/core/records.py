"""Raw records in, output records out: the message contracts, without Kafka (validating a raw
record is raw_page.py's).

`process_raw_record` is the whole per-record pipeline the worker runs:

    bytes --validate--> RawPage --classify_page--> PageVerdict --build--> OutputRecords

Every input ends as exactly one of: an article record (plus a reject record listing the
segments it dropped, if any), a page-level reject (the page has no article content), or a
dead letter saying precisely why the input could not be processed. Output values are
deterministic for the same input and model version, apart from `processed_at` /
`failed_at`, so a redelivered input yields a harmless duplicate.

The JSON Schemas of these records live in schemas/; tests validate every builder against them.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from worker.core import kernels
from worker.core.metadata import ArticleMetadata
from worker.core.raw_page import (
    BadInput,
    ErrorKind,
    RawPage,
    parse_raw_page,
    parse_rfc3339,
)
from worker.core.verdict import ContentType, PageVerdict, article_text_of

ARTICLE_SCHEMA = "chaff.article/2"  # /2 added the metadata and article_markdown
REJECT_SCHEMA = "chaff.reject/1"
DEAD_LETTER_SCHEMA = "chaff.dead-letter/1"

OutputKind = Literal["article", "reject", "dead_letter"]
Outcome = Literal["article", "page_rejected", "dead_letter"]

NO_ARTICLE_REASON = "no article content: every segment was classified as junk"
EMPTY_PAGE_REASON = "no text segments found in the page"

# A dead letter must itself fit in a Kafka record (1 MiB by default): beyond this many bytes
# of the original, it keeps a prefix plus the length and sha256 of the whole.
MAX_ORIGINAL_BYTES = 256 * 1024
# Outputs above this size would be refused by a default broker; the page dead-letters instead.
DEFAULT_MAX_OUTPUT_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class Source:
    """Where a raw record came from: copied into every output, so any output traces back."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None = None

    def as_json(self, with_key: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "timestamp": self.timestamp_ms,
        }
        if with_key:
            result["key"] = None if self.key is None else self.key.decode("utf-8", "replace")
        return result


@dataclass(frozen=True, slots=True)
class OutputRecord:
    kind: OutputKind
    key: bytes
    value: bytes


@dataclass(frozen=True, slots=True)
class ProcessedRecord:
    """What one raw record became, plus what the runtime reports about it."""

    outcome: Outcome
    outputs: tuple[OutputRecord, ...]
    segments_by_label: Mapping[str, int] = field(default_factory=dict)
    error_kind: ErrorKind | None = None
    error_message: str | None = None
    event_time_s: float | None = None  # fetch time, else record timestamp: latency starts here


@dataclass(frozen=True, slots=True)
class Limits:
    max_page_bytes: int = 2_000_000
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES


Classifier = Callable[[str, ContentType], PageVerdict]
# A classifier that sees the whole page (its site, its URL) and may add fields to the
# page's article record (site memory: worker.stream.site_state).
PageClassifier = Callable[[RawPage], tuple[PageVerdict, Mapping[str, Any]]]
# Called with the name of the stage that just ended ("validate", "classify", "build",
# "serialise"): the runtime charges the CPU time since its last mark to it.
StageMark = Callable[[str], None]


def _no_mark(_stage: str) -> None:
    pass


# --- output records -----------------------------------------------------------------------


def _timestamp(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="milliseconds")


def build_page_outputs(
    page: RawPage,
    verdict: PageVerdict,
    source: Source,
    processed_at_s: float,
    worker_version: str,
    article_extra: Mapping[str, Any] | None = None,
    mark: StageMark = _no_mark,
) -> tuple[Outcome, tuple[OutputRecord, ...]]:
    """The article record (if the page has article content) and the reject record (if
    anything was rejected); a page without article content is a page-level reject only."""
    outcome, outputs, _kept = _page_outputs(
        page, verdict, source, processed_at_s, worker_version, article_extra, mark
    )
    return outcome, outputs


def _page_outputs(
    page: RawPage,
    verdict: PageVerdict,
    source: Source,
    processed_at_s: float,
    worker_version: str,
    article_extra: Mapping[str, Any] | None,
    mark: StageMark,
) -> tuple[Outcome, tuple[OutputRecord, ...], int]:
    """build_page_outputs, and how many segments the article kept."""
    common = {
        "page_id": page.page_id,
        "url": page.url,
        "site": page.site,
        "fetch_time": page.fetch_time,
        "content_type": page.content_type,
    }
    trailer = {
        "model_version": verdict.model_version,
        "source": source.as_json(),
        "processed_at": _timestamp(processed_at_s),
        "worker_version": worker_version,
    }
    key = page.page_id.encode()
    documents: list[tuple[OutputKind, dict[str, Any]]] = []
    # One pass in C: the kept texts and the reject record's rows (in Python, the rows and
    # their rounded scores were most of building a page's outputs).
    kept_texts, rejected = kernels.reject_rows(verdict.segments, "article")
    kept = len(kept_texts)
    if kept:
        metadata = verdict.metadata or ArticleMetadata()
        article: dict[str, Any] = {
            "schema": ARTICLE_SCHEMA,
            **common,
            **metadata.as_json(page.url),
            "article_text": article_text_of(kept_texts),
            "article_markdown": verdict.article_markdown,
            "segments": {
                "total": len(verdict.segments),
                "article": kept,
                "junk": len(rejected),
            },
        }
        if page.scraper is not None:
            article["scraper"] = page.scraper
        if article_extra:
            article.update(article_extra)
        article.update(trailer)  # as {**article, **trailer}: a key already there keeps its place
        documents.append(("article", article))
    if rejected or not kept:
        page_reason = None if kept else (NO_ARTICLE_REASON if rejected else EMPTY_PAGE_REASON)
        reject = {
            "schema": REJECT_SCHEMA,
            **common,
            "page_rejected": not kept,
            "reason": page_reason,
            "segments": rejected,  # reasons are tuples: orjson writes them as arrays
            **trailer,
        }
        documents.append(("reject", reject))
    mark("build")
    outputs = tuple(OutputRecord(kind, key, orjson.dumps(document)) for kind, document in documents)
    mark("serialise")
    return ("article" if kept else "page_rejected"), outputs, kept


def build_dead_letter(
    kind: ErrorKind,
    message: str,
    original: bytes | None,
    source: Source,
    failed_at_s: float,
    worker_version: str,
) -> OutputRecord:
    """The dead letter keeps the original bytes (base64 unless valid UTF-8); past
    MAX_ORIGINAL_BYTES only a prefix, with the whole's length and sha256."""
    raw = original or b""
    kept = raw[:MAX_ORIGINAL_BYTES]
    truncated = len(raw) > len(kept)
    try:
        encoding, value = "utf-8", kept.decode("utf-8")
    except UnicodeDecodeError:
        encoding, value = "base64", base64.b64encode(kept).decode("ascii")
    document = {
        "schema": DEAD_LETTER_SCHEMA,
        "error": {"kind": kind, "message": message},
        "original": {
            "encoding": encoding,
            "value": value,
            "null": original is None,
            "length": len(raw),
            "sha256": hashlib.sha256(raw).hexdigest(),
            "truncated": truncated,
        },
        "source": source.as_json(with_key=True),
        "worker_version": worker_version,
        "failed_at": _timestamp(failed_at_s),
    }
    key = source.key or f"{source.topic}:{source.partition}:{source.offset}".encode()
    return OutputRecord("dead_letter", key, orjson.dumps(document))


# --- the pipeline -------------------------------------------------------------------------


def process_raw_record(
    value: bytes | None,
    source: Source,
    classify: Classifier,
    worker_version: str,
    limits: Limits | None = None,
    clock: Callable[[], float] = time.time,
    classify_whole_page: PageClassifier | None = None,
    mark: StageMark | None = None,
) -> ProcessedRecord:
    """Validate, classify and build the outputs of one raw record. Never raises on data.
    `classify_whole_page`, when given, classifies instead of `classify`; `mark` is told each
    stage as it ends (validate, classify, build, serialise)."""
    limits = limits or Limits()
    mark = mark or _no_mark
    try:
        page = parse_raw_page(value, limits.max_page_bytes)
    except BadInput as bad:
        mark("validate")
        return _dead(bad.kind, bad.message, value, source, worker_version, clock)
    mark("validate")
    extra: Mapping[str, Any] | None = None
    try:
        if classify_whole_page is not None:
            verdict, extra = classify_whole_page(page)
        else:
            verdict = classify(page.body, page.content_type)
    except Exception as error:  # a classifier bug must not stop the stream: dead-letter it
        message = f"classifier failed: {type(error).__name__}: {error}"
        return _dead("processing_error", message, value, source, worker_version, clock)
    mark("classify")
    try:
        outcome, outputs, article_count = _page_outputs(
            page, verdict, source, clock(), worker_version, extra, mark
        )
    except orjson.JSONEncodeError as error:
        # Valid input JSON that cannot be written back, e.g. `scraper` metadata nested deeper
        # than orjson writes (255 levels; it reads 1024).
        message = f"the page's fields cannot be re-encoded as JSON: {error}"
        return _dead("schema_violation", message, value, source, worker_version, clock)
    except Exception as error:  # a bug in building the records: dead-letter, go on
        message = f"building the output records failed: {type(error).__name__}: {error}"
        return _dead("processing_error", message, value, source, worker_version, clock)
    largest = max(len(o.value) for o in outputs)
    if largest > limits.max_output_bytes:
        message = (
            f"an output record would be {largest:,} bytes, over the limit of "
            f"{limits.max_output_bytes:,} (CHAFF_MAX_OUTPUT_BYTES)"
        )
        return _dead("too_large", message, value, source, worker_version, clock)
    counts = {"article": article_count, "junk": len(verdict.segments) - article_count}
    return ProcessedRecord(
        outcome, outputs, counts, event_time_s=_event_time(page.fetch_time, source)
    )


def _dead(
    kind: ErrorKind,
    message: str,
    value: bytes | None,
    source: Source,
    worker_version: str,
    clock: Callable[[], float],
) -> ProcessedRecord:
    letter = build_dead_letter(kind, message, value, source, clock(), worker_version)
    return ProcessedRecord(
        "dead_letter",
        (letter,),
        error_kind=kind,
        error_message=message,
        event_time_s=_event_time(None, source),
    )


def _event_time(fetch_time: str | None, source: Source) -> float | None:
    if fetch_time is not None:
        return parse_rfc3339(fetch_time).timestamp()
    return None if source.timestamp_ms is None else source.timestamp_ms / 1000
