"""The article body a page marks in its markup ("entry-content", "article-body"): on a
page about one item, what the cut kept outside it is dropped; on such a
page that declares an article, other pages' linked teaser cards are rejected
(declared_body.py)."""

from __future__ import annotations

import numpy as np
import pytest

from worker.core.classify import classify_page, reason_origin
from worker.core.declared_body import REASON, TEASER_REASON, linked_teasers, outside_declared_body
from worker.core.features import feature_names
from worker.core.html_segments import STRUCTURE_NAMES
from worker.core.html_tags import (
    ARTICLE_BODY_HINT,
    COMMENT_HINT,
    IN_ARTICLE,
    IN_ASIDE,
    IN_FOOTER,
    IN_HEADING,
    IN_LIST,
    IN_NAV,
    RELATED_HINT,
    hint_bits,
)
from worker.core.segments import segment_page

BODY = ARTICLE_BODY_HINT
_PARAGRAPH = (
    "<p>The council voted on Tuesday to expand the city's bicycle network by forty "
    "kilometres, part {i}, after a long debate about funding, parking and the safety of "
    "children on their way to school.</p>"
)
# Prose the model takes for the article's: it is as long and as plain.
_BIO = (
    "<p>Our columnist {i} has written about city life, local politics and the arts for many "
    "years, and she lives with her family in the old town, where she grows tomatoes on a "
    "small balcony.</p>"
)


def news_page(article: str, after: str, body_class: str = "", head: str = "") -> str:
    """A news page: its headline, the article in a div of `body_class`, then `after`."""
    return (
        f"<html><head><title>City expands bike network</title>{head}</head><body>"
        '<nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        f'<div class="main"><h1>City expands bike network</h1><div class="{body_class}">'
        f"{article}</div>{after}</div><footer>© 2012 The Paper</footer></body></html>"
    )


def page_with_bio(body_class: str) -> str:
    article = "".join(_PARAGRAPH.format(i=i) for i in range(6))
    bio = "".join(_BIO.format(i=i) for i in range(3))
    return news_page(article, f'<div class="bio">{bio}</div>', body_class)


def test_prose_outside_the_named_body_is_dropped_and_the_headline_kept() -> None:
    verdict = classify_page(page_with_bio("entry-content"), "text/html")
    assert verdict.page_kind == "one item"
    kept = [s.text for s in verdict.segments if s.label == "article"]
    assert kept[0] == "City expands bike network"
    assert sum("The council voted" in text for text in kept) == 6
    bio = [s for s in verdict.segments if "Our columnist" in s.text]
    assert len(bio) == 3
    assert all(s.label == "junk" and s.reasons[0] == REASON for s in bio)
    assert all(reason_origin(s.reasons[0]) == "rule" for s in bio)


def test_without_a_named_body_the_same_prose_is_kept() -> None:
    # The control: the model keeps the columnist's lines; the named body is what drops them.
    verdict = classify_page(page_with_bio("bd"), "text/html")
    bio = [s for s in verdict.segments if "Our columnist" in s.text]
    assert len(bio) == 3 and all(s.label == "article" for s in bio)


@pytest.mark.parametrize(
    ("class_and_id", "named"),
    [
        ("entry-content clearfix ", True),
        ("article__body js-body story", True),
        ("c-wrap postContent", True),  # lowered before the search
        ("entry ", True),  # a class of the one name, no id
        ("post post-1234", True),  # ... with an id
        ("entry hentry ", False),  # "entry" among other names: a listing's teasers have it
        ("content ", False),
        ("post-list ", False),
    ],
)
def test_which_class_and_id_names_an_article_body(class_and_id: str, named: bool) -> None:
    assert bool(hint_bits(class_and_id) & ARTICLE_BODY_HINT) is named


def _drop(bits: list[int], words: list[float], keep: list[bool]) -> list[int]:
    dropped = outside_declared_body(
        np.asarray(bits, dtype=np.int64), np.asarray(words), np.asarray(keep)
    )
    return np.flatnonzero(dropped).tolist()


def test_only_the_first_named_element_bounds_the_article() -> None:
    # heading, body x2, sidebar, a second named element (a teaser's), footer
    bits = [IN_HEADING, BODY, BODY, 0, BODY, 0]
    assert _drop(bits, [5, 100, 100, 30, 30, 5], [True] * 6) == [3, 4, 5]


def test_the_headings_above_the_body_stay_but_not_other_lines() -> None:
    bits = [0, IN_HEADING, BODY, BODY, IN_HEADING]
    assert _drop(bits, [10, 5, 100, 100, 5], [True] * 5) == [0, 4]


def test_a_body_with_under_a_fifth_of_the_kept_words_bounds_nothing() -> None:
    bits = [BODY, 0, 0]
    assert _drop(bits, [19, 50, 31], [True] * 3) == []
    assert _drop(bits, [20, 50, 30], [True] * 3) == [1, 2]
    # Only kept words count: the share is of what the cut kept.
    assert _drop(bits, [20, 50, 300], [True, True, False]) == [1]


def test_under_a_short_body_what_the_page_marks_as_not_the_article_goes() -> None:
    # A post of 19 words under a thread, a sidebar, related links, a menu and a footer:
    # the body bounds nothing, but what sits in those containers after it is dropped.
    bits = [BODY, COMMENT_HINT, IN_ASIDE, 0, RELATED_HINT | IN_LIST, IN_NAV, IN_FOOTER]
    assert _drop(bits, [19, 50, 31, 40, 10, 5, 5], [True] * 7) == [1, 2, 4, 5, 6]
    # Not above the body's start (a thread there is no thread under this post), and only
    # what the cut kept.
    bits = [COMMENT_HINT, IN_NAV, BODY, COMMENT_HINT, COMMENT_HINT]
    assert _drop(bits, [50, 5, 10, 50, 50], [True, True, True, True, False]) == [3]


