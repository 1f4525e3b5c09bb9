"""`chaff dedup` (the near-duplicate stream job) and `chaff dedup-eval` (its accuracy)."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import logging
import os
import sys
from pathlib import Path
from typing import Any

from worker.cli import module_doc
from worker.dedup.config import DedupConfig
from worker.learn.command_args import bench_dataset_argument
from worker.sitestats.faust_job import add_job_arguments, own_settings_from_args
from worker.stream.commands import CONNECTION_FIELDS, add_settings_arguments, settings_from_args

SHARED_SETTINGS = (*CONNECTION_FIELDS, "articles_topic")
YOUNG_GC_THRESHOLD = 10_000  # allocations between young collections (Python's default: 700)
DEFAULT_CORPORA = Path(__file__).parents[2].parent / "shared" / "data"
# flag -> (environment variable, type, default, help); flag > environment > default.
_DEFAULTS = DedupConfig("", "")
OWN_SETTINGS: dict[str, tuple[str, type, Any, str]] = {
    "duplicates_topic": (
        "CHAFF_DEDUP_TOPIC",
        str,
        _DEFAULTS.duplicates_topic,
        "Topic of the verdicts (key: page_id; contract chaff.duplicate/1).",
    ),
    "app_id": (
        "CHAFF_DEDUP_APP_ID",
        str,
        _DEFAULTS.app_id,
        "faust app id: the consumer group and the prefix of its internal topics.",
    ),
    "threshold": (
        "CHAFF_DEDUP_THRESHOLD",
        float,
        _DEFAULTS.threshold,
        "Estimated Jaccard similarity (of 5-word shingles) from which an article is a "
        "near-duplicate of an earlier one.",
    ),
    "bands": (
        "CHAFF_DEDUP_BANDS",
        int,
        _DEFAULTS.bands,
        "LSH bands the 128-value MinHash signature is cut into (a divisor of 128; more "
        "bands: more candidates, more work). Fixed once the job has state.",
    ),
    "window_hours": (
        "CHAFF_DEDUP_WINDOW_HOURS",
        float,
        _DEFAULTS.window_hours,
        "An article is compared with the articles of this many hours before it (article "
        "record time).",
    ),
    "window_pages": (
        "CHAFF_DEDUP_WINDOW_PAGES",
        int,
        _DEFAULTS.window_pages,
        "...and with at most this many of them, split over the partitions: the memory "
        "bound (about 11 kB a page over all processes with 8 partitions: README, chaff dedup).",
    ),
    "bucket_capacity": (
        "CHAFF_DEDUP_BUCKET_CAPACITY",
        int,
        _DEFAULTS.bucket_capacity,
        "Earliest pages kept per band bucket (a story syndicated to many sites fills one).",
    ),
    "batch_articles": (
        "CHAFF_DEDUP_BATCH_ARTICLES",
        int,
        _DEFAULTS.batch_articles,
        "Articles signed and sent through the band partitions together: a few records per "
        "batch instead of ~8 per article, most of the job's CPU.",
    ),
    "batch_wait_ms": (
        "CHAFF_DEDUP_BATCH_WAIT_MS",
        int,
        _DEFAULTS.batch_wait_ms,
        "...or the articles that came within this many milliseconds, if fewer (the latency "
        "it adds when the stream is quiet).",
    ),
    "partitions": (
        "CHAFF_DEDUP_PARTITIONS",
        int,
        _DEFAULTS.partitions,
        "Partitions of the internal topics, the tables and the verdict topic (fixed once "
        "created: the most dedup processes that share the load).",
    ),
    "replication_factor": (
        "CHAFF_DEDUP_REPLICATION_FACTOR",
        int,
        _DEFAULTS.replication_factor,
        "Replication factor of the topics the job creates.",
    ),
    "session_timeout_s": (
        "CHAFF_DEDUP_SESSION_TIMEOUT_S",
        float,
        _DEFAULTS.session_timeout_s,
        "Consumer-group session timeout: how long the partitions of a killed process wait "
        "before another takes them over.",
    ),
    "data_dir": (
        "CHAFF_DEDUP_DATA_DIR",
        str,
        _DEFAULTS.data_dir,
        "Local directory of the faust worker.",
    ),
    "metrics_port": (
        "CHAFF_DEDUP_METRICS_PORT",
        int,
        _DEFAULTS.metrics_port,
        "Port of the Prometheus /metrics endpoint (0: none).",
    ),
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dedup",
        help="near-duplicate and syndicated articles across the fleet (faust tables)",
        description=(
            "Find near-duplicate articles across every site and worker: a MinHash signature "
            "of each article on the articles topic, LSH bands repartitioned to faust tables "
            "with changelogs, and one verdict per article on the duplicates topic: unique, "
            "or a near-duplicate of an earlier page_id with its estimated Jaccard "
            "similarity. More processes with the same --app-id share the work. "
            "At-least-once; within the window a verdict given once is the one given "
            "again. Runs until SIGTERM or Ctrl-C."
        ),
    )
    add_settings_arguments(parser, SHARED_SETTINGS)
    add_job_arguments(parser, "dedup", OWN_SETTINGS)
    parser.set_defaults(handler=run_dedup)

    evaluate = subparsers.add_parser(
        "dedup-eval",
        help="precision and recall of the near-duplicate verdicts on the labelled corpora",
        description=(
            "Build a set from the gold article texts of the corpora (each article, plus "
            "synthetic near-copies: boilerplate lines added or changed, the last paragraph "
            "trimmed, whitespace changed; the other articles are the negatives), run every "
            "text through the job's matching in order, and report precision and recall "
            "against the exact Jaccard similarity of the shingle sets (and against how each "
            "copy was made). Reads the corpora only when run."
        ),
    )
    evaluate.add_argument(
        "corpora",
        nargs="*",
        type=Path,
        help=f"folders in the WCXB layout (default: every corpus in {DEFAULT_CORPORA})",
    )
    evaluate.add_argument(
        "--threshold",
        type=float,
        default=_DEFAULTS.threshold,
        help="Jaccard similarity at or above which two texts count as near-duplicates "
        "(default: %(default)s, as `chaff dedup`)",
    )
    evaluate.add_argument(
        "--bands",
        type=int,
        default=_DEFAULTS.bands,
        help="LSH bands the signature is cut into (default: %(default)s, as `chaff dedup`)",
    )
    evaluate.add_argument(
        "--copies", type=int, default=1, help="synthetic copies of each kind per article"
    )
    evaluate.add_argument(
        "--seed",
        type=int,
        default=24,
        help="seed of the synthetic copies: one seed, one set (default: %(default)s)",
    )
    evaluate.add_argument("--json", type=Path, help="also write the figures here")
    evaluate.set_defaults(handler=run_eval)

    bench = subparsers.add_parser(
        "dedup-bench",
        help="throughput of `chaff dedup` against the workers' rate, through a real broker",
        description=module_doc("worker.dedup.bench"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bench_dataset_argument(bench)
    bench.add_argument("--articles", type=int, default=4000, help="article records per run")
    bench.add_argument(
        "--worker-pages", type=int, default=1000, help="raw pages for the worker's rate (0: skip)"
    )
    bench.add_argument(
        "--compare-with",
        type=Path,
        metavar="DIR",
        help="also run the job of the checkout in DIR (1 process, same records and broker)",
    )
    bench.add_argument("--json", type=Path, help="also write the figures to this file")
    bench.set_defaults(handler=run_bench)


def config_from_args(args: argparse.Namespace) -> DedupConfig:
    settings = settings_from_args(args)
    values = own_settings_from_args(args, OWN_SETTINGS)
    positive = (
        "partitions",
        "window_hours",
        "window_pages",
        "bucket_capacity",
        "bands",
        "batch_articles",
        "batch_wait_ms",
    )
    bad = [name for name in (*positive, "session_timeout_s") if values[name] <= 0]
    if bad:
        flags = ", ".join("--" + name.replace("_", "-") for name in bad)
        raise SystemExit(f"chaff dedup: {flags} must be > 0")
    if not 0 < values["threshold"] <= 1:
        raise SystemExit("chaff dedup: --threshold must be in (0, 1]")
    if _DEFAULTS.num_perm % values["bands"]:
        raise SystemExit(f"chaff dedup: --bands must divide {_DEFAULTS.num_perm}")
    return DedupConfig(
        bootstrap_servers=settings.bootstrap_servers,
        articles_topic=settings.articles_topic,
        **values,
    )


def run_dedup(args: argparse.Namespace) -> int:
    # Deferred: faust takes ~0.4 s to import and only this command needs it.
    import faust
    from kafka.errors import KafkaError

    from worker.dedup.app import build_app
    from worker.dedup.metrics import DedupMetrics
    from worker.dedup.topics import ensure_topics
    from worker.stream.kafka_client import KafkaSetupError, check_connection, faust_credentials

    config = config_from_args(args)
    settings = settings_from_args(args)
    try:
        check_connection(settings)
        config = dataclasses.replace(config, credentials=faust_credentials(settings))
        ensure_topics(config, settings)
    except KafkaSetupError as error:
        print(f"chaff dedup: {error}", file=sys.stderr)
        return error.exit_code
    except KafkaError as error:
        print(
            f"chaff dedup: cannot create its topics ({type(error).__name__}: {error}); "
            "grant it Create on the cluster, or create them first (README: chaff dedup)",
            file=sys.stderr,
        )
        return 6
    log_level = (args.log_level or os.environ.get("CHAFF_LOG_LEVEL") or "INFO").lower()
    try:
        metrics = DedupMetrics(config.metrics_port)
    except OSError as error:
        print(f"chaff dedup: metrics port {config.metrics_port}: {error}", file=sys.stderr)
        return 2
    Path(config.data_dir).mkdir(parents=True, exist_ok=True)  # faust makes only the last one
    app = build_app(config, metrics)

    @app.task  # type: ignore[untyped-decorator]  # faust's is untyped
    async def no_debug_records() -> None:
        # faust leaves the root logger at DEBUG and filters in its handler: aiokafka then
        # builds a debug record for every message it sends (~10% of the job's CPU).
        logging.getLogger().setLevel(log_level.upper())

    # Decoding a batch record makes ~30 container objects a page, which live until its
    # hop is done: at Python's default (a young collection every 700 allocations) the
    # collector ran every few pages and traversed them all, ~0.2 ms of CPU per article.
    # Older generations keep their default pace relative to it.
    gc.set_threshold(YOUNG_GC_THRESHOLD, 10, 10)
    # faust.Worker handles SIGTERM/SIGINT: it stops the agents, flushes and commits.
    faust.Worker(app, loglevel=log_level).execute_from_commandline()
    return 0


def run_bench(args: argparse.Namespace) -> int:
    from worker.dedup.bench import bench_command

    return bench_command(args)


def run_eval(args: argparse.Namespace) -> int:
    from worker.dedup.evaluate import evaluate_command

    return evaluate_command(args, DEFAULT_CORPORA)
