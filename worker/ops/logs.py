"""Structured logs: one JSON object per line, with the source record on every line about one.

Adopt it with one call at process start::

    from worker.ops.logs import setup_logging, record_logger
    setup_logging(args.log_level)            # flag, else CHAFF_LOG_LEVEL, else INFO
    log = record_logger(logger, topic, partition, offset)
    log.warning("dead letter: %s", reason)   # -> {"topic": ..., "partition": ..., "offset": ...}

Any `extra={...}` keys also become top-level JSON fields.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime
from typing import IO, Any

import orjson

LOG_LEVEL_ENV = "CHAFF_LOG_LEVEL"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# Attributes every LogRecord has; anything else on a record came from `extra=` and is emitted.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line: ts, level, logger, message, then the extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: an odd extra value (bytes, an exception) must never break logging.
        return orjson.dumps(entry, default=str).decode()


def resolve_level(level: str | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Flag value, else $CHAFF_LOG_LEVEL, else INFO; an unknown name is an error."""
    environ = os.environ if environ is None else environ
    name = (level or environ.get(LOG_LEVEL_ENV) or "INFO").strip().upper()
    if name not in LEVELS:
        raise SystemExit(f"chaff: unknown log level {name!r}; use one of {', '.join(LEVELS)}")
    return int(getattr(logging, name))


def setup_logging(level: str | None = None, stream: IO[str] | None = None) -> None:
    """Route every logger through one JSON handler on stderr (idempotent: replaces handlers)."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(resolve_level(level))
    # kafka-python is chatty at INFO (every connect/rebalance step); keep its warnings only.
    logging.getLogger("kafka").setLevel(max(root.level, logging.WARNING))
    # Its I/O thread warns whenever one of its tasks waited >100 ms, which in a worker that
    # holds the GIL while classifying is every busy second: a symptom, not news.
    logging.getLogger("kafka.net.selector").setLevel(max(root.level, logging.ERROR))


def add_log_level_argument(parser: argparse.ArgumentParser) -> None:
    """`--log-level`, defaulting to None so that $CHAFF_LOG_LEVEL applies when absent."""
    parser.add_argument(
        "--log-level",
        choices=LEVELS,
        type=str.upper,
        default=None,
        help=f"{', '.join(LEVELS[:-1])} or {LEVELS[-1]} (default: ${LOG_LEVEL_ENV} or INFO)",
    )


class RecordLogger(logging.LoggerAdapter[logging.Logger]):
    """A logger that stamps topic/partition/offset (and any other context) on every line."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        context = dict(self.extra or {})
        context.update(kwargs.get("extra") or {})
        kwargs["extra"] = context
        return msg, kwargs


def record_logger(
    logger: logging.Logger, topic: str, partition: int, offset: int, **context: Any
) -> RecordLogger:
    """The logger to use for everything said about the record at topic/partition/offset."""
    return RecordLogger(
        logger, {"topic": topic, "partition": partition, "offset": offset, **context}
    )
