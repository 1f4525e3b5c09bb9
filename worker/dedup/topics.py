"""The dedup job's topics, created before faust starts.

faust creates the topics of an app as it starts, but a second process started at the same
moment subscribes while they are still missing, ignores them, and then waits forever for
records it is never assigned (seen in `chaff dedup-bench` with two processes). Creating
them first, idempotently, leaves faust nothing to race on.
"""

from __future__ import annotations

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from worker.config import Settings
from worker.dedup.config import DedupConfig
from worker.stream.kafka_client import client_options

TABLES = ("signatures", "verdicts")
DAY_MS = 24 * 3600 * 1000


def dedup_topics(config: DedupConfig) -> dict[str, dict[str, str]]:
    """name -> topic configuration of every topic the job reads or writes but the input."""
    internal = {"retention.ms": str(7 * DAY_MS)}
    topics = {
        f"{config.app_id}-bands": internal,
        config.duplicates_topic: {"retention.ms": str(30 * DAY_MS)},
    }
    for table in TABLES:
        topics[f"{config.app_id}-{table}-changelog"] = {"cleanup.policy": "compact"}
    return topics


def ensure_topics(config: DedupConfig, settings: Settings) -> list[str]:
    """Create the missing ones; their names."""
    admin = KafkaAdminClient(**client_options(settings), client_id="chaff-dedup-topics")
    created = []
    try:
        existing = set(admin.list_topics())
        for name, topic_config in dedup_topics(config).items():
            if name in existing:
                continue
            topic = NewTopic(
                name, config.partitions, config.replication_factor, topic_configs=topic_config
            )
            try:
                admin.create_topics([topic])
                created.append(name)
            except TopicAlreadyExistsError:  # another process created it meanwhile
                pass
    finally:
        admin.close()
    return created
