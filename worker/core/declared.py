"""What an HTML page declares about its article for machines, read before the parse drops
the head and the scripts: JSON-LD (schema.org's Article and its kin), OpenGraph and other
meta tags, microdata (`itemprop`), `<link rel="canonical">`, `<time datetime>`; and the
kinds of page it declares itself (page_meta), from the same elements.

The elements are selected in one walk of the tree in C (declared_c/): the selection by
lexbor's CSS engine and the reading of the nodes through selectolax cost ~340 us of a
268 kB page, as much as the rest of the article record. The walk is checked against that
selection on a probe page at import, which is used instead when they differ.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from selectolax.lexbor import LexborHTMLParser

from worker.core import _declared
from worker.core.page_dates import iso_date
from worker.core.page_meta import ARTICLE_TYPES, add_declared_kind, kinds_of


@dataclass(frozen=True, slots=True)
class DeclaredMetadata:
    """What an HTML page's head, JSON-LD and microdata say, each value as the page gave it."""

    kinds: tuple[bool, ...]
    title: str | None = None  # <title>
    og_title: str | None = None
    headline: str | None = None  # JSON-LD or microdata
    authors: tuple[str, ...] = ()
    published: str | None = None
    modified: str | None = None
    canonical_url: str | None = None
    description: str | None = None
    site_name: str | None = None
    time_element: str | None = None  # the first <time datetime> that is a date
    # The text of the page's first <title>, even an empty one ("" without any): the title
    # html_segments compares the segments with.
    first_title: str = ""


# What the elements are (declared_c/ selects the same); only the item properties read: a
# product page marks up hundreds of others.
SELECTOR = (
    'title, meta, link[rel="canonical"], script[type="application/ld+json"], [itemtype], '
    '[itemprop="author"], [itemprop="datePublished"], [itemprop="dateCreated"], '
    '[itemprop="dateModified"], [itemprop="headline"], time[datetime]'
)
# Meta tags by name or property, best first.
_META_TITLE = ("og:title", "twitter:title")
_META_DESCRIPTION = ("description", "og:description", "twitter:description")
_META_SITE = ("og:site_name", "application-name")
_META_AUTHOR = (
    "author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
    "dcterms.creator", "byl",
)  # fmt: skip
_META_PUBLISHED = (
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "publish_date", "parsely-pub-date", "sailthru.date", "dc.date.issued",
    "dcterms.issued", "dcterms.created", "dc.date", "dcterms.date", "date", "published",
    "published-date", "published_date", "publication-date", "publication_date",
    "article.published", "release_date",
)  # fmt: skip
_META_MODIFIED = (
    "article:modified_time", "og:updated_time", "datemodified", "dcterms.modified",
    "modified-date", "last-modified",
)  # fmt: skip
_META_KEYS = frozenset(
    (*_META_TITLE, *_META_DESCRIPTION, *_META_SITE, *_META_AUTHOR, *_META_PUBLISHED,
     *_META_MODIFIED, "og:url", "twitter:label1", "twitter:data1")
)  # fmt: skip
# Other meta names that say they hold the publication date: a name with "publish" or
# "pubdate" in it ("w-published-date", "og:publish_date", "rbpubdate"), or a namespace's
# "date" ("ms.date", "citation:date"), unless it names something else: an update, an
# expiry, an end or a start, the publisher. Read after the names above.
_PUBLISHED_NAME = re.compile(r"publish|pub-?_?date|^[a-z]{1,12}[.:]date$")
_NOT_PUBLISHED_NAME = re.compile(r"publisher|modif|updat|expir|last|end|start|edit")
_ITEMPROPS = frozenset(("author", "datepublished", "datecreated", "datemodified", "headline"))
# An item's date: the first of these in the page. A question (schema.org's Question) has
# its dateCreated first; its answers' comments have a datePublished each.
_ITEM_DATES = frozenset(("datepublished", "datecreated"))
# JSON-LD beyond this is not parsed: a catalogue of thousands of products costs more than
# it tells, and an article's own object comes first.
_JSON_LD_BYTES = 100_000
_ARTICLE_TYPE_NAMES = frozenset(ARTICLE_TYPES)
_TIMES = 3


