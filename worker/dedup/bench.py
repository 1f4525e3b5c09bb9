"""`chaff dedup-bench`: can one `chaff dedup` process keep up with four workers?

In one run, side by side on the same broker:
1. in process: CPU seconds per article of the signature alone, and of the whole matching
   (engine.LocalDedup: signature, bands, buckets, verdict);
2. the job: N article records (gold texts of the dataset and near-copies of them) published
   to an articles topic once `chaff dedup` (1, then 2 processes) is up and idle; its rate
   and CPU seconds per article from the first record published to the last verdict
   (start-up does not count; every article's whole work does, however much of it is in
   flight at any moment);
3. the worker: `chaff run` with one process on raw pages of the same dataset (as `chaff
   bench e2e` measures it), whose articles-per-second rate times four is the bar, and its
   CPU seconds per record (the steadier figure on a loaded machine: the job keeps up with
   four workers when it spends at most a quarter of that per article).

--compare-with DIR runs the job of another checkout (its `worker` package, with this
checkout's Python and libraries) with one process before this code's, on the same records
and broker: a change measured side by side in one run.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import orjson
import psutil

from worker.core.records import ARTICLE_SCHEMA
from worker.dedup.evaluate import gold_texts
from worker.dedup.synthetic import MAKERS
from worker.learn.bench_e2e import _local_broker, raw_records

PARTITIONS = 6


def article_records(dataset: Path, count: int, seed: int = 24) -> list[tuple[bytes, bytes]]:
    """(key, value) article records: the gold texts, then near-copies of them (a quarter of
    the records at most are copies when the dataset is large enough)."""
    texts = [text for _, text in gold_texts(dataset)]
    if not texts:
        raise SystemExit(f"chaff dedup-bench: no gold texts under {dataset}")
    rng = random.Random(seed)
    makers = list(MAKERS.values())
    records = []
    for n in range(count):
        text = texts[n % len(texts)]
        if n >= len(texts) or rng.random() < 0.25:
            text = makers[n % len(makers)](text, rng)
        page_id = f"bench-{n:07d}"
        document = {
            "schema": ARTICLE_SCHEMA,
            "page_id": page_id,
            "url": f"https://site{n % 97}.bench.chaff.dev/{n}",
            "site": f"site{n % 97}.bench.chaff.dev",
            "fetch_time": None,
            "content_type": "text/plain",
            "article_text": text,
            "segments": {"total": 1, "article": 1, "junk": 0},
            "model_version": "bench",
            "source": {"topic": "bench", "partition": 0, "offset": n, "timestamp": None},
            "processed_at": "2026-12-03T00:00:00.000+00:00",
            "worker_version": "bench",
        }
        records.append((page_id.encode(), orjson.dumps(document)))
    return records


def in_process(records: list[tuple[bytes, bytes]]) -> dict[str, float]:
    from worker.core.minhash import signature
    from worker.dedup.engine import LocalDedup
    from worker.dedup.matching import Article

    documents = [orjson.loads(value) for _, value in records]
    started = time.process_time()
    for document in documents:
        signature(document["article_text"])
    signature_s = (time.process_time() - started) / len(documents)
    engine = LocalDedup()
    started = time.process_time()
    for n, document in enumerate(documents):
        engine.add(Article(document["page_id"], n, document["article_text"], None, None, {}))
    matching_s = (time.process_time() - started) / len(documents)
    duplicates = sum(v["verdict"] == "duplicate" for v in engine.verdicts.values())
    return {
        "signature_cpu_ms_per_article": signature_s * 1000,
        "matching_cpu_ms_per_article": matching_s * 1000,
        "duplicates_found": duplicates,
    }


def job_rate(
    bootstrap: str,
    records: list[tuple[bytes, bytes]],
    processes: int,
    code: Path | None = None,
) -> dict[str, Any]:
    """The job's rate and CPU per article; `code`: a checkout whose job to run instead."""
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic

    tag = uuid.uuid4().hex[:8]
    articles, verdicts, app_id = f"bench-{tag}.articles", f"bench-{tag}.dups", f"bench-dd-{tag}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(articles, PARTITIONS, 1)])
    env = os.environ | {"CHAFF_LOG_LEVEL": "WARNING"}
    if code is not None:
        env["PYTHONPATH"] = str(code.resolve())
    command = [
        sys.executable, "-m", "worker", "dedup", "--bootstrap-servers", bootstrap,
        "--articles-topic", articles, "--duplicates-topic", verdicts, "--app-id", app_id,
        "--partitions", str(PARTITIONS), "--metrics-port", "0",
    ]  # fmt: skip
    logs = [
        Path(tempfile.gettempdir()) / f"chaff-dedup-bench-{tag}-{n}.log" for n in range(processes)
    ]
    jobs = [
        subprocess.Popen(
            [*command, "--data-dir", str(Path(tempfile.gettempdir()) / f"chaff-dd-{tag}-{n}")],
            env=env,
            # `-m worker` puts the working directory first on the path, before PYTHONPATH
            cwd=code.resolve() if code is not None else None,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        for n, log in enumerate(logs)
    ]
    reader = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        # The job starts on an empty topic; its CPU counts from when it is idle and
        # assigned, so start-up is left out and every article's work is in.
        _wait_until_idle(admin, app_id, jobs, logs)
        start_cpu_s = sum(_cpu_seconds(job.pid) for job in jobs)
        started = time.monotonic()
        producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
        for key, value in records:
            producer.send(articles, value, key=key)
        producer.flush()
        producer.close()
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            partitions = reader.partitions_for_topic(verdicts) or set()
            ends = reader.end_offsets([TopicPartition(verdicts, p) for p in partitions])
            done = sum(ends.values())
            now = time.monotonic()
            if done >= len(records):
                break
            _check_running(jobs, logs)
            time.sleep(0.1)
        else:
            raise SystemExit("chaff dedup-bench: the job did not finish in time")
        cpu_s = sum(_cpu_seconds(job.pid) for job in jobs) - start_cpu_s
        rate = len(records) / max(now - started, 1e-6)
    finally:
        for job in jobs:
            job.terminate()
        for job in jobs:
            job.wait(timeout=60)
        reader.close()
        mine = [t for t in admin.list_topics() if t.startswith(app_id) or t in (articles, verdicts)]
        admin.delete_topics(mine)
        admin.close()
    return {
        "code": str(code) if code else "this checkout",
        "processes": processes,
        "articles_per_second": rate,
        "cpu_ms_per_article": cpu_s * 1000 / len(records),
    }


def _check_running(jobs: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    for job, log in zip(jobs, logs, strict=True):
        if job.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log.is_file() else ""
            raise SystemExit(f"chaff dedup-bench: a dedup process exited:\n{tail}")


def _wait_until_idle(
    admin: Any, app_id: str, jobs: list[subprocess.Popen[bytes]], logs: list[Path]
) -> None:
    """Until the job's group is stable with every process in it, and their CPU has stopped
    rising (start-up and table recovery done)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        _check_running(jobs, logs)
        try:
            group = admin.describe_groups([app_id]).get(app_id, {})
            stable = group.get("group_state", group.get("state")) == "Stable"
            stable = stable and len(group.get("members") or []) == len(jobs)
        except Exception:  # the group's coordinator is still loading
            stable = False
        # (should the description not say, a minute of start-up is enough to go on)
        stable = stable or time.monotonic() > deadline - 240
        if stable:
            before = sum(_cpu_seconds(job.pid) for job in jobs)
            time.sleep(1.0)
            if sum(_cpu_seconds(job.pid) for job in jobs) - before < 0.05 * len(jobs):
                return
        else:
            time.sleep(0.5)
    raise SystemExit("chaff dedup-bench: the job did not join its group in time")


def worker_cost(bootstrap: str, records: list[bytes]) -> dict[str, float]:
    """One `chaff run` process, measured as the job is: records published once it is up and
    idle; records per second and CPU ms per record from the first record published to the
    last commit."""
    from worker.learn.bench_run import BenchRun

    run = BenchRun(bootstrap)
    try:
        run.start_workers(1)
        worker = run.workers[0]
        _wait_until_idle(run.admin, run.settings.group_id, [worker], [Path(os.devnull)])
        start_cpu_s = _cpu_seconds(worker.pid)
        started = time.monotonic()
        run.publish(records)
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            done = run.committed()
            now = time.monotonic()
            if done >= len(records):
                break
            time.sleep(0.1)
        else:
            raise SystemExit("chaff dedup-bench: the worker did not finish in time")
        return {
            "records_per_second": len(records) / max(now - started, 1e-6),
            "cpu_ms_per_record": (_cpu_seconds(worker.pid) - start_cpu_s) * 1000 / len(records),
        }
    finally:
        run.close()


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of a process so far."""
    process = psutil.Process(pid)
    times = process.cpu_times()
    return float(times.user + times.system)


def bench_command(args: argparse.Namespace) -> int:
    from worker.learn.command_args import bench_dataset

    dataset = bench_dataset(args.dataset)
    records = article_records(dataset, args.articles)
    figures: dict[str, Any] = {"dataset": str(dataset), "articles": len(records)}
    figures["in_process"] = in_process(records)
    with ExitStack() as stack:
        bootstrap = stack.enter_context(_local_broker())
        if args.compare_with:
            figures["compared_job"] = job_rate(bootstrap, records, 1, args.compare_with)
        figures["job"] = [job_rate(bootstrap, records, n) for n in (1, 2)]
        if args.worker_pages:
            worker = worker_cost(bootstrap, raw_records(dataset, args.worker_pages))
            figures["worker_one_process"] = worker
            figures["four_workers_records_per_second"] = 4 * worker["records_per_second"]
            figures["job_over_four_workers"] = figures["job"][0]["articles_per_second"] / (
                4 * worker["records_per_second"]
            )
            figures["job_cpu_over_worker_cpu"] = (
                figures["job"][0]["cpu_ms_per_article"] / worker["cpu_ms_per_record"]
            )
    print(orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode())
    if args.json:
        args.json.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    return 0
