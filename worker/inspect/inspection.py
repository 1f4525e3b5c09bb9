"""What `chaff inspect` shows about one raw record: what the worker would make of it.

The record goes through the worker's own pipeline (records.process_raw_record), so the
outcome, the article as published and a dead letter's kind and message are the worker's,
not a re-implementation of them; the classifier's verdict is kept on the way through. With
a site memory (`chaff classify --site-memory on`'s, holding the pages before the record),
the page is classified through it, as that command would. No Kafka here: the caller hands
over the record's bytes and where they came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from worker import __version__
from worker.core.classify import classify_page, reason_origin
from worker.core.raw_page import RawPage, parse_raw_page
from worker.core.records import Limits, Outcome, Source, process_raw_record
from worker.core.segment_model import SegmentModel
from worker.core.site_pass import MemoryNote
from worker.core.site_rule import MEMORY_REASON_START
from worker.core.site_store import SiteStore
from worker.core.verdict import ContentType, PageVerdict, SegmentVerdict
from worker.learn.classify_files import classify_with_memory


@dataclass(frozen=True, slots=True)
class Comparison:
    """What another extractor keeps of the same page, segment by segment."""

    extractor: str
    text: str  # its whole output
    keeps: tuple[bool, ...] | None  # per segment; None when it could not run on the page
    note: str | None = None  # why it could not, or what to know about it


@dataclass(frozen=True, slots=True)
class Inspection:
    source_label: str  # the source as the user named it: a file, FILE:LINE, topic-partition@offset
    source: Source
    original: bytes | None  # the raw record's value
    outcome: Outcome
    page: RawPage | None  # None when the record does not validate
    verdict: PageVerdict | None  # None when it was not classified
    published: Mapping[str, Any] | None  # the article record the worker would publish
    rejected: Mapping[str, Any] | None  # the reject record
    dead_letter: Mapping[str, Any] | None  # the dead letter, when it would be one
    # What the site's memory told the classifier (the article record's `site_memory`), and
    # how many earlier records it was built from; None when the page was classified alone.
    site_memory: MemoryNote | None = None
    records_remembered: int = 0
    comparison: Comparison | None = None


def inspect_record(
    value: bytes | None,
    source: Source,
    source_label: str,
    limits: Limits | None = None,
    model: SegmentModel | None = None,
    memory: SiteStore | None = None,
) -> Inspection:
    """The worker's outcome for one raw record, with the verdict behind it; with `memory`,
    classified through its site's memory (which then holds the page too)."""
    verdicts: list[PageVerdict] = []
    notes: list[MemoryNote] = []

    def classify(body: str, content_type: ContentType) -> PageVerdict:
        verdict = classify_page(body, content_type, model)
        verdicts.append(verdict)
        return verdict

    def classify_remembering(page: RawPage) -> tuple[PageVerdict, Mapping[str, Any]]:
        assert memory is not None
        verdict, note = classify_with_memory(memory, page, model)
        verdicts.append(verdict)
        notes.append(note)
        return verdict, {"site_memory": note.as_json()}

    processed = process_raw_record(
        value,
        source,
        classify,
        __version__,
        limits,
        classify_whole_page=classify_remembering if memory is not None else None,
    )
    documents = {o.kind: orjson.loads(o.value) for o in processed.outputs}
    page = None
    if verdicts:  # it validated: parse it again for the page's fields (cheap next to classify)
        page = parse_raw_page(value, (limits or Limits()).max_page_bytes)
    return Inspection(
        source_label=source_label,
        source=source,
        original=value,
        outcome=processed.outcome,
        page=page,
        verdict=verdicts[-1] if verdicts else None,
        published=documents.get("article"),
        rejected=documents.get("reject"),
        dead_letter=documents.get("dead_letter"),
        site_memory=notes[-1] if notes else None,
    )


def site_memory_words(inspection: Inspection) -> str:
    """What site memory informed the verdict: the article record's `site_memory`, in words."""
    note = inspection.site_memory
    if note is None:
        return "none: the page was classified on its own"
    earlier = f"on, from the {plural(inspection.records_remembered, 'record')} before it"
    if note.pages_seen == 0:
        return f"{earlier}: none was another page of this site, so it was classified on its own"
    rejected = [
        s.position
        for s in (inspection.verdict.segments if inspection.verdict is not None else ())
        if s.reasons and s.reasons[0].startswith(MEMORY_REASON_START)
    ]
    pages = "page" if note.pages_seen == 1 else f"{note.pages_seen} pages"
    words = (
        f"{earlier}: this site's last {pages} informed it; "
        f"{note.segments_seen} of this page's segments were seen on them; "
        f"{note.rejected} rejected as repeats"
    )
    return words + (f" ({', '.join(f'#{p}' for p in rejected)})" if rejected else "")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@dataclass(frozen=True, slots=True)
class Why:
    """The page-level reasons, gathered from the segments' own."""

    rule_hits: Mapping[str, tuple[int, ...]]  # rule reason -> positions
    neighbours_tipped: tuple[int, ...]
    held_back: tuple[int, ...]
    kept_by_cut: tuple[int, ...]  # kept though scoring under 0.5: the page's cut kept them


def why(segments: tuple[SegmentVerdict, ...]) -> Why:
    rules: dict[str, list[int]] = {}
    neighbours: list[int] = []
    held: list[int] = []
    by_cut: list[int] = []
    for segment in segments:
        origins = [(reason, reason_origin(reason)) for reason in segment.reasons]
        for reason, origin in origins:
            if origin == "rule":
                rules.setdefault(reason, []).append(segment.position)
                break  # one rule per segment: the one that decided it
        if any(origin == "neighbours" for _, origin in origins):
            neighbours.append(segment.position)
        if any(origin == "held back" for _, origin in origins):
            held.append(segment.position)
        if any(origin == "cut" for _, origin in origins):
            by_cut.append(segment.position)
    return Why(
        {reason: tuple(positions) for reason, positions in rules.items()},
        tuple(neighbours),
        tuple(held),
        tuple(by_cut),
    )


def words(text: str) -> int:
    return len(text.split())
