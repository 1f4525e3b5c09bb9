"""Scenario 2: the broker goes away mid-stream (a hard kill, a clean stop) and comes back at
the same address; the worker rides it out and every input still gets its outcome.

This needs a broker the test may stop: the `local_broker` fixture. When the suite runs
against an external cluster ($KAFKA_BOOTSTRAP_SERVERS) that fixture starts a private local
broker for this test, so it runs everywhere and never stops a cluster it does not own.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import pytest
from fault_helpers import (
    Offset,
    account,
    delivery_mode,
    final_outcomes,
    make_topics,
    outputs_so_far,
    publish_pages,
    uncommitted_inputs,
    wait_for_outputs,
    worker_env,
)
from kafka_helpers import TopicFactory
from stream.stream_helpers import Worker

from worker.broker.launcher import LocalKafka
from worker.stream.commands import EXIT_FATAL, EXIT_STALLED
from worker.stream.loop import STALL_LIMIT_S

pytestmark = [pytest.mark.broker, pytest.mark.slow]

PAGES = 2000
# Pages published (and outputs waited for) before the rest of an outage's share: few.
STEP = 60
RESTARTABLE_EXITS = (EXIT_FATAL, EXIT_STALLED)


def broker_outages(
    local_broker: LocalKafka,
    topic_factory: TopicFactory,
    tmp_path: Path,
    outages: Sequence[str],
    *,
    exactly_once: bool,
    restarts_allowed: int = 0,
) -> None:
    """Publish a share of the pages before each outage ("kill" or "stop"), then the rest.

    With `restarts_allowed`, a worker that ends itself on purpose is restarted, as its
    supervisor or orchestrator would: exit 4 (its stall watchdog) or exit 1 (a fatal Kafka
    error: after a long broker outage the transaction coordinator aborts the open
    transaction and fences the producer). Any other exit, or more restarts, fail.
    """
    bootstrap = local_broker.bootstrap_servers
    topics = make_topics(topic_factory, partitions=3, bootstrap=bootstrap)
    read = partial(outputs_so_far, bootstrap, topics)
    share = PAGES // len(outages)
    inputs: list[Offset] = []
    # one log name for every incarnation: a restart keeps the transactional.id and fences
    start = partial(Worker, bootstrap, topics, tmp_path / "worker.log", worker_env(exactly_once))
    workers = [start().start()]
    try:
        for number, outage in enumerate(outages):
            baseline = read()
            last = number == len(outages) - 1
            pages = range(number * share, PAGES if last else (number + 1) * share)
            # A few pages first, to see the worker at work; the rest just before the outage,
            # so it lands mid-stream however fast the worker has become (published at once,
            # a phase's small pages could all be done before the first look at the outputs).
            inputs += publish_pages(bootstrap, topics, pages[:STEP])
            wait_for_outputs(read, baseline + STEP, workers[-1:])
            inputs += publish_pages(bootstrap, topics, pages[STEP:])
            owed = uncommitted_inputs(bootstrap, topics)
            assert owed > 0, f"the worker was done before the {outage}"
            if outage == "kill":
                local_broker.kill()  # a crash: no controlled shutdown, in-flight requests fail
            else:
                local_broker.stop()  # a clean stop, as in a rolling restart
            local_broker.start()
            code = workers[-1].process.poll() if workers[-1].process else None
            if code is not None and code in RESTARTABLE_EXITS and len(workers) <= restarts_allowed:
                print(f"\n[faults] worker exited {code} during the outage; restarting it")
                workers.append(start().start())
            workers[-1].assert_running()
        while True:
            try:
                found = final_outcomes(
                    bootstrap,
                    topics,
                    inputs,
                    workers[-1:],
                    exactly_once=exactly_once,
                    timeout_s=240.0 + restarts_allowed * (STALL_LIMIT_S + 60.0),
                    stall_s=STALL_LIMIT_S + 60.0,  # longer than the worker's own watchdog
                )
                break
            except AssertionError:
                code = workers[-1].process.poll() if workers[-1].process else None
                if code not in RESTARTABLE_EXITS or len(workers) > restarts_allowed:
                    raise
                print(f"\n[faults] worker exited {code}; restarting it")
                workers.append(start().start())
        workers[-1].assert_running()
        assert workers[-1].terminate() == 0, workers[-1].log()
    finally:
        for worker in workers:
            worker.stop_quietly()
    mode = delivery_mode(exactly_once)
    label = f"broker {'+'.join(outages)}, {mode}, {len(workers) - 1} worker restarts"
    account(found, inputs, exactly_once=exactly_once, label=label)


def test_broker_killed_and_stopped_mid_stream_loses_nothing(
    local_broker: LocalKafka, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    broker_outages(local_broker, topic_factory, tmp_path, ["kill", "stop"], exactly_once=False)


def test_broker_stopped_mid_stream_exactly_once(
    local_broker: LocalKafka, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    """An outage longer than the transaction timeout (15 s; a slow broker restart is) gets the
    open transaction aborted and the producer fenced: the worker exits 1 and is restarted.
    The restarted one can meet kafka-python's dying producer thread (see the known issues)
    and end itself by its watchdog (exit 4): a second restart, as a supervisor would."""
    broker_outages(
        local_broker, topic_factory, tmp_path, ["stop"], exactly_once=True, restarts_allowed=2
    )


def test_broker_killed_mid_stream_exactly_once(
    local_broker: LocalKafka, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    """A broker crash can get the worker's producer fenced (exit 1) or its Kafka client
    stuck (exit 4 from the stall watchdog: docs/known-issues.md). A
    worker that ends itself is restarted; whatever happens, nothing may be lost or
    duplicated, and a worker that hangs without ending itself fails the test (Stalled)."""
    broker_outages(
        local_broker,
        topic_factory,
        tmp_path,
        ["kill"],
        exactly_once=True,
        restarts_allowed=2,
    )