def read_declared(tree: LexborHTMLParser) -> DeclaredMetadata:
    """The page's declared metadata and kinds (page_meta), in one selection. Before the
    parse drops the head and the scripts."""
    kinds: set[str] = set()
    meta: dict[str, str] = {}
    title = canonical = first_title = None
    json_ld: list[Any] = []
    microdata: dict[str, str] = {}
    micro_authors: list[str] = []
    times: list[str] = []
    named_published: list[str] = []
    for tag, attributes, script_or_title, microdata_text in declared_elements(tree):
        script = script_or_title if tag == "script" else None
        if tag == "meta":
            key = attributes.get("property") or attributes.get("name") or attributes.get("itemprop")
            # (only the keys read: a page has dozens of others)
            if (
                key
                and (key := key.strip().lower()) in _META_KEYS
                and key not in meta
                and (content := _clean(attributes.get("content")))
            ):
                meta[key] = content
            elif (
                key
                and ("pub" in key or key.endswith("date"))  # (most names are neither)
                and _PUBLISHED_NAME.search(key)
                and not _NOT_PUBLISHED_NAME.search(key)
                and (content := attributes.get("content"))
            ):
                named_published.append(content)
            if "og:type" in (attributes.get("property"), attributes.get("name")):
                add_declared_kind(kinds, tag, attributes, None)
            continue
        if script is not None or "itemtype" in attributes:
            add_declared_kind(kinds, tag, attributes, script)
        if tag == "title":
            first_title = script_or_title if first_title is None else first_title
            title = title or _clean(script_or_title)
        elif tag == "link":
            canonical = canonical or (attributes.get("href") or "").strip() or None
        elif script is not None:
            json_ld.extend(_json_ld(script))
        elif tag == "time" and len(times) < _TIMES:
            times.append(attributes.get("datetime") or "")
        prop = (attributes.get("itemprop") or "").lower()
        if prop in _ITEMPROPS:
            value = _microdata_value(attributes, microdata_text)
            if value:
                if prop == "author":
                    micro_authors.append(value)
                elif prop in _ITEM_DATES:
                    if "date" not in microdata and iso_date(value):
                        microdata["date"] = value
                else:
                    microdata.setdefault(prop, value)
    article = _article_object(json_ld)
    authors = _authors_of(article.get("author")) if article else ()
    if not authors:
        authors = _meta_authors(meta)
    if not authors:
        named = (author_name(author) for author in micro_authors[:3])
        authors = tuple(dict.fromkeys(name for name in named if name))
    published = _first_date(
        _string(article.get("datePublished")),
        *(meta.get(k) for k in _META_PUBLISHED),
        microdata.get("date"),
        *named_published,
    )
    return DeclaredMetadata(
        kinds=kinds_of(kinds),
        title=title,
        og_title=_first(meta, _META_TITLE),
        headline=_string(article.get("headline")) or microdata.get("headline"),
        authors=tuple(name for name in authors if name),
        published=published,
        time_element=_first_date(*times),
        modified=_first_date(
            _string(article.get("dateModified")),
            *(meta.get(k) for k in _META_MODIFIED),
            microdata.get("datemodified"),
        ),
        canonical_url=canonical or meta.get("og:url"),
        description=_first(meta, _META_DESCRIPTION) or _string(article.get("description")),
        site_name=_first(meta, _META_SITE) or _publisher(article, json_ld),
        first_title=first_title or "",
    )


def _clean(text: str | None) -> str | None:
    cleaned = " ".join((text or "").split())
    return cleaned or None


def _first(meta: dict[str, str], keys: Sequence[str]) -> str | None:
    for key in keys:
        if value := meta.get(key):
            return value
    return None


def _first_date(*values: str | None) -> str | None:
    for value in values:
        if parsed := iso_date(value):
            return parsed
    return None


