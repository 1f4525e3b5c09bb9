"""`chaff topics create`: the four topics, with partitions, retention and sizes that fit.

- raw: 7 days of retention, so a model change can be replayed over the last week;
- articles: compacted by page id (the newest record of a page wins: replays and
  duplicates collapse), plus 30 days of retention as a floor for compaction;
- rejects and dead letters: 30 days, for audits and re-drives.
Every topic accepts records up to 8 MiB, above the worker's default page limit.
Creating is idempotent: topics that exist are reported and left as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from worker.config import Settings
from worker.stream.kafka_client import client_options

DAY_MS = 24 * 3600 * 1000
MAX_MESSAGE_BYTES = str(8 * 1024 * 1024)


@dataclass(frozen=True)
class TopicPlan:
    name: str
    partitions: int
    config: Mapping[str, str]


def plan_topics(settings: Settings, partitions: int) -> list[TopicPlan]:
    size = {"max.message.bytes": MAX_MESSAGE_BYTES}
    plans = [
        TopicPlan(settings.raw_topic, partitions, {"retention.ms": str(7 * DAY_MS), **size}),
        TopicPlan(
            settings.articles_topic,
            partitions,
            {"cleanup.policy": "compact,delete", "retention.ms": str(30 * DAY_MS), **size},
        ),
        TopicPlan(settings.rejects_topic, partitions, {"retention.ms": str(30 * DAY_MS), **size}),
        TopicPlan(
            settings.dead_letter_topic, partitions, {"retention.ms": str(30 * DAY_MS), **size}
        ),
    ]
    if settings.site_memory == "on":  # its changelog: each site's last profile, compacted
        compact = {"cleanup.policy": "compact", **size}
        plans.append(TopicPlan(settings.site_memory_topic, partitions, compact))
    return plans


def create_topics(
    settings: Settings, partitions: int, replication_factor: int
) -> list[tuple[str, str]]:
    """Create what is missing; returns (topic, "created" | "exists") per topic."""
    admin = KafkaAdminClient(**client_options(settings), client_id="chaff-topics")
    try:
        existing = set(admin.list_topics())
        results = []
        for plan in plan_topics(settings, partitions):
            if plan.name in existing:
                results.append((plan.name, "exists"))
                continue
            topic = NewTopic(
                plan.name, plan.partitions, replication_factor, topic_configs=dict(plan.config)
            )
            try:
                admin.create_topics([topic])
                results.append((plan.name, "created"))
            except TopicAlreadyExistsError:  # another worker created it meanwhile
                results.append((plan.name, "exists"))
        return results
    finally:
        admin.close()
