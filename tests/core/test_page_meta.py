"""What a page declares itself to be (page_meta.declared_kinds), from OpenGraph, JSON-LD and
microdata, and how the segment features carry it."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from worker.core.features import feature_names, page_features
from worker.core.page_meta import DECLARED_KINDS, declared_kinds
from worker.core.segments import segment_page

BODY = "<body><p>A paragraph of the page, long enough to be a segment of its own.</p></body>"


def declared(head: str, body: str = BODY) -> set[str]:
    flags = declared_kinds(LexborHTMLParser(f"<html><head>{head}</head>{body}</html>"))
    assert len(flags) == len(DECLARED_KINDS)
    return {kind for kind, flag in zip(DECLARED_KINDS, flags, strict=True) if flag}


@pytest.mark.parametrize(
    ("head", "kinds"),
    [
        pytest.param("", set(), id="nothing"),
        pytest.param('<meta property="og:type" content="article">', {"article"}, id="og-article"),
        pytest.param('<meta property="og:type" content=" Blog ">', {"article"}, id="og-blog"),
        pytest.param('<meta name="og:type" content="website">', {"website"}, id="og-by-name"),
        pytest.param('<meta property="og:type" content="product.group">', {"collection"}),
        pytest.param('<meta property="og:type" content="ebay-objects:product">', {"product"}),
        pytest.param('<meta property="og:type" content="video.movie">', set(), id="og-other"),
        pytest.param(
            '<script type="application/ld+json">{"@context": "https://schema.org",'
            ' "@type": "NewsArticle", "headline": "x"}</script>',
            {"article"},
            id="json-ld",
        ),
        pytest.param(
            '<script type="application/ld+json">{"@type": ["DiscussionForumPosting"]}</script>',
            {"discussion"},
            id="json-ld-list",
        ),
        pytest.param(
            '<script type="application/ld+json">{"@graph": [{"@type": "WebSite"},'
            ' {"@type": "BlogPosting", "comment": [{"@type": "Comment"}]}]}</script>',
            {"article"},
            id="json-ld-graph-website-and-comments-say-nothing",
        ),
        pytest.param(
            '<script type="application/ld+json">{"@type": "ItemList"}</script>'
            '<meta property="og:type" content="website">',
            {"collection", "website"},
            id="two-kinds",
        ),
        pytest.param(
            '<script type="text/javascript">var x = {"@type": "Product"};</script>',
            set(),
            id="not-json-ld",
        ),
    ],
)
def test_declared_kinds(head: str, kinds: set[str]) -> None:
    assert declared(head) == kinds


def test_microdata_item_types_count() -> None:
    body = (
        '<body><div itemscope itemtype="http://schema.org/BlogPosting">'
        "<p>A post of a blog, long enough to be a paragraph.</p></div>"
        '<div itemtype="https://schema.org/Product/"><p>A product</p></div></body>'
    )
    assert declared("", body) == {"article", "product"}


def test_every_segment_of_the_page_carries_what_it_declares() -> None:
    head = '<meta property="og:type" content="article">'
    page = f"<html><head>{head}</head><body><p>First paragraph here.</p><p>Second.</p></body>"
    features = page_features(segment_page(page, "text/html"))
    names = feature_names("text/html")
    article = features[:, names.index("declares_article")]
    product = features[:, names.index("declares_product")]
    assert article.tolist() == [1.0, 1.0] and product.tolist() == [0.0, 0.0]
