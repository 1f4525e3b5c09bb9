"""Site memory in the verdict: the rule on its own (hand-made feature tables), then through
classify_page on several pages of one real site (tests/fixtures/site-memory)."""

from pathlib import Path

import numpy as np
import pytest

from worker.core.classify import classify_page, reason_origin
from worker.core.features import feature_names
from worker.core.site_memory import MemorySettings, SiteProfile, url_fingerprint
from worker.core.site_rule import SiteLookup, memory_rejections, reason, threshold
from worker.learn.dataset import LabelledPage, load_pages
from worker.learn.scoring import word_scores

HTML = feature_names("text/html")
TEXT = feature_names("text/plain")
SETTINGS = MemorySettings()
FIXTURE = Path(__file__).parents[1] / "fixtures" / "site-memory"


def _table(names: tuple[str, ...], words: list[int], title: int | None = None) -> np.ndarray:
    table = np.zeros((len(words), len(names)), dtype=np.float32)
    table[:, names.index("log_words")] = np.log1p(words)
    if title is not None:
        table[title, names.index("in_title")] = 1.0
    return table


def test_the_reason_says_on_how_many_pages() -> None:
    assert reason(5, 8) == "also on 5 of this site's last 8 pages"
    assert reason(1, 1) == "also on this site's last page"
    assert reason_origin(reason(5, 8)) == reason_origin(reason(1, 1)) == "rule"


def test_the_threshold_is_a_share_of_the_window_and_at_least_one_page() -> None:
    assert [threshold(n, SETTINGS) for n in (1, 2, 3, 8)] == [1, 1, 2, 4]


def test_kept_text_seen_on_enough_pages_is_rejected_and_nothing_else() -> None:
    features = _table(HTML, [3, 200, 2, 150, 4])
    keep = np.array([True, True, True, True, False])
    counts = np.array([8, 0, 3, 1, 8])
    rejected = memory_rejections(features, keep, counts, 8, SETTINGS)
    assert rejected == {0: "also on 8 of this site's last 8 pages"}


def test_the_title_is_never_rejected() -> None:
    features = _table(HTML, [6, 300, 3], title=0)
    keep = np.array([True, True, True])
    rejected = memory_rejections(features, keep, np.array([2, 0, 2]), 2, SETTINGS)
    assert list(rejected) == [2]


def test_on_a_text_dump_the_first_kept_line_stands_for_the_headline() -> None:
    """Seen on some of the pages (another page's teaser, a paginated article): kept."""
    features = _table(TEXT, [9, 6, 300, 3])
    keep = np.array([False, True, True, True])
    rejected = memory_rejections(features, keep, np.array([3, 2, 0, 3]), 3, SETTINGS)
    assert list(rejected) == [3]


def test_a_first_kept_line_on_every_page_counted_is_the_sites_not_a_headline() -> None:
    features = _table(TEXT, [9, 6, 300, 3])
    keep = np.array([False, True, True, True])
    rejected = memory_rejections(features, keep, np.array([3, 3, 0, 3]), 3, SETTINGS)
    assert list(rejected) == [1, 3]


def test_the_title_is_kept_even_when_every_page_counted_had_it() -> None:
    features = _table(HTML, [6, 300, 3], title=0)
    keep = np.array([True, True, True])
    rejected = memory_rejections(features, keep, np.array([3, 0, 3]), 3, SETTINGS)
    assert list(rejected) == [2]


def test_a_page_seen_before_is_not_the_template() -> None:
    """Mostly seen before: the same article again (another URL, a syndicated copy)."""
    features = _table(HTML, [200, 150, 5])
    keep = np.array([True, True, True])
    assert memory_rejections(features, keep, np.array([1, 1, 1]), 1, SETTINGS) == {}


def test_a_first_seen_site_changes_nothing() -> None:
    features = _table(HTML, [5, 200])
    assert memory_rejections(features, np.array([True, True]), np.zeros(2, int), 0, SETTINGS) == {}


@pytest.fixture(scope="module")
def site_pages() -> list[LabelledPage]:
    return [p for p in load_pages(FIXTURE, "html") if p.site == "eater.com"]


def _url(page: LabelledPage) -> int:
    return url_fingerprint(f"https://eater.com/{page.page_id}")


def test_the_first_page_of_a_site_gets_todays_verdict_exactly(
    site_pages: list[LabelledPage],
) -> None:
    page = site_pages[0]
    lookup = SiteLookup(None, _url(page), SETTINGS)
    with_memory = classify_page(page.body("html"), "text/html", None, lookup.rejections)
    assert with_memory == classify_page(page.body("html"), "text/html")
    assert len(lookup.fingerprints) == len(with_memory.segments)
    assert lookup.remembered().pages_seen == 1


def test_after_three_pages_of_the_site_its_template_goes(site_pages: list[LabelledPage]) -> None:
    profile: SiteProfile | None = None
    for page in site_pages[:3]:
        lookup = SiteLookup(profile, _url(page), SETTINGS)
        classify_page(page.body("html"), "text/html", None, lookup.rejections)
        profile = lookup.remembered()
    last = site_pages[3]
    lookup = SiteLookup(profile, _url(last), SETTINGS)
    with_memory = classify_page(last.body("html"), "text/html", None, lookup.rejections)
    without = classify_page(last.body("html"), "text/html")
    assert lookup.pages == 3 and lookup.hits > 0
    rejected = [
        s for s in with_memory.rejected_segments if "this site's last 3 pages" in s.reasons[0]
    ]
    assert rejected, "memory rejected nothing"
    for segment in rejected:  # memory only takes away what the page's own cut kept
        assert without.segments[segment.position].label == "article"
    gain = (
        word_scores(with_memory.article_text, last.main_content)[2]
        - word_scores(without.article_text, last.main_content)[2]
    )
    assert gain > 0.05


def test_a_recrawl_of_the_same_url_keeps_its_article(site_pages: list[LabelledPage]) -> None:
    page = site_pages[0]
    first = SiteLookup(None, _url(page), SETTINGS)
    verdict = classify_page(page.body("html"), "text/html", None, first.rejections)
    again = SiteLookup(first.remembered(), _url(page), SETTINGS)
    assert classify_page(page.body("html"), "text/html", None, again.rejections) == verdict
    assert again.pages == 0
