"""The faust app behind `chaff sitestats`: per-site counts in a changelog-backed table.

    pages.articles ─┐                                  ┌─ table "site-stats" (key: site,
    pages.rejects ──┼─► to_site_events ─► <app>-site-events ─► count_site_events   changelog-backed)
    pages.dead-letter┘     (parse)         (key: site)       │
                                                              └─ timer ─► pages.site-stats
                                                                           (compacted, key: site)

The output topics are keyed by page_id, so the first agent re-keys every record by site
through an internal topic: the table partition that owns a site then always receives its
events (faust tables must be co-partitioned with the stream that writes them). Delivery is
at-least-once (faust commits after its producer flushed); a redelivered record is
recognised by its upstream offset (see stats.py) and not counted twice.

Tables use faust's memory store, rebuilt from the compacted changelog at start: the state
is one small row per site. Standby replicas are off so the local table holds only this
worker's active partitions, which the snapshot timer publishes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import faust
import orjson

from worker import __version__
from worker.sitestats import faust_fixes
from worker.sitestats.config import SiteStatsConfig
from worker.sitestats.faust_job import job_app
from worker.sitestats.stats import (
    InputKind,
    SiteEvent,
    apply_event,
    event_from_output,
    site_snapshot,
)

log = logging.getLogger(__name__)

TABLE_NAME = "site-stats"
EVENTS_TOPIC_SUFFIX = "site-events"


@dataclass
class _SnapshotState:
    """Sites whose row changed since their last snapshot; all of them after a rebalance."""

    dirty: set[str] = field(default_factory=set)
    assignment: frozenset[Any] = frozenset()
    snapshot_topic_declared: bool = False


def build_app(config: SiteStatsConfig) -> faust.App:
    app = job_app(config)
    input_kinds: dict[str, InputKind] = {
        config.articles_topic: "article",
        config.rejects_topic: "reject",
        config.dead_letter_topic: "dead_letter",
    }
    outputs = app.topic(*input_kinds, key_serializer="raw", value_serializer="raw")
    site_events = app.topic(
        f"{config.app_id}-{EVENTS_TOPIC_SUFFIX}",
        partitions=config.partitions,
        key_serializer="raw",
        value_serializer="raw",
        internal=True,
    )
    snapshots = app.topic(
        config.snapshot_topic,
        partitions=config.partitions,
        key_serializer="raw",
        value_serializer="raw",
        compacting=True,
        internal=True,  # created (compacted) by the job if it does not exist yet
    )
    table = app.Table(
        TABLE_NAME,
        default=None,
        partitions=config.partitions,
        # JSON both ways: keys come back from the changelog as the same str they went in as.
        schema=faust.Schema(key_serializer="json", value_serializer="json"),
    )
    state = _SnapshotState()
    faust_fixes.apply(app)  # two record-loss bugs of faust-streaming 0.15.3

    @app.agent(outputs)
    async def to_site_events(stream: faust.StreamT[Any]) -> None:
        async for event in stream.events():
            message = event.message
            site_event = event_from_output(
                input_kinds[message.topic],
                event.value,
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                timestamp_ms=int(message.timestamp * 1000),
            )
            if site_event.kind == "unreadable":
                log.warning(
                    "unreadable output record %s:%s@%s counted under %s: %s",
                    message.topic,
                    message.partition,
                    message.offset,
                    site_event.site,
                    site_event.problem,
                )
            await site_events.send(key=site_event.site.encode(), value=site_event.to_bytes())

    @app.agent(site_events)
    async def count_site_events(stream: faust.StreamT[Any]) -> None:
        async for value in stream:
            try:
                site_event = SiteEvent.from_bytes(value)
            except (orjson.JSONDecodeError, TypeError) as error:
                # Only this app writes the topic; a bad event is a bug, reported loudly.
                log.error("bad site event %r: %s", value[:200], error)
                continue
            row = apply_event(table.get(site_event.site), site_event)
            if row is not None:  # None: a redelivery, already counted
                table[site_event.site] = row
                state.dirty.add(site_event.site)

    @app.timer(config.snapshot_interval_s)  # type: ignore[untyped-decorator]  # faust's is untyped
    async def publish_snapshots() -> None:
        if app.rebalancing or app.in_recovery:
            return  # the table is incomplete until recovery is done
        if not state.snapshot_topic_declared:  # faust declares only the topics it consumes
            await snapshots.maybe_declare()
            state.snapshot_topic_declared = True
        assignment = frozenset(app.consumer.assignment())
        if assignment != state.assignment:
            # New partitions (maybe from a crashed worker) may hold changes never published.
            state.assignment = assignment
            sites = set(table.keys())
            state.dirty = set()
        else:
            sites, state.dirty = state.dirty, set()
        now_s = time.time()
        for site in sorted(sites):
            row = table.get(site)
            if row is None:
                continue
            snapshot = site_snapshot(site, row, now_s=now_s, worker_version=__version__)
            try:
                await snapshots.send(key=site.encode(), value=orjson.dumps(snapshot))
            except Exception:
                log.exception("could not publish the snapshot of %s; retrying next tick", site)
                state.dirty.add(site)
        if sites:
            log.info("published %d site snapshot(s) to %s", len(sites), config.snapshot_topic)

    return app
