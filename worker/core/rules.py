"""Decisions no model needs to learn: they hold on every site.

- A segment without a single word character (a lone "-", "|", "•") is never article text.
- Feed spam: a run of three or more segments that all end in the same detached separator
  (" -", " |", " »", " …") is a list of teaser headlines, whatever the model thinks of each
  line alone. Lone separators between them belong to the run, and so does the headline
  right after it: a separator goes between items, so the last item has none.
"""

from __future__ import annotations

from collections.abc import Sequence

from worker.core import kernels

FEED_MIN_RUN = 3
_HEADLINE_WORDS = 30
_SEPARATORS = "-|»›•…–—"
_HEADLINE_ENDS = ".!:;,"  # a headline (the feed's last item) never ends in these


def trailing_separator(text: str) -> str | None:
    """The separator a teaser line ends with (" -" gives "-"), if any."""
    if len(text) >= 3 and text[-1] in _SEPARATORS and text[-2] == " ":
        return text[-1]
    return None


def rule_rejections(texts: Sequence[str]) -> dict[int, str]:
    """Position -> reason, for every segment a rule rejects. The loop runs in C
    (kernels.rule_rejections: it ran once per line of every page, a tenth of a text dump's
    time in Python); tests/core/test_fast_paths.py keeps it in plain Python."""
    return kernels.rule_rejections(
        list(texts), _SEPARATORS, FEED_MIN_RUN, _HEADLINE_WORDS, _HEADLINE_ENDS
    )
