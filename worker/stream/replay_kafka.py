"""The few Kafka calls `chaff replay` (replay.py) needs, in one place: the raw topic's
partitions and their offsets (first, end, by time), the live group's members and committed
offsets, and moving those offsets. kafka-python is imported lazily."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worker.config import Settings


class ReplayKafka:
    """The few Kafka calls replay needs, in one place (kafka-python imported lazily)."""

    def __init__(self, settings: Settings, topic: str) -> None:
        from kafka import KafkaConsumer, TopicPartition
        from kafka.admin import KafkaAdminClient

        from worker.stream.kafka_client import client_options

        self.topic = topic
        self._topic_partition = TopicPartition
        options = client_options(settings)
        self.admin = KafkaAdminClient(**options, client_id="chaff-replay")
        # No group id: this consumer only looks offsets up, it never joins or commits.
        self.lookup = KafkaConsumer(**options, group_id=None, enable_auto_commit=False)
        found = self.lookup.partitions_for_topic(topic)
        if not found:
            self.close()
            raise SystemExit(f"chaff replay: topic {topic!r} does not exist")
        self.partitions = sorted(found)

    def _tp(self, partition: int) -> Any:
        return self._topic_partition(self.topic, partition)

    def beginning(self) -> dict[int, int]:
        tps = [self._tp(p) for p in self.partitions]
        return {tp.partition: int(o) for tp, o in self.lookup.beginning_offsets(tps).items()}

    def end(self) -> dict[int, int]:
        tps = [self._tp(p) for p in self.partitions]
        return {tp.partition: int(o) for tp, o in self.lookup.end_offsets(tps).items()}

    def offsets_for_times(self, times: dict[int, int]) -> dict[int, int | None]:
        answer = self.lookup.offsets_for_times({self._tp(p): ms for p, ms in times.items()})
        return {
            tp.partition: (None if found is None else int(found.offset))
            for tp, found in answer.items()
        }

    def live_members(self, group: str) -> list[str]:
        described = self.admin.describe_groups([group]).get(group, {})
        return [
            f"{member.get('client_id')}@{member.get('client_host')}"
            for member in described.get("members") or []
        ]

    def committed(self, group: str) -> dict[int, int]:
        offsets = self.admin.list_group_offsets(group).get(group, {})
        return {
            tp.partition: int(meta.offset)
            for tp, meta in offsets.items()
            if tp.topic == self.topic and meta.offset >= 0
        }

    def commit_group_offsets(self, group: str, offsets: Mapping[int, int], note: str) -> None:
        """Commit as a non-member (generation -1): the broker accepts it only while the
        group is empty, so a worker that started since the check makes this fail loudly."""
        from kafka.errors import NoError
        from kafka.structs import OffsetAndMetadata

        request = {self._tp(p): OffsetAndMetadata(o, note, -1) for p, o in offsets.items()}
        result = self.admin.alter_group_offsets(group, request)
        failed = {
            tp.partition: error.__name__ for tp, error in result.items() if error is not NoError
        }
        if failed:
            raise RuntimeError(f"the broker refused the new offsets for partitions {failed}")

    def close(self) -> None:
        self.lookup.close()
        self.admin.close()
