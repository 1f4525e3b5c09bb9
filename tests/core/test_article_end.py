"""A text dump's article ends at its filing line, and a heading over a list of other pages
heads no article text (worker/core/article_end.py, through rules.page_rejections)."""

import numpy as np
import pytest

from worker.core import html_tags
from worker.core.article_end import (
    post_footer_rejections,
    related_links_after_cut,
    related_list_rejections,
)
from worker.core.rules import opens_comment_thread, page_rejections

PROSE = "A line of the article that runs on for long enough to count as prose, twenty words"
COMMENT = "Great post, I have been reading this blog for years and this one is the best so far."


def word_counts(texts: list[str]) -> np.ndarray:
    return np.array([len(t.split()) for t in texts], dtype=np.float64)


def footer_rejections(texts: list[str]) -> dict[int, str]:
    return post_footer_rejections(texts, word_counts(texts), opens_comment_thread)


def post_with_footer(footer: str, paragraphs: int = 6) -> list[str]:
    return [
        "Home",
        "The headline of the post",
        *(f"{PROSE} part {n}." for n in range(paragraphs)),
        footer,
        "Share this: Facebook Twitter",
        "Archives",
        "Another blog I read every morning",
    ]


@pytest.mark.parametrize(
    "footer",
    [
        "Tags: Election 2012, Ohio, polls",
        "Filed under: Travel",
        "Posted in C++, Effective Concurrency, Reader Q&A",
        "Tagged with BlackBerry, BlackBerry 10, Research In Motion, RIM",
        "Categories: Biz",
        "This entry was posted on 23 October 2012 at 8:14 pm and is filed under Polls.",
        # other languages (heading_words.py)
        "Schlagwörter: Wahl, Bundestag",
        "Étiquettes : politique, élections",
        "Etiquetas: política, elecciones",
        "Pubblicato in Politica",
        "Publicado em Notícias",
        "Geplaatst in Nieuws",
        "Метки: выборы, политика",
        "标签：选举",
    ],
)
def test_on_a_text_dump_the_article_ends_above_its_filing_line(footer: str) -> None:
    texts = post_with_footer(footer)
    rejected = footer_rejections(texts)
    assert sorted(rejected) == [9, 10, 11]
    assert rejected[9] == f"after the post's filing line {footer!r}: the article ends above it"
    words = word_counts(texts)
    assert sorted(page_rejections(texts, words, "text/plain")) == [9, 10, 11]
    # HTML pages: not measured there, no rule.
    assert page_rejections(texts, words, "text/html", one_item_page=True) == {}


@pytest.mark.parametrize(
    "line",
    [
        "Tagsworth is a village in the north",  # no filing line's word
        "The tags on the page were wrong",  # not where a filing line starts
        "Category and taxonomy fields like google_product_category",  # no colon
        "Posted into the wrong folder",
    ],
)
def test_lines_that_are_no_filing_line(line: str) -> None:
    assert footer_rejections(post_with_footer(line)) == {}


def test_a_filing_line_under_the_headline_ends_nothing() -> None:
    # 100 words of a standfirst above it, but not 30% of the page's prose.
    texts = post_with_footer("Tags: Election 2012", paragraphs=5)
    texts.insert(2, texts.pop(7))
    texts[8:8] = [f"{PROSE} more {n}." for n in range(12)]
    assert footer_rejections(texts) == {}


def test_filing_lines_across_a_listing_end_nothing() -> None:
    # A blog's front page: one under each post, and the posts are the content.
    texts = [
        *post_with_footer("Posted in Travel")[:9],
        *(f"{PROSE} second post {n}." for n in range(6)),
        "Posted in Food",
    ]
    assert footer_rejections(texts) == {}


def test_a_filing_line_over_a_comment_thread_needs_only_some_prose() -> None:
    # A short post (120 words) under which dozens of readers comment: far less than 30%
    # of the page's prose is above the filing line, but the thread opens right under it.
    texts = post_with_footer("Posted in Travel | 48 Comments", paragraphs=6)[:9]
    texts += ["48 Responses", "Reader says:"]
    texts += [f"{COMMENT} ({n})" for n in range(40)]
    assert sorted(footer_rejections(texts)) == list(range(9, len(texts)))
    # Without the marker under it, the share holds.
    texts[9] = "Archives"
    assert footer_rejections(texts) == {}


