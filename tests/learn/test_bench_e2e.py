"""The benchmark's own arithmetic (the broker runs are the benchmark itself, not a test)."""

from pathlib import Path

import orjson
import pytest

from worker.learn.bench_e2e import _percentile, _rss_summary, raw_records

FIXTURE = Path(__file__).parents[1] / "fixtures" / "wcxb"


def test_percentiles_pick_nearest_ranks() -> None:
    values = list(range(1, 101))
    assert _percentile(values, 50) == 51.0
    assert _percentile(values, 99) == 99.0
    assert _percentile([], 99) is None


def test_rss_growth_compares_medians_of_the_first_and_last_windows() -> None:
    samples = [(float(t), 100.0) for t in range(60)] + [(float(t), 110.0) for t in range(60, 120)]
    summary = _rss_summary(samples)
    assert summary["start_mb"] == 100.0 and summary["end_mb"] == 110.0
    assert summary["growth_percent"] == pytest.approx(10.0)
    assert summary["max_mb"] == 110.0


def test_raw_records_alternate_html_and_text_and_repeat_to_the_count() -> None:
    records = [orjson.loads(r) for r in raw_records(FIXTURE, 100)]
    assert len(records) == 100
    assert records[0]["content_type"] == "text/html" and "content_type" not in records[1]
    assert records[0]["url"] + ".txt" == records[1]["url"]
    assert records[70] == records[0]  # 35 pages, two records each: the cycle restarts
