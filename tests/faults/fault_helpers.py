"""Shared pieces of the fault-injection suite: small mixed pages, publishing, cheap progress
probes, and the final accounting of every input offset.

The suite reuses tests/stream/stream_helpers.py (Topics, Worker, outcomes, ...) and only adds
what the fault scenarios need on top of it.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TypeVar

import orjson
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import MemberToRemove
from kafka.errors import KafkaError
from kafka_helpers import TopicFactory, admin_client
from stream.stream_helpers import Topics, Worker, duplicates, outcomes

Offset = tuple[int, int]  # (raw partition, raw offset)
Found = dict[Offset, list[str]]

# Outputs may hold a page of up to ~1 MB; keep every fault topic as permissive as `chaff
# topics create` makes production topics (8 MiB), so size limits are the worker's, not ours.
MAX_RECORD_BYTES = 8 * 1024 * 1024
TOPIC_CONFIG = {"max.message.bytes": str(MAX_RECORD_BYTES)}
SOAK = os.environ.get("CHAFF_SOAK") == "1"
_Result = TypeVar("_Result")

# Every scenario that takes `exactly_once` runs once in each delivery mode.
in_both_delivery_modes = pytest.mark.parametrize(
    "exactly_once", [False, True], ids=["at_least_once", "exactly_once"]
)


def delivery_mode(exactly_once: bool) -> str:
    """The mode's name for a scenario's report label."""
    return "exactly-once" if exactly_once else "at-least-once"


_PARAGRAPHS = (
    "The council voted on Tuesday to extend the harbour wall by another forty metres, "
    "after two winters in which storm surges flooded the lower town.",
    "Engineers told the meeting that the extension would cost less than repairing the "
    "damage of a single flood, and that work could start before the spring tides.",
    "Residents who spoke were divided: fishermen welcomed the shelter, while owners of "
    "the beach cafes feared that the new wall would block the view that brings visitors.",
)
_TEASERS = tuple(f"You won't believe what happened next, part {n}" for n in range(1, 9))


def make_topics(
    topic_factory: TopicFactory, partitions: int, bootstrap: str | None = None
) -> Topics:
    names = topic_factory.many(
        "raw", "articles", "rejects", "dead",
        partitions=partitions, config=TOPIC_CONFIG, bootstrap=bootstrap,
    )  # fmt: skip
    return Topics(*names)


def small_page(number: int) -> bytes:
    """A few hundred bytes: even numbers plain text, odd numbers HTML with nav and footer."""
    url = f"https://site{number % 7}.example.test/news/{number}"
    if number % 2 == 0:
        body = "\n\n".join([f"Story {number}", *_PARAGRAPHS, *_TEASERS[: number % 5]])
        content_type = "text/plain"
    else:
        teasers = "".join(f"<li><a href='/t/{i}'>{t}</a></li>" for i, t in enumerate(_TEASERS))
        paragraphs = "".join(f"<p>{p}</p>" for p in _PARAGRAPHS)
        body = (
            f"<html><head><title>Story {number}</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/sport'>Sport</a></nav>"
            f"<article><h1>Story {number}</h1>{paragraphs}</article>"
            f"<aside><ul>{teasers}</ul></aside>"
            "<footer>Cookies help us deliver our services. Accept all.</footer>"
            "</body></html>"
        )
        content_type = "text/html"
    return orjson.dumps(
        {
            "url": url,
            "body": body,
            "content_type": content_type,
            "fetch_time": "2026-11-24T10:00:00Z",
            "scraper": {"name": "fault-suite", "page": number},
        }
    )


def publish(bootstrap: str, topics: Topics, values: Sequence[bytes | None]) -> list[Offset]:
    """Produce `values` (keyed by site, so keys spread over partitions), each acknowledged
    by the broker; their offsets in order. Allows records of up to 8 MiB."""
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_request_size=MAX_RECORD_BYTES
    )
    try:
        futures = [
            producer.send(topics.raw, key=f"site{n % 7}.example.test".encode(), value=value)
            for n, value in enumerate(values)
        ]
        producer.flush(timeout=120)
        sent = [future.get(timeout=120) for future in futures]
    finally:
        producer.close(timeout=30)
    return [(m.partition, m.offset) for m in sent]


def publish_pages(bootstrap: str, topics: Topics, numbers: Iterable[int]) -> list[Offset]:
    """Publish the small pages with these numbers (see small_page); their offsets in order."""
    return publish(bootstrap, topics, [small_page(n) for n in numbers])


@contextmanager
def workers_stopped_at_exit() -> Iterator[list[Worker]]:
    """A list to put started workers in; those still running at the end are killed, so a
    failing scenario leaves no worker process behind."""
    workers: list[Worker] = []
    try:
        yield workers
    finally:
        for worker in workers:
            worker.stop_quietly()


class Progress:
    """Sum of the output topics' end offsets: a cheap, monotone "how far along" probe (no
    full read of the topics). Aborted transactions count too, which is fine for deciding
    when to inject the next fault."""

    def __init__(self, bootstrap: str, topics: Topics) -> None:
        self._consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
        self._topics = (topics.articles, topics.rejects, topics.dead_letter)
        self._partitions: list[TopicPartition] = []

    def __call__(self) -> int:
        if not self._partitions:
            for topic in self._topics:
                ids = self._consumer.partitions_for_topic(topic) or set()
                self._partitions += [TopicPartition(topic, p) for p in sorted(ids)]
        return int(sum(self._consumer.end_offsets(self._partitions).values()))

    def close(self) -> None:
        self._consumer.close()


def committed_offsets(bootstrap: str, topics: Topics) -> dict[int, int]:
    """Raw partition -> the group's committed offset (partitions never committed: absent)."""
    group = topics.env()["CHAFF_GROUP_ID"]
    committed = _with_admin(bootstrap, lambda admin: admin.list_group_offsets(group)).get(group, {})
    return {
        tp.partition: int(meta.offset) for tp, meta in committed.items() if tp.topic == topics.raw
    }