# --- lists of other pages ---------------------------------------------------------------------


def article_with_list(heading: str, article_above: int = 6) -> list[str]:
    return [
        "The headline of the story",
        *(f"{PROSE} part {n}." for n in range(article_above)),
        heading,
        "Fiancée of the late player had asked about the rumours",
        "Attorney denies the player had a lover in prison",
        "Quarterback on closeted players: ‘There’s a fear’",
        f"{PROSE}, and the story goes on after the box for a few more words until it ends.",
        f"{PROSE} to its very end.",
    ]


@pytest.mark.parametrize(
    "heading",
    [
        "Related articles",
        "RELATED COVERAGE",
        "More from Gay Star News",
        "You may also like:",
        "You might also like",
        "Also on HuffPost:",
        "Most popular",
        "MOST READ IN NEWS",
        "Trending on Sport",
        "More videos",
        "Most watched news videos",
        "Most commented",
        "Trending Today",
        "Recent Comments",
        "Related Recipes & Stories:",
        "More content from NBCNews.com:",
        "Today's Top Stories",
        "Hot this month",
        "Around the web",
        "Recommended for you",
        "Don't miss",
        # other languages (heading_words.py)
        "Ähnliche Beiträge",
        "Das könnte Sie auch interessieren:",
        "À lire aussi",
        "Articles similaires",
        "Artículos relacionados",
        "También te puede interesar",
        "Leggi anche",
        "Leia também",
        "Lees ook",
        "Читайте также",
        "Похожие статьи",
        "相关文章",
        "関連記事",
        "Czytaj także",
        "Läs också",
        "Baca juga",
        "Bài viết liên quan",
        "Σχετικά άρθρα",
        "관련 기사",
        "مقالات ذات صلة",
    ],
)
def test_the_list_under_a_related_heading_is_rejected_up_to_the_next_prose(heading: str) -> None:
    texts = article_with_list(heading)
    words = word_counts(texts)
    rejected = related_list_rejections(texts, words)
    # The heading and its list; the story goes on below the box (25 words ending as a
    # sentence ends): it is kept.
    assert sorted(rejected) == [7, 8, 9, 10]
    assert rejected[7] == f"in the list of other pages that {heading!r} heads"
    assert sorted(page_rejections(texts, words, "text/plain")) == [7, 8, 9, 10]
    assert page_rejections(texts, words, "text/html", one_item_page=True) == {}


def test_a_chinese_paragraph_ends_the_list_as_an_english_one_does() -> None:
    # (a CJK character counts as a word: features.py)
    paragraph = "市议会周二投票决定将城市的自行车道网络扩建四十公里，居民们对此表达了不同的看法。"
    texts = [
        "市议会扩建自行车道",
        *(f"{n}{paragraph}" for n in range(6)),
        "相关文章",
        "另一篇文章的标题一",
        "另一篇文章的标题二",
        *(f"{n}{paragraph}" for n in range(2)),
    ]
    words = np.array([len(t) for t in texts], dtype=np.float64)
    assert sorted(related_list_rejections(texts, words)) == [7, 8, 9]


@pytest.mark.parametrize(
    "line",
    [
        "Related research shows that voters move late.",  # a sentence, not the whole line
        "More",  # a link
        "Read more",  # under a teaser, not over a list
        "Latest",
        "More posts do not mean more subscribers.",  # a sentence
        "Recommended",  # a shop's recommended products are its content
    ],
)
def test_lines_that_are_no_related_heading(line: str) -> None:
    texts = article_with_list(line)
    words = word_counts(texts)
    assert related_list_rejections(texts, words) == {}


def test_a_teaser_with_its_dek_on_one_line_does_not_end_the_list() -> None:
    texts = article_with_list("Related articles")
    texts.insert(
        9, "Fortnite season 7: When is the release date? When does season 6 end, and what comes?"
    )
    words = word_counts(texts)
    assert sorted(related_list_rejections(texts, words)) == [7, 8, 9, 10, 11]


def test_a_related_heading_needs_prose_above_it() -> None:
    # A "Latest stories" column beside the headline: the article's own lines follow.
    texts = article_with_list("Latest stories", article_above=4)
    words = word_counts(texts)
    assert related_list_rejections(texts, words) == {}  # 80 words above


