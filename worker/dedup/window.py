"""The bounded window of a table partition: which keys to evict, by count and by age.

Each faust table partition keeps its keys in arrival order with the article time of each.
A key leaves the window when the partition holds more than `max_entries`, or when its
article time is more than `max_age_ms` behind the newest one the partition has seen
(article time, not the wall clock: a job catching up after a day off evicts what the
stream says is old, and the same input evicts the same keys).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable


class WindowIndex:
    def __init__(self, max_entries: int, max_age_ms: int) -> None:
        if max_entries <= 0 or max_age_ms <= 0:
            raise ValueError("a window needs max_entries > 0 and max_age_ms > 0")
        self.max_entries = max_entries
        self.max_age_ms = max_age_ms
        self._keys: dict[int, OrderedDict[str, int]] = {}
        self._newest: dict[int, int] = {}

    def __contains__(self, partition: int) -> bool:
        return partition in self._keys

    def load(self, partition: int, entries: Iterable[tuple[str, int]]) -> None:
        """(Re)build a partition's index from its table rows (key, article time)."""
        ordered = sorted(entries, key=lambda entry: (entry[1], entry[0]))
        self._keys[partition] = OrderedDict(ordered)
        self._newest[partition] = max((t for _, t in ordered), default=0)

    def drop(self, partition: int) -> list[str]:
        """Forget a partition (revoked); its keys, to free their rows."""
        self._newest.pop(partition, None)
        return list(self._keys.pop(partition, {}))

    def add(self, partition: int, key: str, timestamp_ms: int) -> None:
        keys = self._keys.setdefault(partition, OrderedDict())
        if key not in keys:
            keys[key] = timestamp_ms
        self._newest[partition] = max(self._newest.get(partition, 0), timestamp_ms)

    def discard(self, partition: int, key: str) -> None:
        self._keys.get(partition, OrderedDict()).pop(key, None)

    def evict(self, partition: int) -> list[str]:
        """Remove and return the keys past the window, oldest first."""
        keys = self._keys.get(partition)
        if not keys:
            return []
        cutoff = self._newest[partition] - self.max_age_ms
        evicted = []
        while keys:
            oldest, timestamp = next(iter(keys.items()))
            if len(keys) <= self.max_entries and timestamp >= cutoff:
                break
            keys.popitem(last=False)
            evicted.append(oldest)
        return evicted

    def size(self) -> int:
        return sum(len(keys) for keys in self._keys.values())
