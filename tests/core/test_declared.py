"""The declared metadata's elements: the compiled selection (declared_c/) against
selectolax's own (tree.css), and read_declared the same either way."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from worker.core import _declared, declared
from worker.core.declared import read_declared

FIXTURES = Path(__file__).parents[1] / "fixtures"
PAGES = sorted(FIXTURES.glob("*/html/*.html.gz"))


def both_selections(page: str | bytes) -> tuple[list[declared.Element], list[declared.Element]]:
    tree = LexborHTMLParser(page)
    assert tree.root is not None
    return _declared.declared_elements(tree.root), list(declared._selected_elements(tree))


def test_the_compiled_selection_reads_this_selectolax() -> None:
    """The speed figures assume it: a selectolax it cannot read leaves the CSS selection in
    use, which must not go unnoticed."""
    assert declared.COMPILED_SELECTION


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_both_select_the_same_on_real_pages(path: Path) -> None:
    compiled, python = both_selections(gzip.decompress(path.read_bytes()))
    assert compiled == python


def test_the_real_pages_declare_plenty() -> None:
    """(So that the test above compares something: these pages hold all the kinds.)"""
    tags = [e[0] for p in PAGES for e in both_selections(gzip.decompress(p.read_bytes()))[0]]
    assert {"title", "meta", "link", "script", "time", ""} <= set(tags)
    assert len(tags) > 20 * len(PAGES)


ODD_PAGES = {
    "the probe page": declared._PROBE_PAGE,
    "malformed utf-8 in values and text": (
        b"<title>a\xff\xfeb \xc3</title><meta name='x\xe2\x82' content='\xed\xa0\x80'>"
        b"<div itemprop=author>\xc0\xaf Jo</div><script type=application/ld+json>\xff{}</script>"
    ),
    "names longer than lexbor keeps inline": (
        "<meta name='a-very-long-attribute-name-indeed' content=1>"
        "<div data-a-very-long-attribute-name=1 itemprop=author>Jo</div>"
    ),
    "case of attribute names and values": (
        "<META NAME=Author CONTENT=Jo><LINK REL=CANONICAL HREF=/x><Time DateTime=2024-01-02>"
        "</Time><div ITEMTYPE=X ITEMPROP=HEADLINE>H</div><div itemprop=datepublished>d</div>"
    ),
    "foreign content": (
        "<svg><script type='APPLICATION/LD+JSON'>{}</script><title>T</title>"
        "<link rel=Canonical href=/s></svg><math><meta name=m content=1></math>"
    ),
    "nested item properties": (
        "<div itemprop=author><div itemprop=author><span itemprop=name>In</span></div>"
        "<span itemprop=name>Out</span></div><span itemprop=author itemscope>"
        "<span itemprop='name '>Spaced</span> own</span>"
    ),
    "empty values": "<meta><meta name content><time datetime=''></time><div itemprop=''>x</div>",
    "nothing selected": "<p>Only a paragraph.</p>",
    "empty document": "",
}


@pytest.mark.parametrize("name", ODD_PAGES)
def test_both_select_the_same_on_odd_pages(name: str) -> None:
    compiled, python = both_selections(ODD_PAGES[name])
    assert compiled == python
    assert bool(python) == (name not in ("nothing selected", "empty document"))


_TAGS = ("title", "meta", "link", "script", "time", "div", "span", "svg", "template", "p")
_ATTRIBUTES = {
    "property": ("og:type", "og:title", " OG:Title ", "article:published_time"),
    "name": ("author", "description", "Date", ""),
    "itemprop": (
        "author",
        "Author",
        "datePublished",
        "datepublished",
        "dateCreated",
        "DateCreated",
        "headline",
        "name",
        "",
    ),
    "itemtype": ("https://schema.org/NewsArticle", "", "Product"),
    "content": ("Jane Doe", "2024-03-01", "", " \u00e9t\u00e9 "),
    "datetime": ("2024-03-02T10:00:00Z", "", "soon"),
    "href": ("/canonical", ""),
    "rel": ("canonical", "Canonical", "stylesheet", "canonical alternate"),
    "type": ("application/ld+json", "Application/LD+JSON", "text/javascript"),
    "class": ("menu", "byline"),
    "data-very-long-attribute-name": ("1",),
}


def random_element(rng: random.Random, depth: int) -> str:
    tag = rng.choice(_TAGS)
    chosen = rng.sample(sorted(_ATTRIBUTES), rng.randint(0, 4))
    attributes = "".join(
        f" {name}" if rng.random() < 0.1 else f" {name}='{rng.choice(_ATTRIBUTES[name])}'"
        for name in chosen
    )
    inner = rng.choice(("", "Text", ' {"@type": "Article"} ', "caf\u00e9"))
    if depth < 3:
        inner += "".join(random_element(rng, depth + 1) for _ in range(rng.randint(0, 3)))
    return f"<{tag}{attributes}>{inner}</{tag}>"


@pytest.mark.parametrize("seed", range(4))
def test_both_select_the_same_on_random_pages(seed: int) -> None:
    rng = random.Random(300 + seed)
    for _ in range(60):
        head = "".join(random_element(rng, 2) for _ in range(rng.randint(0, 4)))
        body = "".join(random_element(rng, 0) for _ in range(rng.randint(1, 5)))
        compiled, python = both_selections(f"<html><head>{head}</head><body>{body}</body></html>")
        assert compiled == python


@pytest.mark.parametrize("path", PAGES[:12], ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_read_declared_is_the_same_with_either_selection(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = gzip.decompress(path.read_bytes())
    compiled = read_declared(LexborHTMLParser(page))
    monkeypatch.setattr(declared, "COMPILED_SELECTION", False)
    assert read_declared(LexborHTMLParser(page)) == compiled


def test_the_compiled_selection_refuses_what_it_cannot_read() -> None:
    tree = LexborHTMLParser("<title>T</title>")
    with pytest.raises(TypeError, match="LexborNode"):
        _declared.declared_elements(tree)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="LexborNode"):
        _declared.declared_elements("<title>")  # type: ignore[arg-type]