def uncommitted_inputs(bootstrap: str, topics: Topics) -> int:
    """Raw records past the group's committed offsets: input the workers still owe."""
    committed = committed_offsets(bootstrap, topics)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    try:
        ids = consumer.partitions_for_topic(topics.raw) or set()
        ends = consumer.end_offsets([TopicPartition(topics.raw, p) for p in ids])
    finally:
        consumer.close()
    return int(sum(max(0, end - committed.get(tp.partition, 0)) for tp, end in ends.items()))


def group_members(bootstrap: str, group: str) -> set[str]:
    """Member ids of the consumer group's current generation (classic protocol)."""

    def describe(admin: KafkaAdminClient) -> set[str]:
        description = admin.describe_groups([group])[group]
        return {str(member["member_id"]) for member in description.get("members") or []}

    return _with_admin(bootstrap, describe)


def evict(bootstrap: str, group: str, member_ids: set[str]) -> None:
    """Remove killed members from the group at once.

    A SIGKILLed worker stays a member until its session times out (45 s, the default of
    `--session-timeout-s`) unless a restart with its name comes first (static membership:
    test_fast_restart.py), and every rebalance waits for it. That
    wait proves nothing about delivery and would dominate the suite's runtime, so the CI
    scenarios evict the dead member the way an operator would (LeaveGroup via the admin
    API). The soak variant leaves it to the session timeout.
    """
    if not member_ids or SOAK:
        return
    members = [MemberToRemove(member_id=m) for m in member_ids]
    _with_admin(bootstrap, lambda admin: admin.remove_group_members(group, members))


def _with_admin(
    bootstrap: str, call: Callable[[KafkaAdminClient], _Result], timeout_s: float = 30.0
) -> _Result:
    """`call` with a fresh admin client, retried while the broker says "try again".

    On a broker that just started, the group coordinator answers COORDINATOR_NOT_AVAILABLE
    (or is still loading) for a few seconds: a scenario run first in a session met that.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with admin_client(bootstrap) as admin:
                return call(admin)
        except KafkaError as error:
            if not error.retriable or time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def wait_until(
    condition: Callable[[], bool],
    what: str,
    workers: Sequence[Worker] = (),
    timeout_s: float = 120.0,
    interval_s: float = 0.2,
) -> None:
    """Poll `condition` until true; fail with `what` after `timeout_s` or if a worker died."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        for worker in workers:
            worker.assert_running()
        if time.monotonic() > deadline:
            logs = "\n".join(w.log()[-3000:] for w in workers)
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}\n{logs}")
        time.sleep(interval_s)