def test_an_article_element_is_no_named_body() -> None:
    # A grid of <article> teaser cards is one run of them: taken for the body, it would
    # throw the article out (issue 17's example without og:type).
    assert _drop([IN_ARTICLE, 0, IN_ARTICLE, 0], [50, 10, 10, 10], [True] * 4) == []
    assert _drop([IN_ARTICLE, BODY, 0], [50, 50, 10], [True] * 3) == [0, 2]


def test_a_page_without_a_body_or_kept_words_loses_nothing() -> None:
    assert _drop([0, 0, IN_HEADING], [10, 10, 10], [True] * 3) == []
    assert _drop([BODY, 0], [10, 10], [False, False]) == []


# Issue 17's example: an article followed by a grid of other stories' cards, each card's
# headline and teaser inside one link.
_STORY = (
    "<p>The council voted on Tuesday to expand the city's bicycle network by forty "
    "kilometres, part {i}, after a long debate about funding, parking and the safety of "
    "children on their way to school. Officials said the first lanes would open in the "
    "spring and the rest within three years.</p>"
)
_CARD = (
    '<article class="item"><a href="/news/story-{i}/"><h4 class="item__hed">Headline of '
    'another story number {i} about something else</h4><p class="item__dek">One-sentence '
    "teaser of story {i}, which tells a reader just enough to make them click on it.</p>"
    "</a></article>"
)


def story_with_cards(head: str) -> str:
    story = "".join(_STORY.format(i=i) for i in range(9))
    cards = "".join(_CARD.format(i=i) for i in range(40))
    return news_page(story, f"<section class='river'>{cards}</section>", head=head)


def test_on_a_declared_article_the_linked_teaser_cards_are_rejected() -> None:
    verdict = classify_page(
        story_with_cards('<meta property="og:type" content="article">'), "text/html"
    )
    assert verdict.page_kind == "one item"
    cards = [s for s in verdict.segments if "story number" in s.text or "teaser of" in s.text]
    assert len(cards) == 80
    assert all(s.label == "junk" and s.reasons[0] == TEASER_REASON for s in cards)
    assert all(reason_origin(s.reasons[0]) == "rule" for s in cards)
    kept = [s.text for s in verdict.segments if s.label == "article"]
    assert sum("The council voted" in text for text in kept) == 9
    assert set(kept) <= {s.text for s in verdict.segments[:11]}  # the headline, the story


def test_on_a_page_that_declares_no_article_the_cards_are_left_to_the_model() -> None:
    # The control: the same page without og:type; the model keeps most cards (it did before
    # the rule: the grid holds more words than the article).
    verdict = classify_page(story_with_cards(""), "text/html")
    reasons = {s.reasons[0] for s in verdict.segments}
    assert TEASER_REASON not in reasons
    cards = [s for s in verdict.segments if "story number" in s.text or "teaser of" in s.text]
    assert sum(s.label == "article" for s in cards) > 40


def test_linked_teasers_reads_links_cards_position_and_the_declared_kind() -> None:
    names = feature_names("text/html")
    table = np.zeros((5, len(names)), dtype=np.float32)
    table[:, names.index("declares_article")] = 1.0
    table[:, names.index("link_density")] = [1.0, 0.95, 0.5, 1.0, 1.0]
    table[:, names.index("log_linked_cards")] = np.log1p([3, 5, 5, 2, 5])
    table[:, names.index("after_best_candidate")] = [1, 1, 1, 1, 0]  # the last: a wiki's list
    assert list(linked_teasers(table)) == [0, 1]
    table[:, names.index("declares_article")] = 0.0
    assert linked_teasers(table) == {}


_POST = (
    "<p>The council voted on Tuesday to expand the city's bicycle network by forty "
    "kilometres, part {i}, after a long debate about funding, parking and the safety of "
    "children.</p>"
)


def best_container_texts(body_class: str) -> list[str]:
    """The texts html_segments puts in the page's best container, for a post of two
    paragraphs in a div of `body_class` inside a Blogger-like "widget" (a negative hint),
    beside a column of four paragraphs of a columnist's bio."""
    post = "".join(_POST.format(i=i) for i in range(2))
    bio = "".join(_BIO.format(i=i) for i in range(4))
    page = (
        f'<html><body><div class="widget Blog"><div class="{body_class}">{post}</div></div>'
        f'<div class="column">{bio}</div></body></html>'
    )
    segments = segment_page(page, "text/html")
    assert segments.structure is not None
    in_best = segments.structure[:, STRUCTURE_NAMES.index("in_best_candidate")]
    return [text for text, best in zip(segments.texts, in_best, strict=True) if best]


def test_a_named_body_is_the_best_container_over_more_prose_beside_it() -> None:
    best = best_container_texts("post-body entry-content")
    assert len(best) == 2 and all(text.startswith("The council voted") for text in best)
    # The controls: a class that is only "content"-like, or none, leaves the bio the best.
    for body_class in ("story", "bd"):
        best = best_container_texts(body_class)
        assert len(best) == 4 and all(text.startswith("Our columnist") for text in best)
