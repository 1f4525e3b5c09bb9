"""An article's metadata: what the page declares (JSON-LD, meta tags, microdata), the
headline, bylines and datelines of its segments, dates in the forms pages write them, the
language, and that absent means null."""

from __future__ import annotations

import orjson
import pytest
from selectolax.lexbor import LexborHTMLParser

from worker.core.classify import classify_page
from worker.core.declared import DeclaredMetadata, read_declared
from worker.core.language import _plainly_english, article_language
from worker.core.metadata import ArticleMetadata, page_metadata
from worker.core.page_dates import dateline, iso_date, url_date

PROSE = (
    "The council met on Tuesday evening to discuss the new budget for the coming year, and "
    "after a long debate the members agreed to spend more on the town's schools and roads. "
)
ARTICLE_BODY = (
    "<body><nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li></ul></nav>"
    "<main><article><h1>Council agrees a new budget</h1><p>By Jane Doe and John Roe</p>"
    "<p>Published March 3, 2024</p>"
    + "".join(f"<p>{PROSE}Paragraph {n}.</p>" for n in range(6))
    + "</article></main><footer><p>Copyright 2024 The Town Paper</p></footer></body>"
)


def page(head: str, body: str = ARTICLE_BODY) -> str:
    return f"<html><head>{head}</head>{body}</html>"


def json_ld(value: object) -> str:
    return f'<script type="application/ld+json">{orjson.dumps(value).decode()}</script>'


def test_json_ld_and_meta_tags_give_every_field() -> None:
    head = (
        "<title>Council agrees a new budget | The Town Paper</title>"
        '<meta property="og:title" content="Council agrees a new budget">'
        '<meta property="og:site_name" content="The Town Paper">'
        '<meta name="description" content="The council agreed a budget.">'
        '<link rel="canonical" href="/news/budget">'
        + json_ld(
            {
                "@context": "https://schema.org",
                "@graph": [
                    {"@type": "WebSite", "name": "Town Paper Online"},
                    {
                        "@type": "NewsArticle",
                        "headline": "Council agrees a new budget",
                        "author": [{"@type": "Person", "name": "Jane Doe"}, {"name": "John Roe"}],
                        "datePublished": "2024-03-03T09:30:00Z",
                        "dateModified": "2024-03-04T10:00:00+01:00",
                    },
                ],
            }
        )
    )
    verdict = classify_page(page(head), "text/html")
    assert verdict.metadata is not None
    record = verdict.metadata.as_json("https://town.example/news/budget?ref=home")
    assert record == {
        "title": "Council agrees a new budget",
        "authors": ["Jane Doe", "John Roe"],
        "published": "2024-03-03T09:30:00+00:00",
        "modified": "2024-03-04T10:00:00+01:00",
        "language": "en",
        "canonical_url": "https://town.example/news/budget",
        "description": "The council agreed a budget.",
        "site_name": "The Town Paper",
    }


def test_without_declared_metadata_the_segments_give_headline_byline_and_dateline() -> None:
    verdict = classify_page(page(""), "text/html")
    assert verdict.metadata is not None
    assert verdict.metadata.title == "Council agrees a new budget"
    assert verdict.metadata.authors == ("Jane Doe", "John Roe")
    assert verdict.metadata.published == "2024-03-03"
    assert verdict.metadata.modified is None


def test_absent_means_null_never_a_guess() -> None:
    body = "<body>" + "".join(f"<p>{PROSE}</p>" for _ in range(4)) + "</body>"
    verdict = classify_page(page("", body), "text/html")
    assert verdict.metadata is not None
    assert verdict.metadata.as_json("https://example.org/x") == {
        "title": None,
        "authors": [],
        "published": None,
        "modified": None,
        "language": "en",
        "canonical_url": None,
        "description": None,
        "site_name": None,
    }


def test_the_title_is_the_h1_only_when_the_page_title_agrees() -> None:
    body = ARTICLE_BODY.replace("Council agrees a new budget", "Latest news")
    head = "<title>Council agrees a new budget - The Town Paper</title>"
    verdict = classify_page(page(head, body), "text/html")
    assert verdict.metadata is not None
    assert verdict.metadata.title == "Council agrees a new budget"  # the site's name dropped


