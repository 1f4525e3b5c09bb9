"""`chaff demo`: the whole pipeline on this machine, in one command.

Starts a local single-node Kafka (pinned jars from Maven Central, fetched once and cached;
no Docker), creates the four topics, publishes the pages in seeds/, runs the worker until
every seed is processed, then prints a short report and the clean article of the seed
page, and shuts everything down. With --bootstrap-servers it uses that cluster instead.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import orjson

from worker.config import Settings
from worker.stream.observer import LoopObserver, Outcome

REPO_SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SEED_PAGE = "000_bd0859deabb9f25c.txt"
DEFAULT_TIMEOUT_S = 180.0


class DemoObserver(LoopObserver):
    """Counts what the worker did and stops it once `expected` records are committed."""

    def __init__(self, expected: int, stop: Any) -> None:
        self.expected = expected
        self.stop = stop
        self.outcomes: Counter[str] = Counter()
        self.segments: Counter[str] = Counter()
        self.dead_letter_reasons: Counter[str] = Counter()
        self.committed = 0
        self.done = threading.Event()
        self._pending = 0

    def on_page_done(
        self,
        outcome: Outcome,
        processing_seconds: float,
        segments_by_label: Mapping[str, int],
        dead_letter_reason: str | None = None,
    ) -> None:
        self.outcomes[outcome] += 1
        self.segments.update(segments_by_label)
        if dead_letter_reason:
            self.dead_letter_reasons[dead_letter_reason] += 1
        self._pending += 1

    def on_committed(self, offsets: Mapping[tuple[str, int], int]) -> None:
        self.committed += self._pending
        self._pending = 0
        if self.committed >= self.expected:
            self.done.set()
            self.stop.set()

    def on_error(self, stage: Any, error: BaseException) -> None:
        self._pending = 0  # the batch is rewound and counted again


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seeds", type=Path, default=REPO_SEEDS, help=f"folder of pages (default {REPO_SEEDS})"
    )
    parser.add_argument(
        "--bootstrap-servers",
        help="use this Kafka cluster instead of starting a local broker",
    )
    parser.add_argument(
        "--timeout-s", type=float, default=DEFAULT_TIMEOUT_S, help="give up after this long"
    )


def demo_command(args: argparse.Namespace) -> int:
    from worker.ops.logs import setup_logging

    setup_logging("WARNING")
    # The demo's helper consumers make kafka-python warn about harmless things (no group id,
    # a coordinator moving while the fresh broker settles); the report says what matters.
    logging.getLogger("kafka").setLevel(logging.ERROR)
    if args.bootstrap_servers:  # a given cluster: connect as CHAFF_SECURITY_* etc. say
        from worker.stream.kafka_client import KafkaSetupError, security_from_env

        try:
            security = security_from_env()
            return run_demo(
                args.bootstrap_servers, args.seeds, args.timeout_s, sys.stdout, security
            )
        except KafkaSetupError as error:
            print(f"chaff demo: {error}", file=sys.stderr)
            return error.exit_code
    from worker.broker.launcher import LocalKafka

    with tempfile.TemporaryDirectory(prefix="chaff-demo-") as data_dir:
        print("starting a local Kafka broker ...", flush=True)  # a download says so itself
        with LocalKafka(Path(data_dir)) as broker:
            print(f"broker up at {broker.bootstrap_servers}", flush=True)
            return run_demo(broker.bootstrap_servers, args.seeds, args.timeout_s, sys.stdout)


def run_demo(
    bootstrap: str,
    seeds: Path,
    timeout_s: float,
    out: TextIO,
    security: dict[str, Any] | None = None,
) -> int:
    from worker.stream.kafka_client import check_connection
    from worker.stream.loop import StopFlag, WorkerLoop
    from worker.stream.produce import expand_paths, records_from_file
    from worker.stream.topics import create_topics

    stamp = time.strftime("%Y%m%d%H%M%S")
    settings = Settings.from_env(
        {},
        bootstrap_servers=bootstrap,
        group_id=f"chaff-demo-{stamp}",
        metrics_port=0,
        **(security or {}),
    )
    check_connection(settings)
    for name, status in create_topics(settings, partitions=2, replication_factor=1):
        print(f"topic {name}: {status}", file=out)

    files = expand_paths([seeds]).pages
    records = [kv for path in files for kv in records_from_file(path, None)]
    _publish(settings, records)
    print(f"published {len(records)} pages from {seeds}", file=out, flush=True)

    stop = StopFlag()
    observer = DemoObserver(expected=_backlog(settings), stop=stop)
    loop = WorkerLoop(settings, observer, stop)
    timer = threading.Timer(timeout_s, stop.set)
    timer.start()
    try:
        loop.run()
    finally:
        timer.cancel()
        loop.close(timeout_s=10)
    if not observer.done.is_set():
        print(
            f"chaff demo: only {observer.committed} of {observer.expected} records were "
            f"processed within {timeout_s:.0f} s",
            file=sys.stderr,
        )
        return 1
    _report(observer, settings, out)
    return 0


def _publish(settings: Settings, records: list[tuple[bytes | None, bytes]]) -> None:
    from kafka import KafkaProducer

    from worker.stream.kafka_client import client_options
    from worker.stream.loop_clients import MAX_REQUEST_BYTES

    producer = KafkaProducer(
        **client_options(settings), acks="all", max_request_size=MAX_REQUEST_BYTES
    )
    topic = settings.raw_topic
    try:
        for future in [producer.send(topic, key=k, value=v) for k, v in records]:
            future.get(timeout=30)
    finally:
        producer.close()


def _backlog(settings: Settings) -> int:
    """Records in the raw topic now: the demo's topics may hold an earlier run's pages."""
    from kafka import KafkaConsumer
    from kafka.structs import TopicPartition

    from worker.stream.kafka_client import client_options

    consumer = KafkaConsumer(**client_options(settings))
    try:
        partitions = [
            TopicPartition(settings.raw_topic, p)
            for p in consumer.partitions_for_topic(settings.raw_topic) or ()
        ]
        ends = consumer.end_offsets(partitions)
        starts = consumer.beginning_offsets(partitions)
        return sum(ends[tp] - starts[tp] for tp in partitions)
    finally:
        consumer.close()


def _report(observer: DemoObserver, settings: Settings, out: TextIO) -> None:
    outcomes = observer.outcomes
    print("\n== chaff demo report ==", file=out)
    print(f"pages in:            {sum(outcomes.values())}", file=out)
    print(f"articles out:        {outcomes['article']}", file=out)
    print(f"pages rejected:      {outcomes['page_rejected']}", file=out)
    print(f"segments kept:       {observer.segments['article']}", file=out)
    print(f"segments rejected:   {observer.segments['junk']}", file=out)
    reasons = ", ".join(f"{k}: {v}" for k, v in observer.dead_letter_reasons.items()) or "none"
    print(f"dead letters:        {outcomes['dead_letter']} ({reasons})", file=out)
    article = _find_article(settings, SEED_PAGE)
    if article is None:
        print(f"\n(no article record for {SEED_PAGE})", file=out)
        return
    print(f"\n== clean article of {SEED_PAGE} ({article['model_version']}) ==", file=out)
    print(article["article_text"], file=out)


def _find_article(settings: Settings, file_name: str) -> dict[str, Any] | None:
    from kafka import KafkaConsumer

    from worker.stream.kafka_client import client_options

    consumer = KafkaConsumer(
        settings.articles_topic,
        **client_options(settings),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=5000,
    )
    found = None
    try:
        for record in consumer:
            document = orjson.loads(record.value)
            if document["url"].endswith("/" + file_name):
                found = document  # the newest one wins
    finally:
        consumer.close()
    return found