def _string(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    return _clean(value) if isinstance(value, str) else None


def _json_ld(text: str) -> list[Any]:
    if len(text) > _JSON_LD_BYTES:
        return []
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        # Pages put raw newlines and tabs in JSON-LD strings, which JSON forbids.
        try:
            value = orjson.loads(" ".join(text.split()))
        except orjson.JSONDecodeError:
            return []
    objects: list[Any] = []
    pending = [value]
    while pending and len(objects) < 200:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(reversed(item))
        elif isinstance(item, dict):
            objects.append(item)
            graph = item.get("@graph")
            if isinstance(graph, list):
                pending.extend(reversed(graph))
            main = item.get("mainEntity")
            if isinstance(main, dict):
                pending.append(main)
    return objects


def _types(item: dict[str, Any]) -> set[str]:
    kinds = item.get("@type")
    names = kinds if isinstance(kinds, list) else [kinds]
    return {n.rsplit("/", 1)[-1].lower() for n in names if isinstance(n, str)}


def _article_object(objects: list[Any]) -> dict[str, Any]:
    """The JSON-LD object describing the page's article: the first of an article type, else
    the first with a headline or a publication date, else an empty dict."""
    for item in objects:
        if _types(item) & _ARTICLE_TYPE_NAMES:
            return item  # type: ignore[no-any-return]
    for item in objects:
        if "headline" in item or "datePublished" in item:
            return item  # type: ignore[no-any-return]
    return {}


def _authors_of(value: Any) -> tuple[str, ...]:
    found: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, list) and name:
            name = name[0]
        if isinstance(name, str) and (cleaned := author_name(name)):
            found.append(cleaned)
    return tuple(dict.fromkeys(found))


def _meta_authors(meta: dict[str, str]) -> tuple[str, ...]:
    for key in _META_AUTHOR:
        value = meta.get(key)
        if value and not value.startswith(("http://", "https://", "/", "@")):
            return tuple(n for n in author_names(value) if n)
    if meta.get("twitter:label1", "").lower() in ("written by", "author", "est. reading time"):
        value = meta.get("twitter:data1")
        if value and meta["twitter:label1"].lower() != "est. reading time":
            return tuple(n for n in author_names(value) if n)
    return ()


def _publisher(article: dict[str, Any], objects: list[Any]) -> str | None:
    publisher = article.get("publisher")
    if isinstance(publisher, dict) and (name := _string(publisher.get("name"))):
        return name
    for item in objects:
        if "website" in _types(item) and (name := _string(item.get("name"))):
            return name
    return None


def _microdata_value(attributes: dict[str, str | None], text: str | None) -> str | None:
    """An item property's value: its content or datetime, else its text (`text`: that of
    its first descendant with itemprop "name", else its own; None for a <meta>)."""
    value = attributes.get("content") or attributes.get("datetime")
    if value:
        return _clean(value)
    return _clean(text) if text is not None else None


BY = re.compile(r"^(?:(?:written|posted|reviewed|words|story|text)\s+)?by[:\s]\s*", re.I)
_NAME_SEPARATORS = re.compile(r"\s*(?:;|\||\s+and\s+|\s+&\s+|,\s+(?:and\s+)?)\s*", re.I)
_NOT_A_NAME = re.compile(r"[@/]|\d{3,}|https?:")
_NAME_WORDS = 6


def author_name(text: str) -> str | None:
    """A cleaned author name, or None when the text is no name (a URL, a sentence)."""
    name = BY.sub("", " ".join(text.split())).strip(" -–—|·•:,")
    if not name or _NOT_A_NAME.search(name) or len(name.split()) > _NAME_WORDS:
        return None
    return name


def author_names(text: str) -> list[str]:
    parts = _NAME_SEPARATORS.split(BY.sub("", text.strip()))
    return [name for part in parts if (name := author_name(part))]


# --- the elements -----------------------------------------------------------------------

