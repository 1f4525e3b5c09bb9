"""CPU seconds per record of one `chaff run` process under load, by stage and by thread.

Wall-clock rates on a machine shared with the broker and other jobs move with the hour;
the CPU a worker spends per record does not. The method (docs/measurements.md, "Where a
worker's CPU goes"):

1. a worker starts on fresh topics, processes one warm-up record, and idles;
2. snapshot: the worker's CPU seconds (user + system, every thread; psutil) and its
   /metrics: `chaff_stage_cpu_seconds_total` (the loop thread by stage) and
   `chaff_thread_cpu_seconds_total` (kafka-python's consumer and producer threads);
3. the benchmark publishes N records as fast as it can; the worker, already in the group,
   takes them in batches as they arrive;
4. once all N are committed and the worker is idle again, the same snapshot.

CPU per record = the difference / N. Both snapshots find the worker idle, so no batch
straddles them; the idle loop's own CPU (one poll per 0.5 s) is inside the difference, a few
ms a second. The local broker's CPU over the same interval is reported too (it also takes
the N raw records from the benchmark's producer). A worker of another checkout
(`--baseline-python`) may have no stage counters: its whole-process figure is still exact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from worker.learn.bench_run import BenchRun
from worker.ops.cpu import STAGES, THREAD_ROLES

# After the last commit the loop reports its stage counters: give it that moment.
SETTLE_S = 1.0
STAGE_METRIC = "chaff_stage_cpu_seconds_total{{stage={}}}"
THREAD_METRIC = "chaff_thread_cpu_seconds_total{{role={}}}"


@dataclass(frozen=True)
class Snapshot:
    at: float
    worker_cpu_s: float
    broker_cpu_s: float | None
    metrics: dict[str, float]
    # The kernel's share of the worker's CPU (system time: page faults, system calls) and
    # its minor page faults so far (None where the platform does not say).
    worker_system_s: float | None = None
    worker_faults: int | None = None


def _cpu_seconds(process: Any) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _minor_faults(pid: int) -> int | None:
    """The process's minor page faults so far (Linux: /proc/PID/stat, field 10)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return int(fields[7])
    except (OSError, IndexError, ValueError):
        return None


def _snapshot(run: BenchRun, worker: Any, broker: Any | None) -> Snapshot:
    return Snapshot(
        time.monotonic(),
        _cpu_seconds(worker),
        _cpu_seconds(broker) if broker is not None else None,
        run.metrics(0),
        float(worker.cpu_times().system),
        _minor_faults(worker.pid),
    )


def cpu_phase(
    bootstrap: str, records: list[bytes], python: str | None = None, broker_pid: int | None = None
) -> dict[str, Any]:
    """One worker's CPU per record over `records` (see the module's docstring)."""
    import psutil

    run = BenchRun(bootstrap)
    try:
        run.publish(records[:1])
        run.start_workers(1, python)
        run.wait_committed(1, timeout_s=300)
        worker = psutil.Process(run.workers[0].pid)
        broker = psutil.Process(broker_pid) if broker_pid else None
        time.sleep(SETTLE_S)
        before = _snapshot(run, worker, broker)
        run.publish(records, first_key=1)
        first, first_done, last = run.wait_committed(1 + len(records), timeout_s=1800)
        time.sleep(SETTLE_S)
        after = _snapshot(run, worker, broker)
    finally:
        run.close()
    figures = per_record(before, after, len(records))
    figures["records_per_second"] = max(1 + len(records) - first_done, 1) / max(last - first, 1e-6)
    return figures


