"""`chaff sitestats` (faust) over SASL_SSL with SCRAM, with only the ACLs its README lists."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from kafka_helpers import TopicFactory, consume_all, produce_raw, unique_topic_name
from secured_users import WORKER_PASSWORD, WORKER_USER
from sitestats.sitestats_outputs import outputs_for, raw_page
from stream.stream_helpers import REPO

from worker.broker.secured import Acl, SecuredKafka

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def test_sitestats_counts_over_sasl_ssl(secured: SecuredKafka, tmp_path: Path) -> None:
    bootstrap = secured.bootstrap_servers  # the operator's door, for set-up and reading
    # Not the session's topic_factory (see test_secured_clients.make_topics).
    articles, rejects, dead = TopicFactory(bootstrap).many(
        "ss-articles", "ss-rejects", "ss-dead", partitions=1
    )
    app_id = unique_topic_name("ss-app")
    snapshot_topic = f"{app_id}-stats"
    secured.allow(
        f"User:{WORKER_USER}",
        [
            *(Acl("topic", topic, "read") for topic in (articles, rejects, dead)),
            Acl("topic", app_id, "all", prefixed=True),  # internal and snapshot topics
            Acl("group", app_id, "read"),
        ],
    )
    for output in outputs_for(raw_page("a.test", 0, article_lines=2, junk_lines=1), 0):
        topic = {"article": articles, "reject": rejects, "dead_letter": dead}[output.kind]
        produce_raw(bootstrap, topic, [output.value], keys=[output.key])

    env = {
        **os.environ,
        "CHAFF_BOOTSTRAP_SERVERS": secured.sasl_ssl_bootstrap,
        "CHAFF_SECURITY_PROTOCOL": "SASL_SSL",
        "CHAFF_SSL_CAFILE": str(secured.ca_file),
        "CHAFF_SASL_MECHANISM": "SCRAM-SHA-512",
        "CHAFF_SASL_USERNAME": WORKER_USER,
        "CHAFF_SASL_PASSWORD": WORKER_PASSWORD,
    }
    command = [
        sys.executable, "-m", "worker", "sitestats", "--articles-topic", articles,
        "--rejects-topic", rejects, "--dead-letter-topic", dead,
        "--snapshot-topic", snapshot_topic, "--app-id", app_id, "--snapshot-interval-s", "1",
        "--partitions", "1", "--data-dir", str(tmp_path / "data"),
    ]  # fmt: skip
    log_path = tmp_path / "sitestats.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 90
        snapshot = None
        while snapshot is None and time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text(errors="replace")[-5000:]
            if snapshot_topic in _topics(bootstrap):
                for record in consume_all(bootstrap, snapshot_topic):
                    snapshot = orjson.loads(record.value)
            time.sleep(0.5)
        assert snapshot is not None, log_path.read_text(errors="replace")[-5000:]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, log_path.read_text(errors="replace")[-5000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert (snapshot["site"], snapshot["pages"], snapshot["articles"]) == ("a.test", 1, 1)
    assert WORKER_PASSWORD not in log_path.read_text(errors="replace")


def _topics(bootstrap: str) -> set[str]:
    from kafka_helpers import admin_client

    with admin_client(bootstrap) as admin:
        return set(admin.list_topics())
