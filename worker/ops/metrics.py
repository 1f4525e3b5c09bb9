"""Prometheus metrics for the worker loop: `PrometheusObserver` implements the loop's hooks.

Names follow the Prometheus conventions: a `chaff_` prefix, base units (seconds), `_total`
for counters, `_info` for constant labels. Every process has its own registry (and port),
so two observers in one test never collide. Label values that can be known up front are
pre-created, so dashboards and alerts see zeros instead of missing series.
"""

from __future__ import annotations

import contextlib
import logging
import platform
import re
import threading
from collections import deque
from collections.abc import Mapping
from typing import Literal, NamedTuple

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from worker import __version__
from worker.core.raw_page import ERROR_KINDS
from worker.ops.cpu import STAGES, thread_cpu_seconds
from worker.ops.health import HealthState
from worker.stream.observer import LoopObserver, Outcome

log = logging.getLogger(__name__)

# The core's error kinds, so a new kind can never be missing from the pre-created series.
DEAD_LETTER_REASONS: tuple[str, ...] = ERROR_KINDS
OUTCOMES: tuple[Outcome, ...] = ("article", "page_rejected", "dead_letter")
SEGMENT_LABELS: tuple[str, ...] = ("article", "junk")
ERROR_STAGES: tuple[str, ...] = ("produce", "commit", "poll")
UNKNOWN_REASON = "unknown"
_LABEL_SAFE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

# Pages take milliseconds to a few seconds (huge HTML); end-to-end spans from sub-second
# (live) to hours (a replay or a backlog after an outage).
PROCESSING_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
END_TO_END_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600)


class OutputTopics(NamedTuple):
    """Which topic holds which kind of output, so publishes can be counted by kind."""

    articles: str
    rejects: str
    dead_letter: str


