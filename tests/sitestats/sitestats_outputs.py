"""Real worker output records for sitestats tests, made by the core's own builders.

A stand-in classifier keeps them independent of the shipped model: every non-empty line is
a segment, junk when it starts with "junk". The records are therefore exactly what
`chaff run` publishes for such a verdict (same builders, same contracts).
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from worker.core.records import OutputKind, Source, process_raw_record
from worker.core.verdict import ContentType, PageVerdict, SegmentVerdict

RAW_TOPIC = "pages.raw"


def line_classifier(body: str, content_type: ContentType) -> PageVerdict:
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    return PageVerdict(
        content_type,
        tuple(
            SegmentVerdict(
                n,
                line,
                "junk" if line.startswith("junk") else "article",
                0.1 if line.startswith("junk") else 0.9,
                ("starts with junk",) if line.startswith("junk") else ("prose",),
            )
            for n, line in enumerate(lines)
        ),
        "lines-1",
    )


def raw_page(site: str, number: int, article_lines: int, junk_lines: int) -> bytes:
    lines = [f"Paragraph {i} of story {number} on {site}." for i in range(article_lines)]
    lines += [f"junk teaser {i}" for i in range(junk_lines)]
    return orjson.dumps(
        {
            "url": f"https://www.{site}/story/{number}",
            "body": "\n".join(lines),
            "content_type": "text/plain",
            "fetch_time": "2026-11-24T10:00:00Z",
        }
    )


@dataclass(frozen=True)
class Output:
    kind: OutputKind
    key: bytes
    value: bytes


def outputs_for(raw: bytes | None, offset: int, key: bytes | None = None) -> list[Output]:
    """What the worker publishes for raw record `raw` read at pages.raw:0@offset."""
    processed = process_raw_record(
        raw, Source(RAW_TOPIC, 0, offset, 1_764_000_000_000, key), line_classifier, "test"
    )
    return [Output(o.kind, o.key, o.value) for o in processed.outputs]
