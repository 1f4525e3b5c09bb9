"""`chaff bench e2e`: the worker end to end through a real broker, beside the classifier alone.

One run measures, on the same pages:
1. in-process: `process_raw_record` (validate, classify, build the outputs) in this process;
2. end to end with 1 and then 2 worker processes (`chaff run` subprocesses in one group):
   the raw topic is filled first, and the rate is taken between the group's first and last
   commit, so process start-up and group joins do not count;
3. latency at half the one-worker rate: a paced producer, latency = the output record's
   timestamp minus the raw record's (both set by the producing clients on this machine);
4. worker memory (RSS, psutil) sampled every second over the latency phase and a soak.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import orjson

from worker.config import Settings
from worker.ops.progress import Progress
from worker.stream.kafka_client import KafkaSetupError, check_connection, client_options

REPO_FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "wcxb"
PARTITIONS = 6


def register_e2e(benches: Any) -> None:
    parser = benches.add_parser(
        "e2e",
        help="end-to-end throughput (1 and 2 workers), latency and memory through a real broker",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "dataset",
        nargs="?",
        type=Path,
        help="a folder in the WCXB layout (default: ../shared/data/wcxb-dev, else the repo's "
        "tests/fixtures/wcxb)",
    )
    parser.add_argument("--pages", type=int, default=2000, help="raw records per throughput run")
    parser.add_argument(
        "--latency-seconds",
        type=float,
        default=30.0,
        help="paced load at half the measured rate, for latency percentiles (default: 30)",
    )
    parser.add_argument(
        "--soak-seconds", type=float, default=60.0, help="extra paced load for the RSS check"
    )
    parser.add_argument(
        "--bootstrap-servers",
        help="use this cluster instead of a local broker, with the client security settings "
        "of the environment (CHAFF_SECURITY_PROTOCOL, CHAFF_SASL_*, CHAFF_SSL_*: README, "
        "Connecting to a production cluster)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.set_defaults(handler=_bench_e2e)


def _bench_e2e(args: argparse.Namespace) -> int:
    from worker.learn.commands import DEFAULT_DATASET

    dataset = args.dataset or (DEFAULT_DATASET if DEFAULT_DATASET.is_dir() else REPO_FIXTURE)
    records = raw_records(dataset, args.pages)
    if args.bootstrap_servers:  # a cluster of the user's: say at once if it cannot be used
        try:
            check_connection(Settings.from_env(bootstrap_servers=args.bootstrap_servers))
        except KafkaSetupError as error:
            print(f"chaff bench e2e: {error}", file=sys.stderr)
            return error.exit_code
    with ExitStack() as stack:
        bootstrap = args.bootstrap_servers or stack.enter_context(_local_broker())
        figures = run_bench(bootstrap, records, args.latency_seconds, args.soak_seconds)
    figures["dataset"] = str(dataset)
    print(format_e2e(figures))
    if args.json:
        args.json.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    return 0


@contextmanager
def _local_broker() -> Iterator[str]:
    from worker.broker.launcher import LocalKafka

    with (
        tempfile.TemporaryDirectory(prefix="chaff-bench-") as data_dir,
        LocalKafka(Path(data_dir), heap="1g") as broker,
    ):
        yield broker.bootstrap_servers


def raw_records(dataset: Path, count: int) -> list[bytes]:
    """`count` raw-page records, alternating HTML and text dumps of the dataset's pages."""
    pages: list[bytes] = []
    for truth in sorted((dataset / "ground-truth").glob("*.json")):
        page_id = truth.stem
        html = dataset / "html" / f"{page_id}.html.gz"
        text = dataset / "text" / f"{page_id}.txt"
        url = f"https://bench.chaff.dev/{page_id}"
        if html.exists():
            body = gzip.decompress(html.read_bytes()).decode("utf-8", "replace")
            pages.append(orjson.dumps({"url": url, "body": body, "content_type": "text/html"}))
        if text.exists():
            body = text.read_text(encoding="utf-8", errors="replace")
            pages.append(orjson.dumps({"url": url + ".txt", "body": body}))
        if len(pages) >= count:
            break
    if not pages:
        raise SystemExit(f"chaff bench e2e: no pages under {dataset}")
    return list(itertools.islice(itertools.cycle(pages), count))


