"""Text blocks of an HTML page in document order, with the structure around each one.

One pass over the DOM (lexbor via selectolax: it parses about three times faster than
lxml), in C (_html_blocks.c reads lexbor's tree; the walk in Python took half of a page's
time), with the Python walk it was written from kept for a selectolax whose objects the C
cannot read. Every block-level element starts a new segment; inline text joins the current
one. For each segment we keep what boilerplate detectors have always used: link density,
the kind of element, and whether it sits inside navigation, a header or footer, a list, a
form, or a container whose class or id says "menu", "share", "comment", "related" (or
"article", "content", "post").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from selectolax.lexbor import LexborHTMLParser, LexborNode, create_tag

from worker.core import _html_blocks, kernels
from worker.core.declared import read_declared
from worker.core.html_layout import page_layout
from worker.core.html_tags import (
    ARTICLE_BODY_HINT,
    COMMENT_HINT,
    CONTEXT_BITS,
    IN_HEADING,
    IN_LINK,
    IN_LIST,
    NEGATIVE_HINT,
    POSITIVE_HINT,
    TAG_RULES,
    hint_bits,
    hint_cache,
)
from worker.core.page_meta import DECLARED_KINDS
from worker.core.segments import HtmlLayout, PageSegments

_DROPPED_TAGS = ["script", "style", "template", "svg", "iframe", "head", "select"]
_DROPPED_SELECTOR = ",".join(_DROPPED_TAGS)
# Some sites (Discourse forums, for one) serve their whole content inside <noscript> for
# crawlers, and an HTML5 parser keeps <noscript> as raw text: read it as a <div> instead.
_NOSCRIPT = re.compile(r"<(/?)noscript\b", re.IGNORECASE)
STRUCTURE_NAMES: tuple[str, ...] = (
    "link_density",
    "block_kind",
    "depth",
    "text_pieces",
    *(f"{name}" for name in CONTEXT_BITS),
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
    "in_best_candidate",
    "candidate_score",
    "before_best_candidate",
    "after_best_candidate",
    "best_candidate_text_share",
    "card_link_density",
    "log_linked_cards",
    *(f"declares_{kind}" for kind in DECLARED_KINDS),
)
_SHORT_CHARS = 12
_PROSE_CHARS = 80
# Chinese and Japanese end sentences with their own marks and close quotes with 」』 and a
# full-width bracket; a sentence of theirs has no spaces (a character is about a word).
_CLOSING = "\"'”’)」』）"
_SENTENCE_ENDS = frozenset(".!?。！？" + _CLOSING)
_FULL_STOPS = frozenset(".!?…")
_CJK_FULL_STOPS = frozenset("。！？")
_SENTENCE_SPACES = 5
_CJK_SENTENCE_CHARS = 10


def html_segments(html: str) -> PageSegments:
    if not html or html.isspace():  # (html.strip() would copy the page)
        return PageSegments("text/html", [])
    tree = LexborHTMLParser(_noscript_as_div(html))
    title_element = tree.css_first("title")
    title = " ".join(title_element.text().split()).lower() if title_element is not None else ""
    declared = read_declared(tree)  # before the head and the scripts holding JSON-LD go
    if not COMPILED_WALK:  # (the compiled walk passes over them: ~0.1 ms a page less)
        drop_tags(tree)
    root = tree.body or tree.root
    builder = _BlockBuilder()
    if root is not None:
        builder.collect(root)
    structure = builder.structure(title, declared.kinds)
    layout = HtmlLayout(
        tree, builder.bits, builder.kinds, builder.blocks, builder.groups, builder.paths, declared
    )
    return PageSegments("text/html", builder.texts, structure, builder.utf8, html=layout)


def drop_tags(tree: LexborHTMLParser) -> None:
    """tree.strip_tags(_DROPPED_TAGS), in one pass over the tree rather than one a tag
    (~0.1 ms a page), the innermost first: a node destroyed before its ancestor is taken
    out of a parent still alive. The compiled walk passes over those tags instead, so the
    tree of a page it walked still holds them: what reads that tree's text drops them
    first (a second call finds none)."""
    for node in reversed(tree.css(_DROPPED_SELECTOR)):
        node.decompose(recursive=False)


def _noscript_as_div(html: str) -> str | bytes:
    """_NOSCRIPT.sub(r"<\\1div", html), as the UTF-8 the parser reads (selectolax would
    encode a str so itself). In C, in the pass that encodes the page: the regex took 1.2 ms
    on a page holding one, and str.encode alone a third of a millisecond on most pages."""
    encoded = kernels.html_utf8(html)
    if encoded is None:  # a lone surrogate, which UTF-8 cannot hold: lexbor takes the str
        return _NOSCRIPT.sub(r"<\1div", html)
    return encoded


# The block a node belongs to: its memory id, its kind, the memory id of its parent (blocks
# sharing a parent are siblings, like the paragraphs of an article or the items of a menu)
# and the ids of all block ancestors, itself included. One tuple per block element, shared
# by every element and text node inside it.
_Block = tuple[int, int, int, tuple[int, ...]]
# Paths are copied, so nesting costs depth squared: 20,000 nested <div>s (100 kB of hostile
# HTML) took 1.9 GB. Real pages nest blocks a few dozen deep (46 at most in WCXB's 1,355).
MAX_BLOCK_PATH = 256
# What an element passes down to the nodes inside it: its block, the context bits inherited
# from all its ancestors and itself, and its depth below the root.
_Context = tuple[_Block, int, int]
# A run of text nodes sharing one block, before it becomes a segment: the texts, how many
# of their characters are inside links, and the context of the run's first text node.
_Run = tuple[list[str], int, _Context]
_DETACHED: _Context = ((0, 0, 0, ()), 0, 0)


# What a walk gathers per segment, in the order html_blocks returns it.
_COLUMNS = ("texts", "links", "pieces", "bits", "depths", "blocks", "kinds", "groups", "paths")


class _BlockBuilder:
    """Groups text nodes, in document order, by their nearest block-level ancestor.

    Both walks compute an element's context only when a text node below it needs it (on
    many pages a good part of the elements hold no text: icons, inputs, empty wrappers),
    and then once, from its parent's: reading class and id is the costly step. The Python
    walk has lexbor's C traversal visit the nodes and skip whitespace-only text.
    """

    def __init__(self) -> None:
        # One entry per segment.
        self.texts: list[str] = []
        self.links: Sequence[int] = ()  # characters inside links
        self.pieces: Sequence[int] = ()  # text nodes joined
        self.bits: Sequence[int] = ()
        self.depths: Sequence[int] = ()
        self.blocks: Sequence[int] = ()  # the memory id of the block
        self.kinds: Sequence[int] = ()
        self.groups: Sequence[int] = ()
        self.paths: Sequence[tuple[int, ...]] = ()
        # "\n".join(texts) as UTF-8, when the compiled walk made it on the way (else None)
        self.utf8: bytes | None = None
        self._contexts: dict[int, _Context] = {}

    def collect(self, root: LexborNode) -> None:
        if COMPILED_WALK:
            self.take(
                _html_blocks.html_blocks(
                    root, _LEXBOR_RULES, hint_cache, hint_bits, IN_LINK, _SKIPPED_TAGS, _BR
                )
            )
        else:
            self.collect_in_python(root)

    def take(self, columns: _html_blocks.Columns) -> None:
        """What html_blocks gathered, in the order of _COLUMNS, and the texts' UTF-8."""
        self.texts, self.links, self.pieces, self.bits, self.depths = columns[:5]
        self.blocks, self.kinds, self.groups, self.paths = columns[5:9]
        self.utf8 = columns[9]

    def columns(self) -> tuple[list[object], ...]:
        """What the walk gathered, one list per column (_COLUMNS), one entry per segment."""
        return tuple(list(getattr(self, name)) for name in _COLUMNS)

    def collect_in_python(self, root: LexborNode) -> None:
        root_id = root.mem_id
        contexts = self._contexts
        contexts[root_id] = ((root_id, 0, root_id, (root_id,)), 0, 0)
        runs: list[_Run] = []
        run_texts: list[str] = []
        run_links = 0
        run_context: _Context = contexts[root_id]
        run_block: _Block | None = None
        # Two <br> or more in a row (whitespace and comments between them count for nothing)
        # part a run as a paragraph would: old pages mark their paragraphs so.
        line_breaks, paragraph_break = 0, False

        for node in root.traverse(include_text=True, skip_empty=True):
            tag = node.tag
            if tag == "br":
                line_breaks += 1
                paragraph_break |= line_breaks >= 2
                if run_texts:  # "a<br>b" is two words
                    run_texts[-1] += " "
                continue
            if tag != "-text":
                if tag != "-comment":
                    line_breaks = 0
                continue
            text = node.text_content
            if not text or text.isspace():  # lexbor skips ASCII whitespace, not U+00A0
                continue
            parent = node.parent
            if parent is None:  # cannot happen below the root, but never crash on a page
                continue
            line_breaks = 0
            context = contexts.get(parent.mem_id) or self._context_of(parent)
            if context[0] is not run_block or paragraph_break:
                if run_texts:
                    runs.append((run_texts, run_links, run_context))
                run_block, run_context, run_texts, run_links = context[0], context, [], 0
                paragraph_break = False
            run_texts.append(text)
            if context[1] & IN_LINK:
                run_links += len(text)
        if run_texts:
            runs.append((run_texts, run_links, run_context))
        self._add_segments(runs)

    def _context_of(self, element: LexborNode) -> _Context:
        """The context of an element not seen yet, and of its ancestors not seen yet."""
        contexts, rules, hints = self._contexts, TAG_RULES, hint_cache
        chain: list[tuple[LexborNode, int]] = []
        node: LexborNode | None = element
        while node is not None:
            node_id = node.mem_id
            if node_id in contexts:
                break
            chain.append((node, node_id))
            node = node.parent
        else:
            return _DETACHED  # cannot happen in a parsed tree, but never crash on a page
        block, bits, depth = contexts[node_id]
        parent_id = node_id
        for node, node_id in reversed(chain):
            depth += 1
            rule = rules.get(node.tag)
            if rule is not None:
                bit, block_kind, reads_hints = rule
                bits |= bit
                if reads_hints:
                    attributes = node.attributes
                    hint = f"{attributes.get('class') or ''} {attributes.get('id') or ''}"
                    if len(hint) > 1:
                        cached = hints.get(hint)
                        bits |= hint_bits(hint) if cached is None else cached
                if block_kind:
                    path = block[3]
                    if len(path) < MAX_BLOCK_PATH:  # deeper blocks share their ancestor's path
                        path = (*path, node_id)
                    block = (node_id, block_kind, parent_id, path)
            contexts[node_id] = (block, bits, depth)
            parent_id = node_id
        return contexts[node_id]

    def _add_segments(self, runs: list[_Run]) -> None:
        if not runs:
            return
        pieces, links, contexts = zip(*runs, strict=True)
        # Text nodes carry their own spacing ("<b>Hel</b>lo" is one word): join them as is,
        # whitespace folded (" ".join("".join(texts).split()), in C). Never empty: every
        # piece has a character that is not whitespace.
        self.texts = kernels.joined_words(pieces)
        self.links = links
        self.pieces = [len(texts) for texts in pieces]
        blocks, self.bits, self.depths = zip(*contexts, strict=True)
        self.blocks, self.kinds, self.groups, self.paths = zip(*blocks, strict=True)

    def structure(self, title: str, declared: Sequence[bool] = ()) -> npt.NDArray[np.float32]:
        count = len(self.texts)
        matrix = np.empty((count, len(STRUCTURE_NAMES)), dtype=np.float32)
        if not count:
            return matrix
        marks = kernels.segment_marks(self.texts)
        chars = marks.chars
        # Link density, block kind, depth, text pieces and a column per context bit, in C
        # (numpy took ten calls and three lists made arrays).
        walked = (self.links, self.kinds, self.depths, self.pieces, self.bits)
        link_density = kernels.segment_columns(walked, chars, _BIT_TUPLE, matrix, _LINK_DENSITY)
        flags = matrix[:, _FIRST_BIT : _FIRST_BIT + len(_BIT_TUPLE)] != 0

        # (np.unique and np.bincount by group before, in C: the same values to the bit)
        siblings = kernels.sibling_columns(self.groups, chars, link_density)
        matrix[:, _SIBLINGS_SHARE] = siblings.share
        matrix[:, _SIBLINGS_COUNT] = np.log1p(siblings.segments)
        matrix[:, _SIBLINGS_LINKS] = siblings.link_density
        matrix[:, _SIBLINGS_CHARS] = np.log1p(siblings.mean_chars)

        # A comment thread's prose is no article's: a long thread would otherwise become the
        # main container (readability drops such "unlikely candidates" before scoring).
        comment = flags[:, _BIT_INDEX[COMMENT_HINT]]
        in_main, prose_share = self._in_main_container(
            np.where(comment, 0.0, chars), marks.ends_prose
        )
        matrix[:, _IN_MAIN] = in_main
        matrix[:, _MAIN_PROSE_SHARE] = prose_share
        # Stumps cannot learn "a heading inside the article" from the two facts apart.
        matrix[:, _HEADING_IN_MAIN] = in_main & flags[:, _BIT_INDEX[IN_HEADING]]
        matrix[:, _LIST_ITEM_IN_MAIN] = in_main & flags[:, _BIT_INDEX[IN_LIST]]
        matrix[:, _NEGATIVE_IN_MAIN] = in_main & flags[:, _BIT_INDEX[NEGATIVE_HINT]]
        matrix[:, _SHORT_IN_MAIN] = in_main & (chars < _SHORT_CHARS)
        matrix[:, _IN_TITLE] = self._in_title(title)
        matrix[:, _FIRST_DECLARED : _FIRST_DECLARED + len(DECLARED_KINDS)] = (
            np.asarray(declared, dtype=np.float32) if len(declared) else 0.0
        )
        negative, positive = self._class_hints(flags)
        layout = page_layout(
            list(self.paths),
            chars,
            link_density,
            marks.commas,
            marks.ends_sentence,
            negative,
            positive,
            flags[:, _BIT_INDEX[COMMENT_HINT]],
        )
        matrix[:, _IN_BEST] = layout.in_best
        matrix[:, _CANDIDATE_SCORE] = layout.candidate_score
        matrix[:, _BEFORE_BEST] = layout.before_best
        matrix[:, _AFTER_BEST] = layout.after_best
        matrix[:, _BEST_SHARE] = layout.best_text_share
        matrix[:, _CARD_LINKS] = layout.card_link_density
        matrix[:, _LINKED_CARDS] = layout.linked_cards_around
        return matrix

    def _class_hints(
        self, flags: npt.NDArray[np.bool_]
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Per segment, whether a block around it has a negative and a positive class hint,
        for the container scoring: text inside an element named as an article body
        ("entry-content", html_tags.ARTICLE_BODY_HINT) counts as positive and never negative
        (Blogger wraps every post in a "widget Blog", WordPress names a post's tags in its
        classes), so the body becomes the best container more often where a sidebar or a
        thread outweighs a short post (docs/measurements.md, 2026-12-04, midday)."""
        negative = flags[:, _BIT_INDEX[NEGATIVE_HINT]]
        positive = flags[:, _BIT_INDEX[POSITIVE_HINT]]
        # (no named body on about half of the pages: ARTICLE_BODY_HINT is the highest bit)
        if max(self.bits) < ARTICLE_BODY_HINT:
            return negative, positive
        body = (
            np.fromiter(self.bits, dtype=np.int64, count=len(self.bits)) & ARTICLE_BODY_HINT
        ) != 0
        return negative & ~body, positive | body

    def _in_title(self, title: str) -> npt.NDArray[np.bool_]:
        """Whether the segment repeats the page's <title> (the article's headline, usually):
        its text lowered is in the title, and it is not too short for that to mean much."""
        if len(title) < _SHORT_CHARS:
            return np.zeros(len(self.texts), dtype=bool)
        # (in C: lowering never shortens a str, so a text longer than the title is not in it)
        return kernels.repeats_title(self.texts, title, _SHORT_CHARS)

    def _in_main_container(
        self, chars: npt.NDArray[np.float64], ends_prose: npt.NDArray[np.bool_]
    ) -> tuple[npt.NDArray[np.bool_], float]:
        """Whether each segment lies inside the page's main container, the way readability
        finds it: the deepest block holding at least half of the page's prose (of two at the
        same depth, holding exactly half each, the first); and the share of the page's text
        that container holds. A segment given 0 characters is no prose; ends_prose: whether
        each ends in _SENTENCE_ENDS."""
        # (In C: the prose characters by block, the blocks in the order of their first prose
        # segment, then html_layout.main_container and who is inside it.)
        in_main, found = kernels.main_container(
            self.paths, self.blocks, chars, ends_prose, _PROSE_CHARS
        )
        if found is None:
            return in_main, 0.0
        return in_main, found[2] / max(1, sum(map(len, self.texts)))


_LEXBOR_RULES = tuple(
    (create_tag(tag).tag_id, bit, kind, reads_hints)
    for tag, (bit, kind, reads_hints) in TAG_RULES.items()
    if tag is not None
)
# What the compiled walk passes over, as if drop_tags had dropped it.
_SKIPPED_TAGS = tuple(create_tag(tag).tag_id for tag in _DROPPED_TAGS)
_BR = create_tag("br").tag_id
# A page with every tag of the rules, hints in class and id (one not ASCII), links, text
# that is all whitespace, text straight in <body>, a comment, a dropped <select> and lines
# parted by <br>.
_PROBE_PAGE = (
    "<html><head><title>Probe page</title></head><body class='page'>Loose text"
    "<header id='top'><nav class='menu'><ul><li><a href='/'>Home</a></li>"
    "<li><a href='/b'>Blog <b>now</b></a></li></ul></nav></header>"
    "<main><article class='post-content'>"
    + "".join(f"<h{level}>Heading {level}</h{level}>" for level in range(1, 7))
    + "<p>Some <b>bold</b>, <strong>strong</strong> and <em>em</em>&nbsp;text.</p><p>\u00a0</p>"
    "<blockquote>A quote</blockquote><pre>  code   here </pre><figure><img src='x'>"
    "<figcaption>Caption</figcaption></figure><dl><dt>Term</dt><dd>Meaning</dd></dl>"
    "<ol><li>One <a href='/1'>link</a></li></ol><table><caption>Table</caption><thead><tr>"
    "<th>Head</th></tr></thead><tbody><tr><td>Cell <span>span</span></td></tr></tbody>"
    "</table></article></main><form><fieldset><legend>Legend</legend><label>Name</label>"
    "<button>Go</button><select><option>Gone</option></select></fieldset></form>"
    "<details><summary>Summary</summary>Detail</details><address>Address</address><hr>"
    "<div class='\u00c4d sidebar' id='\u00fcn\u00efcode'>Hint not ASCII</div><!-- note -->"
    "<section id='comments'>Comments</section><aside class='related'>Related</aside>"
    "<div class id>Empty hints</div><footer class='site-footer'>Footer</footer>"
    "<p>Lines<br><br>parted<br> <!-- note --> <br>as paragraphs<br>but<br><img><br>not"
    "<br><script>var y;</script><br>here</p>"
    "<p>Around <script>var x = 'skipped';</script><style>p {}</style><svg><text>Vector</text>"
    "</svg><iframe>Frame</iframe><template><p>Template</p></template>dropped tags</p>"
    "</body></html>"
)


def _compiled_walk_agrees() -> bool:
    """Whether html_blocks reads this selectolax's objects: the same columns as the Python
    walk on the probe page, the one passing over the tags the other's tree dropped."""
    tree = LexborHTMLParser(_PROBE_PAGE)
    if tree.body is None:
        return False
    compiled, python = _BlockBuilder(), _BlockBuilder()
    try:
        compiled.take(
            _html_blocks.html_blocks(
                tree.body, _LEXBOR_RULES, hint_cache, hint_bits, IN_LINK, _SKIPPED_TAGS, _BR
            )
        )
    except TypeError:  # not the LexborNode it mirrors
        return False
    drop_tags(tree)  # (the nodes kept keep their memory ids)
    python.collect_in_python(tree.body)
    utf8 = "\n".join(python.texts).encode()
    return (
        len(python.texts) > 10 and compiled.columns() == python.columns() and compiled.utf8 == utf8
    )


