"""`chaff bench classify`'s own bookkeeping; its numbers are the benchmark, not a test."""

from pathlib import Path

import pytest

from worker.core.verdict import ContentType
from worker.learn import bench

FIXTURE = Path(__file__).parents[1] / "fixtures" / "wcxb"


def test_every_round_classifies_new_str_objects() -> None:
    """A str keeps its UTF-8 once asked for it: rounds over the same objects would not pay
    for encoding the pages, as a worker does for every record."""
    bodies = ["<p>één</p>", "plain text, ‘quoted’", "\U0001f600 and \ud800"]
    seen: list[str] = []

    def extract(body: str, content_type: ContentType) -> None:
        seen.append(body)

    timed = bench._timed_pass(bodies, "text/plain", extract)
    assert timed.pages_per_second > 0 and timed.cpu_ms_per_page >= 0
    assert seen == bodies
    assert all(new is not old for new, old in zip(seen, bodies, strict=True))


def test_bench_reports_a_warm_up_and_every_round(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pinning would hold this whole test process, and every broker it starts, to one core.
    monkeypatch.setattr(bench, "_pin_to_one_core", lambda: None)
    figures = bench.bench_classify(FIXTURE, pages_per_mode=3, rounds=2, with_trafilatura=False)
    for mode in ("text", "html"):
        chaff = figures[mode]["chaff"]
        assert len(chaff["rounds"]) == 2 and min(chaff["rounds"]) > 0
        assert chaff["first_pass_pages_per_second"] > 0
        assert min(chaff["rounds"]) <= chaff["median_pages_per_second"] <= max(chaff["rounds"])
        cpu = chaff["cpu_ms_per_page_rounds"]
        assert len(cpu) == 2 and min(cpu) > 0
        assert min(cpu) <= chaff["median_cpu_ms_per_page"] <= max(cpu)
        assert "trafilatura" not in figures[mode]
    report = bench.format_bench(figures)
    assert "text   chaff" in report and "html   chaff" in report and "2 rounds" in report
    assert "CPU ms/page" in report
    assert figures["html_walk"] == "compiled" and "compiled HTML walk" in report