def outputs_so_far(bootstrap: str, topics: Topics) -> int:
    """Progress() with a fresh connection: for tests that restart the broker in between."""
    progress = Progress(bootstrap, topics)
    try:
        return progress()
    finally:
        progress.close()


def wait_for_outputs(
    read: Callable[[], int], at_least: int, workers: Sequence[Worker], timeout_s: float = 120.0
) -> int:
    """Poll `read` until it returns at least `at_least`; return that reading."""
    reading = 0

    def enough() -> bool:
        nonlocal reading
        reading = read()
        return reading >= at_least

    wait_until(enough, f"{at_least} output records", workers, timeout_s)
    return reading


def account(
    found: Mapping[Offset, list[str]], inputs: Sequence[Offset], *, exactly_once: bool, label: str
) -> Counter[str]:
    """Assert every input has an outcome (exactly one with `exactly_once`), that no outcome
    belongs to an unknown offset, and that all outcomes of one input agree. Prints and
    returns the duplicates."""
    expected = set(inputs)
    assert len(expected) == len(inputs), "the broker gave two inputs the same offset"
    missing = sorted(expected - found.keys())
    assert not missing, f"{label}: {len(missing)} inputs lost, e.g. {missing[:10]}"
    strays = sorted(found.keys() - expected)
    assert not strays, f"{label}: outcomes for offsets never published: {strays[:10]}"
    disagreeing = {k: v for k, v in found.items() if len(set(v)) != 1}
    assert not disagreeing, f"{label}: redelivered inputs with different outcomes: {disagreeing}"
    extra: Counter[str] = Counter(duplicates(found))
    if exactly_once:
        doubled = {k: v for k, v in found.items() if len(v) != 1}
        assert not doubled, f"{label}: {len(doubled)} inputs with more than one outcome"
    inputs_redelivered = sum(1 for v in found.values() if len(v) > 1)
    print(
        f"\n[faults] {label}: {len(inputs)} inputs, every one accounted for; "
        f"{sum(extra.values())} duplicate outcomes over {inputs_redelivered} inputs {dict(extra)}"
    )
    return extra


def count_missing(
    bootstrap: str, topics: Topics, inputs: Sequence[Offset], *, exactly_once: bool
) -> int:
    """How many inputs have no outcome yet."""
    isolation = "read_committed" if exactly_once else "read_uncommitted"
    return len(set(inputs) - outcomes(bootstrap, topics, isolation).keys())


class Stalled(AssertionError):
    """No input got an outcome for a long time although some still lack one: a hung worker."""


def final_outcomes(
    bootstrap: str,
    topics: Topics,
    inputs: Sequence[Offset],
    workers: Sequence[Worker],
    *,
    exactly_once: bool,
    timeout_s: float = 240.0,
    stall_s: float = 150.0 if SOAK else 60.0,  # soak: killed members wait out 45 s sessions
) -> Found:
    """Every input's outcomes, once all have one (read_committed in exactly-once mode).

    Fails early if no new input got an outcome for `stall_s` (a hung worker), which is far
    longer than any legitimate pause (a rebalance, the 15 s transaction timeout).
    """
    isolation = "read_committed" if exactly_once else "read_uncommitted"
    expected = set(inputs)
    result: Found = {}
    done = -1
    last_change = time.monotonic()

    def complete() -> bool:
        nonlocal result, done, last_change
        result = outcomes(bootstrap, topics, isolation)
        now_done = len(expected & result.keys())
        if now_done != done:
            done, last_change = now_done, time.monotonic()
        if time.monotonic() - last_change > stall_s:
            logs = "\n".join(w.log()[-3000:] for w in workers)
            raise Stalled(
                f"stalled: {len(expected) - done} of {len(expected)} inputs still without an "
                f"outcome and none added for {stall_s:.0f} s\n{logs}"
            )
        return done == len(expected)

    wait_until(complete, f"an outcome for all {len(inputs)} inputs", workers, timeout_s, 1.0)
    return result


def worker_env(exactly_once: bool, **extra: str) -> dict[str, str]:
    env = {"CHAFF_MAX_POLL_RECORDS": "50", "CHAFF_LOG_LEVEL": "WARNING", **extra}
    if exactly_once:
        env["CHAFF_EXACTLY_ONCE"] = "true"
    return env
