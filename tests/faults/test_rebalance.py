"""Scenario 3: three workers in one consumer group while members join and leave mid-stream
(every step a rebalance that moves partitions between live workers); at the end every input
offset has an outcome, exactly one in exactly-once mode.

The sequence, each step once some more output has appeared:
  A starts alone -> B joins -> C joins (three workers) -> A leaves (SIGTERM) -> D joins
  -> B crashes (SIGKILL) -> C and D finish the stream.
With site memory on (the last test), each worker also restores the profiles of the
partitions it is given from the changelog and writes them back in its batches.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from fault_helpers import (
    Progress,
    account,
    delivery_mode,
    evict,
    final_outcomes,
    group_members,
    in_both_delivery_modes,
    make_topics,
    publish_pages,
    uncommitted_inputs,
    wait_until,
    worker_env,
)
from kafka_helpers import TopicFactory
from stream.stream_helpers import Topics, Worker

pytestmark = [pytest.mark.broker, pytest.mark.slow]

PAGES = 3000
PARTITIONS = 6
STEP = 100  # output records between two membership changes


class Group:
    """The workers of one consumer group, each with the member id it joined under."""

    def __init__(self, bootstrap: str, topics: Topics, tmp_path: Path, env: dict[str, str]) -> None:
        self.bootstrap = bootstrap
        self.topics = topics
        self.tmp_path = tmp_path
        self.env = env
        self.group_id = topics.env()["CHAFF_GROUP_ID"]
        self.members: dict[str, str] = {}  # worker name -> member id
        self.workers: dict[str, Worker] = {}
        self._seen: set[str] = set()

    def join(self, name: str) -> Worker:
        """Start a worker and wait until it is a member (so its id is known)."""
        worker = Worker(
            self.bootstrap,
            self.topics,
            self.tmp_path / f"{name}.log",  # the name is also its transactional.id
            self.env,
        ).start()
        self.workers[name] = worker
        new: set[str] = set()

        def joined() -> bool:
            nonlocal new
            new = group_members(self.bootstrap, self.group_id) - self._seen
            return bool(new)

        wait_until(joined, f"worker {name} to join the group", self.live())
        assert len(new) == 1, f"more than one new member after starting {name}: {new}"
        self.members[name] = new.pop()
        self._seen.add(self.members[name])
        return worker

    def leave(self, name: str) -> None:
        worker = self.workers.pop(name)
        assert worker.terminate() == 0, worker.log()

    def crash(self, name: str) -> None:
        worker = self.workers.pop(name)
        worker.kill()
        evict(self.bootstrap, self.group_id, {self.members[name]})

    def live(self) -> list[Worker]:
        return list(self.workers.values())

    def stop_all(self) -> None:
        for worker in self.workers.values():
            worker.stop_quietly()


def members_join_and_leave(
    bootstrap: str,
    topic_factory: TopicFactory,
    tmp_path: Path,
    *,
    exactly_once: bool,
    site_memory: bool = False,
) -> None:
    """The scenario of this module; `site_memory`: the workers run with it on (and its
    changelog topic, as many partitions as the raw topic)."""
    topics = make_topics(topic_factory, partitions=PARTITIONS)
    env = worker_env(exactly_once)
    if site_memory:
        changelog = topic_factory(
            "site-memory", partitions=PARTITIONS, config={"cleanup.policy": "compact"}
        )
        env |= {"CHAFF_SITE_MEMORY": "on", "CHAFF_SITE_MEMORY_TOPIC": changelog}
    group = Group(bootstrap, topics, tmp_path, env)
    progress = Progress(bootstrap, topics)
    steps = [
        partial(group.join, "a"),
        partial(group.join, "b"),
        partial(group.join, "c"),
        partial(group.leave, "a"),
        partial(group.join, "d"),
        partial(group.crash, "b"),
    ]
    chunk = PAGES // len(steps)
    inputs: list[tuple[int, int]] = []
    try:
        for number, step in enumerate(steps):
            # input keeps arriving while the membership changes
            pages = range(number * chunk, PAGES if step is steps[-1] else (number + 1) * chunk)
            inputs += publish_pages(bootstrap, topics, pages)
            left = uncommitted_inputs(bootstrap, topics)
            assert left > 0, "no input left to process at a membership change"
            before = progress()
            step()

            # The group works on after the change: STEP more outputs, or, when less than that
            # was left (a fast worker may have made most of the chunk before the change),
            # everything published processed and committed.
            def advanced(target: int = before + STEP) -> bool:
                return progress() >= target or uncommitted_inputs(bootstrap, topics) == 0

            wait_until(advanced, f"{before + STEP} outputs or no input left", group.live())
        assert len(group.live()) == 2
        found = final_outcomes(bootstrap, topics, inputs, group.live(), exactly_once=exactly_once)
        for name in list(group.workers):
            group.leave(name)
    finally:
        progress.close()
        group.stop_all()
    memory = ", site memory on" if site_memory else ""
    label = f"4 workers join/leave, {delivery_mode(exactly_once)}{memory}"
    account(found, inputs, exactly_once=exactly_once, label=label)


@in_both_delivery_modes
def test_members_joining_and_leaving_lose_nothing(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path, exactly_once: bool
) -> None:
    members_join_and_leave(kafka_bootstrap, topic_factory, tmp_path, exactly_once=exactly_once)


@in_both_delivery_modes
def test_members_joining_and_leaving_with_site_memory_lose_nothing(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path, exactly_once: bool
) -> None:
    """The same rebalances with site memory on: profiles restored and revoked as the
    partitions move, and still every input an outcome, exactly one in exactly-once mode."""
    members_join_and_leave(
        kafka_bootstrap, topic_factory, tmp_path, exactly_once=exactly_once, site_memory=True
    )
