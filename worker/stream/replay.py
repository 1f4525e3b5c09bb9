"""`chaff replay`: reprocess the raw topic from a point in the past.

Where to start: `--from-offset` (per partition `P:OFFSET`, or one `OFFSET` for every
partition), `--from-time` (RFC 3339), or `--since` (a duration back from now: "6h", "1h30m").

Two modes:
- `--reset-group` moves the live consumer group's committed offsets to that point, so the
  workers reprocess from there when they (re)start. `--dry-run` prints the plan
  (partition: current -> new). Refused while the group has live members: stop the workers
  first (the broker would reject the commit anyway, but we say why).
- `--bounded` re-reads [from, to) under its own group id, classifies with the current
  model, writes to the chosen output topics and stops by itself at `to` (default: the end
  of each partition when the replay starts). The live group is untouched.
Output records carry `model_version` and `source` (topic, partition, offset), so consumers
can tell a replayed record from the original and keep the newest.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from worker.config import Settings
from worker.stream.replay_kafka import ReplayKafka
from worker.stream.replay_positions import (
    PartitionPlan,
    Position,
    position_from_args,
    resolve,
)

log = logging.getLogger(__name__)

EXIT_REFUSED = 3


# --- modes ------------------------------------------------------------------------------


def plan_reset(kafka: ReplayKafka, group: str, position: Position) -> list[PartitionPlan]:
    end = kafka.end()
    targets = resolve(position, kafka.partitions, kafka.beginning(), end, kafka.offsets_for_times)
    current = kafka.committed(group)
    return [PartitionPlan(p, current.get(p), targets[p], end[p]) for p in sorted(targets)]


def reset_group(
    kafka: ReplayKafka, group: str, position: Position, dry_run: bool, out: IO[str]
) -> int:
    plan = plan_reset(kafka, group, position)
    members = kafka.live_members(group)
    verb = "would move" if dry_run else "moving"
    print(f"group {group!r} on {kafka.topic!r}: {verb} to {position.describe()}", file=out)
    for step in plan:
        print("  " + step.describe(kafka.topic, bounded=False), file=out)
    if members:
        print(
            f"refused: group {group!r} has {len(members)} live member(s) ({', '.join(members)}); "
            "stop the workers (scale to 0) and run this again",
            file=out,
        )
        return 0 if dry_run else EXIT_REFUSED
    if dry_run:
        print("dry run: nothing changed", file=out)
        return 0
    note = f"chaff replay --reset-group to {position.describe()} at {datetime.now(UTC).isoformat()}"
    kafka.commit_group_offsets(group, {s.partition: s.start for s in plan}, note)
    print(f"done: committed {len(plan)} partition offset(s); start the workers", file=out)
    return 0


# One output record of a processed raw record: (topic, key, value).
Output = tuple[str, bytes | None, bytes]
RecordProcessor = Callable[[Any], list[Output]]


def stream_record_processor(settings: Settings) -> RecordProcessor:
    """The worker's own per-record step (parse, classify, build outputs), so a replay
    produces exactly what the live worker would; `settings` names the output topics.
    With site memory on, profiles are rebuilt from the replayed records, in order,
    starting empty: the changelog is neither read nor written."""
    from worker.stream.records import outputs_of, process_record, source_of
    from worker.stream.site_state import SiteMemoryState

    if settings.site_memory == "on":
        memory = SiteMemoryState(settings)

        def remembering(record: Any) -> list[Output]:
            processed = memory.process(record.value, source_of(record))
            memory.commit_batch()
            return [(o.topic, o.key, o.value) for o in outputs_of(processed, settings)]

        return remembering

    def process(record: Any) -> list[Output]:
        return [(o.topic, o.key, o.value) for o in process_record(record, settings)]

    return process


@dataclass(frozen=True)
class BoundedResult:
    records_read: int
    outputs_by_topic: dict[str, int]


def bounded_replay(
    settings: Settings,
    kafka: ReplayKafka,
    start: Position,
    stop: Position | None,
    replay_group: str,
    processor: RecordProcessor,
    out: IO[str],
    idle_timeout_s: float = 60.0,
) -> BoundedResult:
    """Re-read [start, stop) of the raw topic under `replay_group` and publish the outputs."""
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    from worker.ops.progress import Progress
    from worker.stream.kafka_client import client_options

    beginning, end_now = kafka.beginning(), kafka.end()
    starts = resolve(start, kafka.partitions, beginning, end_now, kafka.offsets_for_times)
    stops = (
        resolve(stop, kafka.partitions, beginning, end_now, kafka.offsets_for_times)
        if stop is not None
        else end_now
    )
    plan = [
        PartitionPlan(p, None, starts[p], max(stops.get(p, end_now[p]), starts[p]))
        for p in sorted(starts)
    ]
    until = stop.describe() if stop is not None else "the current end"
    print(
        f"bounded replay of {kafka.topic!r} from {start.describe()} to {until} "
        f"as group {replay_group!r} into {settings.articles_topic}, {settings.rejects_topic}, "
        f"{settings.dead_letter_topic}",
        file=out,
    )
    for step in plan:
        print("  " + step.describe(kafka.topic, bounded=True), file=out)
    ends = {TopicPartition(kafka.topic, s.partition): s.end for s in plan if s.records}
    outputs_by_topic: dict[str, int] = {}
    records_read = 0
    if not ends:
        print("nothing to replay", file=out)
        return BoundedResult(0, outputs_by_topic)

    consumer = KafkaConsumer(
        **client_options(settings),
        group_id=replay_group,
        enable_auto_commit=False,
        max_poll_records=settings.max_poll_records,
        isolation_level="read_committed",
    )
    producer = KafkaProducer(
        **client_options(settings),
        acks="all",
        linger_ms=20,
        compression_type=settings.kafka_compression,
    )
    try:
        consumer.assign(list(ends))  # assign, not subscribe: no rebalances, no live group
        for step in plan:
            if step.records:
                consumer.seek(TopicPartition(kafka.topic, step.partition), step.start)
        remaining = dict(ends)
        last_progress = time.monotonic()
        with Progress("replay", total=sum(s.records for s in plan)) as progress:
            while remaining:
                batch = consumer.poll(timeout_ms=settings.poll_timeout_ms)
                futures = []
                next_offsets: dict[Any, int] = {}
                for tp, records in batch.items():
                    for record in records:
                        if tp not in remaining or record.offset >= remaining[tp]:
                            break
                        for topic, key, value in processor(record):
                            futures.append(producer.send(topic, key=key, value=value))
                            outputs_by_topic[topic] = outputs_by_topic.get(topic, 0) + 1
                        next_offsets[tp] = record.offset + 1
                        records_read += 1
                        progress.advance()
                producer.flush()
                for future in futures:
                    future.get(timeout=30)  # raise if any output was not acknowledged
                if next_offsets:
                    consumer.commit(
                        {tp: OffsetAndMetadata(o, "", -1) for tp, o in next_offsets.items()}
                    )
                    last_progress = time.monotonic()
                # Position, not the last record: transaction markers also take offsets.
                for tp in list(remaining):
                    if consumer.position(tp) >= remaining[tp]:
                        consumer.pause(tp)
                        del remaining[tp]
                if time.monotonic() - last_progress > idle_timeout_s:
                    stuck = {
                        tp.partition: (consumer.position(tp), e) for tp, e in remaining.items()
                    }
                    raise TimeoutError(
                        f"replay made no progress for {idle_timeout_s:.0f} s; "
                        f"partition: (position, end) = {stuck}"
                    )
    finally:
        producer.close(timeout=30)
        consumer.close()
    summary = ", ".join(f"{topic}: {count}" for topic, count in sorted(outputs_by_topic.items()))
    print(f"done: {records_read} records replayed -> {summary or 'no outputs'}", file=out)
    return BoundedResult(records_read, outputs_by_topic)


# --- command line -----------------------------------------------------------------------


def _default_of(setting: str) -> str:
    """ "default: $CHAFF_X or value", read from the settings so the help cannot go stale."""
    spec = next(spec for spec in dataclasses.fields(Settings) if spec.name == setting)
    return f"default: ${spec.metadata['env']} or {spec.default!r}"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="reprocess the raw topic from an offset, a time or a duration ago",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    start = parser.add_argument_group("where to start (one of)")
    start_choice = start.add_mutually_exclusive_group(required=True)
    start_choice.add_argument(
        "--from-offset",
        action="append",
        metavar="[P:]OFFSET",
        help="offset per partition (repeat or comma-separate: 0:1200,1:900) or one for all",
    )
    start_choice.add_argument("--from-time", metavar="RFC3339", help="e.g. 2026-11-24T06:00:00Z")
    start_choice.add_argument("--since", metavar="DURATION", help="e.g. 6h, 30m, 1h30m, 2d")

    mode = parser.add_argument_group("mode (one of)")
    mode_choice = mode.add_mutually_exclusive_group(required=True)
    mode_choice.add_argument(
        "--reset-group", action="store_true", help="move the live group's committed offsets"
    )
    mode_choice.add_argument(
        "--bounded", action="store_true", help="re-read [from, to) into output topics and stop"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="with --reset-group: print the plan, change nothing"
    )

    bounded = parser.add_argument_group("--bounded options")
    stop_choice = bounded.add_mutually_exclusive_group()
    stop_choice.add_argument(
        "--to-offset",
        action="append",
        metavar="[P:]OFFSET",
        help="stop before this offset per partition (as --from-offset; default: the end now)",
    )
    stop_choice.add_argument(
        "--to-time", metavar="RFC3339", help="stop before the first record at or after this time"
    )
    stop_choice.add_argument("--until", metavar="DURATION", help="stop this long before now")
    bounded.add_argument(
        "--replay-group",
        help="consumer group of the replay (default: <group>-replay-<UTC timestamp>)",
    )
    bounded.add_argument("--articles-topic", help=_default_of("articles_topic"))
    bounded.add_argument("--rejects-topic", help=_default_of("rejects_topic"))
    bounded.add_argument("--dead-letter-topic", help=_default_of("dead_letter_topic"))

    kafka = parser.add_argument_group("Kafka")
    kafka.add_argument("--bootstrap-servers", help=_default_of("bootstrap_servers"))
    kafka.add_argument("--raw-topic", help="topic to replay; " + _default_of("raw_topic"))
    kafka.add_argument("--group-id", help="the live group; " + _default_of("group_id"))
    from worker.ops.logs import add_log_level_argument

    add_log_level_argument(parser)
    parser.set_defaults(handler=run_replay)


def run_replay(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    from worker.ops.logs import setup_logging

    out = out if out is not None else sys.stdout
    setup_logging(args.log_level)
    settings = Settings.from_env(
        bootstrap_servers=args.bootstrap_servers,
        raw_topic=args.raw_topic,
        group_id=args.group_id,
        articles_topic=args.articles_topic,
        rejects_topic=args.rejects_topic,
        dead_letter_topic=args.dead_letter_topic,
        log_level=args.log_level,
    )
    now = time.time()
    try:
        start = position_from_args(args.from_offset, args.from_time, args.since, now)
        stop = position_from_args(args.to_offset, args.to_time, args.until, now)
    except ValueError as error:
        print(f"chaff replay: {error}", file=sys.stderr)
        return 2
    assert start is not None  # argparse requires one of the start flags
    if args.reset_group and (stop is not None or args.replay_group):
        print(
            "chaff replay: --to-*/--until/--replay-group only apply to --bounded", file=sys.stderr
        )
        return 2
    if args.bounded and args.dry_run:
        print("chaff replay: --dry-run applies to --reset-group", file=sys.stderr)
        return 2

    from worker.stream.kafka_client import KafkaSetupError, check_connection

    try:
        check_connection(settings)
    except KafkaSetupError as error:
        print(f"chaff replay: {error}", file=sys.stderr)
        return error.exit_code
    kafka = ReplayKafka(settings, settings.raw_topic)
    try:
        if args.reset_group:
            return reset_group(kafka, settings.group_id, start, args.dry_run, out)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        replay_group = args.replay_group or f"{settings.group_id}-replay-{stamp}"
        bounded_replay(
            settings, kafka, start, stop, replay_group, stream_record_processor(settings), out
        )
        return 0
    except ValueError as error:
        print(f"chaff replay: {error}", file=sys.stderr)
        return 2
    finally:
        kafka.close()
