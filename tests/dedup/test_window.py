"""The bounded windows of the dedup tables: by count and by article time."""

from __future__ import annotations

import pytest

from worker.dedup.window import WindowIndex

HOUR_MS = 3_600_000


def test_count_bound_evicts_the_oldest_of_the_partition_only() -> None:
    window = WindowIndex(max_entries=3, max_age_ms=HOUR_MS)
    for n in range(5):
        window.add(0, f"a{n}", 1000 + n)
    window.add(1, "b0", 1000)
    assert window.evict(0) == ["a0", "a1"]
    assert window.evict(1) == []
    assert window.size() == 4


def test_age_bound_is_article_time_behind_the_newest() -> None:
    window = WindowIndex(max_entries=100, max_age_ms=HOUR_MS)
    window.add(0, "old", 0)
    window.add(0, "mid", HOUR_MS // 2)
    assert window.evict(0) == []
    window.add(0, "new", HOUR_MS + 1)
    assert window.evict(0) == ["old"]
    window.add(0, "mid", 2 * HOUR_MS)  # a key already in keeps its place and time
    window.add(0, "newest", 2 * HOUR_MS)
    assert window.evict(0) == ["mid"]
    assert window.evict(0) == []


def test_load_rebuilds_a_partition_in_time_order_and_drop_forgets_it() -> None:
    window = WindowIndex(max_entries=2, max_age_ms=HOUR_MS)
    window.load(3, [("c", 30), ("a", 10), ("b", 20)])
    assert 3 in window
    assert window.evict(3) == ["a"]
    assert sorted(window.drop(3)) == ["b", "c"]
    assert 3 not in window and window.size() == 0
    with pytest.raises(ValueError):
        WindowIndex(0, HOUR_MS)