# --- HTML pages about one item: the list is the run of linked lines under its heading -------


LinkedListPage = tuple[list[str], list[int], list[tuple[int, ...]]]
_ARTICLE = (1, 2, 3)  # the block paths' root, body and the article's container
_BOX = (*_ARTICLE, 4)  # the box holding the list: the heading's section


def linked_list_page(heading: str = "Related stories") -> LinkedListPage:
    """An article, a heading over linked teasers (one with a date outside its link) in a box
    of their own, and the story going on below the box; the bits of each segment (IN_LINK on
    the teasers) and its block path (the box's blocks inside the article's container)."""
    texts = article_with_list(heading)
    texts.insert(9, "5 hours ago")
    bits = [html_tags.IN_LINK if 8 <= n <= 11 else 0 for n in range(len(texts))]
    paths = [(*(_BOX if 7 <= n <= 11 else _ARTICLE), 10 + n) for n in range(len(texts))]
    return texts, bits, paths


def test_on_html_the_linked_lines_under_a_related_heading_go() -> None:
    texts, bits, paths = linked_list_page()
    keep = np.ones(len(texts), dtype=bool)
    dropped = related_links_after_cut(texts, word_counts(texts), bits, paths, keep)
    # The heading, the three linked teasers and the date among them; the story goes on.
    assert sorted(dropped) == [7, 8, 9, 10, 11]
    assert dropped[7] == "in the list of other pages that 'Related stories' heads"


def test_on_html_an_unlinked_teaser_in_the_box_does_not_end_the_list() -> None:
    texts, bits, paths = linked_list_page()
    bits[10] = 0  # the second teaser is no link: its ten words end no list inside the box
    texts[10] = "An unlinked teaser's dek of ten words goes on here"
    keep = np.ones(len(texts), dtype=bool)
    dropped = related_links_after_cut(texts, word_counts(texts), bits, paths, keep)
    assert sorted(dropped) == [7, 8, 9, 10, 11]


def test_on_html_an_unlinked_line_of_prose_ends_the_list() -> None:
    texts, bits, paths = linked_list_page()
    bits[10] = 0
    texts[10] = f"{PROSE}, a paragraph inside the box that reads as prose does."
    keep = np.ones(len(texts), dtype=bool)
    words = word_counts(texts)
    assert words[10] >= 25
    assert sorted(related_links_after_cut(texts, words, bits, paths, keep)) == [7, 8, 9]


def test_on_html_outside_the_box_an_unlinked_line_ends_the_list() -> None:
    texts, bits, paths = linked_list_page()
    bits[10] = 0  # ten words outside any link, and outside the heading's box
    texts[10] = "An unlinked paragraph of ten words goes on here, then."
    paths[10] = (*_ARTICLE, 99)
    keep = np.ones(len(texts), dtype=bool)
    dropped = related_links_after_cut(texts, word_counts(texts), bits, paths, keep)
    assert sorted(dropped) == [7, 8, 9]


def test_on_html_only_kept_segments_are_dropped() -> None:
    texts, bits, paths = linked_list_page()
    keep = np.ones(len(texts), dtype=bool)
    keep[[7, 9]] = False  # the cut rejected the heading and the date already
    dropped = related_links_after_cut(texts, word_counts(texts), bits, paths, keep)
    assert sorted(dropped) == [8, 10, 11]


def test_on_html_a_related_heading_needs_prose_above_it() -> None:
    texts, bits, paths = linked_list_page()
    del texts[1:6], bits[1:6], paths[1:6]  # 20 words of prose above the heading
    keep = np.ones(len(texts), dtype=bool)
    assert related_links_after_cut(texts, word_counts(texts), bits, paths, keep) == {}


def test_on_html_a_list_of_half_the_kept_words_is_the_content() -> None:
    texts, bits, paths = linked_list_page()
    keep = np.ones(len(texts), dtype=bool)
    words = word_counts(texts)
    keep[1:7] = keep[12:] = False  # the cut kept the list and the headline: a listing
    assert words[7:12].sum() >= 0.5 * words[keep].sum()
    assert related_links_after_cut(texts, words, bits, paths, keep) == {}
