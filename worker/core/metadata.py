"""An article's title, authors, dates, language, canonical URL, description and site name.

Two sources, in this order of trust:

- what an HTML page declares for machines: JSON-LD (schema.org's Article and its kin),
  OpenGraph and other meta tags, microdata (`itemprop`), `<link rel="canonical">`. Read in
  one CSS selection, before the parse drops the head and the scripts (`read_declared`);
- the page's own segments: the headline (an `<h1>` in HTML), a byline ("By Jane Doe") and
  a dateline ("Published March 3, 2024") near it. This is all a text dump has.

Absent means None: a field is given only when one of these says it, never filled in
from something that merely looks likely (a text dump's first line may be the page's
<title>, but nothing in the text says so).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress
from typing import Any
from urllib.parse import urljoin

import orjson
from selectolax.lexbor import LexborHTMLParser, LexborNode

from worker.core.language import article_language
from worker.core.page_dates import DATELINE_CHARS, YEAR, dateline, iso_date
from worker.core.page_meta import ARTICLE_TYPES, add_declared_kind, kinds_of


@dataclass(frozen=True, slots=True)
class ArticleMetadata:
    """The metadata fields of an article record (schemas/article.schema.json)."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None  # ISO 8601 date or datetime
    modified: str | None = None
    language: str | None = None  # ISO 639-1
    canonical_url: str | None = None
    description: str | None = None
    site_name: str | None = None

    def as_json(self, page_url: str) -> dict[str, Any]:
        canonical = self.canonical_url
        if canonical is not None:  # as the page wrote it: relative ones resolve against it
            canonical = urljoin(page_url, canonical)
            canonical = canonical if canonical.startswith(("http://", "https://")) else None
        return {
            "title": self.title,
            "authors": list(self.authors),
            "published": self.published,
            "modified": self.modified,
            "language": self.language,
            "canonical_url": canonical,
            "description": self.description,
            "site_name": self.site_name,
        }


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


