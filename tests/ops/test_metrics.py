"""PrometheusObserver: each loop hook moves the metric it should, under the exported name."""

from __future__ import annotations

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from worker.core.raw_page import ERROR_KINDS
from worker.ops.metrics import DEAD_LETTER_REASONS, OutputTopics, PrometheusObserver

TOPICS = OutputTopics("out.articles", "out.rejects", "out.dead")


def samples(observer: PrometheusObserver) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = generate_latest(observer.registry).decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(observer: PrometheusObserver, name: str, **labels: str) -> float:
    return samples(observer)[(name, frozenset(labels.items()))]


def test_counts_pages_segments_and_outcomes() -> None:
    observer = PrometheusObserver(TOPICS, "m-1")
    observer.on_records_consumed(3)
    observer.on_page_done("article", 0.02, {"article": 4, "junk": 2})
    observer.on_page_done("page_rejected", 0.01, {"junk": 5})
    observer.on_page_done("dead_letter", 0.0, {}, dead_letter_reason="invalid_json")

    assert value(observer, "chaff_pages_consumed_total") == 3
    assert value(observer, "chaff_segments_total", label="article") == 4
    assert value(observer, "chaff_segments_total", label="junk") == 7
    assert value(observer, "chaff_pages_processed_total", outcome="article") == 1
    assert value(observer, "chaff_pages_processed_total", outcome="page_rejected") == 1
    assert value(observer, "chaff_pages_processed_total", outcome="dead_letter") == 1
    assert value(observer, "chaff_page_processing_seconds_count") == 3
    assert abs(value(observer, "chaff_page_processing_seconds_sum") - 0.03) < 1e-9


def test_published_records_are_counted_by_kind_and_dead_letters_by_reason() -> None:
    observer = PrometheusObserver(TOPICS, "m-1")
    observer.on_page_done("dead_letter", 0.0, {}, dead_letter_reason="too_large")
    observer.on_page_done("dead_letter", 0.0, {}, dead_letter_reason="not_utf8")
    observer.on_page_done("dead_letter", 0.0, {}, dead_letter_reason="too_large")
    observer.on_published("out.articles", 5, [0.5, 1.5, 2.0, 0.1, 0.2])
    observer.on_published("out.rejects", 2, [])
    observer.on_published("out.dead", 3, [])

    assert value(observer, "chaff_articles_published_total") == 5
    assert value(observer, "chaff_rejects_published_total") == 2
    assert value(observer, "chaff_dead_letters_published_total", reason="too_large") == 2
    assert value(observer, "chaff_dead_letters_published_total", reason="not_utf8") == 1
    assert value(observer, "chaff_dead_letters_published_total", reason="invalid_json") == 0
    assert value(observer, "chaff_records_published_total", topic="out.articles") == 5
    assert value(observer, "chaff_end_to_end_latency_seconds_count") == 5
    assert value(observer, "chaff_end_to_end_latency_seconds_bucket", le="1.0") == 3


def test_dead_letter_without_known_reason_is_labelled_unknown_not_dropped() -> None:
    observer = PrometheusObserver(TOPICS, "m-1")
    observer.on_published("out.dead", 1, [])
    observer.on_page_done("dead_letter", 0.0, {}, dead_letter_reason="Free Text With Spaces")
    observer.on_published("out.dead", 1, [])
    assert value(observer, "chaff_dead_letters_published_total", reason="unknown") == 1
    assert value(observer, "chaff_dead_letters_published_total", reason="other") == 1


def test_every_reason_and_error_stage_is_exported_at_zero() -> None:
    exported = samples(PrometheusObserver(TOPICS, "m-1"))
    for reason in DEAD_LETTER_REASONS:
        key = ("chaff_dead_letters_published_total", frozenset({("reason", reason)}))
        assert exported[key] == 0
    for stage in ("produce", "commit", "poll"):
        assert exported[("chaff_kafka_errors_total", frozenset({("stage", stage)}))] == 0


def test_lag_follows_assignment_and_revoked_partitions_disappear() -> None:
    observer = PrometheusObserver(TOPICS, "m-1")
    observer.on_assigned([("raw", 0), ("raw", 1)])
    observer.on_lag({("raw", 0): 7, ("raw", 1): 0})
    observer.on_committed({("raw", 0): 40, ("raw", 1): 12})
    assert value(observer, "chaff_consumer_lag_records", topic="raw", partition="0") == 7
    assert value(observer, "chaff_assigned_partitions") == 2

    observer.on_assigned([("raw", 1)])
    exported = samples(observer)
    assert (
        "chaff_consumer_lag_records",
        frozenset({("topic", "raw"), ("partition", "0")}),
    ) not in (exported)
    assert value(observer, "chaff_committed_offset", topic="raw", partition="1") == 12
    assert value(observer, "chaff_assigned_partitions") == 1


def test_in_flight_errors_commits_and_info_metrics() -> None:
    observer = PrometheusObserver(TOPICS, "model-42")
    observer.on_in_flight(17)
    observer.on_error("commit", RuntimeError("coordinator moved"))
    observer.on_error("produce", RuntimeError("timeout"))
    observer.on_committed({("raw", 0): 1})
    assert value(observer, "chaff_records_in_flight") == 17
    assert value(observer, "chaff_kafka_errors_total", stage="commit") == 1
    assert value(observer, "chaff_kafka_errors_total", stage="produce") == 1
    assert value(observer, "chaff_commits_total") == 1
    assert value(observer, "chaff_last_commit_timestamp_seconds") > 1.7e9
    assert value(observer, "chaff_model_info", version="model-42") == 1
    observer.set_model_version("model-43")
    assert value(observer, "chaff_model_info", version="model-43") == 1
    build = [name for name, _ in samples(observer) if name == "chaff_build_info"]
    assert build == ["chaff_build_info"]


def test_hooks_survive_nonsense_without_raising() -> None:
    observer = PrometheusObserver(TOPICS, "m-1")
    observer.on_page_done("article", -1.0, {"": 3, "article": 0})
    observer.on_published("elsewhere", -2, [-5.0])
    observer.on_published("elsewhere", 1, [-5.0])
    assert value(observer, "chaff_end_to_end_latency_seconds_bucket", le="0.05") == 1
    assert value(observer, "chaff_segments_total", label="other") == 3


def test_dead_letter_reasons_are_the_core_error_kinds() -> None:
    assert set(DEAD_LETTER_REASONS) == set(ERROR_KINDS)
