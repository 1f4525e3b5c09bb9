"""A bounded replay through the real broker reproduces the worker's own outputs: same
articles, rejects and dead letters, same keys, for the same model version (only the
processing timestamps differ)."""

from __future__ import annotations

import argparse
import io
from pathlib import Path
from typing import Any

import orjson
import pytest
from kafka_helpers import TopicFactory, consume_all, produce_raw
from pages import NOT_JSON, article_page, junk_page
from worker_process import running_worker

from worker.core.segment_model import shipped_model
from worker.stream import replay

pytestmark = [pytest.mark.broker, pytest.mark.slow]

TIMESTAMPS = ("processed_at", "failed_at")


def outputs(
    bootstrap: str, topic: str
) -> dict[tuple[int, int], tuple[bytes | None, dict[str, Any]]]:
    """Source (partition, offset) -> (key, record without its processing timestamp)."""
    result = {}
    for record in consume_all(bootstrap, topic):
        value = orjson.loads(record.value)
        for field in TIMESTAMPS:
            value.pop(field, None)
        source = (value["source"]["partition"], value["source"]["offset"])
        assert source not in result, f"two records for source {source} in {topic}"
        result[source] = (record.key, value)
    return result


def test_bounded_replay_equals_the_original_outputs(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    raw, *first = topic_factory.many("rp-raw", "rp-a1", "rp-r1", "rp-d1", partitions=2)
    second = topic_factory.many("rp-a2", "rp-r2", "rp-d2", partitions=2)
    pages = [article_page(n) for n in range(6)] + [junk_page(n) for n in range(3)] + [NOT_JSON]
    produce_raw(
        kafka_bootstrap, raw, pages, keys=[f"site-{n % 3}".encode() for n in range(len(pages))]
    )
    env = {
        "CHAFF_RAW_TOPIC": raw,
        "CHAFF_ARTICLES_TOPIC": first[0],
        "CHAFF_REJECTS_TOPIC": first[1],
        "CHAFF_DEAD_LETTER_TOPIC": first[2],
        "CHAFF_GROUP_ID": f"group-{raw}",
    }
    with running_worker(kafka_bootstrap, env, tmp_path) as worker:

        def all_committed() -> bool:
            samples = worker.samples()
            done = sum(v for k, v in samples.items() if k.startswith("chaff_committed_offset{"))
            return done == len(pages)

        worker.wait_until("done with every page", all_committed)

    parser = argparse.ArgumentParser()
    replay.register(parser.add_subparsers())
    args = parser.parse_args(
        ["replay", "--from-offset", "0", "--bounded", "--bootstrap-servers", kafka_bootstrap,
         "--raw-topic", raw, "--replay-group", f"replay-{raw}",
         "--articles-topic", second[0], "--rejects-topic", second[1],
         "--dead-letter-topic", second[2]]
    )  # fmt: skip
    out = io.StringIO()
    assert replay.run_replay(args, out=out) == 0, out.getvalue()
    assert f"done: {len(pages)} records replayed" in out.getvalue()

    originals = [outputs(kafka_bootstrap, topic) for topic in first]
    replayed = [outputs(kafka_bootstrap, topic) for topic in second]
    assert len(originals[0]) == 6 and len(originals[2]) == 1  # articles, dead letters
    assert sum(1 for _, r in originals[1].values() if r["page_rejected"]) == 3
    for kind, original, again in zip(
        ("articles", "rejects", "dead letters"), originals, replayed, strict=True
    ):
        assert again == original, kind
    # One model per content type: every record names the one that produced it.
    versions = {r["model_version"] for o in originals[:2] for _, r in o.values()}
    assert versions <= {shipped_model("text/html").version, shipped_model("text/plain").version}
    assert versions