# (tag: "title", "meta", "link", "script", "time" or ""; attributes: those of
# DECLARED_ATTRIBUTES it has; the text of a <title> or a <script>; an item property's text)
Element = tuple[str, dict[str, str | None], str | None, str | None]
DECLARED_ATTRIBUTES = ("property", "name", "itemprop", "content", "itemtype", "datetime", "href")
_TAGS = frozenset(("title", "meta", "link", "script", "time"))


def declared_elements(tree: LexborHTMLParser) -> list[Element]:
    """The elements SELECTOR selects, in document order, as declared_c/declared.h describes them."""
    root = tree.root
    if root is None:
        return []
    if COMPILED_SELECTION:
        return _declared.declared_elements(root)
    return list(_selected_elements(tree))


def _selected_elements(tree: LexborHTMLParser) -> Iterator[Element]:
    """declared_elements by selectolax's own API."""
    for node in tree.css(SELECTOR):
        tag = node.tag or ""
        tag = tag if tag in _TAGS else ""
        everything = node.attributes
        attributes = {k: v for k, v in everything.items() if k in DECLARED_ATTRIBUTES}
        text = node.text() if tag in ("title", "script") else None
        microdata_text = None
        prop = (attributes.get("itemprop") or "").lower()
        own = attributes.get("content") or attributes.get("datetime")
        if tag != "meta" and prop in _ITEMPROPS and not own:
            name = node.css_first('[itemprop="name"]')
            microdata_text = (name or node).text()
        yield tag, attributes, text, microdata_text


# Every kind of element selected and passed over, in and out of the HTML namespace, with
# values in other cases, without values, not ASCII, and elements selected more than once.
_PROBE_PAGE = (
    "<!-- c --><html itemscope itemtype='https://schema.org/WebPage'><head>"
    "<title>Probe \u00e9 <b>page</b></title><meta charset='utf-8'>"
    "<meta property='og:type' content='article'><meta name='author' content='Jane Doe'>"
    "<meta name='description'><meta itemprop='datePublished' content='2024-03-01'>"
    "<link rel='Canonical' href='/a'><link rel='canonical stylesheet' href='/b'>"
    "<link rel='stylesheet' href='/c'>"
    '<script type=\'Application/LD+JSON\'>{"@type": "NewsArticle"}</script>'
    "<script type='application/ld+json '>{}</script><script>var a = 1;</script>"
    "<script type='text/javascript'>x</script></head><body itemtype='x' itemprop='y'>"
    "<article itemscope itemtype='https://schema.org/BlogPosting'>"
    "<h1 itemprop='headline'>The <em>headline</em></h1>"
    "<span itemprop='author' itemscope><span itemprop='name'>Jo \u00d6</span> x</span>"
    "<div itemprop='Author'>Case</div><div itemprop='author name'>Two</div>"
    "<div itemprop='datePublished' content=''>Empty content</div>"
    "<time datetime='2024-03-02'>March 2</time><time datetime>Bare</time><time>None</time>"
    "<span itemprop='dateModified' datetime='2024-03-03'>Mar 3</span>"
    "<time itemprop='dateCreated' datetime='2024-03-04'>x</time><i itemprop=DATECREATED>y</i>"
    "<svg><title>Svg title</title><script type='application/ld+json'>{}</script></svg>"
    "<template><meta name='inside' content='template'></template>"
    "<p itemtype>Bare type</p><div itemprop='headline' itemtype='t'>Both</div>"
    "<meta itemprop='author' itemtype='x' content='Thrice'><time datetime itemprop=Headline>"
    "<b itemprop=name>Named</b></time><p data-x=1 class=c id=i lang=en>Other</p>"
    "</article></body></html>"
)


def _compiled_selection_agrees() -> bool:
    """Whether _declared reads this selectolax's objects: the same elements as its API."""
    tree = LexborHTMLParser(_PROBE_PAGE)
    if tree.root is None:
        return False
    try:
        compiled = _declared.declared_elements(tree.root)
    except (TypeError, ValueError):
        return False
    return compiled == list(_selected_elements(tree))


COMPILED_SELECTION = _compiled_selection_agrees()
