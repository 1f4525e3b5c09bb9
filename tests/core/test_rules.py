import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.core.article_end import post_navigation_rejections
from worker.core.features import feature_names
from worker.core.kernels import short_lines_starting
from worker.core.rules import (
    _COMMENT_SECTION,
    _COUNTED_STARTS,
    _COUNTED_THREAD,
    _MARKER_STARTS,
    _MARKER_WORDS,
    TEXT_DUMP_SECTION,
    CommentSection,
    comment_section_rejections,
    page_rejections,
    rule_rejections,
    trailing_separator,
)


def test_a_feed_of_teasers_is_rejected_with_its_last_item_and_lone_separators() -> None:
    texts = [
        "A paragraph of the article that ends like prose does.",
        "-",
        "First teaser headline -",
        "Second teaser headline -",
        "-",
        "Third teaser headline -",
        "Last teaser headline without a separator",
        "Unrelated footer sentence after the feed.",
    ]
    rejected = rule_rejections(texts)
    assert sorted(rejected) == [1, 2, 3, 4, 5, 6]
    assert rejected[1] == "no words"
    assert "teaser headlines" in rejected[2]


def test_a_sentence_after_a_feed_is_no_headline_in_chinese_either() -> None:
    texts = ["第一条新闻标题 -", "第二条新闻标题 -", "第三条新闻标题 -", "本站所有文章均为原创。"]
    assert sorted(rule_rejections(texts)) == [0, 1, 2]
    texts[-1] = "最后一条新闻标题"
    assert sorted(rule_rejections(texts)) == [0, 1, 2, 3]


def test_two_teaser_like_lines_are_not_a_feed() -> None:
    texts = ["Pros and cons -", "Cheap -", "A normal sentence."]
    assert rule_rejections(texts) == {}


def test_a_separator_must_be_detached_from_the_word() -> None:
    assert trailing_separator("state-of-the-art") is None
    assert trailing_separator("News |") == "|"
    assert trailing_separator("-") is None


# --- a text dump's comment section ------------------------------------------------------------

PROSE = "A line of the article that runs on for long enough to count as prose, twenty words"


def word_counts(texts: list[str]) -> np.ndarray:
    return np.array([len(t.split()) for t in texts], dtype=np.float64)


def blog_dump(marker: str = "12 Comments") -> list[str]:
    return [
        "Home",
        "Comments",  # a menu link at the top opens no section
        "The headline of the post",
        *(f"{PROSE} part {n}." for n in range(4)),
        "Share this:",
        marker,
        "Jane says:",
        f"{PROSE} but this is a reader's comment.",
        "Reply",
    ]


def test_the_lines_after_a_comment_section_opens_are_rejected() -> None:
    texts = blog_dump()
    rejected = comment_section_rejections(texts, word_counts(texts))
    assert sorted(rejected) == [9, 10, 11]
    assert rejected[9] == "in the comment section that '12 Comments' opens"


@pytest.mark.parametrize(
    "marker",
    [
        "Leave a Reply",
        "3 thoughts on “The headline”",
        "Responses:",
        "Comments (4)",
        "156 Responses to “The headline”",
        'One Response to "The headline"',
        "Comments »",
        "20 Comments Post a comment",
        # what localised blog themes and news sites print over their threads (the post
        # itself need not be in the language: the marker alone is read)
        "12 Kommentare",
        "Schreibe einen Kommentar",
        "Ein Gedanke zu „Die Überschrift“",
        "Laisser un commentaire",
        "3 réflexions sur « Le titre »",
        "Réactions",
        "Deja una respuesta",
        "2 comentarios en «El titular»",
        "Lascia un commento",
        "4 commenti su “Il titolo”",
        "Deixe uma resposta",
        "7 comentários em “O título”",
        "Geef een reactie",
        "9 reacties op “De kop”",
        "Dodaj komentarz",
        "Yorumlar",
        "Комментарии (5)",
        "12 комментариев к записи «Заголовок»",
        "Оставить комментарий",
        "发表评论",
        "12条评论",
        "コメントを書く",
        "Kommentarer (3)",
        "Lämna ett svar",
        "Tinggalkan Balasan",
        "Σχόλια",
        "댓글 남기기",
        "تعليقات",
    ],
)
def test_the_markers_that_open_a_section(marker: str) -> None:
    texts = blog_dump(marker)
    assert sorted(comment_section_rejections(texts, word_counts(texts))) == [9, 10, 11]
    assert sorted(page_rejections(texts, word_counts(texts), "text/plain")) == [9, 10, 11]


@pytest.mark.parametrize(
    "marker",
    [
        "Readers' comments on this article are closed for the weekend, so please write",
        "Commentary",  # a kind of article, not a thread
        "2 responses to the crisis were debated in parliament",  # no quoted title
        "Kommentare der Leser sind willkommen",  # a sentence
        "Un commentaire de trop sur la réforme",
        "Комментарий эксперта",  # "an expert's comment": a heading inside articles
    ],
)
def test_lines_that_open_no_section(marker: str) -> None:
    texts = blog_dump(marker)
    assert comment_section_rejections(texts, word_counts(texts)) == {}