# Only the item properties read: a product page marks up hundreds of others.
_SELECTOR = (
    'title, meta, link[rel="canonical"], script[type="application/ld+json"], [itemtype], '
    '[itemprop="author"], [itemprop="datePublished"], [itemprop="dateModified"], '
    '[itemprop="headline"], time[datetime]'
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
_ITEMPROPS = frozenset(("author", "datepublished", "datemodified", "headline"))
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
    title = canonical = None
    json_ld: list[Any] = []
    microdata: dict[str, str] = {}
    micro_authors: list[str] = []
    times: list[str] = []
    for node in tree.css(_SELECTOR):
        tag = node.tag or ""
        attributes = node.attributes
        script = node.text() if tag == "script" else None
        if tag == "meta":
            key = attributes.get("property") or attributes.get("name") or attributes.get("itemprop")
            content = _clean(attributes.get("content"))
            if key and content:
                meta.setdefault(key.strip().lower(), content)
            if "og:type" in (attributes.get("property"), attributes.get("name")):
                add_declared_kind(kinds, tag, attributes, None)
            continue
        if script is not None or "itemtype" in attributes:
            add_declared_kind(kinds, tag, attributes, script)
        if tag == "title":
            title = title or _clean(node.text())
        elif tag == "link":
            canonical = canonical or (attributes.get("href") or "").strip() or None
        elif script is not None:
            json_ld.extend(_json_ld(script))
        elif tag == "time" and len(times) < _TIMES:
            times.append(attributes.get("datetime") or "")
        prop = (attributes.get("itemprop") or "").lower()
        if prop in _ITEMPROPS:
            value = _microdata_value(node, attributes)
            if value:
                if prop == "author":
                    micro_authors.append(value)
                else:
                    microdata.setdefault(prop, value)
    article = _article_object(json_ld)
    authors = _authors_of(article.get("author")) if article else ()
    if not authors:
        authors = _meta_authors(meta)
    if not authors:
        named = (_names(author) for author in micro_authors[:3])
        authors = tuple(dict.fromkeys(name for name in named if name))
    published = _first_date(
        _string(article.get("datePublished")),
        *(meta.get(k) for k in _META_PUBLISHED),
        microdata.get("datepublished"),
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
        if isinstance(name, str) and (cleaned := _names(name)):
            found.append(cleaned)
    return tuple(dict.fromkeys(found))


def _meta_authors(meta: dict[str, str]) -> tuple[str, ...]:
    for key in _META_AUTHOR:
        value = meta.get(key)
        if value and not value.startswith(("http://", "https://", "/", "@")):
            return tuple(n for n in _split_names(value) if n)
    if meta.get("twitter:label1", "").lower() in ("written by", "author", "est. reading time"):
        value = meta.get("twitter:data1")
        if value and meta["twitter:label1"].lower() != "est. reading time":
            return tuple(n for n in _split_names(value) if n)
    return ()


def _publisher(article: dict[str, Any], objects: list[Any]) -> str | None:
    publisher = article.get("publisher")
    if isinstance(publisher, dict) and (name := _string(publisher.get("name"))):
        return name
    for item in objects:
        if "website" in _types(item) and (name := _string(item.get("name"))):
            return name
    return None


def _microdata_value(node: LexborNode, attributes: dict[str, str | None]) -> str | None:
    value = attributes.get("content") or attributes.get("datetime")
    if value:
        return _clean(value)
    if node.tag == "meta":
        return None
    name = node.css_first('[itemprop="name"]')
    return _clean((name or node).text())


_BY = re.compile(r"^(?:(?:written|posted|reviewed|words|story|text)\s+)?by[:\s]\s*", re.I)
_NAME_SEPARATORS = re.compile(r"\s*(?:;|\||\s+and\s+|\s+&\s+|,\s+(?:and\s+)?)\s*", re.I)
_NOT_A_NAME = re.compile(r"[@/]|\d{3,}|https?:")
_NAME_WORDS = 6


def _names(text: str) -> str | None:
    """A cleaned author name, or None when the text is no name (a URL, a sentence)."""
    name = _BY.sub("", " ".join(text.split())).strip(" -–—|·•:,")
    if not name or _NOT_A_NAME.search(name) or len(name.split()) > _NAME_WORDS:
        return None
    return name


def _split_names(text: str) -> list[str]:
    return [n for part in _NAME_SEPARATORS.split(_BY.sub("", text.strip())) if (n := _names(part))]


_NOTHING_DECLARED = DeclaredMetadata(kinds=())

# --- from the segments ----------------------------------------------------------------------

_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·•»]\s+")
_WORDS = re.compile(r"\w+")
_NEAR_BEFORE, _NEAR_AFTER = 3, 12  # segments around the headline searched for a by/dateline
_CLOSE = 2  # a dateline this close to the headline is the page's date, before any declared
_FAR = 100  # segments past the headline searched for a dateline when none is near it
_BYLINE_CHARS = 120
_BYLINE_FIRST = frozenset("BbWwPpRrSsTt")
# What follows the names in a byline: "By Jane Doe | March 3", "By Jane Doe on March 3".
_BYLINE_END = re.compile(r"\s+(?:[|·•—–-]|on|at|updated|published|posted)\s+")
_HEADLINE_CHARS = 300
_HEADLINE_AGREES = 0.5
_HEADLINE_ABOVE = 30  # segments above a dump's article searched for its headline
_SHORT_HEADLINE = 12  # shorter segments the title holds are menu items ("Home", "News")


def page_metadata(
    texts: Sequence[str],
    kept: Sequence[int],
    headline: int | None,
    declared: DeclaredMetadata | None,
) -> ArticleMetadata:
    """The article's metadata from what the page declares (None for a text dump), its
    segments' `texts`, the positions of the `kept` ones, and the position of the headline
    segment (an <h1>; None when the page has none)."""
    text_dump = declared is None
    if text_dump and kept:
        headline = _headline_of_text(texts, kept)
    declared = declared or _NOTHING_DECLARED
    title = _title(declared, texts[headline] if headline is not None else None)
    near = _near(len(texts), headline if headline is not None else (kept[0] if kept else None))
    authors = declared.authors or _byline(texts, near)
    anchor = headline if headline is not None else (kept[0] if kept else 0)
    close, dated_published, dated_modified = _datelines(texts, near, anchor)
    published = close or declared.published or dated_published
    if published == close and (declared.published or "")[:10] == published:
        published = declared.published  # the same day, with the time the page declared
    if published is None and kept and not text_dump:
        # The first dateline of the article's part of an HTML page: a thread's first post, a
        # question's "asked" line (in the rejected blocks between the kept ones; a dump's
        # lines were not worth their time there).
        after = range(near.stop, min(len(texts), max(near.stop, kept[-1]) + 1, near.stop + _FAR))
        published = _first_dateline(texts, after)
    published = published or declared.time_element
    modified = declared.modified or dated_modified
    return ArticleMetadata(
        title=title,
        authors=authors,
        published=published,
        modified=modified,
        language=article_language(texts[i] for i in kept),
        canonical_url=declared.canonical_url,
        description=declared.description,
        site_name=declared.site_name,
    )


def _title(declared: DeclaredMetadata, headline: str | None) -> str | None:
    """The headline when the page's title agrees with it (most of its words are in the
    title), else the declared title without the site's name, else the headline."""
    reference = declared.og_title or declared.title or declared.headline
    short = headline is not None and len(headline) <= _HEADLINE_CHARS
    if headline and short and (reference is None or _agrees(headline, reference)):
        return headline
    if reference:
        return _without_site_name(reference)
    return headline if short else None


def _agrees(headline: str, reference: str) -> bool:
    words = _WORDS.findall(headline.lower())
    known = set(_WORDS.findall(reference.lower()))
    return bool(words) and sum(w in known for w in words) >= _HEADLINE_AGREES * len(words)


def _without_site_name(title: str) -> str:
    """ "Headline | Site" → "Headline": the longest part, when separators split it."""
    parts = [p for p in _TITLE_SEPARATORS.split(title) if p.strip()]
    return max(parts, key=len).strip() if len(parts) > 1 else title


def _headline_of_text(texts: Sequence[str], kept: Sequence[int]) -> int | None:
    """A text dump's headline: the longest segment above the article (or among its first
    lines) that the dump's first line holds, where dumps put the page's <title>
    ("Headline | Site"); None when no segment repeats it. The test runs in C: most
    segments up there are menu items."""
    if len(texts) < 2:
        return None
    reference = texts[0].lower()
    start = max(1, kept[0] - _HEADLINE_ABOVE)
    chosen = texts[start : kept[0] + _NEAR_BEFORE + 1]
    held = map(reference.__contains__, map(str.lower, chosen))
    best, best_chars = None, _SHORT_HEADLINE - 1
    for position, text in compress(enumerate(chosen, start), held):
        if len(text) > best_chars:
            best, best_chars = position, len(text)
    return best


def _near(count: int, anchor: int | None) -> range:
    if anchor is None:
        return range(0)
    return range(max(0, anchor - _NEAR_BEFORE), min(count, anchor + _NEAR_AFTER + 1))


def _byline(texts: Sequence[str], near: range) -> tuple[str, ...]:
    """Authors from a "By Jane Doe" segment near the headline."""
    for position in near:
        text = texts[position]
        # (A byline's first word is "By", "Written", "Posted"...: the letter rules out most.)
        if text[:1] in _BYLINE_FIRST and len(text) <= _BYLINE_CHARS and _BY.match(text):
            line = _BY.sub("", text)
            line = _BYLINE_END.split(line, maxsplit=1)[0]
            names = _split_names(line)
            if names:
                return tuple(names)
    return ()


def _datelines(
    texts: Sequence[str], near: range, anchor: int
) -> tuple[str | None, str | None, str | None]:
    """The dates of the datelines in `near`: the first within _CLOSE segments of `anchor`,
    the first of all, and the first that says "updated"."""
    close = published = modified = None
    for position in _with_a_year(texts, near):
        if (found := dateline(texts[position])) is None:
            continue
        value, updated = found
        if updated:
            modified = modified or value
        else:
            published = published or value
            if close is None and abs(position - anchor) <= _CLOSE:
                close = value
        if published and modified and (close or position > anchor + _CLOSE):
            break  # nothing further changes the answer
    return close, published, modified


def _first_dateline(texts: Sequence[str], positions: range) -> str | None:
    for position in _with_a_year(texts, positions):
        found = dateline(texts[position])
        if found is not None and not found[1]:
            return found[0]
    return None


def _with_a_year(texts: Sequence[str], near: range) -> list[int]:
    """The positions in `near` of the segments short enough for a dateline that hold a
    year: most segments there are neither."""
    return [p for p in near if len(texts[p]) <= DATELINE_CHARS and YEAR.search(texts[p])]
