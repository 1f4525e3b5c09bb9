"""`chaff run`, `chaff topics create`, `chaff produce` and `chaff demo`.

Every worker setting is a flag of `run` generated from worker.config.Settings, so the
flags, the `CHAFF_*` variables and the README's configuration table are one list.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from worker.cli import module_doc
from worker.config import Settings, effective_configuration
from worker.ops.logs import add_log_level_argument, setup_logging
from worker.stream.kafka_client import KafkaSetupError, check_connection, client_options, explain

log = logging.getLogger(__name__)

# The settings of every command that talks to Kafka: where, and how to connect.
CONNECTION_FIELDS = (
    "bootstrap_servers",
    "security_protocol",
    "ssl_cafile",
    "ssl_certfile",
    "ssl_keyfile",
    "ssl_check_hostname",
    "sasl_mechanism",
    "sasl_username",
    "sasl_password_file",
)
KAFKA_FIELDS = (
    *CONNECTION_FIELDS,
    "raw_topic",
    "articles_topic",
    "rejects_topic",
    "dead_letter_topic",
)
EXIT_FATAL = 1
EXIT_CONFIG = 2
EXIT_SHUTDOWN_TIMEOUT = 3
EXIT_STALLED = 4


def add_settings_arguments(
    parser: argparse.ArgumentParser, names: tuple[str, ...] | None = None
) -> None:
    """One flag per Settings field (or the given ones); default None = env, then default."""
    group = parser.add_argument_group("settings (flag > CHAFF_* environment variable > default)")
    for spec in dataclasses.fields(Settings):
        if spec.name == "log_level" or (names is not None and spec.name not in names):
            continue
        if spec.metadata.get("secret"):  # environment only: never on a command line
            continue
        flag = "--" + spec.name.replace("_", "-")
        help_text = f"{spec.metadata['help']} [${spec.metadata['env']}, default {spec.default!r}]"
        if isinstance(spec.default, bool):
            group.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=None, help=help_text
            )
        else:
            group.add_argument(
                flag,
                type=type(spec.default),
                default=None,
                choices=spec.metadata.get("choices"),
                help=help_text,
            )


def flag_values(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line (None: not given)."""
    return {spec.name: getattr(args, spec.name, None) for spec in dataclasses.fields(Settings)}


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings.from_env(**flag_values(args))


# --- chaff run ----------------------------------------------------------------------------


