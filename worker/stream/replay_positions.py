"""Where a replay starts and stops: offsets, timestamps and durations parsed from the
command line, and the per-partition plan they resolve to against what the log still has.
Plain values, no Kafka: `chaff replay` (replay.py) reads the log ends and commits through
replay_kafka.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

ALL_PARTITIONS = -1

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


# --- where to start / stop --------------------------------------------------------------


@dataclass(frozen=True)
class Offsets:
    """Explicit offsets by partition; ALL_PARTITIONS (-1) applies to every partition."""

    by_partition: Mapping[int, int]

    def describe(self) -> str:
        return ", ".join(
            f"{'all' if p == ALL_PARTITIONS else p}:{o}" for p, o in self.by_partition.items()
        )


@dataclass(frozen=True)
class Timestamp:
    """The first record at or after this time (Unix milliseconds)."""

    epoch_ms: int

    def describe(self) -> str:
        return datetime.fromtimestamp(self.epoch_ms / 1000, UTC).isoformat()


Position = Offsets | Timestamp


def parse_duration(text: str) -> float:
    """'6h', '30m', '1h30m', '2d', '45s', '500ms' -> seconds."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION_PART.findall(compact)
    if not compact or "".join(number + unit for number, unit in parts) != compact:
        raise ValueError(f"not a duration: {text!r} (examples: 6h, 30m, 1h30m, 2d)")
    seconds = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
    if seconds <= 0:
        raise ValueError(f"duration must be positive: {text!r}")
    return seconds


def parse_timestamp(text: str) -> Timestamp:
    """RFC 3339 ('2026-11-24T06:00:00Z', '...+01:00'); the offset is required, no guessing."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"timestamp needs a UTC offset ('Z' or '+01:00'): {text!r}")
    return Timestamp(round(moment.timestamp() * 1000))


def parse_offsets(specs: Iterable[str]) -> Offsets:
    """['0:1200', '1:900'] or ['1200'] (every partition) -> Offsets."""
    by_partition: dict[int, int] = {}
    for spec in specs:
        for item in spec.split(","):
            partition_text, _, offset_text = item.strip().rpartition(":")
            try:
                partition = int(partition_text) if partition_text else ALL_PARTITIONS
                offset = int(offset_text)
            except ValueError:
                raise ValueError(
                    f"not an offset spec: {item!r} (PARTITION:OFFSET or OFFSET)"
                ) from None
            if offset < 0 or (partition < 0 and partition != ALL_PARTITIONS):
                raise ValueError(f"negative partition or offset: {item!r}")
            if partition in by_partition:
                raise ValueError(f"partition {partition} given twice")
            by_partition[partition] = offset
    if ALL_PARTITIONS in by_partition and len(by_partition) > 1:
        raise ValueError("give either one OFFSET for all partitions or PARTITION:OFFSET pairs")
    return Offsets(by_partition)


def position_from_args(
    offsets: list[str] | None, timestamp: str | None, ago: str | None, now: float
) -> Position | None:
    if offsets:
        return parse_offsets(offsets)
    if timestamp:
        return parse_timestamp(timestamp)
    if ago:
        return Timestamp(round((now - parse_duration(ago)) * 1000))
    return None


# --- the plan ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PartitionPlan:
    partition: int
    current: int | None  # committed offset of the group (reset) or None
    start: int
    end: int  # exclusive; for --reset-group the partition's end when planned

    def describe(self, topic: str, bounded: bool) -> str:
        if bounded:
            return f"{topic}[{self.partition}]: [{self.start}, {self.end}) = {self.records} records"
        current = "none" if self.current is None else str(self.current)
        behind = self.end - self.start
        return (
            f"{topic}[{self.partition}]: {current} -> {self.start} ({behind} records to reprocess)"
        )

    @property
    def records(self) -> int:
        return max(self.end - self.start, 0)


def resolve(
    position: Position,
    partitions: list[int],
    beginning: Mapping[int, int],
    end: Mapping[int, int],
    offsets_for_times: Callable[[dict[int, int]], Mapping[int, int | None]],
) -> dict[int, int]:
    """Offsets for `position` on each partition it names, clamped to what the log still has.

    A timestamp later than every record resolves to the end; an offset below the log start
    (deleted by retention) to the log start.
    """
    if isinstance(position, Offsets):
        wanted = position.by_partition
        if ALL_PARTITIONS in wanted:
            raw = dict.fromkeys(partitions, wanted[ALL_PARTITIONS])
        else:
            unknown = sorted(set(wanted) - set(partitions))
            if unknown:
                raise ValueError(f"no such partition(s): {unknown}; the topic has {partitions}")
            raw = dict(wanted)
    else:
        found = offsets_for_times(dict.fromkeys(partitions, position.epoch_ms))
        raw = {p: (end[p] if found.get(p) is None else int(found[p] or 0)) for p in partitions}
    return {p: min(max(offset, beginning[p]), end[p]) for p, offset in raw.items()}
