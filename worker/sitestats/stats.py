"""Per-site statistics without Kafka: output record -> site event -> table row -> snapshot.

The faust job (app.py) is a thin shell around these functions:

    articles / rejects / dead letters --event_from_output--> SiteEvent (keyed by site)
    SiteEvent --apply_event--> the site's table row --site_snapshot--> pages.site-stats

A row remembers, per upstream partition ("topic:partition"), the highest offset it has
counted. Events arrive in upstream order per partition, so an event at or below that
offset is a redelivery (at-least-once) and is not counted twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from worker.core.raw_page import site_of
from worker.core.records import ARTICLE_SCHEMA, DEAD_LETTER_SCHEMA, REJECT_SCHEMA

SNAPSHOT_SCHEMA = "chaff.site-stats/1"
# Site of a record that names none: an unreadable output record, a dead letter without a
# URL or key, a page whose URL has no host.
UNKNOWN_SITE = "(unknown)"

InputKind = Literal["article", "reject", "dead_letter"]
EventKind = Literal["article", "page_rejected", "segments_rejected", "dead_letter", "unreadable"]
Row = dict[str, Any]

COUNTERS = ("pages", "articles", "page_rejects", "rejected_segments", "dead_letters", "unreadable")
_SCHEMA_OF: dict[InputKind, str] = {
    "article": ARTICLE_SCHEMA,
    "reject": REJECT_SCHEMA,
    "dead_letter": DEAD_LETTER_SCHEMA,
}
# Versions still read: the articles topic keeps records of the version before for 30 days.
_EARLIER_SCHEMAS: dict[InputKind, tuple[str, ...]] = {
    "article": ("chaff.article/1",),
    "reject": (),
    "dead_letter": (),
}


@dataclass(frozen=True, slots=True)
class SiteEvent:
    """What one output record adds to its site's statistics, and where it came from."""

    site: str
    kind: EventKind
    upstream: str  # "topic:partition" of the output record
    offset: int
    timestamp_ms: int
    rejected_segments: int = 0
    dead_letter_kind: str | None = None
    problem: str | None = None  # why an "unreadable" record could not be read

    def to_bytes(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_bytes(cls, data: bytes) -> SiteEvent:
        return cls(**orjson.loads(data))


def event_from_output(
    input_kind: InputKind,
    value: bytes | None,
    *,
    topic: str,
    partition: int,
    offset: int,
    timestamp_ms: int,
) -> SiteEvent:
    """The site event of one output record. Never raises: a record that is not the contract
    it should be becomes an "unreadable" event, counted and logged, never dropped."""
    base = SiteEvent(UNKNOWN_SITE, "unreadable", f"{topic}:{partition}", offset, timestamp_ms)
    try:
        document = orjson.loads(value) if value is not None else None
    except orjson.JSONDecodeError as bad_json:
        return replace(base, problem=f"not JSON: {bad_json}")
    expected = _SCHEMA_OF[input_kind]
    if not isinstance(document, dict) or (
        document.get("schema") != expected
        and document.get("schema") not in _EARLIER_SCHEMAS[input_kind]
    ):
        found = document.get("schema") if isinstance(document, dict) else type(document).__name__
        return replace(base, problem=f"expected {expected}, got {found!r}")
    if input_kind == "dead_letter":
        error = document.get("error")
        reason = error.get("kind") if isinstance(error, dict) else None
        return replace(
            base,
            site=_dead_letter_site(document),
            kind="dead_letter",
            dead_letter_kind=reason if isinstance(reason, str) else "unknown",
        )
    site = document.get("site")
    base = replace(base, site=site if isinstance(site, str) and site else UNKNOWN_SITE)
    if input_kind == "article":
        return replace(base, kind="article")
    segments = document.get("segments")
    return replace(
        base,
        kind="page_rejected" if document.get("page_rejected") else "segments_rejected",
        rejected_segments=len(segments) if isinstance(segments, list) else 0,
    )


def _dead_letter_site(document: dict[str, Any]) -> str:
    """The site of a dead letter: from the original page's URL when it has one (as for
    articles), else the original record key (scrapers key raw pages by site)."""
    original = document.get("original")
    if isinstance(original, dict) and original.get("encoding") == "utf-8":
        try:
            page = orjson.loads(original.get("value", ""))
        except orjson.JSONDecodeError:
            page = None
        if isinstance(page, dict) and isinstance(page.get("url"), str):
            site = site_of(page["url"])
            if site:
                return site
    source = document.get("source")
    key = source.get("key") if isinstance(source, dict) else None
    return key if isinstance(key, str) and key else UNKNOWN_SITE


def new_row() -> Row:
    row: Row = dict.fromkeys(COUNTERS, 0)
    row.update(dead_letters_by_kind={}, first_seen_ms=None, last_seen_ms=None, positions={})
    return row


def apply_event(row: Row | None, event: SiteEvent) -> Row | None:
    """The row with `event` counted, or None when the event was counted before."""
    updated = new_row() if row is None else {**row, "positions": dict(row["positions"])}
    seen = updated["positions"].get(event.upstream)
    if seen is not None and event.offset <= seen:
        return None
    updated["positions"][event.upstream] = event.offset
    if event.kind == "article":
        updated["pages"] += 1
        updated["articles"] += 1
    elif event.kind == "page_rejected":
        updated["pages"] += 1
        updated["page_rejects"] += 1
        updated["rejected_segments"] += event.rejected_segments
    elif event.kind == "segments_rejected":  # the segments dropped from an article
        updated["rejected_segments"] += event.rejected_segments
    elif event.kind == "dead_letter":
        updated["pages"] += 1
        updated["dead_letters"] += 1
        by_kind = dict(updated["dead_letters_by_kind"])
        reason = event.dead_letter_kind or "unknown"
        by_kind[reason] = by_kind.get(reason, 0) + 1
        updated["dead_letters_by_kind"] = by_kind
    else:
        updated["unreadable"] += 1
    first, last = updated["first_seen_ms"], updated["last_seen_ms"]
    updated["first_seen_ms"] = (
        event.timestamp_ms if first is None else min(first, event.timestamp_ms)
    )
    updated["last_seen_ms"] = event.timestamp_ms if last is None else max(last, event.timestamp_ms)
    return updated


def site_snapshot(site: str, row: Row, *, now_s: float, worker_version: str) -> dict[str, Any]:
    """The published snapshot of a site (the `chaff.site-stats/1` contract)."""
    return {
        "schema": SNAPSHOT_SCHEMA,
        "site": site,
        **{name: row[name] for name in COUNTERS},
        "dead_letters_by_kind": dict(sorted(row["dead_letters_by_kind"].items())),
        "first_seen": _rfc3339_ms(row["first_seen_ms"]),
        "last_seen": _rfc3339_ms(row["last_seen_ms"]),
        "snapshot_at": _rfc3339(now_s),
        "worker_version": worker_version,
    }


def _rfc3339_ms(epoch_ms: int | None) -> str | None:
    return None if epoch_ms is None else _rfc3339(epoch_ms / 1000)


def _rfc3339(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="milliseconds")
