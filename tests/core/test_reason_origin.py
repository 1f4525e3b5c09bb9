"""Where a segment's reasons come from (classify.reason_origin) and the page's cut in the
verdict: what `chaff inspect` reports as rule hits, the cut and the neighbours' tips."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from test_classify_comments import ARTICLE_LIKE_COMMENT, blog_post

from worker.core.article_start import REASON as HEADLINE_REASON
from worker.core.classify import classify_page, reason_origin
from worker.core.decision import ALWAYS_KEPT
from worker.core.declared_body import REASON as OUTSIDE_BODY_REASON
from worker.core.features import feature_names
from worker.core.reasons_text import describe
from worker.core.verdict import ContentType, PageVerdict

REPO = Path(__file__).parents[2]
SEED = REPO / "seeds" / "000_bd0859deabb9f25c.txt"
FIXTURE_PAGES = sorted((REPO / "tests" / "fixtures" / "wcxb" / "html").glob("*.html.gz"))[:12]


def test_the_seed_feed_is_a_rule_hit_and_the_article_is_not() -> None:
    verdict = classify_page(SEED.read_text(encoding="utf-8"), "text/plain")
    feed = [s for s in verdict.segments if s.text.endswith(" -")]
    assert len(feed) >= 15
    assert all(reason_origin(s.reasons[0]) == "rule" for s in feed)
    assert all(s.reasons[0].startswith("in a feed of ") for s in feed)
    kept = verdict.article_segments
    # The only rule among the kept lines is the one that keeps the headline.
    assert kept[0].text.startswith("US warns Iraq") and kept[0].reasons[0] == HEADLINE_REASON
    assert kept and not any(reason_origin(r) == "rule" for s in kept[1:] for r in s.reasons)


def test_a_comment_section_is_a_rule_hit() -> None:
    verdict = classify_page(blog_post(), "text/html")
    thread = [s for s in verdict.segments if "twenty years" in s.text]
    assert thread and all(reason_origin(s.reasons[0]) == "rule" for s in thread)


def test_a_held_back_comment_thread_says_so() -> None:
    # No heading that opens a comment section: the cut holds the thread back by its container.
    # (as many replies as test_classify_comments needs for the cut to reach under them)
    page = blog_post(heading="", comment=ARTICLE_LIKE_COMMENT, count=45)
    verdict = classify_page(page, "text/html")
    thread = [s for s in verdict.segments if "twenty years" in s.text]
    assert len(thread) == 45 and all(s.label == "junk" for s in thread)
    # Held back: those the cut would have kept (the thread's best-scoring replies).
    held = [s for s in verdict.segments if reason_origin(s.reasons[0]) == "held back"]
    assert held and all(s in thread and s.score < ALWAYS_KEPT for s in held)
    # Nothing opened a comment section: a reply the hold does not take (the model scores it
    # 0.5 or more) sits outside the article body the page names, and goes by that rule.
    rules = {r for s in verdict.segments for r in s.reasons if reason_origin(r) == "rule"}
    assert rules <= {OUTSIDE_BODY_REASON}


@pytest.mark.parametrize("feature", feature_names("text/html") + feature_names("text/plain"))
def test_no_feature_reads_as_another_stage(feature: str) -> None:
    for value in (0.0, 0.3, 1.0, 2.5, 7.0):
        assert reason_origin(describe(feature, value)) == "features", (feature, value)


def _pages() -> list[tuple[str, ContentType]]:
    pages: list[tuple[str, ContentType]] = [(SEED.read_text(encoding="utf-8"), "text/plain")]
    pages += [
        (gzip.decompress(p.read_bytes()).decode("utf-8", "replace"), "text/html")
        for p in FIXTURE_PAGES
    ]
    pages.append((blog_post(), "text/html"))
    return pages


@pytest.mark.parametrize("index", range(len(FIXTURE_PAGES) + 2))
def test_the_cut_in_the_verdict_is_the_one_that_decided(index: int) -> None:
    body, content_type = _pages()[index]
    verdict: PageVerdict = classify_page(body, content_type)
    assert verdict.cut is not None
    assert verdict.cut == 2.0 or 0.0 <= verdict.cut <= ALWAYS_KEPT
    for segment in verdict.segments:
        origins = [reason_origin(r) for r in segment.reasons]
        if segment.label == "article" and segment.reasons[0] == HEADLINE_REASON:
            # A headline, kept by a rule wherever the cut lay (article_start.py).
            assert "cut" not in origins
        elif segment.label == "article":
            # Scores are rounded to 4 places in the verdict.
            assert segment.score >= verdict.cut - 1e-4
            assert ("cut" in origins) == (segment.score < ALWAYS_KEPT - 1e-4) or (
                abs(segment.score - ALWAYS_KEPT) <= 1e-4
            )
            assert "rule" not in origins and "held back" not in origins
        elif "rule" not in origins and "held back" not in origins:
            assert segment.score < verdict.cut + 1e-4
