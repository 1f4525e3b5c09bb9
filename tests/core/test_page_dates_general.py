"""General rules for a page's publication date, each named by what pages do: meta names
that say they hold it, forum and vBulletin datelines, a label set apart from its date, the
page's first <h1> as the headline's neighbourhood."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from worker.core.declared import DeclaredMetadata, read_declared
from worker.core.metadata import page_metadata
from worker.core.page_dates import dateline


def declared_published(head: str) -> str | None:
    html = f"<html><head>{head}</head><body><p>x</p></body></html>"
    return read_declared(LexborHTMLParser(html)).published


@pytest.mark.parametrize(
    ("head", "published"),
    [
        ('<meta name="w-published-date" content="2025-05-27T06:03:43.274Z">',
         "2025-05-27T06:03:43+00:00"),
        ('<meta name="ms.date" content="02/23/2025">', "2025-02-23"),
        ('<meta property="og:publish_date" content="2024-03-03">', "2024-03-03"),
        ('<meta name="rbpubdate" content="2024-03-03">', "2024-03-03"),
        # names that say something else
        ('<meta name="publish-end-date" content="2024-03-03">', None),
        ('<meta name="last-published" content="2024-03-03">', None),
        ('<meta name="publisher" content="2024 Media Ltd">', None),
        ('<meta name="w-updated-date" content="2024-03-03">', None),
        ('<meta name="event.startdate" content="2024-03-03">', None),
        # a name on the list goes first, wherever it stands
        ('<meta name="ms.date" content="2025-02-23">'
         '<meta property="article:published_time" content="2024-01-01">', "2024-01-01"),
    ],
)  # fmt: skip
def test_meta_names_that_say_publication_date(head: str, published: str | None) -> None:
    assert declared_published(head) == published


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("11-29-2024, 09:03 AM#1", ("2024-11-29", False)),  # a vBulletin post's line
        ("29-11-2024", ("2024-11-29", False)),
        ("01-02-2024", None),  # January or February: not guessed
        ("10/31-2024", None),  # one separator or the other
        ("555-12-2024", None),  # a number's tail is no day
    ],
)
def test_dashed_dates_where_the_numbers_tell(text: str, found: tuple[str, bool] | None) -> None:
    assert dateline(text) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Discussion in 'Hosting Advice' started by pelex, May 26, 2025.", ("2025-05-26", False)),
        ("Thread started by Jane Doe, March 3, 2024", ("2024-03-03", False)),
        ("Start date Jul 9, 2022", ("2022-07-09", False)),  # XenForo 2
        # the date must end the line: what follows is not the thread's start
        ("Discussion in 'Hosting Advice' started by pelex, May 26, 2025. 14 replies", None),
        ("The war started by 1914, March 3, 2024 said", None),
    ],
)
def test_a_threads_start(text: str, found: tuple[str, bool] | None) -> None:
    assert dateline(text) == found


PROSE = (
    "The council met on Tuesday evening to discuss the new budget for the coming year, and "
    "after a long debate the members agreed to spend more on the town's schools and roads. "
)


def test_a_dateline_by_the_pages_first_h1_when_the_headline_is_a_subheading() -> None:
    """The kept <h1> is a subheading deep in the article; the page's title <h1>, left out
    of the article, has the dateline above it."""
    texts = ["Home", "Published August 7, 2023", "The title", "Tags", "Share", "Print", "Email"]
    texts += [*([PROSE] * 20), "A subheading", PROSE]
    kept = list(range(7, len(texts)))
    nothing = DeclaredMetadata(kinds=())
    assert page_metadata(texts, kept, 27, nothing, first_h1=2).published == "2023-08-07"
    assert page_metadata(texts, kept, 27, nothing, first_h1=27).published is None


def test_a_label_set_apart_from_its_date() -> None:
    """ "Published" in one block, the date in the next, far from the headline."""
    texts = ["The title", *([PROSE] * 20), "Share", "Print", "Tags", "Received", "10 May 2004"]
    texts += ["Published", "14 Dec 2004"]
    nothing = DeclaredMetadata(kinds=())
    assert page_metadata(texts, list(range(1, 21)), 0, nothing).published == "2004-12-14"
    texts[-2] = "Updated"  # a last update is no publication
    assert page_metadata(texts, list(range(1, 21)), 0, nothing).published is None
    texts[-2] = "Released"  # a product's (a game's) date, not the page's
    assert page_metadata(texts, list(range(1, 21)), 0, nothing).published is None
    texts[-2] = "Published"
    texts[-1] = "14 Dec 2004 in our London office, by the board"  # no dateline
    assert page_metadata(texts, list(range(1, 21)), 0, nothing).published is None


@pytest.mark.parametrize(
    ("body", "published"),
    [
        # a question's dateCreated before its comments' datePublished (Stack Exchange)
        ('<div itemscope itemtype="https://schema.org/Question">'
         '<time itemprop="dateCreated" datetime="2012-06-29T10:51:01Z">13 years ago</time>'
         '<div itemscope itemtype="https://schema.org/Comment">'
         '<span itemprop="datePublished" content="2016-03-17">x</span></div></div>',
         "2012-06-29T10:51:01+00:00"),
        # an article's datePublished before a dateCreated further down
        ('<span itemprop="datePublished" content="2024-03-03">March 3</span>'
         '<time itemprop="dateCreated" datetime="2020-01-01">old</time>', "2024-03-03"),
        # a value that is no date does not stand in the way
        ('<span itemprop="datePublished">soon</span>'
         '<time itemprop="dateCreated" datetime="2020-01-01">old</time>', "2020-01-01"),
    ],
)  # fmt: skip
def test_an_items_date_is_its_first_published_or_created(body: str, published: str) -> None:
    html = f"<html><head></head><body>{body}<p>x</p></body></html>"
    assert read_declared(LexborHTMLParser(html)).published == published


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("2019-02-23, 09:14 PM (This post was last modified: 2024-01-05, 03:27 AM by Jo.)",
         ("2019-02-23", False)),
        ("| November 3, 2025 (8:42 AM ET)", ("2025-11-03", False)),
        ("July 24, 2012 (AP)", ("2012-07-24", False)),
        # the words outside the note still count
        ("Published March 3, 2024 (a Monday) in our London office", None),
    ],
)  # fmt: skip
def test_a_note_in_parentheses_after_the_date(text: str, found: tuple[str, bool] | None) -> None:
    assert dateline(text) == found


def test_a_byline_and_date_signing_the_article() -> None:
    """A byline and, in the next block, the date, a few segments under the article."""
    texts = ["The title", *([PROSE] * 20), "Share", "Tags", "Written byMoses Kim", "April 8, 2024"]
    nothing = DeclaredMetadata(kinds=())
    assert page_metadata(texts, list(range(1, 21)), 0, nothing).published == "2024-04-08"
    texts[-2] = "Related posts"  # no byline: a date down there may be another post's
    assert page_metadata(texts, list(range(1, 21)), 0, nothing).published is None
    texts[-2] = "bypass valves"  # "by" starting a word is no byline
    assert page_metadata(texts, list(range(1, 21)), 0, nothing).published is None
