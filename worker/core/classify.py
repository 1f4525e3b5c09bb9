"""classify_page: the one function the runtime calls.

First, simple rule-based classifier behind the stable interface; the learned model
replaces the rules without changing the signature.
"""

from __future__ import annotations

import re

from worker.core.verdict import ContentType, Label, PageVerdict, SegmentVerdict

MODEL_VERSION = "rules-0"

_TEASER = re.compile(r"(^|\s)-$")
_SENTENCE_END = re.compile(r"[.!?…\"'”’)]$")
_WORD = re.compile(r"\w+")


def classify_page(body: str, content_type: ContentType) -> PageVerdict:
    if content_type == "text/html":
        from worker.core.html_blocks import html_to_lines  # lxml import only when needed

        lines = html_to_lines(body)
    else:
        lines = [line.strip() for line in body.splitlines()]
    segments: list[SegmentVerdict] = []
    previous_junk = False
    for line in (text for text in lines if text):
        label, score, reasons = _judge(line, previous_junk)
        segments.append(SegmentVerdict(len(segments), line, label, score, reasons))
        previous_junk = label == "junk"
    return PageVerdict(content_type, tuple(segments), MODEL_VERSION)


def _judge(line: str, previous_junk: bool) -> tuple[Label, float, tuple[str, ...]]:
    words = len(_WORD.findall(line))
    if _TEASER.search(line):
        return "junk", 0.05, ("teaser headline ending in ' -'",)
    if words < 4:
        return "junk", 0.2, (f"short line ({words} words)",)
    if previous_junk and not _SENTENCE_END.search(line):
        return "junk", 0.3, ("headline-like line inside a run of junk",)
    return "article", 0.8, (f"prose line ({words} words)",)