def in_process_rate(records: list[bytes]) -> dict[str, float]:
    # Imported here, not at the top: `chaff --help` imports this module for its parser.
    from worker.core.classify import classify_page
    from worker.core.records import Limits, Source, process_raw_record

    source = Source("bench", 0, 0, None, None)
    started = time.perf_counter()
    for value in records:
        process_raw_record(value, source, classify_page, "bench", Limits())
    full = len(records) / (time.perf_counter() - started)
    bodies = [orjson.loads(value) for value in records]
    started = time.perf_counter()
    for page in bodies:
        classify_page(page["body"], page.get("content_type") or "text/plain")
    classify_only = len(records) / (time.perf_counter() - started)
    return {"records_per_second": full, "classify_pages_per_second": classify_only}


class _Run:
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

    def publish(self, records: list[bytes]) -> None:
        for index, value in enumerate(records):
            self.producer.send(self.settings.raw_topic, value, key=str(index).encode())
        self.producer.flush()

    def start_workers(self, count: int) -> None:
        env = os.environ | {
            "CHAFF_BOOTSTRAP_SERVERS": self.settings.bootstrap_servers,
            "CHAFF_RAW_TOPIC": self.settings.raw_topic,
            "CHAFF_ARTICLES_TOPIC": self.settings.articles_topic,
            "CHAFF_REJECTS_TOPIC": self.settings.rejects_topic,
            "CHAFF_DEAD_LETTER_TOPIC": self.settings.dead_letter_topic,
            "CHAFF_SITE_MEMORY_TOPIC": self.settings.site_memory_topic,
            "CHAFF_GROUP_ID": self.settings.group_id,
            "CHAFF_METRICS_PORT": "0",
            "CHAFF_LOG_LEVEL": "WARNING",
        }
        for index in range(count):
            command = [sys.executable, "-m", "worker", "run", "--instance-id", f"bench{index}"]
            self.workers.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL))

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


def throughput(bootstrap: str, records: list[bytes], workers: int) -> float:
    run = _Run(bootstrap)
    try:
        run.publish(records)
        run.start_workers(workers)
        # Rate between the first commit seen and the last: start-up and joins do not count.
        first, first_done, last = run.wait_committed(len(records), timeout_s=1800)
        return max(len(records) - first_done, 1) / max(last - first, 1e-6)
    finally:
        run.close()


def latency_and_memory(
    bootstrap: str, records: list[bytes], rate: float, seconds: float, soak_seconds: float
) -> dict[str, Any]:
    import psutil
    from kafka import KafkaConsumer

    run = _Run(bootstrap)
    try:
        run.start_workers(1)
        worker = psutil.Process(run.workers[0].pid)
        # Warm up: one record through, so start-up is not measured.
        run.publish(records[:1])
        run.wait_committed(1, timeout_s=300)
        sent = 1
        rss: list[tuple[float, float]] = []
        started = time.monotonic()
        total_s = seconds + soak_seconds
        next_sample = started
        for value in itertools.cycle(records):
            now = time.monotonic()
            if now - started >= total_s:
                break
            if now >= next_sample:
                rss.append((now - started, worker.memory_info().rss / 2**20))
                next_sample += 1.0
            run.producer.send(run.settings.raw_topic, value, key=str(sent).encode())
            sent += 1
            time.sleep(max(0.0, started + (sent - 1) / rate - time.monotonic()))
        run.producer.flush()
        run.wait_committed(sent, timeout_s=600)
        raw_times = _timestamps(KafkaConsumer, run.options, [run.settings.raw_topic], by="offset")
        out_times = _timestamps(
            KafkaConsumer,
            run.options,
            [
                run.settings.articles_topic,
                run.settings.rejects_topic,
                run.settings.dead_letter_topic,
            ],
            by="source",
        )
        latencies = sorted(
            out_times[key] - raw_times[key]
            for key in raw_times
            if key in out_times and raw_times[key] - raw_times[min(raw_times)] <= seconds * 1000
        )
        return {
            "rate_per_second": rate,
            "records": sent,
            "latency_ms": {
                "p50": _percentile(latencies, 50),
                "p99": _percentile(latencies, 99),
                "max": latencies[-1] if latencies else None,
                "count": len(latencies),
            },
            "rss_mb": _rss_summary(rss),
        }
    finally:
        run.close()


