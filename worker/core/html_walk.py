"""The walk over an HTML page's tree that html_segments builds its segments from: text
nodes in document order, grouped into runs by their nearest block-level ancestor, each run
with the context of its first text node.

Two walks give the same columns. html_blocks, in C (html_blocks_c/ reads lexbor's tree
through selectolax's objects; the walk in Python took half of a page's time), passes over
the tags the page's text does not show and embedded posts. The Python walk it was written
from runs on a tree those were dropped from, and is kept for a selectolax whose objects the
C cannot read: COMPILED_WALK says whether the C gives the Python walk's columns on a probe
page.

Both compute an element's context only when a text node below it needs it (on many pages a
good part of the elements hold no text: icons, inputs, empty wrappers), and then once, from
its parent's: reading class and id is the costly step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from selectolax.lexbor import LexborHTMLParser, LexborNode, create_tag

from worker.core import _html_blocks, html_kernels
from worker.core.html_tags import IN_LINK, TAG_RULES, hint_bits, hint_cache

DROPPED_TAGS = ["script", "style", "template", "svg", "iframe", "head", "select"]
# Embedded posts of other platforms, dropped like those tags: quoted media, like an image,
# not the article's prose (trafilatura drops them too). Tweets stay: gold extractions keep
# them. A (tag, class token) each, matched as [class~=token]: case-sensitive, where a class
# selector would fold ASCII case in quirks mode, which the compiled walk does not read.
DROPPED_EMBEDS = [("blockquote", "instagram-media"), ("blockquote", "tiktok-embed")]
_DROPPED_SELECTOR = ",".join(
    [*DROPPED_TAGS, *(f'{tag}[class~="{token}"]' for tag, token in DROPPED_EMBEDS)]
)
# Paths are copied, so nesting costs depth squared: 20,000 nested <div>s (100 kB of hostile
# HTML) took 1.9 GB. Real pages nest blocks a few dozen deep (46 at most in WCXB's 1,355).
MAX_BLOCK_PATH = 256


class Walked(NamedTuple):
    """What a walk gathers: one entry per run (a segment to be), in document order."""

    texts: list[str]  # the run's text nodes joined, whitespace folded
    links: Sequence[int]  # characters inside links
    pieces: Sequence[int]  # text nodes joined
    bits: Sequence[int]  # html_tags' context bits of the run's element and its ancestors
    depths: Sequence[int]
    blocks: Sequence[int]  # the memory id of the block
    kinds: Sequence[int]  # the block's kind (html_tags.BLOCK_KINDS)
    groups: Sequence[int]  # the memory id of the block's parent block
    paths: Sequence[tuple[int, ...]]  # the ids of all block ancestors, the block included
    utf8: bytes | None  # "\n".join(texts) as UTF-8, when the compiled walk made it on the way


def walk(tree: LexborHTMLParser) -> Walked:
    """The runs of the page's <body> (its root, without one), by the compiled walk where it
    reads this selectolax, else by the Python walk after drop_tags (which changes `tree`)."""
    if not COMPILED_WALK:
        drop_tags(tree)
    root = tree.body or tree.root
    if root is None:
        return Walked([], (), (), (), (), (), (), (), (), None)
    return compiled_walk(root) if COMPILED_WALK else python_walk(root)


def compiled_walk(root: LexborNode) -> Walked:
    return Walked(
        *_html_blocks.html_blocks(
            root,
            _LEXBOR_RULES,
            hint_cache,
            hint_bits,
            IN_LINK,
            _SKIPPED_TAGS,
            _BR,
            _SKIPPED_CLASSES,
        )
    )


def drop_tags(tree: LexborHTMLParser) -> None:
    """tree.strip_tags(DROPPED_TAGS) and the DROPPED_EMBEDS removed, in one pass over the
    tree rather than one a tag (~0.1 ms a page), the innermost first: a node destroyed
    before its ancestor is taken out of a parent still alive. The compiled walk passes over
    those elements instead, so the tree of a page it walked still holds them: what reads
    that tree's text drops them first (a second call finds none)."""
    for node in reversed(tree.css(_DROPPED_SELECTOR)):
        node.decompose(recursive=False)


