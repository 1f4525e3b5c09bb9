"""Prometheus metrics of `chaff dedup` (served on --metrics-port; 0 turns them off)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

TABLES = ("signatures", "buckets", "verdicts")


class DedupMetrics:
    def __init__(self, port: int | None, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.articles = Counter(
            "chaff_dedup_articles",
            "Article records read from the articles topic.",
            registry=self.registry,
        )
        self.verdicts = Counter(
            "chaff_dedup_verdicts",
            "Verdicts published, by verdict (unique, duplicate, unreadable); repeat=true for "
            "a stored verdict published again after a redelivery.",
            ["verdict", "repeat"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "chaff_dedup_duplicates_found",
            "Articles found to be near-duplicates of an earlier page (first verdicts only).",
            registry=self.registry,
        )
        self.evictions = Counter(
            "chaff_dedup_evicted",
            "Rows that left the window (count or age bound), by table.",
            ["table"],
            registry=self.registry,
        )
        self.table_rows = Gauge(
            "chaff_dedup_table_rows",
            "Rows in this process's tables, by table.",
            ["table"],
            registry=self.registry,
        )
        self.lag_records = Gauge(
            "chaff_dedup_lag_records",
            "Records not yet processed in this process's assigned partitions, by topic.",
            ["topic"],
            registry=self.registry,
        )
        for table in TABLES:
            self.table_rows.labels(table)
        if port:
            start_http_server(port, registry=self.registry)

    def article_read(self) -> None:
        self.articles.inc()

    def verdict(self, kind: str, *, again: bool) -> None:
        self.verdicts.labels(kind, "true" if again else "false").inc()
        if kind == "duplicate" and not again:
            self.duplicates.inc()

    def evicted(self, table: str) -> None:
        self.evictions.labels(table).inc()

    def table_sizes(self, sizes: dict[str, int]) -> None:
        for table, rows in sizes.items():
            self.table_rows.labels(table).set(rows)

    def lag(self, by_topic: dict[str, int]) -> None:
        for topic, records in by_topic.items():
            self.lag_records.labels(topic).set(records)
