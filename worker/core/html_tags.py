"""What an HTML element tells about the text inside it: the context bits it passes down
(inside a link, a list, navigation, a heading of some level…), whether it starts a block
and of what kind, and the hints its class and id give ("menu", "comment", "related",
"article"). Tables built once; html_segments' walk (and its C twin) reads them.
"""

from __future__ import annotations

from worker.core import html_kernels

BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "td",
        "th",
        "tr",
        "blockquote",
        "pre",
        "article",
        "section",
        "header",
        "footer",
        "nav",
        "aside",
        "main",
        "dd",
        "dt",
        "dl",
        "ul",
        "ol",
        "table",
        "form",
        "figure",
        "figcaption",
        "caption",
        "address",
        "hr",
        "details",
        "summary",
        "fieldset",
        "legend",
        "label",
        "button",
        "option",
        "body",
    ]
)

# Context bits inherited from ancestors.
IN_LINK = 1 << 0
IN_NAV = 1 << 1
IN_HEADER = 1 << 2
IN_FOOTER = 1 << 3
IN_ASIDE = 1 << 4
IN_FORM = 1 << 5
IN_LIST = 1 << 6
IN_TABLE = 1 << 7
IN_HEADING = 1 << 8
IN_ARTICLE = 1 << 9
IN_QUOTE = 1 << 10
IN_BUTTON = 1 << 11
NEGATIVE_HINT = 1 << 12
POSITIVE_HINT = 1 << 13
IN_EMPHASIS = 1 << 14
IN_FIGURE = 1 << 15
COMMENT_HINT = 1 << 16
RELATED_HINT = 1 << 17
# Markup the article's Markdown needs (markdown.py), not features: a heading's level and
# whether a list is ordered.
HEADING_LEVELS = tuple(1 << bit for bit in range(18, 24))  # <h1> .. <h6>
IN_ORDERED_LIST = 1 << 24
IN_UNORDERED_LIST = 1 << 25
# Not a feature either: the element's class or id names an article body the way content
# systems do ("entry-content", "article-body"): declared_body.py reads it after the cut.
ARTICLE_BODY_HINT = 1 << 26

CONTEXT_BITS = {
    "in_link": IN_LINK,
    "in_nav": IN_NAV,
    "in_header": IN_HEADER,
    "in_footer": IN_FOOTER,
    "in_aside": IN_ASIDE,
    "in_form": IN_FORM,
    "in_list": IN_LIST,
    "in_table": IN_TABLE,
    "in_heading": IN_HEADING,
    "in_article": IN_ARTICLE,
    "in_quote": IN_QUOTE,
    "in_button": IN_BUTTON,
    "negative_class": NEGATIVE_HINT,
    "positive_class": POSITIVE_HINT,
    "in_emphasis": IN_EMPHASIS,
    "in_figure": IN_FIGURE,
    "comment_class": COMMENT_HINT,
    "related_class": RELATED_HINT,
}
TAG_BITS = {
    "a": IN_LINK,
    "nav": IN_NAV,
    "header": IN_HEADER,
    "footer": IN_FOOTER,
    "aside": IN_ASIDE,
    "form": IN_FORM,
    "li": IN_LIST,
    "ol": IN_ORDERED_LIST,
    "ul": IN_UNORDERED_LIST,
    "dd": IN_LIST,
    "dt": IN_LIST,
    "td": IN_TABLE,
    "th": IN_TABLE,
    "h1": IN_HEADING | HEADING_LEVELS[0],
    "h2": IN_HEADING | HEADING_LEVELS[1],
    "h3": IN_HEADING | HEADING_LEVELS[2],
    "h4": IN_HEADING | HEADING_LEVELS[3],
    "h5": IN_HEADING | HEADING_LEVELS[4],
    "h6": IN_HEADING | HEADING_LEVELS[5],
    "article": IN_ARTICLE,
    "main": IN_ARTICLE,
    "blockquote": IN_QUOTE,
    "button": IN_BUTTON,
    "label": IN_BUTTON,
    "strong": IN_EMPHASIS,
    "b": IN_EMPHASIS,
    "figure": IN_FIGURE,
    "figcaption": IN_FIGURE,
}
BLOCK_KINDS = {"p": 1, "li": 2, "h1": 3, "h2": 3, "h3": 3, "h4": 3, "h5": 3, "h6": 3, "td": 4}
BLOCK_KINDS |= {"th": 4, "div": 5, "span": 6, "a": 7, "pre": 8, "blockquote": 8, "br": 9}

