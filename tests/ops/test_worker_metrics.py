"""A real `chaff run` against the real broker exports every metric the dashboard and the
alert rules use, with values that match what it did, and answers its health probes."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_files import SYNTHETIC_METRICS, referenced_metrics
from kafka_helpers import TopicFactory, produce_raw
from pages import NOT_JSON, article_page, junk_page
from worker_process import running_worker

pytestmark = [pytest.mark.broker, pytest.mark.slow]

# `chaff dedup` exports these, not the worker (tests/dedup scrapes them from the job).
_DEDUP_PREFIX = "chaff_dedup_"


def test_running_worker_exports_every_dashboard_and_alert_metric(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    raw, articles, rejects, dead = topic_factory.many(
        "ops-raw", "ops-articles", "ops-rejects", "ops-dead", partitions=2
    )
    produce_raw(
        kafka_bootstrap,
        raw,
        [article_page(1), junk_page(2), NOT_JSON],
        keys=[b"news.example.test"] * 3,
    )
    env = {
        "CHAFF_RAW_TOPIC": raw,
        "CHAFF_ARTICLES_TOPIC": articles,
        "CHAFF_REJECTS_TOPIC": rejects,
        "CHAFF_DEAD_LETTER_TOPIC": dead,
        "CHAFF_GROUP_ID": f"group-{raw}",
    }
    with running_worker(kafka_bootstrap, env, tmp_path) as worker:
        worker.wait_until("ready", lambda: worker.get("/readyz")[0] == 200)

        def all_committed() -> bool:
            samples = worker.samples()
            committed = sum(
                v for k, v in samples.items() if k.startswith("chaff_committed_offset{")
            )
            # Lag is measured once a second, on the poll after its last report: it may
            # come a moment after the commit.
            lag_reported = any(k.startswith("chaff_consumer_lag_records{") for k in samples)
            return committed == 3 and lag_reported

        worker.wait_until("done with the three records, lag reported", all_committed)
        samples = worker.samples()
        assert worker.get("/healthz")[0] == 200

    exported = {name.split("{", 1)[0] for name in samples}
    missing = {
        name: sorted(where)
        for name, where in referenced_metrics().items()
        if name not in exported
        and name not in SYNTHETIC_METRICS
        and not name.startswith(_DEDUP_PREFIX)
    }
    assert not missing, f"named in deploy/ but not exported by the worker: {missing}"

    assert samples["chaff_pages_consumed_total"] == 3
    assert samples['chaff_pages_processed_total{outcome="article"}'] == 1
    assert samples['chaff_pages_processed_total{outcome="page_rejected"}'] == 1
    assert samples['chaff_pages_processed_total{outcome="dead_letter"}'] == 1
    assert samples["chaff_articles_published_total"] == 1
    assert samples["chaff_rejects_published_total"] >= 1  # the junk page; maybe the article's nav
    assert samples['chaff_dead_letters_published_total{reason="invalid_json"}'] == 1
    assert samples['chaff_segments_total{label="junk"}'] >= 8
    assert samples["chaff_page_processing_seconds_count"] == 3
    assert samples["chaff_end_to_end_latency_seconds_count"] >= 2
    assert samples["chaff_assigned_partitions"] == 2
    assert samples["chaff_ready"] == 1
    assert sum(v for k, v in samples.items() if k.startswith("chaff_consumer_lag_records{")) == 0
    assert any(k.startswith("chaff_model_info{") for k in samples)
