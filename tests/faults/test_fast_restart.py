"""Scenario: a worker SIGKILLed and restarted at once (as a supervisor does) commits work
again within 10 s of the kill, without anyone evicting the dead member, in both modes.

Static membership makes it so: the restarted process claims the dead one's name (its
slot lock died with it, worker.stream.identity), joins with the same group.instance.id,
and the coordinator hands it the same partitions without a rebalance. With dynamic
membership the group would wait for the dead member's 45 s session to expire first
(issue 19: a two-worker group sat over a minute after five quick kills).
"""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path

import pytest
from fault_helpers import (
    Progress,
    account,
    committed_offsets,
    delivery_mode,
    final_outcomes,
    in_both_delivery_modes,
    make_topics,
    publish_pages,
    wait_until,
    worker_env,
    workers_stopped_at_exit,
)
from kafka_helpers import TopicFactory
from stream.stream_helpers import Topics, Worker

pytestmark = [pytest.mark.broker, pytest.mark.slow]

PAGES = 3000
KILL_AFTER_OUTPUTS = 300
BACK_WITHIN_S = 10.0


def committed_total(bootstrap: str, topics: Topics) -> int:
    return sum(committed_offsets(bootstrap, topics).values())


@in_both_delivery_modes
def test_a_killed_and_restarted_worker_commits_again_within_10_s(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path, exactly_once: bool
) -> None:
    topics = make_topics(topic_factory, partitions=3)
    inputs = publish_pages(kafka_bootstrap, topics, range(PAGES))
    env = worker_env(exactly_once, CHAFF_STATE_DIR=str(tmp_path / "state"))
    log = tmp_path / "worker.log"  # one instance id for both incarnations
    with (
        closing(Progress(kafka_bootstrap, topics)) as progress,
        workers_stopped_at_exit() as workers,
    ):
        first = Worker(kafka_bootstrap, topics, log, env).start()
        workers.append(first)
        wait_until(lambda: progress() >= KILL_AFTER_OUTPUTS, "the first outputs", [first])
        first.kill()
        killed_at = time.monotonic()
        at_kill = committed_total(kafka_bootstrap, topics)
        second = Worker(kafka_bootstrap, topics, log, env).start()
        workers.append(second)
        wait_until(
            lambda: committed_total(kafka_bootstrap, topics) > at_kill,
            "a commit by the restarted worker",
            [second],
            timeout_s=60,
        )
        back_after = time.monotonic() - killed_at
        found = final_outcomes(kafka_bootstrap, topics, inputs, [second], exactly_once=exactly_once)
        assert second.terminate() == 0, second.log()
    label = f"SIGKILL and restart, {delivery_mode(exactly_once)}"
    print(f"\n[faults] {label}: committing again {back_after:.1f} s after the kill")
    assert back_after < BACK_WITHIN_S, second.log()
    account(found, inputs, exactly_once=exactly_once, label=label)