def _timestamps(
    consumer_class: Any, options: dict[str, Any], topics: list[str], by: str
) -> dict[Any, int]:
    """(partition, offset) of the raw record -> its timestamp, or the latest output's."""
    consumer = consumer_class(
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


def _percentile(values: list[int], percent: float) -> float | None:
    if not values:
        return None
    index = min(len(values) - 1, round(percent / 100 * (len(values) - 1)))
    return float(values[index])


def _rss_summary(samples: list[tuple[float, float]]) -> dict[str, float]:
    if not samples:
        return {}
    values = [mb for _, mb in samples]
    # Growth compares the last minute with the first one after warm-up: noise-robust medians.
    window = max(1, min(60, len(values) // 4))
    first, last = statistics.median(values[:window]), statistics.median(values[-window:])
    return {
        "start_mb": first,
        "end_mb": last,
        "max_mb": max(values),
        "growth_percent": 100.0 * (last - first) / first,
        "seconds": samples[-1][0],
    }


def run_bench(
    bootstrap: str, records: list[bytes], latency_s: float, soak_s: float
) -> dict[str, Any]:
    in_process = in_process_rate(records)
    _note(f"in-process: {in_process['records_per_second']:.1f} records/s")
    one = throughput(bootstrap, records, 1)
    _note(f"1 worker: {one:.1f} records/s")
    two = throughput(bootstrap, records, 2)
    _note(f"2 workers: {two:.1f} records/s")
    paced = latency_and_memory(bootstrap, records, one / 2, latency_s, soak_s)
    return {
        "records": len(records),
        "cores": os.cpu_count(),
        "in_process": in_process,
        "e2e_records_per_second": {"1": one, "2": two},
        "one_worker_vs_in_process": one / in_process["records_per_second"],
        "two_workers_vs_one": two / one,
        "paced": paced,
    }


def _note(text: str) -> None:
    print(f"bench e2e: {text}", file=sys.stderr, flush=True)


def format_e2e(figures: dict[str, Any]) -> str:
    rates = figures["e2e_records_per_second"]
    in_process = figures["in_process"]
    paced = figures["paced"]
    latency = paced["latency_ms"]
    rss = paced["rss_mb"]
    return "\n".join(
        [
            f"{figures['records']} raw records (HTML and text dumps), {figures['cores']} cores",
            f"in-process (validate+classify+build): {in_process['records_per_second']:8.1f} /s",
            f"in-process (classify only):           "
            f"{in_process['classify_pages_per_second']:8.1f} /s",
            f"end to end, 1 worker:                 {rates['1']:8.1f} /s "
            f"({figures['one_worker_vs_in_process']:.0%} of in-process; target >= 70%)",
            f"end to end, 2 workers:                {rates['2']:8.1f} /s "
            f"({figures['two_workers_vs_one']:.2f}x one; target >= 1.6x)",
            f"latency at {paced['rate_per_second']:.1f}/s (half of 1 worker): "
            f"p50 {latency['p50']} ms, p99 {latency['p99']} ms (target p99 < 500 ms)",
            f"worker RSS over {rss.get('seconds', 0):.0f} s: {rss.get('start_mb', 0):.0f} -> "
            f"{rss.get('end_mb', 0):.0f} MB (max {rss.get('max_mb', 0):.0f} MB, growth "
            f"{rss.get('growth_percent', 0):+.1f}%; targets < 5%, < 400 MB)",
        ]
    )