# The block a node belongs to: its memory id, its kind, the memory id of its parent (blocks
# sharing a parent are siblings, like the paragraphs of an article or the items of a menu)
# and the ids of all block ancestors, itself included. One tuple per block element, shared
# by every element and text node inside it.
_Block = tuple[int, int, int, tuple[int, ...]]
# What an element passes down to the nodes inside it: its block, the context bits inherited
# from all its ancestors and itself, and its depth below the root.
_Context = tuple[_Block, int, int]
# A run of text nodes sharing one block, before it becomes a segment: the texts, how many
# of their characters are inside links, and the context of the run's first text node.
_Run = tuple[list[str], int, _Context]
_DETACHED: _Context = ((0, 0, 0, ()), 0, 0)


def python_walk(root: LexborNode) -> Walked:
    """The walk in Python, on a tree drop_tags has passed over; lexbor's C traversal visits the
    nodes and skips whitespace-only text."""
    root_id = root.mem_id
    contexts: dict[int, _Context] = {root_id: ((root_id, 0, root_id, (root_id,)), 0, 0)}
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
        context = contexts.get(parent.mem_id) or _context_of(parent, contexts)
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
    return _walked(runs)


def _context_of(element: LexborNode, contexts: dict[int, _Context]) -> _Context:
    """The context of an element not seen yet, and of its ancestors not seen yet."""
    rules, hints = TAG_RULES, hint_cache
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


def _walked(runs: list[_Run]) -> Walked:
    if not runs:
        return Walked([], (), (), (), (), (), (), (), (), None)
    pieces, links, contexts = zip(*runs, strict=True)
    # Text nodes carry their own spacing ("<b>Hel</b>lo" is one word): join them as is,
    # whitespace folded (" ".join("".join(texts).split()), in C). Never empty: every
    # piece has a character that is not whitespace.
    blocks, bits, depths = zip(*contexts, strict=True)
    block_ids, kinds, groups, paths = zip(*blocks, strict=True)
    return Walked(
        html_kernels.joined_words(pieces),
        links,
        [len(texts) for texts in pieces],
        bits,
        depths,
        block_ids,
        kinds,
        groups,
        paths,
        None,
    )


_LEXBOR_RULES = tuple(
    (create_tag(tag).tag_id, bit, kind, reads_hints)
    for tag, (bit, kind, reads_hints) in TAG_RULES.items()
    if tag is not None
)
# What the compiled walk passes over, as if drop_tags had dropped it.
_SKIPPED_TAGS = tuple(create_tag(tag).tag_id for tag in DROPPED_TAGS)
_SKIPPED_CLASSES = tuple((create_tag(tag).tag_id, token) for tag, token in DROPPED_EMBEDS)
_BR = create_tag("br").tag_id
# A page with every tag of the rules, hints in class and id (one not ASCII), links, text
# that is all whitespace, text straight in <body>, a comment, a dropped <select>, lines
# parted by <br> and blockquotes, embedded posts among them (one kept).
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
    "<br><script>var y;</script><br>here</p><blockquote class='x instagram-media'><p>Post"
    "</p></blockquote><blockquote class='twitter-tweet'>Tweet</blockquote><blockquote "
    "class='tiktok-embed'>Clip</blockquote><blockquote class='tiktok-embeds'>Kept</blockquote>"
    "<p>Around <script>var x = 'skipped';</script><style>p {}</style><svg><text>Vector</text>"
    "</svg><iframe>Frame</iframe><template><p>Template</p></template>dropped tags</p>"
    "</body></html>"
)


def same_columns(compiled: Walked, python: Walked) -> bool:
    """Whether two walks gathered the same runs (the Python walk makes no UTF-8)."""
    return tuple(map(list, compiled[:-1])) == tuple(map(list, python[:-1]))


def _compiled_walk_agrees() -> bool:
    """Whether html_blocks reads this selectolax's objects: the same columns as the Python
    walk on the probe page, the one passing over the tags the other's tree dropped."""
    tree = LexborHTMLParser(_PROBE_PAGE)
    if tree.body is None:
        return False
    try:
        compiled = compiled_walk(tree.body)
    except TypeError:  # not the LexborNode it mirrors
        return False
    drop_tags(tree)  # (the nodes kept keep their memory ids)
    python = python_walk(tree.body)
    return (
        len(python.texts) > 10
        and same_columns(compiled, python)
        and compiled.utf8 == "\n".join(python.texts).encode()
    )


COMPILED_WALK = _compiled_walk_agrees()
