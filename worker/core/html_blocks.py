"""Text blocks of an HTML page in document order (first, simple segmenter)."""

from __future__ import annotations

import lxml.html

_BLOCK_TAGS = frozenset(
    {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "blockquote", "pre"}
    | {"article", "section", "header", "footer", "nav", "dd", "dt"}
)
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "head")


def html_to_lines(html: str) -> list[str]:
    if not html.strip():
        return []
    root = lxml.html.fromstring(html)
    for element in root.iter(*_DROP_TAGS):
        element.drop_tree()
    lines: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = " ".join(" ".join(buffer).split())
        if text:
            lines.append(text)
        buffer.clear()

    def walk(element: lxml.html.HtmlElement) -> None:
        is_block = isinstance(element.tag, str) and element.tag in _BLOCK_TAGS
        if is_block:
            flush()
        if element.text and isinstance(element.tag, str):
            buffer.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                buffer.append(child.tail)
        if is_block:
            flush()

    walk(root)
    flush()
    return lines
