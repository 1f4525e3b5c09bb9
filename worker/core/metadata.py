"""An article's title, authors, dates, language, canonical URL, description and site name.

Two sources, in this order of trust:

- what an HTML page declares for machines: JSON-LD (schema.org's Article and its kin),
  OpenGraph and other meta tags, microdata (`itemprop`), `<link rel="canonical">`
  (declared.py reads them, before the parse drops the head and the scripts);
- the page's own segments: the headline (an `<h1>` in HTML), a byline ("By Jane Doe") and
  a dateline ("Published March 3, 2024") near it. This is all a text dump has.

Absent means None: a field is given only when one of these says it, never filled in
from something that merely looks likely (a text dump's first line may be the page's
<title>, but nothing in the text says so).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from worker.core.declared import BY, DeclaredMetadata, author_names
from worker.core.language import article_language
from worker.core.page_dates import DATELINE_CHARS, YEAR, dateline, url_date


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


_NOTHING_DECLARED = DeclaredMetadata(kinds=())

# --- from the segments ----------------------------------------------------------------------

_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·•»]\s+")
_WORDS = re.compile(r"\w+")
_NEAR_BEFORE, _NEAR_AFTER = 3, 12  # segments around the headline searched for a by/dateline
_CLOSE = 2  # a dateline this close to the headline is the page's date, before any declared
_FAR = 100  # segments past the headline searched for a dateline when none is near it
_PAST_END = 2  # segments past the article's last searched for a dateline, when all else fails
_SIGNED = 8  # ... and for a byline followed by a dateline: the article's signature
_LINE_CHARS = DATELINE_CHARS  # a byline too is no longer
# A byline's first two letters, lowered: "By", "Written by", "Posted", "Reviewed", "Words",
# "Story", "Text" (BY's words).
_BYLINE_STARTS = frozenset(("by", "wr", "po", "re", "wo", "st", "te"))
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
    first_h1: int | None = None,
) -> ArticleMetadata:
    """The article's metadata from what the page declares (None for a text dump), its
    segments' `texts`, the positions of the `kept` ones, and the position of the headline
    segment (an <h1>; None when the page has none) and of the page's first <h1>."""
    text_dump = declared is None
    if text_dump and kept:
        headline = _headline_of_text(texts, kept)
    declared = declared or _NOTHING_DECLARED
    title = _title(declared, texts[headline] if headline is not None else None)
    near = _near(len(texts), headline if headline is not None else (kept[0] if kept else None))
    lines = [p for p in near if len(texts[p]) <= _LINE_CHARS]  # by- and datelines are short
    authors = declared.authors or _byline(texts, lines)
    anchor = headline if headline is not None else (kept[0] if kept else 0)
    close, dated_published, dated_modified = _datelines(texts, lines, anchor)
    modified = declared.modified or dated_modified
    declared_published = _declared_published(declared, dated_published, dated_modified)
    published = close or declared_published or dated_published
    if published == close and (declared.published or "")[:10] == published:
        published = declared.published  # the same day, with the time the page declared
    if published is None and kept and not text_dump:
        # The article's part of an HTML page (a dump's lines were not worth their time
        # there): the first dateline by the page's first <h1> where the headline is another
        # (a kept subheading of the article's, its title <h1> left out of it); its first
        # dateline just above the first kept segment (the headline found may be a subheading
        # of the article's); the first dateline below the headline's neighbourhood, in the
        # rejected blocks between the kept ones (a thread's first post, a question's "asked"
        # line); the one just past the article's end ("Posted on ..."); a byline and its
        # date a little further down, signing the article.
        published = (
            (first_h1 != headline and _first_dateline(texts, _near(len(texts), first_h1)))
            or _first_dateline(texts, range(max(0, kept[0] - _NEAR_BEFORE), kept[0]))
            or _first_dateline(
                texts,
                range(near.stop, min(len(texts), max(near.stop, kept[-1]) + 1, near.stop + _FAR)),
            )
            or _first_dateline(
                texts, range(kept[-1] + 1, min(len(texts), kept[-1] + 1 + _PAST_END))
            )
            or _signed_date(texts, range(kept[-1] + 1, min(len(texts), kept[-1] + _SIGNED)))
        )
    if published is None and not text_dump:
        published = _labelled_date(texts)  # "Published" over its date, anywhere
    published = published or declared.time_element
    if published is None and declared.canonical_url:
        published = url_date(declared.canonical_url)  # the last resort: a permalink's date
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