def run_command(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    setup_logging(settings.log_level)
    if args.print_config:
        print(effective_configuration(settings, flag_values(args)))
        return 0
    if settings.processes < 1:
        print("chaff run: --processes must be at least 1", file=sys.stderr)
        return 2
    if settings.processes > 1 and args.process_index is None:
        from worker.stream.supervisor import supervise

        return supervise(settings)
    return run_worker_process(settings, args.process_index or 0)


def run_worker_process(settings: Settings, process_index: int) -> int:
    """One worker loop until SIGTERM/SIGINT; exit 0 after a clean shutdown."""
    from kafka.errors import KafkaError

    import worker.ops
    from worker.stream.loop import STALL_LIMIT_S, FatalLoopError, StopFlag, WorkerLoop
    from worker.stream.site_state import ChangelogMissing
    from worker.stream.undecodable import missing_codecs

    missing = missing_codecs()
    if missing:
        # A compressed batch would stop a partition; say so before joining the group.
        log.error("cannot decode compressed input: no library for %s", ", ".join(missing))
        return EXIT_CONFIG
    stop = StopFlag()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():  # a second signal: the operator insists
            os._exit(128 + signum)
        log.info("%s received: finishing the current batch", signal.Signals(signum).name)
        stop.set()

    # Before the first large allocation: see worker.ops.memory (measured RSS growth).
    from worker.ops.memory import configure_allocator

    configure_allocator(trim_threshold=settings.malloc_trim_threshold)
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    _start_shutdown_watchdog(stop, settings.shutdown_timeout_s)

    identity = None
    if settings.static_membership or settings.exactly_once:
        from worker.stream.identity import IdentityError, claim

        try:
            identity = claim(settings.state_dir, settings.group_id, settings.instance_id)
        except IdentityError as error:
            log.error("refusing to start: %s", error)
            return EXIT_CONFIG
    member = identity.name if identity is not None else None
    try:
        check_connection(settings)
    except KafkaSetupError as error:
        log.error("cannot start: %s", error)
        return error.exit_code
    observer = worker.ops.install(settings, process_index)
    try:
        try:
            loop = WorkerLoop(settings, observer, stop, process_index, member=member)
        except ChangelogMissing as error:
            log.error("cannot start: %s", error)
            return EXIT_CONFIG
        except KafkaError as error:
            log.error("cannot connect to Kafka at %s: %s", settings.bootstrap_servers, error)
            return EXIT_FATAL
        log.info(
            "worker %d consuming %s as group %s member %s (%s)",
            process_index,
            settings.raw_topic,
            settings.group_id,
            loop.member,
            "exactly-once" if settings.exactly_once else "at-least-once",
        )
        _start_stall_watchdog(loop, stop, STALL_LIMIT_S)
        try:
            loop.run()
        except (FatalLoopError, KafkaError) as error:
            reason = explain(error, settings)
            if reason is not None:  # a missing ACL: say which, and exit with its own code
                log.error("stopping: %s", reason)
                return reason.exit_code
            if not isinstance(error, FatalLoopError):
                raise
            log.error("stopping: %s", error)
            return EXIT_FATAL
        finally:
            loop.close(timeout_s=settings.shutdown_timeout_s / 2)
        log.info("worker %d stopped after %d records", process_index, loop.records_done)
        return 0
    finally:
        observer.close()


def _start_shutdown_watchdog(stop: Any, timeout_s: float) -> None:
    """Bound the shutdown: if the last batch cannot finish in time, leave without
    committing it (it is processed again later: nothing is lost)."""

    def watch() -> None:
        while not stop.wait(3600):
            pass
        threading.Event().wait(timeout_s)
        log.error("shutdown took longer than %.0f s; exiting without a final commit", timeout_s)
        os._exit(EXIT_SHUTDOWN_TIMEOUT)

    threading.Thread(target=watch, name="shutdown-watchdog", daemon=True).start()


def _start_stall_watchdog(loop: Any, stop: Any, limit_s: float) -> None:
    """Exit non-zero when the loop shows no progress for `limit_s`: a hung Kafka client
    never recovers by itself, a restarted process does (the supervisor or the orchestrator
    restarts it, and committed offsets make the restart lossless)."""

    def watch() -> None:
        while not stop.wait(min(5.0, limit_s / 4)):
            silent = time.monotonic() - loop.heartbeat
            if silent > limit_s:
                log.error(
                    "worker loop made no progress for %.0f s; exiting to be restarted", silent
                )
                os._exit(EXIT_STALLED)

    threading.Thread(target=watch, name="stall-watchdog", daemon=True).start()


# --- chaff topics create --------------------------------------------------------------------


def topics_create_command(args: argparse.Namespace) -> int:
    from kafka.errors import KafkaError

    from worker.stream.topics import create_topics

    settings = settings_from_args(args)
    setup_logging(settings.log_level)
    try:
        check_connection(settings)
        results = create_topics(settings, args.partitions, args.replication_factor)
    except KafkaSetupError as error:
        print(f"chaff topics create: {error}", file=sys.stderr)
        return error.exit_code
    except KafkaError as error:
        reason = explain(error, settings)
        if reason is not None:
            print(f"chaff topics create: {reason}", file=sys.stderr)
            return reason.exit_code
        print(f"chaff topics create: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_FATAL
    for name, status in results:
        print(f"{status:8} {name}")
    return 0


# --- chaff produce -----------------------------------------------------------------------


def produce_command(args: argparse.Namespace) -> int:
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    from worker.ops.progress import Progress
    from worker.stream.loop_clients import MAX_REQUEST_BYTES
    from worker.stream.produce import PAGE_FILE_KINDS, expand_paths, records_from_file

    settings = settings_from_args(args)
    setup_logging(settings.log_level)
    try:
        found = expand_paths(Path(p) for p in args.paths)
    except FileNotFoundError as error:
        print(f"chaff produce: {error}", file=sys.stderr)
        return 2
    files = found.pages
    if found.skipped:
        names = ", ".join(str(p) for p in found.skipped[:5])
        more = f" and {len(found.skipped) - 5} more" if len(found.skipped) > 5 else ""
        print(
            f"chaff produce: skipped {len(found.skipped)} files that are not pages "
            f"({PAGE_FILE_KINDS}): {names}{more}",
            file=sys.stderr,
        )
    try:
        check_connection(settings)
    except KafkaSetupError as error:
        print(f"chaff produce: {error}", file=sys.stderr)
        return error.exit_code
    try:
        producer = KafkaProducer(
            **client_options(settings),
            acks="all",
            linger_ms=20,
            max_request_size=MAX_REQUEST_BYTES,
            compression_type=settings.kafka_compression,
        )
    except KafkaError as error:
        print(
            f"chaff produce: cannot connect to {settings.bootstrap_servers}: {error}",
            file=sys.stderr,
        )
        return EXIT_FATAL
    futures = []
    try:
        with Progress("produce", total=len(files), unit="files") as progress:
            for path in files:
                for key, value in records_from_file(path, args.url_prefix):
                    futures.append(producer.send(settings.raw_topic, key=key, value=value))
                progress.advance()
        producer.flush()
        failed = 0
        for future in futures:
            try:
                future.get(timeout=30)
            except KafkaError as error:
                failed += 1
                reason = explain(error, settings)
                if reason is not None:  # every other record would fail the same way
                    print(f"chaff produce: {reason}", file=sys.stderr)
                    return reason.exit_code
                print(f"chaff produce: a record was not accepted: {error}", file=sys.stderr)
    finally:
        producer.close()
    print(
        f"published {len(futures) - failed} records from {len(files)} files to {settings.raw_topic}"
    )
    return EXIT_FATAL if failed else 0


# --- registration ------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    run = subparsers.add_parser(
        "run",
        help="the worker: consume raw pages, publish articles, rejects and dead letters",
        description=(module_doc("worker.stream.loop") or "")
        + "\nSIGTERM/SIGINT: finish the current batch, commit, exit 0 "
        "(within --shutdown-timeout-s).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_settings_arguments(run)
    run.add_argument(
        "--print-config",
        action="store_true",
        help="print each setting's effective value and where it came from, then exit",
    )
    run.add_argument("--process-index", type=int, default=None, help=argparse.SUPPRESS)
    add_log_level_argument(run)
    run.set_defaults(handler=run_command)

    topics = subparsers.add_parser("topics", help="manage Chaff's Kafka topics")
    topic_commands = topics.add_subparsers(
        dest="topics_command", metavar="SUBCOMMAND", required=True
    )
    create = topic_commands.add_parser(
        "create",
        help="create the raw, articles, rejects and dead-letter topics (idempotent)",
        description=module_doc("worker.stream.topics"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    create.add_argument(
        "--partitions", type=int, default=6, help="partitions per topic (default 6)"
    )
    create.add_argument(
        "--replication-factor", type=int, default=1, help="replicas per partition (default 1)"
    )
    add_settings_arguments(create, KAFKA_FIELDS)
    add_log_level_argument(create)
    create.set_defaults(handler=topics_create_command)

    produce = subparsers.add_parser(
        "produce",
        help="publish HTML/text files or JSONL raw-page records to the raw topic",
        description=module_doc("worker.stream.produce"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    produce.add_argument("paths", nargs="+", metavar="FILE|DIR")
    produce.add_argument(
        "--url-prefix", help="url of a plain file = PREFIX/<file name> (default: its file:// URI)"
    )
    add_settings_arguments(produce, (*CONNECTION_FIELDS, "raw_topic", "compression_type"))
    add_log_level_argument(produce)
    produce.set_defaults(handler=produce_command)

    from worker.stream import demo

    demo_parser = subparsers.add_parser(
        "demo",
        help="start a local broker, run the worker over seeds/ and print what came out",
        description=demo.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_arguments(demo_parser)
    demo_parser.set_defaults(handler=demo.demo_command)