@pytest.mark.parametrize(
    ("head", "authors"),
    [
        pytest.param('<meta name="author" content="Jane Doe">', ("Jane Doe",), id="meta"),
        pytest.param(
            '<meta property="article:author" content="https://facebook.com/jane">', (), id="url"
        ),
        pytest.param(json_ld({"@type": "BlogPosting", "author": "By Jane Doe"}), ("Jane Doe",)),
        pytest.param(
            '<div itemscope itemtype="https://schema.org/Article"><span itemprop="author" '
            'itemscope><span itemprop="name">Jane Doe</span></span></div>',
            ("Jane Doe",),
            id="microdata",
        ),
    ],
)
def test_declared_authors(head: str, authors: tuple[str, ...]) -> None:
    declared = read_declared(LexborHTMLParser(page(head, "<body><p>x</p></body>")))
    assert declared.authors == authors


def test_json_ld_that_is_not_json_is_passed_over() -> None:
    head = '<script type="application/ld+json">{"@type": "Article", "author": </script>'
    declared = read_declared(LexborHTMLParser(page(head)))
    assert declared.authors == () and declared.published is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-03-03", "2024-03-03"),
        ("2024-03-03T09:30:00Z", "2024-03-03T09:30:00+00:00"),
        ("2024-03-03 09:30:00", "2024-03-03T09:30:00"),
        ("2024-03-03T09:30:00.123-0500", "2024-03-03T09:30:00-05:00"),
        ("Oct 31, 2025", "2025-10-31"),
        ("Sept. 1st, 2023", "2023-09-01"),
        ("9 November 2025", "2025-11-09"),
        ("Tue, 04 Sep 2025 10:00:00 GMT", "2025-09-04"),
        ("2025/4/29", "2025-04-29"),
        ("17.05.2021", "2021-05-17"),
        ("10/31/2024", "2024-10-31"),
        ("31/10/2024", "2024-10-31"),
        ("01/02/2024", None),  # January or February: not guessed
        ("2024-02-30", None),
        ("1850-01-01", None),
        # letters re folds to a month name's: "ſ" is an s, a dotless ı is no i of "april"
        ("ſeptember 4, 2025", "2025-09-04"),
        ("aprıl 4, 2025", None),
        ("no date here", None),
        ("", None),
    ],
)
def test_iso_date(text: str, iso: str | None) -> None:
    assert iso_date(text) == iso


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Published March 3, 2024", ("2024-03-03", False)),
        # the date alone
        (" September 4, 2025 ", ("2025-09-04", False)),
        ("2025-09-04T10:00:00Z", ("2025-09-04T10:00:00+00:00", False)),
        ("February 30, 2024", None),
        ("Updated Dec 18, 2025 · 12 min read", ("2025-12-18", True)),
        ("By Dr. Vahid Osman - Mar 27, 2024", ("2024-03-27", False)),
        ("asked Feb 11, 2011 at 23:49", ("2011-02-11", False)),
        ("Faith Katunga•Oct 20, 2025", ("2025-10-20", False)),
        # inline elements joined without a space: <span>August 7, 2023</span><span>by ...
        ("Published August 7, 2023by Nicole Burke", ("2023-08-07", False)),
        ("Updated: 1 October 2025Reading time: 5 min", ("2025-10-01", True)),
        ("Published August 7, 20231", None),  # not a year
        ("The council met on March 3, 2024 to agree the budget.", None),
        ("March 3, 2024 " + "x" * 200, None),
        # a name beside the date, without a "by"
        ("Andrew Gerrand 4 August 2010", ("2010-08-04", False)),
        ("Dec 17, 2025Julian K. Arni", ("2025-12-17", False)),
        ("Meet the team March 3, 2024", None),
        # inline elements joined without a space before a capitalised month
        ("Dakota HebertJuly 3, 2025", ("2025-07-03", False)),
        ("UpdatedMarch 2, 2026", ("2026-03-02", True)),
        ("Postedmay 3, 2024", None),  # a lower-case month glued on is no month
        ("Annual General Meeting Of Members March 3, 2024", None),
        ("Published aprıl 4, 2025", None),
    ],
)
def test_dateline(text: str, found: tuple[str, bool] | None) -> None:
    assert dateline(text) == found


