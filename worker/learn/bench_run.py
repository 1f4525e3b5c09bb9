"""One `chaff bench e2e` run: a fresh set of topics and a group, `chaff run` processes
attached to it, and what the benchmark reads back (committed offsets, record timestamps,
each worker's /metrics)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import orjson

from worker.config import Settings
from worker.ops.progress import Progress
from worker.stream.kafka_client import client_options

PARTITIONS = 6


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BenchRun:
    """One set of topics and a group, with worker processes attached to it."""

    def __init__(self, bootstrap: str) -> None:
        from kafka import KafkaAdminClient, KafkaProducer

        from worker.stream.topics import create_topics

        tag = uuid.uuid4().hex[:8]
        self.settings = Settings.from_env(
            bootstrap_servers=bootstrap,
            raw_topic=f"bench-{tag}.raw",
            articles_topic=f"bench-{tag}.articles",
            rejects_topic=f"bench-{tag}.rejects",
            dead_letter_topic=f"bench-{tag}.dead",
            site_memory_topic=f"bench-{tag}.site-memory",  # made with CHAFF_SITE_MEMORY=on
            group_id=f"bench-{tag}",
        )
        create_topics(self.settings, PARTITIONS, 1)
        # The same client settings as every other command: CHAFF_SECURITY_PROTOCOL & co.
        self.options = client_options(self.settings)
        self.admin = KafkaAdminClient(**self.options)
        self.producer = KafkaProducer(
            **self.options, linger_ms=20, max_request_size=8 * 1024 * 1024
        )
        self.workers: list[subprocess.Popen[bytes]] = []
        self.metrics_ports: list[int] = []

    def publish(self, records: list[bytes], first_key: int = 0) -> None:
        for index, value in enumerate(records, first_key):
            self.producer.send(self.settings.raw_topic, value, key=str(index).encode())
        self.producer.flush()

    def start_workers(self, count: int, python: str | None = None) -> None:
        """`count` worker processes; `python` runs another checkout's worker (its venv's
        interpreter), for side-by-side runs."""
        env = os.environ | {
            "CHAFF_BOOTSTRAP_SERVERS": self.settings.bootstrap_servers,
            "CHAFF_RAW_TOPIC": self.settings.raw_topic,
            "CHAFF_ARTICLES_TOPIC": self.settings.articles_topic,
            "CHAFF_REJECTS_TOPIC": self.settings.rejects_topic,
            "CHAFF_DEAD_LETTER_TOPIC": self.settings.dead_letter_topic,
            "CHAFF_SITE_MEMORY_TOPIC": self.settings.site_memory_topic,
            "CHAFF_GROUP_ID": self.settings.group_id,
            "CHAFF_METRICS_HOST": "127.0.0.1",
            "CHAFF_LOG_LEVEL": "WARNING",
        }
        # `python -m worker` imports `worker` from the working directory first: another
        # checkout's worker runs from its own (the venv's parent), or it would be this one.
        cwd = Path(python).absolute().parents[2] if python else None
        for index in range(len(self.workers), len(self.workers) + count):
            port = free_port()
            command = [python or sys.executable, "-m", "worker", "run"]
            command += ["--instance-id", f"bench{index}"]
            self.workers.append(
                subprocess.Popen(
                    command,
                    env=env | {"CHAFF_METRICS_PORT": str(port)},
                    stdout=subprocess.DEVNULL,
                    cwd=cwd,
                )
            )
            self.metrics_ports.append(port)

    def metrics(self, worker: int = 0) -> dict[str, float]:
        """The worker's /metrics as {"name{label=value,...}": value} (empty if unreachable)."""
        from prometheus_client.parser import text_string_to_metric_families

        url = f"http://127.0.0.1:{self.metrics_ports[worker]}/metrics"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                text = response.read().decode()
        except OSError:
            return {}
        values: dict[str, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                values[f"{sample.name}{{{labels}}}"] = sample.value
        return values

    def committed(self) -> int:
        from kafka.errors import KafkaError

        group = self.settings.group_id
        try:
            offsets = self.admin.list_group_offsets(group).get(group, {})
        except KafkaError:  # the group's coordinator is still loading: nothing committed yet
            return 0
        return sum(int(meta.offset) for meta in offsets.values() if meta.offset > 0)

    def wait_committed(self, target: int, timeout_s: float) -> tuple[float, int, float]:
        """(time of the first commit seen, records committed then, time all `target` were)."""
        first: tuple[float, int] | None = None
        deadline = time.monotonic() + timeout_s
        with Progress("bench e2e", total=target) as progress:
            while time.monotonic() < deadline:
                done = self.committed()
                progress.advance(done - progress.count)
                now = time.monotonic()
                if done and first is None:
                    first = (now, done)
                if done >= target:
                    first_time, first_done = first or (now, done)
                    return first_time, first_done, now
                time.sleep(0.1)
        raise SystemExit(f"chaff bench e2e: the workers did not finish {target} records in time")

    def close(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            worker.wait(timeout=60)
        self.producer.close()
        self.admin.close()


def timestamps(options: dict[str, Any], topics: list[str], by: str) -> dict[Any, int]:
    """(partition, offset) of the raw record -> its timestamp, or the latest output's."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        *topics,
        **options,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
        enable_auto_commit=False,
    )
    times: dict[Any, int] = {}
    try:
        for record in consumer:
            if by == "offset":
                times[(record.partition, record.offset)] = record.timestamp
            else:
                source = orjson.loads(record.value)["source"]
                key = (source["partition"], source["offset"])
                times[key] = max(times.get(key, 0), record.timestamp)
    finally:
        consumer.close()
    return times
