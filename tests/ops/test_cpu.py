"""The worker's CPU accounting (worker.ops.cpu), its metrics, and the benchmark's arithmetic
over them (worker.learn.bench_cpu)."""

from __future__ import annotations

import threading
import time

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from worker.learn.bench_cpu import Snapshot, _minor_faults, median_of, per_record
from worker.ops.cpu import STAGES, StageClock, thread_cpu_seconds, thread_role
from worker.ops.metrics import OutputTopics, PrometheusObserver


def burn(seconds: float) -> None:
    """Spend about `seconds` of this thread's CPU."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_each_stage_gets_the_cpu_spent_before_its_mark_and_sleep_is_not_cpu() -> None:
    clock = StageClock()
    burn(0.05)
    clock.mark("classify")
    time.sleep(0.1)  # waiting for the broker costs no CPU
    clock.mark("produce")
    burn(0.02)
    clock.mark("validate")
    taken = clock.take()
    assert set(STAGES) <= set(taken)
    assert taken["classify"] == pytest.approx(0.05, abs=0.01)
    assert taken["validate"] == pytest.approx(0.02, abs=0.01)
    assert taken["produce"] < 0.01
    assert clock.take()["classify"] == 0.0  # a take starts again from zero


def test_threads_are_grouped_by_the_names_kafka_python_gives_them() -> None:
    assert thread_role("MainThread") == "loop"
    assert thread_role("kafka-io-chaff-host") == "kafka_consumer"
    assert thread_role("kafka-io-kafka-python-producer-1") == "kafka_producer"
    assert thread_role("kafka-python-producer-1-network-thread") == "kafka_producer"
    assert thread_role("stall-watchdog") == "other"


def test_a_busy_kafka_thread_shows_in_its_role() -> None:
    before = thread_cpu_seconds()["kafka_consumer"]
    done = threading.Event()

    def io() -> None:
        burn(0.05)
        done.wait(5)  # still alive when measured: a thread's clock ends with it

    thread = threading.Thread(target=io, name="kafka-io-test")
    thread.start()
    try:
        time.sleep(0.01)
        while thread_cpu_seconds()["kafka_consumer"] - before < 0.045:
            assert thread.is_alive()
            time.sleep(0.01)
    finally:
        done.set()
        thread.join()


def test_metrics_export_stage_and_thread_cpu() -> None:
    observer = PrometheusObserver(OutputTopics("a", "r", "d"), "m-1")
    observer.on_stage_cpu({"classify": 0.25, "fetch": 0.5})
    observer.on_stage_cpu({"classify": 0.25})
    text = generate_latest(observer.registry).decode()
    values = {
        (sample.name, tuple(sample.labels.values())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert values[("chaff_stage_cpu_seconds_total", ("classify",))] == 0.5
    assert values[("chaff_stage_cpu_seconds_total", ("fetch",))] == 0.5
    assert values[("chaff_stage_cpu_seconds_total", ("commit",))] == 0.0
    assert values[("chaff_thread_cpu_seconds_total", ("loop",))] > 0


def metrics(stages: dict[str, float], threads: dict[str, float]) -> dict[str, float]:
    found = {f"chaff_stage_cpu_seconds_total{{stage={s}}}": v for s, v in stages.items()}
    found |= {f"chaff_thread_cpu_seconds_total{{role={r}}}": v for r, v in threads.items()}
    return found


def test_per_record_divides_the_differences_and_groups_the_rest_by_stage() -> None:
    zero_stages = dict.fromkeys(STAGES, 0.0)
    zero_threads = {"loop": 0.0, "kafka_consumer": 0.0, "kafka_producer": 0.0, "other": 0.0}
    before = Snapshot(0.0, 10.0, 50.0, metrics(zero_stages, zero_threads), 1.0, 70_000)
    stages = zero_stages | {"fetch": 0.1, "validate": 0.2, "classify": 2.0, "produce": 0.3}
    threads = zero_threads | {"loop": 2.6, "kafka_consumer": 0.4, "kafka_producer": 0.5}
    after = Snapshot(5.0, 13.6, 53.0, metrics(stages, threads), 1.4, 120_000)
    figures = per_record(before, after, 1000)
    assert figures["worker_ms"] == pytest.approx(3.6)
    assert figures["worker_system_ms"] == pytest.approx(0.4)
    assert figures["page_faults"] == pytest.approx(50.0)
    assert figures["broker_ms"] == pytest.approx(3.0)
    assert figures["classify_ms"] == pytest.approx(2.0)
    assert figures["outside_vs_classify"] == pytest.approx(0.8)
    rest = figures["rest_ms"]
    assert rest["fetch_decode"] == pytest.approx(0.5)  # loop thread's poll + the I/O thread
    assert rest["produce"] == pytest.approx(0.8)
    assert rest["validate"] == pytest.approx(0.2)
    assert rest["other"] == pytest.approx(0.1)  # the process total minus what is named


def test_a_worker_without_the_counters_gets_its_whole_figure_only() -> None:
    figures = per_record(Snapshot(0, 1.0, None, {}), Snapshot(1, 3.0, None, {}), 500)
    assert figures == {"records": 500, "worker_ms": pytest.approx(4.0)}


def test_median_of_runs_takes_each_number_s_median() -> None:
    runs = [{"a": 1.0, "b": {"c": 5.0}}, {"a": 3.0, "b": {"c": 1.0}}, {"a": 2.0, "b": {"c": 2.0}}]
    assert median_of(runs) == {"a": 2.0, "b": {"c": 2.0}}


def test_minor_faults_are_read_for_a_live_process_only() -> None:
    import mmap
    import os
    import sys

    faults = _minor_faults(os.getpid())
    if sys.platform.startswith("linux"):
        assert faults is not None and faults > 0
        with mmap.mmap(-1, 8 * 1024 * 1024) as fresh:  # fresh pages, each faulted in once
            for page in range(0, len(fresh), mmap.PAGESIZE):
                fresh[page] = 1
            after = _minor_faults(os.getpid())
        assert after is not None and after - faults >= 8 * 1024 * 1024 // mmap.PAGESIZE
    assert _minor_faults(2**31 - 1) is None  # no such process