# Words in an element's class or id that mark boilerplate or content containers, found
# anywhere in the lowercased "class id" string ("ad" and "ads" only as whole words, "tag"
# and "tags" only at a word's end: "header", "shadow" and "stage" are no ads or tags).
_NEGATIVE_WORDS = (
    "nav", "menu", "foot", "sidebar", "side-bar", "widget", "comment", "share", "social",
    "related", "recommend", "promo", "banner", "cookie", "consent", "breadcrumb", "subscri",
    "newsletter", "signup", "login", "popup", "modal", "advert", "sponsor", "meta",
    "author-bio", "pagination", "pager", "toolbar", "masthead", "header", "skip", "hidden",
    "teaser", "trending", "popular", "more-", "outbrain", "taboola", "disqus",
)  # fmt: skip
_NEGATIVE_WHOLE_WORDS = ("ad", "ads")
_NEGATIVE_WORD_ENDS = ("tag", "tags")
_POSITIVE_WORDS = (
    "article", "content", "entry", "post", "story", "body", "main", "text", "prose", "blog",
    "markdown", "answer", "question", "description", "product", "review", "message",
    "thread", "documentation", "docs",
)  # fmt: skip
# A search per hint ran two regexes of forty alternatives: 10 µs, on ~110 new class/id
# strings per page of a site not seen before. The needles search in C: well under 1 µs.
_NEGATIVE = html_kernels.Needles(
    [(word, False, False) for word in _NEGATIVE_WORDS]
    + [(word, True, True) for word in _NEGATIVE_WHOLE_WORDS]
    + [(word, False, True) for word in _NEGATIVE_WORD_ENDS]
)
_POSITIVE = html_kernels.Needles([(word, False, False) for word in _POSITIVE_WORDS])
# Comments are prose like the article's: their own bit, apart from the other negative hints,
# so a model can weigh them by the kind of page (replies are a forum's content).
_COMMENT_WORDS = ("comment", "disqus", "respond", "reply", "replies", "discuss")
_COMMENT = html_kernels.Needles([(word, False, False) for word in _COMMENT_WORDS])
# So are the teasers of other stories: "related", "more stories", "trending" grids.
_RELATED_WORDS = (
    "related", "recommend", "teaser", "trending", "popular", "more-", "outbrain", "taboola",
    "promo", "read-next", "readnext", "also-", "suggest", "most-", "latest", "headlines",
)  # fmt: skip
_RELATED = html_kernels.Needles([(word, False, False) for word in _RELATED_WORDS])
# The class and id names trafilatura's BODY_XPATH looks for first (those matched as part of
# a name; lowercased, so "postContent" is "postcontent"): the names blog and news systems give
# the element around a post's text. Not "content" or "post" alone: they wrap whole pages.
_ARTICLE_BODY_WORDS = (
    "post-text", "post_text", "post-body", "post-entry", "postentry", "post-content",
    "post_content", "postcontent", "post_inner_wrapper", "article-text", "articletext",
    "entry-content", "article-content", "article__content", "article-body", "article__body",
    "articlebody", "articlecontent", "page-content", "text-content", "body-text",
    "article__container", "art-content",
)  # fmt: skip
_ARTICLE_BODY = html_kernels.Needles([(word, False, False) for word in _ARTICLE_BODY_WORDS])
# ... and a class that is just "post" or "entry" (WordPress's classic themes); as one name
# among others these are on every teaser of a listing.
_ARTICLE_BODY_CLASSES = ("post", "entry")


def _names_article_body(class_and_id: str) -> bool:
    """Whether a lowered "class id" string names an article body (_ARTICLE_BODY_WORDS, or
    a class of one name in _ARTICLE_BODY_CLASSES: the string is that name, a space and at
    most one id)."""
    if _ARTICLE_BODY.found_in(class_and_id):
        return True
    name, _, element_id = class_and_id.partition(" ")
    return name in _ARTICLE_BODY_CLASSES and " " not in element_id


ATTRIBUTE_TAGS = frozenset(
    [
        "div",
        "section",
        "aside",
        "nav",
        "header",
        "footer",
        "ul",
        "ol",
        "article",
        "main",
        "table",
        "p",
        "li",
        "form",
    ]
)


# Built once: what each tag contributes to the context of the nodes inside it (the bit it
# sets, its block kind or 0 when it is not a block, whether its class and id may say "menu"
# or "article"), so the walk does one dict lookup per element instead of four.
TAG_RULES: dict[str | None, tuple[int, int, bool]] = {
    tag: (
        TAG_BITS.get(tag, 0),
        BLOCK_KINDS.get(tag, 10) if tag in BLOCK_TAGS else 0,
        tag in ATTRIBUTE_TAGS,
    )
    for tag in TAG_BITS.keys() | BLOCK_TAGS | ATTRIBUTE_TAGS
}
# Hint bits by the raw "class id" string. A dict, cheaper to ask than an lru_cache; cleared
# when full so a long-running worker's memory stays bounded.
hint_cache: dict[str, int] = {}
HINT_CACHE_SIZE = 1 << 16


def hint_bits(class_and_id: str) -> int:
    bits = hint_cache.get(class_and_id)
    if bits is None:
        lowered = class_and_id.lower()
        bits = (
            (NEGATIVE_HINT if _NEGATIVE.found_in(lowered) else 0)
            | (POSITIVE_HINT if _POSITIVE.found_in(lowered) else 0)
            | (COMMENT_HINT if _COMMENT.found_in(lowered) else 0)
            | (RELATED_HINT if _RELATED.found_in(lowered) else 0)
            | (ARTICLE_BODY_HINT if _names_article_body(lowered) else 0)
        )
        if len(hint_cache) >= HINT_CACHE_SIZE:
            hint_cache.clear()
        hint_cache[class_and_id] = bits
    return bits
