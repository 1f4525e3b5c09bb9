"""Text blocks of an HTML page in document order, with the structure around each one.

One pass over the DOM (lexbor via selectolax: it parses about three times faster than lxml,
and parsing dominates the cost of an HTML page). Every block-level element starts a new
segment; inline text joins the current one. For each segment we keep what boilerplate
detectors have always used: link density, the kind of element, and whether it sits inside
navigation, a header or footer, a list, a form, or a container whose class or id says
"menu", "share", "comment", "related" (or "article", "content", "post").
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from selectolax.lexbor import LexborHTMLParser, LexborNode

from worker.core.segments import PageSegments

_DROPPED_TAGS = ["script", "style", "template", "svg", "iframe", "head", "select"]
# Some sites (Discourse forums, for one) serve their whole content inside <noscript> for
# crawlers, and an HTML5 parser keeps <noscript> as raw text: read it as a <div> instead.
_NOSCRIPT = re.compile(r"<(/?)noscript\b", re.IGNORECASE)
_BLOCK_TAGS = frozenset(
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

_CONTEXT_BITS = {
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
}
_TAG_BITS = {
    "a": IN_LINK,
    "nav": IN_NAV,
    "header": IN_HEADER,
    "footer": IN_FOOTER,
    "aside": IN_ASIDE,
    "form": IN_FORM,
    "li": IN_LIST,
    "dd": IN_LIST,
    "dt": IN_LIST,
    "td": IN_TABLE,
    "th": IN_TABLE,
    "h1": IN_HEADING,
    "h2": IN_HEADING,
    "h3": IN_HEADING,
    "h4": IN_HEADING,
    "h5": IN_HEADING,
    "h6": IN_HEADING,
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
_BLOCK_KINDS = {"p": 1, "li": 2, "h1": 3, "h2": 3, "h3": 3, "h4": 3, "h5": 3, "h6": 3, "td": 4}
_BLOCK_KINDS |= {"th": 4, "div": 5, "span": 6, "a": 7, "pre": 8, "blockquote": 8, "br": 9}

_NEGATIVE = re.compile(
    r"nav|menu|foot|sidebar|side-bar|widget|comment|share|social|related|recommend|promo|"
    r"banner|cookie|consent|breadcrumb|subscri|newsletter|signup|login|popup|modal|advert|"
    r"\bads?\b|sponsor|tags?\b|meta|author-bio|pagination|pager|toolbar|masthead|header|"
    r"skip|hidden|teaser|trending|popular|more-|outbrain|taboola|disqus"
)
_POSITIVE = re.compile(
    r"article|content|entry|post|story|body|main|text|prose|blog|markdown|answer|question|"
    r"description|product|review|message|thread|documentation|docs"
)
_ATTRIBUTE_TAGS = frozenset(
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

STRUCTURE_NAMES: tuple[str, ...] = (
    "link_density",
    "block_kind",
    "depth",
    "text_pieces",
    *(f"{name}" for name in _CONTEXT_BITS),
    "siblings_text_share",
    "siblings_log_count",
    "siblings_link_density",
    "siblings_log_mean_chars",
    "in_main_container",
    "main_container_prose_share",
    "heading_in_main",
    "list_item_in_main",
    "negative_class_in_main",
    "short_in_main",
    "in_title",
)
_SHORT_CHARS = 12
_PROSE_CHARS = 80
_SENTENCE_ENDS = frozenset(".!?\"'”’)")
_MAIN_SHARE = 0.5


@lru_cache(maxsize=4096)
def _hint_bits(class_and_id: str) -> int:
    bits = 0
    if _NEGATIVE.search(class_and_id):
        bits |= NEGATIVE_HINT
    if _POSITIVE.search(class_and_id):
        bits |= POSITIVE_HINT
    return bits


def html_segments(html: str) -> PageSegments:
    if not html.strip():
        return PageSegments("text/html", [])
    if "noscript" in html or "NOSCRIPT" in html:  # str search first: far cheaper than re
        html = _NOSCRIPT.sub(r"<\1div", html)
    tree = LexborHTMLParser(html)
    title_element = tree.css_first("title")
    title = " ".join(title_element.text().split()).lower() if title_element is not None else ""
    tree.strip_tags(_DROPPED_TAGS)
    root = tree.body or tree.root
    builder = _BlockBuilder()
    if root is not None:
        builder.collect(root)
    return PageSegments("text/html", builder.texts, builder.structure(title))


# What a text node needs to know about its parent element: the nearest block ancestor
# (its memory id), the inherited context bits, the depth, the kind of that block and the
# block's parent (its memory id: blocks sharing a parent are siblings, like the paragraphs
# of an article or the items of a menu), and the ids of all its block ancestors.
_Context = tuple[int, int, int, int, int, tuple[int, ...]]
_DETACHED: _Context = (0, 0, 0, 0, 0, ())


class _BlockBuilder:
    """Groups text nodes, in document order, by their nearest block-level ancestor.

    lexbor's C traversal visits the nodes; Python only touches text nodes and, once each,
    the elements above them, which is what makes this fast enough for a stream worker.
    """

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.rows: list[tuple[float, int, int, int, int]] = []
        self.groups: list[int] = []
        self.paths: list[tuple[int, ...]] = []
        self._contexts: dict[int, _Context] = {}
        self._pieces: list[str] = []
        self._link_chars = 0
        self._block = -1
        self._context: _Context = _DETACHED

    def collect(self, root: LexborNode) -> None:
        self._contexts[root.mem_id] = (root.mem_id, 0, 0, 0, root.mem_id, (root.mem_id,))
        for node in root.traverse(include_text=True):
            if node.tag != "-text":
                continue
            text = node.text_content
            if not text or text.isspace():
                continue
            parent = node.parent
            if parent is None:
                continue
            context = self._contexts.get(parent.mem_id) or self._context_of(parent)
            if context[0] != self._block:
                self._flush()
                self._block, self._context = context[0], context
            self._pieces.append(text)
            if context[1] & IN_LINK:
                self._link_chars += len(text)
        self._flush()

    def _context_of(self, element: LexborNode) -> _Context:
        chain: list[LexborNode] = []
        node: LexborNode | None = element
        while node is not None and node.mem_id not in self._contexts:
            chain.append(node)
            node = node.parent
        if node is None:
            return _DETACHED  # cannot happen in a parsed tree, but never crash on a page
        block, bits, depth, kind, group, path = self._contexts[node.mem_id]
        above = node.mem_id
        for ancestor in reversed(chain):
            tag = ancestor.tag or ""
            bits |= _TAG_BITS.get(tag, 0)
            if tag in _ATTRIBUTE_TAGS:
                attributes = ancestor.attributes
                hint = f"{attributes.get('class') or ''} {attributes.get('id') or ''}"
                if len(hint) > 1:
                    bits |= _hint_bits(hint.lower())
            depth += 1
            if tag in _BLOCK_TAGS:
                block, kind, group = ancestor.mem_id, _BLOCK_KINDS.get(tag, 10), above
                path = (*path, block)
            self._contexts[ancestor.mem_id] = (block, bits, depth, kind, group, path)
            above = ancestor.mem_id
        return self._contexts[element.mem_id]

    def _flush(self) -> None:
        if not self._pieces:
            return
        # Text nodes carry their own spacing ("<b>Hel</b>lo" is one word), so join them as is.
        text = " ".join("".join(self._pieces).split())
        if text:
            link_density = min(1.0, self._link_chars / len(text))
            _, bits, depth, kind, group, path = self._context
            self.rows.append((link_density, kind, depth, len(self._pieces), bits))
            self.groups.append(group)
            self.paths.append(path)
            self.texts.append(text)
        self._pieces = []
        self._link_chars = 0

    def structure(self, title: str) -> npt.NDArray[np.float32]:
        if not self.rows:
            return np.zeros((0, len(STRUCTURE_NAMES)), dtype=np.float32)
        columns = np.asarray(self.rows, dtype=np.float64)
        bits = columns[:, 4].astype(np.int64)
        flags = (bits[:, None] & _BIT_VALUES[None, :]) != 0
        chars = np.fromiter(map(len, self.texts), dtype=np.float64, count=len(self.texts))
        _, group = np.unique(np.asarray(self.groups, dtype=np.int64), return_inverse=True)
        group_chars = np.bincount(group, weights=chars)
        group_links = np.bincount(group, weights=chars * columns[:, 0]) / group_chars
        group_size = np.bincount(group)
        siblings = np.column_stack(
            [
                group_chars[group] / chars.sum(),
                np.log1p(group_size[group]),
                group_links[group],
                np.log1p(group_chars[group] / group_size[group]),
            ]
        )
        main = self._in_main_container()
        in_main = main[:, 0]
        # Stumps cannot learn "a heading inside the article" from the two facts apart.
        interactions = np.column_stack(
            [
                in_main * flags[:, _BIT_INDEX[IN_HEADING]],
                in_main * flags[:, _BIT_INDEX[IN_LIST]],
                in_main * flags[:, _BIT_INDEX[NEGATIVE_HINT]],
                in_main * (chars < _SHORT_CHARS),
                self._in_title(title),
            ]
        )
        return np.hstack([columns[:, :4], flags, siblings, main, interactions]).astype(np.float32)

    def _in_title(self, title: str) -> npt.NDArray[np.float64]:
        """Whether the segment repeats the page's <title> (the article's headline, usually)."""
        if len(title) < _SHORT_CHARS:
            return np.zeros(len(self.texts))
        return np.fromiter(
            (len(t) >= _SHORT_CHARS and t.lower() in title for t in self.texts),
            dtype=np.float64,
            count=len(self.texts),
        )

    def _in_main_container(self) -> npt.NDArray[np.float64]:
        """Whether each segment lies inside the page's main container, the way readability
        finds it: the deepest block holding at least half of the page's prose."""
        prose_chars: dict[int, int] = {}
        depth_of: dict[int, int] = {}
        total = 0
        for text, path in zip(self.texts, self.paths, strict=True):
            if len(text) >= _PROSE_CHARS and text[-1] in _SENTENCE_ENDS:
                total += len(text)
                for depth, block in enumerate(path):
                    prose_chars[block] = prose_chars.get(block, 0) + len(text)
                    depth_of[block] = depth
        inside = np.zeros((len(self.texts), 2))
        if not total:
            return inside
        candidates = [b for b, chars in prose_chars.items() if chars >= _MAIN_SHARE * total]
        main = max(candidates, key=depth_of.__getitem__)
        inside[:, 0] = [main in path for path in self.paths]
        inside[:, 1] = prose_chars[main] / max(1, sum(map(len, self.texts)))
        return inside


_BIT_VALUES = np.array(list(_CONTEXT_BITS.values()), dtype=np.int64)
_BIT_INDEX = {bit: index for index, bit in enumerate(_CONTEXT_BITS.values())}
