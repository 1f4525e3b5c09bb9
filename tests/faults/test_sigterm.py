"""Scenario 5: SIGTERM while the worker has a backlog (and more input keeps arriving). Each
time it exits 0, and what it leaves behind is consistent: the outcomes published are exactly
the inputs below the committed offsets, so nothing was in flight (published but not
committed, or committed but not published). A successor finishes the stream with no input
processed twice."""

from __future__ import annotations

import random
from contextlib import closing
from pathlib import Path

import pytest
from fault_helpers import (
    Found,
    Offset,
    Progress,
    account,
    committed_offsets,
    delivery_mode,
    final_outcomes,
    in_both_delivery_modes,
    make_topics,
    publish_pages,
    uncommitted_inputs,
    wait_for_outputs,
    worker_env,
    workers_stopped_at_exit,
)
from kafka_helpers import TopicFactory
from stream.stream_helpers import Topics, Worker, outcomes

pytestmark = [pytest.mark.broker, pytest.mark.slow]

PAGES = 3000
TERMS = 2


def assert_nothing_in_flight(found: Found, committed: dict[int, int], label: str) -> None:
    """Outcomes exist for exactly the offsets below each partition's committed offset."""
    by_partition: dict[int, set[int]] = {}
    for partition, offset in found:
        by_partition.setdefault(partition, set()).add(offset)
    for partition in set(by_partition) | set(committed):
        done = by_partition.get(partition, set())
        expected = set(range(committed.get(partition, 0)))
        assert done == expected, (
            f"{label}, partition {partition}: committed up to {committed.get(partition, 0)}, "
            f"outcomes for offsets {min(done, default=None)}..{max(done, default=None)} "
            f"({len(done)}); published-not-committed {sorted(done - expected)[:5]}, "
            f"committed-not-published {sorted(expected - done)[:5]}"
        )


def terminate_under_load(
    bootstrap: str, topic_factory: TopicFactory, tmp_path: Path, *, exactly_once: bool
) -> None:
    rng = random.Random()
    topics: Topics = make_topics(topic_factory, partitions=3)
    isolation = "read_committed" if exactly_once else "read_uncommitted"
    # the default batch size: a SIGTERM finds a full batch in flight
    env = worker_env(exactly_once, CHAFF_MAX_POLL_RECORDS="200")
    share = PAGES // (TERMS + 1)
    inputs: list[Offset] = publish_pages(bootstrap, topics, range(share))
    with closing(Progress(bootstrap, topics)) as progress, workers_stopped_at_exit() as workers:
        for number in range(TERMS):
            worker = Worker(bootstrap, topics, tmp_path / "worker.log", env).start()
            workers.append(worker)
            wait_for_outputs(progress, progress() + rng.randrange(50, 400), [worker])
            # more input arrives while the worker is busy: the SIGTERM comes under load
            more = range((number + 1) * share, (number + 2) * share)
            inputs += publish_pages(bootstrap, topics, more)
            assert uncommitted_inputs(bootstrap, topics) > 0, "no backlog at the SIGTERM"
            assert worker.terminate() == 0, worker.log()
            assert_nothing_in_flight(
                outcomes(bootstrap, topics, isolation),
                committed_offsets(bootstrap, topics),
                f"after SIGTERM {number + 1}",
            )
        inputs += publish_pages(bootstrap, topics, range((TERMS + 1) * share, PAGES))
        last = Worker(bootstrap, topics, tmp_path / "worker.log", env).start()
        workers.append(last)
        found = final_outcomes(bootstrap, topics, inputs, [last], exactly_once=exactly_once)
        assert last.terminate() == 0, last.log()
    label = f"{TERMS} SIGTERMs, {delivery_mode(exactly_once)}"
    # graceful stops leave nothing to redeliver: exactly once even in at-least-once mode
    extra = account(found, inputs, exactly_once=True, label=label)
    assert extra == {}


@in_both_delivery_modes
def test_sigterm_under_load_exits_zero_and_leaves_nothing_in_flight(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path, exactly_once: bool
) -> None:
    terminate_under_load(kafka_bootstrap, topic_factory, tmp_path, exactly_once=exactly_once)
