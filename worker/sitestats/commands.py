"""`chaff sitestats`: run the per-site statistics job (a faust worker) until SIGTERM/Ctrl-C."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from typing import Any

from worker.sitestats.config import SiteStatsConfig
from worker.sitestats.faust_job import add_job_arguments, own_settings_from_args
from worker.stream.commands import CONNECTION_FIELDS, add_settings_arguments, settings_from_args

SHARED_SETTINGS = (*CONNECTION_FIELDS, "articles_topic", "rejects_topic", "dead_letter_topic")
# flag -> (environment variable, type, default, help); flag > environment > default.
OWN_SETTINGS: dict[str, tuple[str, type, Any, str]] = {
    "snapshot_topic": (
        "CHAFF_SITESTATS_TOPIC",
        str,
        "pages.site-stats",
        "Compacted topic of the per-site snapshots (key: site).",
    ),
    "app_id": (
        "CHAFF_SITESTATS_APP_ID",
        str,
        "chaff-sitestats",
        "faust app id: the consumer group and the prefix of its internal topics.",
    ),
    "snapshot_interval_s": (
        "CHAFF_SITESTATS_INTERVAL_S",
        float,
        10.0,
        "Seconds between snapshot rounds (each publishes the sites that changed).",
    ),
    "partitions": (
        "CHAFF_SITESTATS_PARTITIONS",
        int,
        8,
        "Partitions of the internal topics, the table and the snapshot topic "
        "(fixed once created: the most sitestats workers that share the load).",
    ),
    "replication_factor": (
        "CHAFF_SITESTATS_REPLICATION_FACTOR",
        int,
        1,
        "Replication factor of the topics the job creates.",
    ),
    "session_timeout_s": (
        "CHAFF_SITESTATS_SESSION_TIMEOUT_S",
        float,
        60.0,
        "Consumer-group session timeout: how long the partitions of a killed worker wait "
        "before another takes them over.",
    ),
    "data_dir": (
        "CHAFF_SITESTATS_DATA_DIR",
        str,
        ".chaff/sitestats",
        "Local directory of the faust worker.",
    ),
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sitestats",
        help="per-site statistics of the output topics (faust tables)",
        description=(
            "Count, per site, the pages, articles, page-level rejects, rejected segments and "
            "dead letters in the output topics, in a changelog-backed faust table that "
            "survives restarts, and publish a JSON snapshot per changed site to a compacted "
            "topic every interval. At-least-once; redeliveries are not counted twice. "
            "Runs until SIGTERM or Ctrl-C."
        ),
    )
    add_settings_arguments(parser, SHARED_SETTINGS)
    add_job_arguments(parser, "sitestats", OWN_SETTINGS)
    parser.set_defaults(handler=run_sitestats)


def config_from_args(args: argparse.Namespace) -> SiteStatsConfig:
    settings = settings_from_args(args)
    values = own_settings_from_args(args, OWN_SETTINGS)
    if min(values["partitions"], values["snapshot_interval_s"], values["session_timeout_s"]) <= 0:
        raise SystemExit(
            "chaff sitestats: --partitions, --snapshot-interval-s and --session-timeout-s "
            "must be > 0"
        )
    return SiteStatsConfig(
        bootstrap_servers=settings.bootstrap_servers,
        articles_topic=settings.articles_topic,
        rejects_topic=settings.rejects_topic,
        dead_letter_topic=settings.dead_letter_topic,
        **values,
    )


def run_sitestats(args: argparse.Namespace) -> int:
    # Deferred: faust takes ~0.4 s to import and only this command needs it.
    import faust

    from worker.sitestats.app import build_app
    from worker.stream.kafka_client import KafkaSetupError, check_connection, faust_credentials

    config = config_from_args(args)
    settings = settings_from_args(args)
    try:
        check_connection(settings)
        config = dataclasses.replace(config, credentials=faust_credentials(settings))
    except KafkaSetupError as error:
        print(f"chaff sitestats: {error}", file=sys.stderr)
        return error.exit_code
    log_level = (args.log_level or os.environ.get("CHAFF_LOG_LEVEL") or "INFO").lower()
    app = build_app(config)
    # faust.Worker handles SIGTERM/SIGINT: it stops the agents, flushes and commits.
    faust.Worker(app, loglevel=log_level).execute_from_commandline()
    return 0