def test_a_text_dump_gives_what_its_lines_say() -> None:
    lines = [
        "Council agrees a new budget | The Town Paper",
        "Home",
        "News",
        "Council agrees a new budget",
        "By Jane Doe",
        "March 3, 2024",
        *(PROSE for _ in range(5)),
    ]
    verdict = classify_page("\n\n".join(lines), "text/plain")
    assert verdict.metadata is not None
    assert verdict.metadata.title == "Council agrees a new budget"
    assert verdict.metadata.authors == ("Jane Doe",)
    assert verdict.metadata.published == "2024-03-03"
    assert verdict.metadata.canonical_url is None and verdict.metadata.site_name is None
    assert verdict.article_markdown is None  # a dump has no markup


def test_a_month_in_letters_re_folds_does_not_stop_a_page() -> None:
    lines = ["Council agrees a new budget", "Published ſeptember 4, 2025", "aprıl 4, 2025"]
    verdict = classify_page("\n\n".join([*lines, *(PROSE for _ in range(5))]), "text/plain")
    assert verdict.metadata is not None and verdict.metadata.published == "2025-09-04"


def test_a_declared_date_that_is_the_last_update_yields_to_the_dateline() -> None:
    """A page that declares the same day published and modified, and shows another date by
    its headline, was re-stamped on an update: the page's dateline is its publication."""
    texts = ["Headline", "By Jane Doe", "Share", "Print", "Published March 3, 2024", PROSE, PROSE]
    stamped = DeclaredMetadata(kinds=(), published="2025-06-24T10:00", modified="2025-06-24T11:00")
    assert page_metadata(texts, [5, 6], 0, stamped).published == "2024-03-03"
    updated = DeclaredMetadata(kinds=(), published="2025-06-24T10:00", modified="2025-07-01")
    assert page_metadata(texts, [5, 6], 0, updated).published == "2025-06-24T10:00"


def test_datelines_above_the_article_and_just_past_its_end() -> None:
    declared = DeclaredMetadata(kinds=())
    # The <h1> found is a subheading deep in the article; the date is above its first part.
    texts = ["Home", "Menu", "Mar 3, 2024", *([PROSE] * 20), "A subheading", PROSE]
    assert page_metadata(texts, list(range(3, 25)), 23, declared).published == "2024-03-03"
    # A blog's "Posted by ..." line under the article.
    texts = ["Headline", *([PROSE] * 20), "Posted by Seth Godin on July 19, 2012|Permalink"]
    assert page_metadata(texts, list(range(1, 21)), 0, declared).published == "2012-07-19"
    assert page_metadata(texts[:-1], list(range(1, 21)), 0, declared).published is None


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("https://blog.example.org/2025/12/19/what-people-love", "2025-12-19"),
        ("https://example.org/articles/2025-12-15+Rust+backend", "2025-12-15"),
        ("https://example.org%2Farticles%2F2025-12-15%2BRust", "2025-12-15"),  # as og:url had it
        ("https://example.org/2025/13/40/", None),
        ("https://example.org/p?date=2025-12-19", None),  # not the path
        ("https://example.org/item/20251219", None),
    ],
)
def test_url_date(url: str, day: str | None) -> None:
    assert url_date(url) == day


def test_a_permalinks_date_is_the_last_resort() -> None:
    texts = ["Headline", *([PROSE] * 3)]
    canonical = "https://blog.example.org/2025/12/19/headline/"
    declared = DeclaredMetadata(kinds=(), canonical_url=canonical)
    assert page_metadata(texts, [1, 2, 3], 0, declared).published == "2025-12-19"
    dated = DeclaredMetadata(kinds=(), canonical_url=canonical, published="2025-12-20")
    assert page_metadata(texts, [1, 2, 3], 0, dated).published == "2025-12-20"