def _declared_published(
    declared: DeclaredMetadata, dated_published: str | None, dated_modified: str | None
) -> str | None:
    """The declared publication date, unless the page also gives that day as its last update
    (declared, or a dateline that says "updated") while a dateline near the headline gives
    another: a CMS that stamps both dates on every save, or a page re-dated when updated."""
    value = declared.published
    if value and dated_published:
        updated = {day[:10] for day in (declared.modified, dated_modified) if day}
        if value[:10] in updated and dated_published[:10] not in updated:
            return None
    return value


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
    ("Headline | Site"); None when no segment repeats it. Most segments up there are menu
    items, shorter than the best so far: their length rules them out before a lowering."""
    if len(texts) < 2:
        return None
    reference = texts[0].lower()
    # (lowering never shortens a str, so a longer segment cannot be in the reference)
    longest = len(reference)
    best, best_chars = None, _SHORT_HEADLINE - 1
    for position in range(max(1, kept[0] - _HEADLINE_ABOVE), kept[0] + _NEAR_BEFORE + 1):
        if position >= len(texts):
            break
        text = texts[position]
        if best_chars < len(text) <= longest and text.lower() in reference:
            best, best_chars = position, len(text)
    return best


def _near(count: int, anchor: int | None) -> range:
    if anchor is None:
        return range(0)
    return range(max(0, anchor - _NEAR_BEFORE), min(count, anchor + _NEAR_AFTER + 1))


def _byline(texts: Sequence[str], lines: Sequence[int]) -> tuple[str, ...]:
    """Authors from a "By Jane Doe" segment near the headline (`lines`: the positions of the
    short segments there)."""
    for position in lines:
        text = texts[position]
        # (Its first two letters rule out most segments before the pattern is tried.)
        if text[:2].lower() in _BYLINE_STARTS and BY.match(text):
            line = BY.sub("", text)
            line = _BYLINE_END.split(line, maxsplit=1)[0]
            names = author_names(line)
            if names:
                return tuple(names)
    return ()


def _datelines(
    texts: Sequence[str], lines: Sequence[int], anchor: int
) -> tuple[str | None, str | None, str | None]:
    """The dates of the datelines among `lines` (positions of short segments near the
    headline): the first within _CLOSE segments of `anchor`, the first of all, and the first
    that says "updated"."""
    close = published = modified = None
    for position in _with_a_year(texts, lines):
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


# A byline's start, also glued to the name ("Written byMoses Kim": inline elements joined).
_SIGNATURE = re.compile(
    r"(?i:(?:written|posted|reviewed|words|story|text)\s*)?(?i:by)(?:[:\s]|(?=[A-Z]))"
)


def _signed_date(texts: Sequence[str], positions: range) -> str | None:
    """The date of a dateline right after a byline ("Written by Jane Doe" / "April 8, 2024")
    among `positions`."""
    for position in _with_a_year(texts, positions):
        signature = texts[position - 1]
        if len(signature) <= _LINE_CHARS and _SIGNATURE.match(signature):
            found = dateline(texts[position])
            if found is not None and not found[1]:
                return found[0]
    return None


# A label set apart from its date ("Published" over "Feb 2, 2023"), lowered, without a colon.
# Not "Released", "Release date", "Publication date": a product's (a game's, a book's).
_DATE_LABELS = frozenset(
    ("published", "published on", "posted", "posted on", "date published", "first published",
     "date posted", "date")
)  # fmt: skip
_LABEL_CHARS = max(map(len, _DATE_LABELS)) + 2


def _labelled_date(texts: Sequence[str]) -> str | None:
    """The date in the segment after a publication date's label, anywhere on the page."""
    for position, text in enumerate(texts[:-1]):
        if len(text) <= _LABEL_CHARS and text.strip().rstrip(":").lower() in _DATE_LABELS:
            found = dateline(texts[position + 1])
            if found is not None and not found[1]:
                return found[0]
    return None


def _with_a_year(texts: Sequence[str], positions: Iterable[int]) -> list[int]:
    """Those of `positions` whose segments are short enough for a dateline and hold a year:
    most segments are neither. (A year begins with 19, 20 or 21: `in` rules out most
    segments faster than a search.)"""
    return [
        p
        for p in positions
        if len(text := texts[p]) <= DATELINE_CHARS
        and ("20" in text or "19" in text or "21" in text)
        and YEAR.search(text)
    ]
