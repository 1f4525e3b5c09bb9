"""The kept segments of an HTML page as Markdown, with the structure the walk saw.

Headings keep their level, list items their list (ordered or not, nested), table cells
their row and table, `<pre>` its lines, block quotes their "> ". Inline markup (links,
emphasis) is not kept: a segment is the text of one block. Every kept segment is in the
output, in document order; nothing is added but the markup.

All of it comes from what the walk (html_segments) gave each segment, so that no second
walk of the tree is needed: its context bits (in a list, a table, a heading of which
level, an <ol> or a <ul>), its block kind, its block and that block's parent (a <td>'s
parent is its row, an <li>'s its list) and the path of its block ancestors. A block
nested in a cell or an item finds them in its path: the cells and items are the blocks
other segments of the page sit in directly. Only a kept <pre> sends us back to the tree,
for its lines, which the segments fold.

The loop over the kept segments runs in C (html_kernels.article_markdown): in Python it took 4%
of an HTML page's time. python_markdown is its definition, which the tests compare it
with, and writes the pages the C leaves to it: those keeping a <pre> (4% of them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import reduce
from itertools import compress
from operator import or_

from worker.core import html_kernels
from worker.core.html_tags import (
    HEADING_LEVELS,
    IN_HEADING,
    IN_LIST,
    IN_ORDERED_LIST,
    IN_QUOTE,
    IN_TABLE,
    IN_UNORDERED_LIST,
)
from worker.core.html_walk import drop_tags
from worker.core.segments import HtmlLayout

_ITEM_KIND, _CELL_KIND, _PRE_KIND = 2, 4, 8  # html_tags.BLOCK_KINDS: li, td/th, pre
# What would turn a paragraph into other markup at the start of a line.
_MARKUP_START = re.compile(r"^(\s*)([#>*+\-=`|~]|\d+[.)](?=\s|$))")
_MARKUP_FIRST = frozenset("#>*+-=`|~0123456789")
# A heading's level by its level bit, of which the lowest counts (as the first in
# HEADING_LEVELS: they ascend).
_LEVEL_OF = {bit: level for level, bit in enumerate(HEADING_LEVELS, 1)}
_ANY_LEVEL = reduce(or_, HEADING_LEVELS)
assert list(HEADING_LEVELS) == sorted(HEADING_LEVELS)
_CODES: html_kernels.MarkdownCodes = (
    (IN_LIST, IN_TABLE, IN_HEADING, IN_QUOTE, IN_ORDERED_LIST, IN_UNORDERED_LIST, _ANY_LEVEL),
    (_ITEM_KIND, _CELL_KIND, _PRE_KIND),
)


def article_markdown(texts: Sequence[str], kept: Sequence[int], layout: HtmlLayout) -> str:
    """The Markdown of the kept segments (`kept`: their positions, in document order)."""
    columns = (layout.bits, layout.kinds, layout.paths, layout.blocks, layout.groups)
    markdown = html_kernels.article_markdown(texts, kept, columns, _CODES)
    return python_markdown(texts, kept, layout) if markdown is None else markdown


def python_markdown(texts: Sequence[str], kept: Sequence[int], layout: HtmlLayout) -> str:
    """article_markdown in Python: its definition, and the writer of a page keeping a <pre>."""
    bits, kinds, paths, blocks, groups = (
        layout.bits,
        layout.kinds,
        layout.paths,
        layout.blocks,
        layout.groups,
    )
    # The page's cells (by block: their row) and items (by block: their list), from the
    # segments that sit in them directly; only when a kept segment is in a table or a list.
    present = reduce(or_, map(bits.__getitem__, kept), 0)
    cells = _parents(kinds, blocks, groups, _CELL_KIND) if present & IN_TABLE else {}
    items = _parents(kinds, blocks, groups, _ITEM_KIND) if present & IN_LIST else {}
    lists = set(items.values())
    # (kind 8 is a <blockquote> too, which sets IN_QUOTE on itself.)
    has_pre = _PRE_KIND in kinds and any(
        kinds[i] == _PRE_KIND and not bits[i] & IN_QUOTE for i in kept
    )
    code = _pre_texts(layout) if has_pre else {}
    # The output as pieces joined at the end: blocks apart by a blank line, a list's items
    # and an item's own lines by a line break (adding to one string would copy it each time).
    out: list[str] = []
    in_list = False
    after_code = False  # the last thing written is an item's code block
    table: _Table | None = None
    seen_code: set[int] = set()
    numbers: dict[int, int] = {}
    places: dict[int, tuple[int, int, int]] = {}  # _list_place by block
    last_item: int | None = None
    for i in kept:
        text, bit, path = texts[i], bits[i], paths[i]
        if table is not None and not (bit & IN_TABLE and table.table_id in path):
            _block(out, table.markdown())
            table = None
        if bit & IN_TABLE:
            table_id, row, cell = _table_place(path, blocks[i], groups[i], kinds[i], cells)
            if table is None or table.table_id != table_id:
                if table is not None:
                    _block(out, table.markdown())
                table = _Table(table_id)
            table.add(row, cell, text)
            in_list = False
            continue
        pre = next((block for block in reversed(path) if block in code), None) if code else None
        if pre is not None:
            if pre not in seen_code:
                seen_code.add(pre)
                fence = "~~~~" if "```" in code[pre] else "```"
                lines = [fence, *code[pre].split("\n"), fence]
                if bit & IN_LIST and in_list:  # code inside an item: indented under it
                    indent = "  " * (_list_place(path, blocks[i], groups[i], items, lists)[2] + 1)
                    out.append("\n" + "\n".join(indent + line for line in lines))
                    after_code = True
                else:
                    _block(out, "\n".join(lines))
                    in_list = False
            continue
        if bit & IN_LIST:
            place = places.get(blocks[i])
            if place is None:
                place = places[blocks[i]] = _list_place(path, blocks[i], groups[i], items, lists)
            item, parent, depth = place
            if item == last_item and in_list:  # another block of the same item
                if after_code:  # after its code: a line of its own
                    out.append("\n" + "  " * (depth + 1) + _escaped(text))
                else:
                    out.append(" " + _escaped(text))
                continue
            marker = "-"
            # Both bits: an <ol> and a <ul> around it, which is nearer is not known.
            if bit & IN_ORDERED_LIST and not bit & IN_UNORDERED_LIST:
                numbers[parent] = numbers.get(parent, 0) + 1
                marker = f"{numbers[parent]}."
            line = f"{'  ' * depth}{marker} {_escaped(text)}"
            if in_list:
                out.append("\n" + line)
            else:
                _block(out, line)
            in_list, last_item, after_code = True, item, False
            continue
        if bit & IN_HEADING:
            levels = bit & _ANY_LEVEL
            level = _LEVEL_OF.get(levels & -levels, 2)  # the lowest level bit: <hN>'s N
            _block(out, f"{'#' * level} {text}")
        elif bit & IN_QUOTE:
            _block(out, f"> {_escaped(text)}")
        else:
            _block(out, _escaped(text))
        in_list, last_item = False, None
    if table is not None:
        _block(out, table.markdown())
    return "".join(out)


def _block(out: list[str], text: str) -> None:
    if out:
        out.append("\n\n")
    out.append(text)


class _Table:
    """The kept cells of one table, by row, in document order."""

    def __init__(self, table_id: int) -> None:
        self.table_id = table_id
        self.rows: dict[int, dict[int, list[str]]] = {}

    def add(self, row: int, cell: int, text: str) -> None:
        self.rows.setdefault(row, {}).setdefault(cell, []).append(text)

    def markdown(self) -> str:
        rows = [
            [_cell(" ".join(parts)) for parts in cells.values()] for cells in self.rows.values()
        ]
        width = max(len(row) for row in rows)
        lines = [_row(row + [""] * (width - len(row))) for row in rows]
        lines.insert(1, _row(["---"] * width))
        return "\n".join(lines)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _parents(
    kinds: Sequence[int], blocks: Sequence[int], groups: Sequence[int], kind: int
) -> dict[int, int]:
    """The blocks of this kind that some segment sits in directly, each with its parent."""
    if not len(blocks) == len(groups) == len(kinds):
        raise ValueError("one block, group and kind per segment")
    # {block: group for block, group, k in zip(...) if k == kind}, the loop in C
    selected = compress(blocks, map(kind.__eq__, kinds))
    return dict(zip(selected, compress(groups, map(kind.__eq__, kinds)), strict=True))


def _table_place(
    path: tuple[int, ...], block: int, group: int, kind: int, cells: dict[int, int]
) -> tuple[int, int, int]:
    """(table, row, cell) of a segment in a table. A cell's row is its parent block (<tr>
    is a block), the row's the table; a block nested in a cell finds the cell in its path,
    else takes its parent for the cell (a <p> in a <td>)."""
    if kind == _CELL_KIND:
        cell, row = block, group
    else:
        cell = next((b for b in reversed(path) if b in cells), group)
        row = cells.get(cell, path[-3] if len(path) > 2 else group)
    at = path.index(row) if row in path else 0
    return (path[at - 1] if at else 0), row, cell


def _list_place(
    path: tuple[int, ...], block: int, group: int, items: dict[int, int], lists: set[int]
) -> tuple[int, int, int]:
    """(item, list, depth) of a segment in a list: its <li> (itself, else the nearest in its
    path, else its parent block), that item's list, and how many lists hold that list."""
    item = block if block in items else next((b for b in reversed(path) if b in items), group)
    parent = items.get(item)
    if parent is None:  # an <li> holding only blocks: its list is the block above it
        at = path.index(item) if item in path else 0
        parent = path[at - 1] if at else group
    at = path.index(parent) if parent in path else len(path)
    # (a path holds each block once: the lists among those above the parent)
    return item, parent, len(lists.intersection(path[:at]))


def _escaped(text: str) -> str:
    if text[:1] not in _MARKUP_FIRST:  # (segments never start with a space)
        return text
    return _MARKUP_START.sub(r"\1\\\2", text, count=1)


def _pre_texts(layout: HtmlLayout) -> dict[int, str]:
    """Each <pre>'s text as the page wrote it (the segments have their spaces folded), the
    tags the walk passed over (scripts, styles) dropped first."""
    drop_tags(layout.tree)
    return {
        node.mem_id: (node.text(deep=True) or "").strip("\n") for node in layout.tree.tags("pre")
    }