def per_record(before: Snapshot, after: Snapshot, records: int) -> dict[str, Any]:
    """Milliseconds of CPU per record between two snapshots, by stage where measured."""

    def ms(seconds: float) -> float:
        return 1000.0 * seconds / records

    def delta(name: str) -> float | None:
        if name not in after.metrics or name not in before.metrics:
            return None
        return ms(after.metrics[name] - before.metrics[name])

    worker_ms = ms(after.worker_cpu_s - before.worker_cpu_s)
    result: dict[str, Any] = {"records": records, "worker_ms": worker_ms}
    if after.broker_cpu_s is not None and before.broker_cpu_s is not None:
        result["broker_ms"] = ms(after.broker_cpu_s - before.broker_cpu_s)
    if after.worker_system_s is not None and before.worker_system_s is not None:
        result["worker_system_ms"] = ms(after.worker_system_s - before.worker_system_s)
    if after.worker_faults is not None and before.worker_faults is not None:
        result["page_faults"] = (after.worker_faults - before.worker_faults) / records
    stages = {stage: delta(STAGE_METRIC.format(stage)) for stage in STAGES}
    threads = {role: delta(THREAD_METRIC.format(role)) for role in THREAD_ROLES}
    if any(value is None for value in (*stages.values(), *threads.values())):
        return result  # a worker without the counters (older code): the whole only
    stage_ms = {stage: value or 0.0 for stage, value in stages.items()}
    thread_ms = {role: value or 0.0 for role, value in threads.items()}
    classify = stage_ms["classify"]
    outside = worker_ms - classify
    # The rest of the worker by stage: kafka-python decodes fetched batches partly on the
    # loop thread (inside poll) and partly on its I/O thread; the producer encodes records
    # on the loop thread (send) and compresses and sends them on its own threads.
    rest = {
        "fetch_decode": stage_ms["fetch"] + thread_ms["kafka_consumer"],
        "validate": stage_ms["validate"],
        "build": stage_ms["build"],
        "serialise": stage_ms["serialise"],
        "produce": stage_ms["produce"] + thread_ms["kafka_producer"],
        "commit": stage_ms["commit"],
    }
    rest["other"] = outside - sum(rest.values())
    result.update(
        classify_ms=classify,
        outside_classify_ms=outside,
        outside_vs_classify=outside / classify if classify > 0 else None,
        rest_ms=rest,
        stage_ms=stage_ms,
        thread_ms=thread_ms,
    )
    return result


def format_cpu(cpu: dict[str, Any], baseline: dict[str, Any] | None = None) -> list[str]:
    lines = [f"worker CPU per record (1 worker):     {cpu['worker_ms']:8.2f} ms"]
    if baseline is not None:
        lines[-1] += (
            f" (baseline {baseline['worker_ms']:.2f} ms; "
            f"{cpu['worker_ms'] / baseline['worker_ms']:.2f}x)"
        )
    if "worker_system_ms" in cpu:
        lines.append(f"  of it in the kernel (system time)    {cpu['worker_system_ms']:8.2f} ms")
    if "page_faults" in cpu:
        lines.append(f"  minor page faults per record         {cpu['page_faults']:8.0f}")
    if "classify_ms" in cpu:
        lines.append(
            f"  classification {cpu['classify_ms']:.2f} ms; the rest "
            f"{cpu['outside_classify_ms']:.2f} ms = {cpu['outside_vs_classify']:.0%} of "
            "classification (target <= 35%)"
        )
        rest = ", ".join(f"{name} {value:.2f}" for name, value in cpu["rest_ms"].items())
        lines.append(f"  the rest (ms): {rest}")
    if "broker_ms" in cpu:
        lines.append(f"broker CPU per record (same interval): {cpu['broker_ms']:6.2f} ms")
    return lines


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each number's median over the runs (nested dicts alike); the first run's shape."""
    import statistics

    first = runs[0]
    result: dict[str, Any] = {}
    for key, value in first.items():
        if isinstance(value, dict):
            result[key] = median_of([run[key] for run in runs])
        elif isinstance(value, int | float) and all(
            isinstance(run.get(key), int | float) for run in runs
        ):
            result[key] = statistics.median(run[key] for run in runs)
        else:
            result[key] = value
    return result