COMPILED_WALK = _compiled_walk_agrees()

_BIT_TUPLE = tuple(CONTEXT_BITS.values())
_BIT_INDEX = {bit: index for index, bit in enumerate(CONTEXT_BITS.values())}
_COLUMN = {name: index for index, name in enumerate(STRUCTURE_NAMES)}
_LINK_DENSITY, _BLOCK_KIND = _COLUMN["link_density"], _COLUMN["block_kind"]
_DEPTH, _TEXT_PIECES = _COLUMN["depth"], _COLUMN["text_pieces"]
_FIRST_BIT = _COLUMN["in_link"]
# (kernels.segment_columns writes these in this order)
assert STRUCTURE_NAMES[_LINK_DENSITY : _FIRST_BIT + len(CONTEXT_BITS)] == (
    "link_density",
    "block_kind",
    "depth",
    "text_pieces",
    *CONTEXT_BITS,
)
_SIBLINGS_SHARE, _SIBLINGS_COUNT = _COLUMN["siblings_text_share"], _COLUMN["siblings_log_count"]
_SIBLINGS_LINKS = _COLUMN["siblings_link_density"]
_SIBLINGS_CHARS = _COLUMN["siblings_log_mean_chars"]
_IN_MAIN, _MAIN_PROSE_SHARE = _COLUMN["in_main_container"], _COLUMN["main_container_prose_share"]
_HEADING_IN_MAIN, _LIST_ITEM_IN_MAIN = _COLUMN["heading_in_main"], _COLUMN["list_item_in_main"]
_NEGATIVE_IN_MAIN, _SHORT_IN_MAIN = _COLUMN["negative_class_in_main"], _COLUMN["short_in_main"]
_IN_TITLE = _COLUMN["in_title"]
_FIRST_DECLARED = _COLUMN[f"declares_{DECLARED_KINDS[0]}"]
_IN_BEST, _CANDIDATE_SCORE = _COLUMN["in_best_candidate"], _COLUMN["candidate_score"]
_BEST_SHARE = _COLUMN["best_candidate_text_share"]
_BEFORE_BEST, _AFTER_BEST = _COLUMN["before_best_candidate"], _COLUMN["after_best_candidate"]
_CARD_LINKS, _LINKED_CARDS = _COLUMN["card_link_density"], _COLUMN["log_linked_cards"]


# The definitions kernels.segment_marks computes in one pass (tests/core/test_segment_marks.py).
def _count_commas(text: str) -> int:
    return text.count(",") + text.count("，") + text.count("、")


def _ends_sentence(text: str) -> bool:
    """Ends like a sentence of prose: ".", "!" or "?", perhaps inside a closing quote, after
    six words or more (a name with its "(formerly ...)" is no sentence); or "。", "！" or "？"
    after ten characters or more."""
    end = text.rstrip(_CLOSING)[-1:]
    if end in _CJK_FULL_STOPS:
        return len(text) >= _CJK_SENTENCE_CHARS
    return end in _FULL_STOPS and text.count(" ") >= _SENTENCE_SPACES