class PrometheusObserver(LoopObserver):
    """Turns loop hooks into metrics and health state. Hooks never raise (errors are logged)."""

    def __init__(
        self,
        topics: OutputTopics,
        model_version: str,
        registry: CollectorRegistry | None = None,
        health: HealthState | None = None,
    ) -> None:
        self.topics = topics
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self.health = health if health is not None else HealthState()
        self._pending_dead_letter_reasons: deque[str] = deque(maxlen=1_000_000)
        self._lock = threading.Lock()
        r = self.registry

        self.pages_consumed = Counter(
            "chaff_pages_consumed", "Raw page records returned by polls.", registry=r
        )
        self.pages_processed = Counter(
            "chaff_pages_processed",
            "Raw records turned into outputs, by outcome (article, page_rejected, dead_letter).",
            ["outcome"],
            registry=r,
        )
        self.segments = Counter(
            "chaff_segments", "Segments classified, by label.", ["label"], registry=r
        )
        self.articles_published = Counter(
            "chaff_articles_published", "Article records acknowledged by the broker.", registry=r
        )
        self.rejects_published = Counter(
            "chaff_rejects_published", "Reject records acknowledged by the broker.", registry=r
        )
        self.dead_letters_published = Counter(
            "chaff_dead_letters_published",
            "Dead-letter records acknowledged by the broker, by error kind.",
            ["reason"],
            registry=r,
        )
        self.records_published = Counter(
            "chaff_records_published",
            "All records acknowledged by the broker, by topic.",
            ["topic"],
            registry=r,
        )
        self.page_processing = Histogram(
            "chaff_page_processing_seconds",
            "Time to turn one raw record into its output records (parse, segment, classify).",
            buckets=PROCESSING_BUCKETS,
            registry=r,
        )
        self.end_to_end = Histogram(
            "chaff_end_to_end_latency_seconds",
            "From the page's fetch time (else the record timestamp) to the publish ack.",
            buckets=END_TO_END_BUCKETS,
            registry=r,
        )
        self.consumer_lag = Gauge(
            "chaff_consumer_lag_records",
            "High watermark minus position, per assigned partition.",
            ["topic", "partition"],
            registry=r,
        )
        self.in_flight = Gauge(
            "chaff_records_in_flight", "Records consumed but not yet committed.", registry=r
        )
        self.kafka_errors = Counter(
            "chaff_kafka_errors",
            "Failed Kafka operations, by stage (produce, commit, poll).",
            ["stage"],
            registry=r,
        )
        self.commits = Counter("chaff_commits", "Successful offset commits.", registry=r)
        self.committed_offset = Gauge(
            "chaff_committed_offset",
            "Last committed offset (next to read), per partition.",
            ["topic", "partition"],
            registry=r,
        )
        self.last_commit = Gauge(
            "chaff_last_commit_timestamp_seconds",
            "Unix time of the last successful commit.",
            registry=r,
        )
        self.assigned_partitions = Gauge(
            "chaff_assigned_partitions",
            "Partitions the group assigned to this process.",
            registry=r,
        )
        self.undecodable_batches = Counter(
            "chaff_undecodable_batches",
            "Raw record batches that could not be decoded (codec missing, corrupt), by "
            "partition; the partition is paused and retried.",
            ["topic", "partition"],
            registry=r,
        )
        self.site_memory_sites = Gauge(
            "chaff_site_memory_sites",
            "Sites whose profile this process keeps (site memory on).",
            registry=r,
        )
        self.site_memory_bytes = Gauge(
            "chaff_site_memory_bytes",
            "Bytes the site profiles cost, as counted against the store's cap.",
            registry=r,
        )
        self.site_memory_hits = Counter(
            "chaff_site_memory_fingerprint_hits",
            "Segments whose text was found in their site's profile.",
            registry=r,
        )
        self.ready = Gauge(
            "chaff_ready", "1 when /readyz answers 200 (see the health definitions).", registry=r
        )
        self.ready.set_function(lambda: 1.0 if self.health.readiness()[0] else 0.0)
        self.model_info = Info("chaff_model", "The classifier model in use.", registry=r)
        self.build_info = Info("chaff_build", "The worker build.", registry=r)
        self.stage_cpu = Counter(
            "chaff_stage_cpu_seconds",
            "CPU seconds of the worker loop's thread, by stage (fetch, validate, classify, "
            "build, serialise, produce, commit, loop); kafka-python's own threads are in "
            "chaff_thread_cpu_seconds_total.",
            ["stage"],
            registry=r,
        )
        ProcessCollector(registry=r)  # process_cpu_seconds_total, process_resident_memory_bytes
        r.register(_ThreadCpuCollector())

        self.set_model_version(model_version)
        self.build_info.info({"version": __version__, "python_version": platform.python_version()})
        for outcome in OUTCOMES:
            self.pages_processed.labels(outcome)
        for label in SEGMENT_LABELS:
            self.segments.labels(label)
        for reason in DEAD_LETTER_REASONS:
            self.dead_letters_published.labels(reason)
        for stage in ERROR_STAGES:
            self.kafka_errors.labels(stage)
        for topic in topics:
            self.records_published.labels(topic)
        for stage in STAGES:
            self.stage_cpu.labels(stage)

    def set_model_version(self, version: str) -> None:
        self.model_info.info({"version": version})

    # --- LoopObserver hooks -------------------------------------------------------------

    def on_records_consumed(self, count: int) -> None:
        self.health.touch()
        if count > 0:
            self.pages_consumed.inc(count)

    def on_page_done(
        self,
        outcome: Outcome,
        processing_seconds: float,
        segments_by_label: Mapping[str, int],
        dead_letter_reason: str | None = None,
    ) -> None:
        try:
            self.pages_processed.labels(outcome).inc()
            self.page_processing.observe(max(processing_seconds, 0.0))
            for label, count in segments_by_label.items():
                if count:
                    self.segments.labels(_safe_label(label)).inc(count)
            if outcome == "dead_letter":
                with self._lock:
                    self._pending_dead_letter_reasons.append(
                        _safe_label(dead_letter_reason or UNKNOWN_REASON)
                    )
        except Exception:
            log.exception("metrics hook on_page_done failed")

    def on_published(self, topic: str, count: int, end_to_end_seconds: list[float]) -> None:
        try:
            self.health.published()
            if count <= 0:
                return
            self.records_published.labels(topic).inc(count)
            if topic == self.topics.articles:
                self.articles_published.inc(count)
            elif topic == self.topics.rejects:
                self.rejects_published.inc(count)
            elif topic == self.topics.dead_letter:
                # The loop publishes dead letters in the order it decided them, so the
                # reasons queued by on_page_done pair up with the acknowledgements.
                with self._lock:
                    reasons = [
                        self._pending_dead_letter_reasons.popleft()
                        if self._pending_dead_letter_reasons
                        else UNKNOWN_REASON
                        for _ in range(count)
                    ]
                for reason in reasons:
                    self.dead_letters_published.labels(reason).inc()
            for seconds in end_to_end_seconds:
                self.end_to_end.observe(max(seconds, 0.0))
        except Exception:
            log.exception("metrics hook on_published failed")

    def on_site_memory(self, sites: int, profile_bytes: int, fingerprint_hits: int) -> None:
        self.site_memory_sites.set(sites)
        self.site_memory_bytes.set(profile_bytes)
        self.site_memory_hits.inc(fingerprint_hits)

    def on_in_flight(self, count: int) -> None:
        self.health.touch()
        self.in_flight.set(count)

    def on_committed(self, offsets: Mapping[tuple[str, int], int]) -> None:
        self.health.touch()
        self.commits.inc()
        self.last_commit.set_to_current_time()
        for (topic, partition), offset in offsets.items():
            self.committed_offset.labels(topic, str(partition)).set(offset)

    def on_error(self, stage: Literal["produce", "commit", "poll"], error: BaseException) -> None:
        try:
            self.kafka_errors.labels(stage).inc()
            if stage == "produce":
                self.health.produce_failed(error)
                # The loop re-processes (or gives up on) what it could not publish, so the
                # queued reasons no longer match future acknowledgements.
                with self._lock:
                    self._pending_dead_letter_reasons.clear()
        except Exception:
            log.exception("metrics hook on_error failed")

    def on_assigned(self, partitions: list[tuple[str, int]]) -> None:
        try:
            previous = self.health.assigned
            self.health.set_assigned(partitions)
            self.assigned_partitions.set(len(set(partitions)))
            # A revoked partition's lag belongs to another process now; a stale series here
            # would keep the lag alert firing.
            for topic, partition in previous - set(partitions):
                for gauge in (self.consumer_lag, self.committed_offset):
                    with contextlib.suppress(KeyError):
                        gauge.remove(topic, str(partition))
        except Exception:
            log.exception("metrics hook on_assigned failed")

    def on_undecodable(self, topic: str, partition: int, error: BaseException) -> None:
        self.undecodable_batches.labels(topic, str(partition)).inc()
        self.health.set_undecodable(topic, partition, f"{type(error).__name__}: {error}")

    def on_undecodable_cleared(self, topic: str, partition: int) -> None:
        self.health.set_undecodable(topic, partition, None)

    def on_stage_cpu(self, seconds_by_stage: Mapping[str, float]) -> None:
        for stage, seconds in seconds_by_stage.items():
            if seconds > 0:
                self.stage_cpu.labels(_safe_label(stage)).inc(seconds)

    def on_lag(self, lag_by_partition: Mapping[tuple[str, int], int]) -> None:
        self.health.touch()
        for (topic, partition), lag in lag_by_partition.items():
            self.consumer_lag.labels(topic, str(partition)).set(max(lag, 0))


class _ThreadCpuCollector(Collector):
    """CPU seconds of the process's threads by role, read from their clocks at each scrape."""

    def collect(self) -> list[Metric]:
        family = CounterMetricFamily(
            "chaff_thread_cpu_seconds",
            "CPU seconds of this process's live threads, by role: loop (the worker loop), "
            "kafka_consumer and kafka_producer (kafka-python's I/O threads), other.",
            labels=["role"],
        )
        for role, seconds in thread_cpu_seconds().items():
            family.add_metric([role], seconds)
        return [family]


def _safe_label(value: str) -> str:
    """Keep label cardinality bounded even if a caller passes free text by mistake."""
    return value if _LABEL_SAFE.match(value) else "other"
