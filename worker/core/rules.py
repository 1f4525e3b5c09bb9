"""Decisions no model needs to learn: they hold on every site.

- A segment without a single word character (a lone "-", "|", "•") is never article text.
- Feed spam: a run of three or more segments that all end in the same detached separator
  (" -", " |", " »", " …") is a list of teaser headlines, whatever the model thinks of each
  line alone. Lone separators between them belong to the run, and so does the headline
  right after it: a separator goes between items, so the last item has none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

FEED_MIN_RUN = 3
_HEADLINE_WORDS = 30
_SEPARATORS = frozenset("-|»›•…–—")
_WORD = re.compile(r"\w")


def trailing_separator(text: str) -> str | None:
    """The separator a teaser line ends with (" -" gives "-"), if any."""
    if len(text) >= 3 and text[-1] in _SEPARATORS and text[-2] == " ":
        return text[-1]
    return None


def rule_rejections(texts: Sequence[str]) -> dict[int, str]:
    """Position -> reason, for every segment a rule rejects."""
    rejected: dict[int, str] = {}
    run: list[int] = []  # positions of the current run of teaser lines and lone separators
    run_separator: str | None = None
    teasers = 0

    def close_run(next_position: int) -> None:
        if teasers < FEED_MIN_RUN:
            return
        if next_position < len(texts) and _looks_like_headline(texts[next_position]):
            run.append(next_position)
        reason = f"in a feed of {teasers}+ teaser headlines separated by ' {run_separator}'"
        for position in run:
            rejected.setdefault(position, reason)

    for position, text in enumerate(texts):
        # \w is a character for which str.isalnum() holds, or "_": most segments start with one.
        if not (text[:1].isalnum() or _WORD.search(text)):
            rejected[position] = "no words"
            if run:
                run.append(position)
            continue
        # trailing_separator(text), inline: this loop runs for every line of every page.
        last = text[-1]
        if last in _SEPARATORS and len(text) >= 3 and text[-2] == " ":
            if last == run_separator:
                run.append(position)
                teasers += 1
                continue
            close_run(position)
            run, run_separator, teasers = [position], last, 1
        elif run:
            close_run(position)
            run, run_separator, teasers = [], None, 0
    close_run(len(texts))
    return rejected


def _looks_like_headline(text: str) -> bool:
    return len(text.split()) <= _HEADLINE_WORDS and text[-1] not in ".!:;,"
