"""The kept segments of an HTML page as Markdown, with the structure the walk saw.

Headings keep their level, list items their list (ordered or not, nested by the items
around them), table cells their row and table, `<pre>` its lines, block quotes their
"> ". Inline markup (links, emphasis) is not kept: a segment is the text of one block.
Every kept segment is in the output, in document order; nothing is added but the markup.

The walk's context bits (html_segments) say what each segment is inside; which ancestor is
a table row, a cell or a `<pre>` is read from the tree, on the pages that keep any.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from worker.core.html_segments import (
    HEADING_LEVELS,
    IN_HEADING,
    IN_LIST,
    IN_ORDERED_LIST,
    IN_QUOTE,
    IN_TABLE,
)
from worker.core.segments import HtmlLayout

_LIST_ITEM_KIND = 2  # html_segments._BLOCK_KINDS["li"]
_PRE_KIND = 8  # <pre> and <blockquote>
# What would turn a paragraph into other markup at the start of a line.
_MARKUP_START = re.compile(r"^(\s*)([#>*+\-=`|~]|\d+[.)](?=\s|$))")

# A run of the output: ("p", text), ("list", line), ("table", table id) or ("code", text).
_Block = tuple[str, str]


def article_markdown(texts: Sequence[str], kept: Sequence[int], layout: HtmlLayout) -> str:
    """The Markdown of the kept segments (`kept`: their positions, in document order)."""
    bits, kinds, paths = layout.bits, layout.kinds, layout.paths
    table_tags = _tags(layout, "table, tr, td, th") if _any(bits, kept, IN_TABLE) else {}
    code = _pre_texts(layout) if any(kinds[i] == _PRE_KIND for i in kept) else {}
    # Whether a list is ordered: its nearest <ol> or <ul> (the bit is inherited by lists
    # nested in an <ol>).
    # Also which item a block inside an <li> belongs to: the block after its list in its path.
    nested = any(bits[i] & IN_LIST and kinds[i] != _LIST_ITEM_KIND for i in kept)
    lists = _tags(layout, "ol, ul") if nested or _any(bits, kept, IN_ORDERED_LIST) else {}
    items = {layout.blocks[i] for i in kept if kinds[i] == _LIST_ITEM_KIND}
    out: list[str] = []
    previous = ""  # the kind of the last block written: "list", "table" or ""
    table: _Table | None = None
    seen_code: set[int] = set()
    list_numbers: dict[int, int] = {}
    last_item: int | None = None
    for i in kept:
        text, bit, path = texts[i], bits[i], paths[i]
        if table is not None and not (bit & IN_TABLE and table.holds(path)):
            out.append(table.markdown())
            table, previous = None, "table"
        if bit & IN_TABLE and (place := _table_place(path, table_tags)) is not None:
            table = table or _Table(place[0])
            table.add(place[1], place[2], text)
            continue
        pre = next((block for block in reversed(path) if block in code), None) if code else None
        if pre is not None:
            if pre not in seen_code:
                seen_code.add(pre)
                fence = "~~~~" if "```" in code[pre] else "```"
                block = f"{fence}\n{code[pre]}\n{fence}"
                if bit & IN_LIST and previous == "list":  # code inside an item: indented
                    indent = "  " * (_list_item(path, items, lists)[1] + 1)
                    out[-1] += "\n" + "\n".join(indent + line for line in block.split("\n"))
                else:
                    out.append(block)
                    previous = ""
            continue
        if bit & IN_LIST:
            item, depth = _list_item(path, items, lists)
            if item == last_item and previous == "list":  # another block of the same item
                if out[-1].endswith(("```", "~~~~")):  # after its code: a line of its own
                    out[-1] += "\n" + "  " * (depth + 1) + _escaped(text)
                else:
                    out[-1] += " " + _escaped(text)
                continue
            marker = "-"
            parent = next((block for block in reversed(path) if block in lists), None)
            if parent is not None and lists[parent] == "ol":
                list_numbers[parent] = list_numbers.get(parent, 0) + 1
                marker = f"{list_numbers[parent]}."
            line = f"{'  ' * depth}{marker} {_escaped(text)}"
            if previous == "list":
                out[-1] += "\n" + line
            else:
                out.append(line)
            previous, last_item = "list", item
            continue
        if bit & IN_HEADING:
            level = next((n for n, b in enumerate(HEADING_LEVELS, 1) if bit & b), 2)
            out.append(f"{'#' * level} {text}")
            previous = ""
        elif bit & IN_QUOTE:
            out.append(f"> {_escaped(text)}")
            previous = ""
        else:
            out.append(_escaped(text))
            previous = ""
        last_item = None
    if table is not None:
        out.append(table.markdown())
    return "\n\n".join(out)


class _Table:
    """The kept cells of one table, by row, in document order."""

    def __init__(self, table_id: int) -> None:
        self.table_id = table_id
        self.rows: dict[int, dict[int, list[str]]] = {}

    def holds(self, path: tuple[int, ...]) -> bool:
        return self.table_id in path

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


def _table_place(path: tuple[int, ...], tags: dict[int, str]) -> tuple[int, int, int] | None:
    """(table, row, cell) of a segment inside a table: its nearest such ancestors."""
    cell = row = None
    for block in reversed(path):
        tag = tags.get(block)
        if tag is None:
            continue
        if tag in ("td", "th"):
            cell = cell or block
        elif tag == "tr":
            row = row or block
        elif row is not None:  # "table": the one holding the row
            return block, row, cell or row
    return None


def _list_item(path: tuple[int, ...], items: set[int], lists: dict[int, str]) -> tuple[int, int]:
    """The list item a segment belongs to and how deep its list is nested (0: not)."""
    for depth in range(len(path) - 2, -1, -1):
        if path[depth] in lists:
            return path[depth + 1], sum(1 for block in path[:depth] if block in lists)
    item = next((block for block in reversed(path) if block in items), path[-1])
    return item, sum(1 for block in path[:-1] if block in items and block != item)


def _escaped(text: str) -> str:
    return _MARKUP_START.sub(r"\1\\\2", text, count=1)


def _any(bits: Sequence[int], kept: Sequence[int], bit: int) -> bool:
    return any(bits[i] & bit for i in kept)


def _tags(layout: HtmlLayout, selector: str) -> dict[int, str]:
    return {node.mem_id: node.tag or "" for node in layout.tree.css(selector)}


def _pre_texts(layout: HtmlLayout) -> dict[int, str]:
    """Each <pre>'s text as the page wrote it (the segments have their spaces folded)."""
    return {
        node.mem_id: (node.text(deep=True) or "").strip("\n") for node in layout.tree.css("pre")
    }
