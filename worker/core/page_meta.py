"""What kind of page an HTML page says it is, in its own metadata.

Pages name their kind for search engines and social sites: OpenGraph's `og:type`
("article", "product", "website"), schema.org types in JSON-LD (`"@type": "NewsArticle"`,
`"DiscussionForumPosting"`) or in microdata (`itemtype="http://schema.org/BlogPosting"`).
A blog post with a long comment thread and a forum thread look alike to the segment
features, and the labels call the comments junk on one and the replies content on the
other; what the page declares tells them apart on most sites that declare anything, and
it carries across sites because it is the same few vocabularies everywhere. It is a hint,
not a fact (a theme may call every page an article): the page-level stage learns how much
to trust each.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

# The kinds, in the order of their feature columns (html_segments.STRUCTURE_NAMES).
DECLARED_KINDS = ("article", "discussion", "product", "collection", "website")

ARTICLE_TYPES = (
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
    "scholarlyarticle", "report", "techarticle", "posting",
)  # fmt: skip
_SCHEMA_KINDS = {
    **dict.fromkeys(ARTICLE_TYPES, "article"),
    **dict.fromkeys(("discussionforumposting", "qapage", "socialmediaposting"), "discussion"),
    **dict.fromkeys(("product", "productgroup", "offer", "aggregateoffer"), "product"),
    **dict.fromkeys(("collectionpage", "itemlist", "searchresultspage"), "collection"),
}  # not "WebSite" nor "Comment": SEO plugins add both to every kind of page
_OPEN_GRAPH_KINDS = {
    "article": "article",
    "blog": "article",
    "forum": "discussion",
    "product": "product",
    "product.item": "product",
    "product.group": "collection",
    "website": "website",  # home pages and section fronts, mostly
}
_JSON_LD_TYPE = re.compile(r'"@type"\s*:\s*\[?\s*"(?:https?://schema\.org/)?([A-Za-z]+)"')
_SELECTOR = (
    'meta[property="og:type"], meta[name="og:type"], script[type="application/ld+json"], [itemtype]'
)
# JSON-LD beyond this is not read for types: a page's own types come first, and a catalogue
# of thousands of products inline would cost more than it tells.
_JSON_LD_CHARS = 20_000


def declared_kinds(tree: LexborHTMLParser) -> tuple[bool, ...]:
    """Per kind of DECLARED_KINDS, whether the page declares itself that kind anywhere. Read
    before the parse drops its scripts."""
    found: set[str] = set()
    for node in tree.css(_SELECTOR):
        attributes = node.attributes
        text = node.text() if node.tag == "script" else None
        add_declared_kind(found, node.tag or "", attributes, text)
    return kinds_of(found)


def add_declared_kind(
    found: set[str], tag: str, attributes: dict[str, str | None], script: str | None
) -> None:
    """Add to `found` the kind one node declares: an `og:type` meta tag, a JSON-LD script
    (`script`: its text) or an element with an `itemtype`. metadata.py calls it on the nodes
    of its own selection, which holds these (one selection, one walk of the tree)."""
    if tag == "meta":
        if "og:type" not in (attributes.get("property"), attributes.get("name")):
            return
        kind = _OPEN_GRAPH_KINDS.get((attributes.get("content") or "").strip().lower())
        if kind is None and ":" in (content := attributes.get("content") or ""):
            kind = _OPEN_GRAPH_KINDS.get(content.rsplit(":", 1)[1].strip().lower())
        if kind:
            found.add(kind)
    elif script is not None:
        for name in _JSON_LD_TYPE.findall(script[:_JSON_LD_CHARS]):
            if kind := _SCHEMA_KINDS.get(name.lower()):
                found.add(kind)
    if "itemtype" in attributes:
        for item_type in (attributes.get("itemtype") or "").split():
            if kind := _SCHEMA_KINDS.get(item_type.rstrip("/").rsplit("/", 1)[-1].lower()):
                found.add(kind)


def kinds_of(found: set[str]) -> tuple[bool, ...]:
    return tuple(kind in found for kind in DECLARED_KINDS)