def test_a_marker_before_most_of_the_prose_or_repeated_opens_nothing() -> None:
    early = ["The headline", "Comments", *(f"{PROSE} {n}." for n in range(4))]
    assert comment_section_rejections(early, word_counts(early)) == {}
    # "Add a comment" under every answer of a Q&A page: the answers are the content.
    answers = [f"{PROSE} answer {n}." if i % 2 == 0 else "Add a comment" for i, n in
               enumerate(range(8))]  # fmt: skip
    assert comment_section_rejections(answers, word_counts(answers)) == {}


def test_text_dumps_and_one_item_html_pages_get_the_comment_section_rule() -> None:
    texts = blog_dump()
    words = word_counts(texts)
    assert sorted(page_rejections(texts, words, "text/plain")) == [9, 10, 11]
    assert sorted(page_rejections(texts, words, "text/html", one_item_page=True)) == [9, 10, 11]
    # A page of many items (a forum thread): its replies are the content.
    assert page_rejections(texts, words, "text/html") == {}


def test_on_html_a_marker_above_all_of_the_article_block_opens_nothing() -> None:
    # A news site's tabs ("Article", "Comments") above its article, under a newsletter box
    # and a reprints notice long enough to be prose.
    above = [f"{PROSE} notice {n}." for n in range(4)]
    article = [f"{PROSE} part {n}." for n in range(6)]
    texts = [*above, "Article", "Comments", *article]
    words = word_counts(texts)
    features = np.zeros((len(texts), len(feature_names("text/html"))), dtype=np.float32)
    in_main = feature_names("text/html").index("in_main_container")
    features[6:, in_main] = 1.0  # the block holding most of the prose: the article's
    assert sorted(page_rejections(texts, words, "text/html", True)) == list(range(6, 12))
    assert page_rejections(texts, words, "text/html", True, features) == {}
    # The same marker under the start of the article opens its section.
    features[:6, in_main] = 1.0
    assert sorted(page_rejections(texts, words, "text/html", True, features)) == list(range(6, 12))


def test_on_a_text_dump_enough_prose_above_the_marker_opens_a_long_thread() -> None:
    # Twelve paragraphs of article (228 words) under which 40 comments run: the article is
    # a fifth of the page's prose, under the share, but 200 words of prose are enough.
    article = [f"{PROSE} part {n}." for n in range(12)]
    thread = [f"{PROSE} but this is reader comment {n}." for n in range(40)]
    texts = ["The headline", *article, "40 Comments", *thread]
    words = word_counts(texts)
    section = list(range(14, len(texts)))
    assert comment_section_rejections(texts, words) == {}
    enough_words = CommentSection(prose_words=200.0)
    assert sorted(comment_section_rejections(texts, words, enough_words)) == section
    assert sorted(page_rejections(texts, words, "text/plain")) == section
    # HTML pages keep the share alone: the words' threshold was measured on text dumps.
    assert page_rejections(texts, words, "text/html", one_item_page=True) == {}
    # Less prose than that above the marker still opens nothing.
    short = ["The headline", *article[:3], "40 Comments", *thread]
    assert comment_section_rejections(short, word_counts(short), enough_words) == {}


def short_post_dump(marker: str) -> list[str]:
    """A short post (57 words of prose) under which its readers comment: less prose above
    the marker than the share of the page's prose or 200 words."""
    return [
        "Home",
        "The headline of the post",
        "by Jane Doe on June 29, 2012",
        *(f"{PROSE} part {n}." for n in range(3)),
        "Previous post: Another post",
        marker,
        "Maria July 7, 2012 at 2:31 pm",
        *(f"{PROSE} but this is reader comment {n}." for n in range(7)),
        "Reply",
    ]


@pytest.mark.parametrize(
    "marker",
    [
        "{ 69 comments… read them below or add one }",
        "{ 1 comment… read it below or add one }",
        "111 Responses to “The headline of the post”",
        # past the 60 characters of the other markers: the post's title is in it
        "40 Responses to “CHURUMURI POLL: Has India lost its moral compass at last?”",
        "3 thoughts on “The headline of the post”",
        "100 of 524 comments loaded twitter facebook",
        "5 Kommentare zu „Die Überschrift des Beitrags“",
        "《The headline of the post》上有3条评论",
    ],
)
def test_a_counted_marker_opens_the_thread_under_a_short_post(marker: str) -> None:
    texts = short_post_dump(marker)
    words = word_counts(texts)
    thread = list(range(8, len(texts)))
    assert sorted(comment_section_rejections(texts, words, TEXT_DUMP_SECTION)) == thread
    assert sorted(page_rejections(texts, words, "text/plain")) == thread
    # HTML pages taken for one item read counted markers the same way.
    assert sorted(page_rejections(texts, words, "text/html", one_item_page=True)) == thread
    # The other markers keep their bar.
    assert comment_section_rejections(texts, words, CommentSection(prose_words=200.0)) == {}


