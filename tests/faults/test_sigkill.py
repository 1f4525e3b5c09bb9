"""Scenario 1: SIGKILL the worker at random points mid-stream, several times, restarting it
each time; at the end every input offset has an outcome (exactly one in exactly-once mode)."""

from __future__ import annotations

import random
from contextlib import closing
from functools import partial
from pathlib import Path

import pytest
from fault_helpers import (
    Progress,
    account,
    count_missing,
    delivery_mode,
    evict,
    final_outcomes,
    group_members,
    in_both_delivery_modes,
    make_topics,
    publish_pages,
    wait_until,
    worker_env,
    workers_stopped_at_exit,
)
from kafka_helpers import TopicFactory
from stream.stream_helpers import Worker

pytestmark = [pytest.mark.broker, pytest.mark.slow]

PAGES = 2000
KILLS = 3


def kill_and_restart_repeatedly(
    bootstrap: str,
    topic_factory: TopicFactory,
    tmp_path: Path,
    *,
    pages: int,
    kills: int,
    exactly_once: bool,
    seed: int | None = None,
    site_memory: bool = False,
) -> None:
    """The scenario of this module. With no `seed` a fresh one is drawn; it is printed, so a
    failing run can be replayed. `site_memory`: the workers run with it on (and its
    changelog topic)."""
    if seed is None:
        seed = random.randrange(2**32)
    rng = random.Random(seed)
    topics = make_topics(topic_factory, partitions=3)
    inputs = publish_pages(bootstrap, topics, range(pages))
    # Each page yields one or two output records; kill points are spread over the first
    # half of the stream, so every kill lands while pages are still unprocessed (a worker
    # can make hundreds of pages between an output being seen and the kill).
    kill_points = sorted(rng.sample(range(pages // 20, pages // 2), kills))
    print(f"\n[faults] seed={seed} kill after outputs: {kill_points}")
    env = worker_env(exactly_once)
    if site_memory:
        changelog = topic_factory("site-memory", partitions=3, config={"cleanup.policy": "compact"})
        env |= {"CHAFF_SITE_MEMORY": "on", "CHAFF_SITE_MEMORY_TOPIC": changelog}
    group = topics.env()["CHAFF_GROUP_ID"]
    # One name for every incarnation: in exactly-once mode the restarted worker keeps the
    # transactional.id and so fences its killed predecessor's open transaction at once.
    log = tmp_path / "worker.log"
    with closing(Progress(bootstrap, topics)) as progress, workers_stopped_at_exit() as workers:
        for point in kill_points:
            worker = Worker(bootstrap, topics, log, env).start()
            workers.append(worker)
            # a member of the group before it dies, so its member id can be evicted
            wait_until(partial(has_members, bootstrap, group), "the worker to join", [worker])
            wait_until(partial(reached, progress, point), f"{point} outputs", [worker])
            members = group_members(bootstrap, group)
            worker.kill()
            evict(bootstrap, group, members)
            unfinished = count_missing(bootstrap, topics, inputs, exactly_once=exactly_once)
            assert unfinished, "the kill came after the whole stream was done"
        last = Worker(bootstrap, topics, log, env).start()
        workers.append(last)
        found = final_outcomes(bootstrap, topics, inputs, [last], exactly_once=exactly_once)
        assert last.terminate() == 0, last.log()
    label = f"{kills} SIGKILLs, {delivery_mode(exactly_once)}"
    account(found, inputs, exactly_once=exactly_once, label=label)


def has_members(bootstrap: str, group: str) -> bool:
    return bool(group_members(bootstrap, group))


def reached(progress: Progress, outputs: int) -> bool:
    return progress() >= outputs


@in_both_delivery_modes
def test_sigkill_at_random_points_loses_nothing(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path, exactly_once: bool
) -> None:
    kill_and_restart_repeatedly(
        kafka_bootstrap,
        topic_factory,
        tmp_path,
        pages=PAGES,
        kills=KILLS,
        exactly_once=exactly_once,
    )
