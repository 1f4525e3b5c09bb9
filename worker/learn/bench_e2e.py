"""`chaff bench e2e`: the worker end to end through a real broker, beside the classifier alone.

One run measures, on the same pages:
1. in-process: `process_raw_record` (validate, classify, build the outputs) in this process;
2. end to end with 1 and then 2 worker processes (`chaff run` subprocesses in one group):
   the raw topic is filled first, and the rate is taken between the group's first and last
   commit, so process start-up and group joins do not count;
3. latency at half the one-worker rate: a paced producer, latency = the output record's
   timestamp minus the raw record's (both set by the producing clients on this machine);
4. worker memory (RSS, psutil) sampled every second over the latency phase and a soak;
5. one worker's CPU seconds per record, by stage and by thread (worker.learn.bench_cpu):
   steadier than the rates on a shared machine.
With `--repeat N` the throughput, CPU and latency phases run N times (medians reported);
with `--baseline-python` the one-worker phases also run, alternating, the worker of another
checkout (its venv's python), so the ratios come from the same hour.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from worker.config import Settings
from worker.learn.command_args import baseline_python_argument, bench_dataset_argument
from worker.stream.kafka_client import KafkaSetupError, check_connection

if TYPE_CHECKING:
    from worker.broker.launcher import LocalKafka


def register_e2e(benches: Any) -> None:
    parser = benches.add_parser(
        "e2e",
        help="end-to-end throughput (1 and 2 workers), latency and memory through a real broker",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bench_dataset_argument(parser)
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
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the throughput, CPU and latency phases this many times; report medians",
    )
    baseline_python_argument(parser, "the one-worker phases with the worker")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.set_defaults(handler=_bench_e2e)


def _bench_e2e(args: argparse.Namespace) -> int:
    from worker.learn.command_args import bench_dataset

    dataset = bench_dataset(args.dataset)
    records = raw_records(dataset, args.pages)
    if args.bootstrap_servers:  # a cluster of the user's: say at once if it cannot be used
        try:
            check_connection(Settings.from_env(bootstrap_servers=args.bootstrap_servers))
        except KafkaSetupError as error:
            print(f"chaff bench e2e: {error}", file=sys.stderr)
            return error.exit_code
    with ExitStack() as stack:
        broker_pid = None
        if args.bootstrap_servers:
            bootstrap = args.bootstrap_servers
        else:
            broker = stack.enter_context(_local_kafka())
            bootstrap, broker_pid = broker.bootstrap_servers, broker.pid
        figures = run_bench(
            bootstrap,
            records,
            args.latency_seconds,
            args.soak_seconds,
            repeat=max(1, args.repeat),
            baseline_python=args.baseline_python,
            broker_pid=broker_pid,
        )
    figures["dataset"] = str(dataset)
    print(format_e2e(figures))
    if args.json:
        args.json.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    return 0


@contextmanager
def _local_kafka() -> Iterator[LocalKafka]:
    from worker.broker.launcher import LocalKafka

    with (
        tempfile.TemporaryDirectory(prefix="chaff-bench-") as data_dir,
        LocalKafka(Path(data_dir), heap="1g") as broker,
    ):
        yield broker


@contextmanager
def _local_broker() -> Iterator[str]:
    with _local_kafka() as broker:
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


def in_process_rate(records: list[bytes]) -> dict[str, Any]:
    # Imported here, not at the top: `chaff --help` imports this module for its parser.
    from worker.core.classify import classify_page
    from worker.core.records import Limits, Source, process_raw_record
    from worker.ops.cpu import StageClock

    source = Source("bench", 0, 0, None, None)
    clock = StageClock()
    started = time.perf_counter()
    for value in records:
        clock.mark("loop")
        process_raw_record(value, source, classify_page, "bench", Limits(), mark=clock.mark)
    full = len(records) / (time.perf_counter() - started)
    stages = clock.take()
    bodies = [orjson.loads(value) for value in records]
    started = time.perf_counter()
    for page in bodies:
        classify_page(page["body"], page.get("content_type") or "text/plain")
    classify_only = len(records) / (time.perf_counter() - started)
    return {
        "records_per_second": full,
        "classify_pages_per_second": classify_only,
        # CPU ms per record of each step of process_raw_record, in this process
        "stage_cpu_ms": {
            stage: 1000 * stages[stage] / len(records)
            for stage in ("validate", "classify", "build", "serialise")
        },
    }


def throughput(
    bootstrap: str, records: list[bytes], workers: int, python: str | None = None
) -> float:
    from worker.learn.bench_run import BenchRun

    run = BenchRun(bootstrap)
    try:
        run.publish(records)
        run.start_workers(workers, python)
        # Rate between the first commit seen and the last: start-up and joins do not count.
        first, first_done, last = run.wait_committed(len(records), timeout_s=1800)
        return max(len(records) - first_done, 1) / max(last - first, 1e-6)
    finally:
        run.close()


def latency_and_memory(
    bootstrap: str, records: list[bytes], rate: float, seconds: float, soak_seconds: float
) -> dict[str, Any]:
    import psutil

    from worker.learn.bench_run import BenchRun, timestamps

    run = BenchRun(bootstrap)
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
        raw_times = timestamps(run.options, [run.settings.raw_topic], by="offset")
        out_times = timestamps(
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
    bootstrap: str,
    records: list[bytes],
    latency_s: float,
    soak_s: float,
    repeat: int = 1,
    baseline_python: str | None = None,
    broker_pid: int | None = None,
) -> dict[str, Any]:
    from worker.learn.bench_cpu import cpu_phase, median_of

    in_process = in_process_rate(records)
    _note(f"in-process: {in_process['records_per_second']:.1f} records/s")
    codes: list[tuple[str, str | None]] = [("current", None)]
    if baseline_python:
        codes.append(("baseline", baseline_python))
    ones: dict[str, list[float]] = {name: [] for name, _ in codes}
    cpus: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in codes}
    twos: list[float] = []
    for round_index in range(repeat):
        # Alternating, and in turn first: neither code gets the quieter moments.
        for name, python in codes[round_index % 2 :] + codes[: round_index % 2]:
            ones[name].append(throughput(bootstrap, records, 1, python))
            _note(f"{name}, 1 worker: {ones[name][-1]:.1f} records/s")
            cpus[name].append(cpu_phase(bootstrap, records, python, broker_pid))
            _note(f"{name}, CPU per record: {cpus[name][-1]['worker_ms']:.2f} ms")
        twos.append(throughput(bootstrap, records, 2))
        _note(f"2 workers: {twos[-1]:.1f} records/s")
    one = statistics.median(ones["current"])
    paced_runs = []
    for index in range(repeat):
        soak = soak_s if index == repeat - 1 else 0.0
        paced_runs.append(latency_and_memory(bootstrap, records, one / 2, latency_s, soak))
        _note(f"latency p99: {paced_runs[-1]['latency_ms']['p99']} ms")
    two = statistics.median(twos)
    figures: dict[str, Any] = {
        "records": len(records),
        "cores": os.cpu_count(),
        "repeat": repeat,
        "in_process": in_process,
        "e2e_records_per_second": {"1": one, "2": two},
        "e2e_runs": {"1": ones["current"], "2": twos},
        "one_worker_vs_in_process": one / in_process["records_per_second"],
        "one_worker_vs_classify_only": one / in_process["classify_pages_per_second"],
        "two_workers_vs_one": two / one,
        "cpu_per_record": median_of(cpus["current"]),
        "cpu_runs": cpus["current"],
        "paced": paced_runs[-1],
        "paced_runs": [run["latency_ms"] for run in paced_runs],
    }
    if baseline_python:
        figures["baseline"] = {
            "python": baseline_python,
            "e2e_runs": ones["baseline"],
            "cpu_runs": cpus["baseline"],
            "cpu_per_record": median_of(cpus["baseline"]),
            # Per round, this code over the baseline's, then the median of the rounds.
            "one_worker_ratio": statistics.median(
                a / b for a, b in zip(ones["current"], ones["baseline"], strict=True)
            ),
            "cpu_per_record_ratio": statistics.median(
                a["worker_ms"] / b["worker_ms"]
                for a, b in zip(cpus["current"], cpus["baseline"], strict=True)
            ),
        }
    return figures


def _note(text: str) -> None:
    print(f"bench e2e: {text}", file=sys.stderr, flush=True)


def format_e2e(figures: dict[str, Any]) -> str:
    from worker.learn.bench_cpu import format_cpu

    rates = figures["e2e_records_per_second"]
    in_process = figures["in_process"]
    paced = figures["paced"]
    rss = paced["rss_mb"]
    p99s = [run["p99"] for run in figures.get("paced_runs", [paced["latency_ms"]])]
    under = sum(1 for p99 in p99s if p99 is not None and p99 < 500)
    baseline = figures.get("baseline")
    lines = [
        f"{figures['records']} raw records (HTML and text dumps), {figures['cores']} cores, "
        f"medians of {figures.get('repeat', 1)} run(s)",
        f"in-process (validate+classify+build): {in_process['records_per_second']:8.1f} /s",
        f"in-process (classify only):           {in_process['classify_pages_per_second']:8.1f} /s",
        f"end to end, 1 worker:                 {rates['1']:8.1f} /s "
        f"({figures['one_worker_vs_classify_only']:.0%} of classify only, target >= 70%; "
        f"{figures['one_worker_vs_in_process']:.0%} of in-process)",
    ]
    if baseline is not None:
        lines.append(
            f"  baseline 1 worker: {statistics.median(baseline['e2e_runs']):.1f} /s; this code "
            f"{baseline['one_worker_ratio']:.2f}x the baseline (median of the rounds)"
        )
    lines += [
        f"end to end, 2 workers:                {rates['2']:8.1f} /s "
        f"({figures['two_workers_vs_one']:.2f}x one; target >= 1.6x)",
        *format_cpu(figures["cpu_per_record"], baseline["cpu_per_record"] if baseline else None),
        f"latency at {paced['rate_per_second']:.1f}/s (half of 1 worker): p99 "
        + " / ".join(f"{p99}" for p99 in p99s)
        + f" ms, {under} of {len(p99s)} under 500 ms (target: p99 < 500 ms)",
        f"worker RSS over {rss.get('seconds', 0):.0f} s: {rss.get('start_mb', 0):.0f} -> "
        f"{rss.get('end_mb', 0):.0f} MB (max {rss.get('max_mb', 0):.0f} MB, growth "
        f"{rss.get('growth_percent', 0):+.1f}%; targets < 5%, < 400 MB)",
    ]
    return "\n".join(lines)