def test_a_dump_without_a_repeated_title_has_none() -> None:
    metadata = page_metadata(["Home", PROSE, PROSE], [1, 2], None, None)
    assert metadata.title is None and metadata.authors == () and metadata.published is None


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("en", PROSE),
        ("de", "Der Gemeinderat hat am Dienstagabend über den neuen Haushalt für das kommende "
         "Jahr beraten und nach einer langen Debatte beschlossen, mehr Geld für Schulen und "
         "Straßen der Stadt auszugeben."),
        ("fr", "Le conseil municipal s'est réuni mardi soir pour discuter du nouveau budget de "
         "l'année prochaine et, après un long débat, a décidé de dépenser davantage pour les "
         "écoles et les routes de la ville."),
        ("es", "El ayuntamiento se reunió el martes por la noche para debatir el nuevo "
         "presupuesto del próximo año y, tras un largo debate, acordó gastar más en las "
         "escuelas y las carreteras de la ciudad."),
        ("ru", "Городской совет собрался во вторник вечером, чтобы обсудить новый бюджет на "
         "следующий год, и после долгих споров решил потратить больше денег на школы и "
         "дороги города."),
        ("ja", "市議会は火曜日の夜に来年度の新しい予算について話し合い、長い議論の末、市内の学校"
         "と道路により多くの予算を使うことを決めました。"),
    ],
)  # fmt: skip
def test_language(code: str, text: str) -> None:
    assert article_language([text, text]) == code


@pytest.mark.parametrize(
    ("code", "text", "plainly_english"),
    [
        # English without a "the": told by its function words, no CLD2 call
        ("en", "You can plan and manage your events with this app, and it is easy to use for "
         "teams of any size. Book rooms, invite guests and keep track of what you spend.", True),
        # Dutch has an "of", a "to" and an "is" of its own, but no "the", "you" or "that"
        ("nl", "Het is de vraag of dit is wat we willen, want het is niet eenvoudig om te "
         "bepalen of de gemeente genoeg geld heeft om de wegen en de scholen te verbeteren.",
         False),
    ],
)  # fmt: skip
def test_plainly_english(code: str, text: str, plainly_english: bool) -> None:
    assert _plainly_english(text) is plainly_english
    assert article_language([text]) == code


@pytest.mark.parametrize("texts", [[], ["12345"], ["x\x00\ud800 y"]])
def test_no_language_where_the_text_cannot_tell(texts: list[str]) -> None:
    assert article_language(texts) is None


def test_a_canonical_url_that_is_not_http_is_dropped() -> None:
    metadata = ArticleMetadata(canonical_url="javascript:void(0)")
    assert metadata.as_json("https://example.org/a")["canonical_url"] is None


def test_the_date_patterns_prefiltered_find_what_they_find_in_turn() -> None:
    """_date_match skips a pattern when the text lacks what it needs: it finds the same
    match as trying each in turn, on ASCII and on letters re folds to ASCII ("ſ", "K")."""
    import random

    from worker.core import page_dates

    patterns = (
        page_dates._MONTH_DAY_YEAR, page_dates._DAY_MONTH_YEAR, page_dates._ISO,
        page_dates._SLASHED_YMD, page_dates._DOTTED_DMY, page_dates._SLASHED,
    )  # fmt: skip
    pieces = [*"0123456789 -/.,:", "Jan", "MAR", "sep", "Sept", "ſep", "Oct", "may", "Dec", "jUl"]
    pieces += ["2024", "1999", "12", "3rd", "of", "K", "\u0130", "Kelvin", "x", " 2024"]
    pieces += ["Jan 3, 2024", "4 ſept 2023", "2024-03-05", "05.03.2024", "3/4/2024", "2024/1/2"]
    rng = random.Random(7)
    found = 0
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        expected = next((m for p in patterns if (m := p.search(text))), None)
        got = page_dates._date_match(text)
        assert (got and (got.re, got.span())) == (expected and (expected.re, expected.span()))
        found += expected is not None
    assert found > 500
