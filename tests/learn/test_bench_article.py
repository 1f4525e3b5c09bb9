"""`python -m worker.learn.bench_article`: both builds are timed, and the build is left as
it was found."""

from __future__ import annotations

from pathlib import Path

from worker.core import classify, html_segments
from worker.core.classify import classify_page
from worker.learn.bench_article import _REPLACED, measure

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_both_builds_are_timed_and_the_build_is_restored() -> None:
    before = [getattr(module, name) for module, name in _REPLACED]
    figures = measure(FIXTURES / "wcxb", pages=4, rounds=2)
    for mode in ("text", "html"):
        assert len(figures[mode]["ratios"]) == 2
        assert figures[mode]["with_us"] > 0 and figures[mode]["without_us"] > 0
    assert [getattr(module, name) for module, name in _REPLACED] == before
    assert [module for module, _ in _REPLACED] == [html_segments, classify]
    page = (
        "<html><head><title>T</title></head><body><h1>T</h1><p>A sentence here.</p></body></html>"
    )
    assert classify_page(page, "text/html").metadata is not None