@pytest.mark.parametrize(
    "line",
    [
        "108 COMMENTS POSTED",  # an author's statistics box
        "3 comments in yesterday's post! Allow me to answer each:",  # a sentence
        "Romney Talks Tough 875 comments",  # a teaser with its count
        "12 replies",  # a forum thread's count: the replies are the content
    ],
)
def test_lines_that_are_no_counted_marker(line: str) -> None:
    texts = short_post_dump(line)
    assert comment_section_rejections(texts, word_counts(texts), TEXT_DUMP_SECTION) == {}


def test_a_counted_marker_needs_some_prose_above_it() -> None:
    # "5 Comments on “Headline”" beside the headline links down to the thread.
    texts = short_post_dump("Previous post: Another post")
    texts[2] = "5 Comments on “The headline of the post”"
    assert comment_section_rejections(texts, word_counts(texts), TEXT_DUMP_SECTION) == {}


def test_a_marker_printed_twice_in_a_row_still_opens_the_section() -> None:
    texts = blog_dump("15 comments")
    texts.insert(9, "15 comments")
    words = word_counts(texts)
    # the section opens after the second copy
    assert sorted(comment_section_rejections(texts, words, TEXT_DUMP_SECTION)) == [10, 11, 12]
    assert sorted(page_rejections(texts, words, "text/html", one_item_page=True)) == [10, 11, 12]
    # Without the repeat span, any repeat opens nothing.
    assert comment_section_rejections(texts, words, CommentSection()) == {}


# --- a text dump's post navigation --------------------------------------------------------


def post_with_navigation(navigation: str, paragraphs: int = 6) -> list[str]:
    return [
        "Home",
        "Next article",  # beside the headline, with no prose above: it ends nothing
        "The headline of the post",
        *(f"{PROSE} part {n}." for n in range(paragraphs)),
        navigation,
        "Popular posts",
        "Another story everyone read this week",
        "© 2012 The Blog",
    ]


@pytest.mark.parametrize(
    "navigation",
    [
        "Previous post: Six ways to refuel your energy",
        "Next Post →",
        "Newer Post Older Post Home",
        "PREVIOUS ARTICLE",
        "Next »",
        # other languages (heading_words.py)
        "Vorheriger Beitrag",
        "Article précédent",
        "Entrada anterior",
        "Articolo successivo",
        "Próximo artigo",
        "Volgende bericht",
        "Следующая запись",
        "上一篇：另一篇文章",
    ],
)
def test_on_a_text_dump_the_article_ends_above_its_post_navigation(navigation: str) -> None:
    texts = post_with_navigation(navigation)
    words = word_counts(texts)
    rejected = post_navigation_rejections(texts, words)
    assert sorted(rejected) == [10, 11, 12]
    assert rejected[10] == (
        f"after the post's navigation {navigation!r}: the article ends above it"
    )
    assert sorted(page_rejections(texts, words, "text/plain")) == [10, 11, 12]
    # HTML pages: not measured there, no rule.
    assert page_rejections(texts, words, "text/html", one_item_page=True) == {}


def test_post_navigation_needs_prose_above_it() -> None:
    texts = post_with_navigation("Previous post: Six ways to refuel your energy", paragraphs=2)
    assert post_navigation_rejections(texts, word_counts(texts)) == {}  # 38 words of prose


@pytest.mark.parametrize(
    "line",
    [
        "Next, the council voted on the budget.",  # a sentence
        "The previous post was about bicycles",  # not where a navigation line starts
        "Previous posts in this series",  # a list of them, not the navigation
    ],
)
def test_lines_that_are_no_post_navigation(line: str) -> None:
    texts = post_with_navigation(line)
    assert post_navigation_rejections(texts, word_counts(texts)) == {}


# Anchored as re.match reads it: what follows the match is free.
_MARKER_AT_START = re.compile(f"^(?:{_COMMENT_SECTION.pattern})", _COMMENT_SECTION.flags)
_COUNTED_AT_START = re.compile(f"^(?:{_COUNTED_THREAD.pattern})", _COUNTED_THREAD.flags)


@settings(max_examples=400, deadline=None)
@given(st.from_regex(_MARKER_AT_START) | st.from_regex(_COUNTED_AT_START))
def test_every_marker_starts_as_a_marker_can_and_holds_a_marker_word(line: str) -> None:
    """The kernel tries the regexes only on such lines (and on every other one holding a
    letter past ASCII)."""
    # (re's \d takes any script's digits, "٠"; IGNORECASE folds the Kelvin sign to "k")
    if {"\u212a", "\u017f", "\u0130", "\u0131"}.intersection(line) or line[0].isspace():
        return
    if line[0].isdigit() and not line[0].isascii():
        return
    other_letters = any(not c.isascii() and c.isalpha() for c in line)
    if not other_letters and (_COMMENT_SECTION.match(line) or _COUNTED_THREAD.match(line)):
        assert any(word in line.lower() for word in _MARKER_WORDS)
    if _COMMENT_SECTION.match(line):
        found = short_lines_starting([line], 0, 10_000, _MARKER_STARTS, _MARKER_WORDS, True)
        assert found == [0]
    if _COUNTED_THREAD.match(line):
        assert short_lines_starting([line], 0, 10_000, _COUNTED_STARTS, _MARKER_WORDS) == [0]
