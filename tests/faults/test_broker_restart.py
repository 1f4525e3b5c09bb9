"""Scenario 2: the broker goes away mid-stream (a hard kill, later a clean stop) and comes
back at the same address; the worker rides it out and every input still gets its outcome.

This needs a broker the test may stop: the `local_broker` fixture. When the suite runs
against an external cluster ($KAFKA_BOOTSTRAP_SERVERS) that fixture starts a private local
broker for this test, so it runs everywhere and never stops a cluster it does not own.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from fault_helpers import (
    account,
    final_outcomes,
    make_topics,
    outputs_so_far,
    publish,
    small_page,
    wait_for_outputs,
    worker_env,
)
from kafka_helpers import TopicFactory
from stream.stream_helpers import Worker

from worker.broker.launcher import LocalKafka

pytestmark = [pytest.mark.broker, pytest.mark.slow]

PAGES = 2000
# Outputs to wait for after each step before the next fault: small, so the fault lands
# while most pages are still unprocessed.
STEP = 60


def test_broker_killed_and_stopped_mid_stream_loses_nothing(
    local_broker: LocalKafka, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    broker_outages(local_broker, topic_factory, tmp_path, exactly_once=False)


def broker_outages(
    local_broker: LocalKafka, topic_factory: TopicFactory, tmp_path: Path, *, exactly_once: bool
) -> None:
    bootstrap = local_broker.bootstrap_servers
    topics = make_topics(topic_factory, partitions=3, bootstrap=bootstrap)
    read = partial(outputs_so_far, bootstrap, topics)
    half = PAGES // 2
    inputs = publish(bootstrap, topics, [small_page(n) for n in range(half)])
    worker = Worker(bootstrap, topics, tmp_path / "worker.log", worker_env(exactly_once)).start()
    try:
        seen = wait_for_outputs(read, STEP, [worker])
        # every input has at least one output: fewer outputs than inputs means mid-stream
        assert seen < len(inputs), "the worker finished before the broker crash"
        local_broker.kill()  # a crash: no controlled shutdown, in-flight requests fail
        local_broker.start()
        worker.assert_running()

        baseline = read()
        inputs += publish(bootstrap, topics, [small_page(n) for n in range(half, PAGES)])
        seen = wait_for_outputs(read, baseline + STEP, [worker])
        assert seen < len(inputs), "the worker finished before the broker stop"
        local_broker.stop()  # a clean stop, as in a rolling restart
        local_broker.start()

        found = final_outcomes(bootstrap, topics, inputs, [worker], exactly_once=exactly_once)
        worker.assert_running()
        assert worker.terminate() == 0, worker.log()
    finally:
        worker.stop_quietly()
    mode = "exactly-once" if exactly_once else "at-least-once"
    account(found, inputs, exactly_once=exactly_once, label=f"broker kill + stop, {mode}")
