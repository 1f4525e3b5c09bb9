"""The thin adapter from a kafka-python ConsumerRecord to the pure pipeline in worker.core.

The live loop (`chaff run`) and `chaff replay` both call `process_record`, so a replay
reproduces exactly what the worker would have published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from worker import __version__
from worker.config import Settings
from worker.core.classify import classify_page
from worker.core.records import (
    Limits,
    OutputKind,
    ProcessedRecord,
    Source,
    StageMark,
    process_raw_record,
)


@dataclass(frozen=True, slots=True)
class Output:
    topic: str
    key: bytes
    value: bytes


def topic_for(kind: OutputKind, settings: Settings) -> str:
    return {
        "article": settings.articles_topic,
        "reject": settings.rejects_topic,
        "dead_letter": settings.dead_letter_topic,
    }[kind]


def source_of(record: Any) -> Source:
    timestamp = record.timestamp if record.timestamp is not None and record.timestamp >= 0 else None
    return Source(record.topic, record.partition, record.offset, timestamp, record.key)


def process_consumer_record(
    record: Any, settings: Settings, mark: StageMark | None = None
) -> ProcessedRecord:
    limits = Limits(settings.max_page_bytes, settings.max_output_bytes)
    return process_raw_record(
        record.value, source_of(record), classify_page, __version__, limits, mark=mark
    )


def outputs_of(processed: ProcessedRecord, settings: Settings) -> list[Output]:
    return [Output(topic_for(o.kind, settings), o.key, o.value) for o in processed.outputs]


def process_record(record: Any, settings: Settings) -> list[Output]:
    """The output records (topic, key, value) for one raw ConsumerRecord."""
    return outputs_of(process_consumer_record(record, settings), settings)
