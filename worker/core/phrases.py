"""Per-segment counts of boilerplate phrases, found in one pass over the page's bytes.

The reference semantics are those of `re.finditer` with one alternation of all phrases,
longest first, over the lowercased page: matches never overlap, the leftmost one wins and,
at one position, the longest phrase. `PhraseCounter.reference_counts` is that, literally;
`PhraseCounter.counts` gives the same numbers from the page's UTF-8 bytes in C
(kernels.phrase_counts), many times faster.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from worker.core import kernels

FloatArray = npt.NDArray[np.float32]

# Lowercasing may turn these non-ASCII letters into ASCII (KELVIN SIGN -> "k") or change the
# text's length (İ -> "i̇"), so the kernel refuses a page holding one: the reference path.
_LOWERCASE_TO_ASCII = ("\u212a", "\u0130")


def first_letter_regex(phrases: Sequence[str]) -> re.Pattern[str]:
    """One alternation per first character: Python's re scans that far faster than a flat one."""
    by_first: dict[str, list[str]] = {}
    for phrase in sorted(set(phrases), key=len, reverse=True):
        by_first.setdefault(phrase[0], []).append(re.escape(phrase[1:]))
    branches = [f"{re.escape(first)}(?:{'|'.join(rest)})" for first, rest in by_first.items()]
    return re.compile("|".join(branches))


class PhraseCounter:
    """Counts lowercase phrases; each phrase is ASCII or a single non-ASCII character."""

    def __init__(self, phrases: Sequence[str]) -> None:
        if any(phrase != phrase.lower() for phrase in phrases):
            raise ValueError("phrases are matched against lowercased text: give them lowercase")
        # bytes.lower() lowercases ASCII letters only: all that ASCII phrases can see. A
        # non-ASCII character standing alone (©) can neither contain nor hide inside an
        # ASCII phrase; it must be caseless, or the page's "É" would be no "é" here (and
        # tests/core check that nothing else lowercases to ©).
        if any(not (phrase.isascii() or _caseless_character(phrase)) for phrase in phrases):
            raise ValueError("a phrase must be ASCII or one caseless character (like ©)")
        if any(not phrase or "\n" in phrase for phrase in phrases):
            raise ValueError("a phrase needs a character and no line break")
        self.pattern = first_letter_regex(phrases)
        self._encoded = tuple(phrase.encode("utf-8") for phrase in sorted(set(phrases)))

    @property
    def encoded(self) -> tuple[bytes, ...]:
        """The phrases as kernels.phrase_counts reads them: UTF-8, sorted."""
        return self._encoded

    def reference_counts(self, lowered: str, texts: Sequence[str]) -> FloatArray:
        """How many matches start inside each segment of the joined, lowercased page."""
        lengths = np.fromiter((len(text) + 1 for text in texts), dtype=np.int64, count=len(texts))
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        positions = [match.start() for match in self.pattern.finditer(lowered)]
        hits = np.zeros(len(texts), dtype=np.float32)
        if positions:
            owners = np.searchsorted(starts, np.asarray(positions), side="right") - 1
            np.add.at(hits, owners, 1.0)
        return hits

    def counts(self, encoded: bytes, texts: Sequence[str]) -> FloatArray:
        """reference_counts("\\n".join(texts).lower(), texts), from `encoded`, the UTF-8 of
        "\\n".join(texts) (surrogatepass)."""
        counts = kernels.phrase_counts(encoded, len(texts), self._encoded)
        if counts is None:  # a character in _LOWERCASE_TO_ASCII
            return self.reference_counts("\n".join(texts).lower(), texts)
        return counts


def _caseless_character(phrase: str) -> bool:
    return len(phrase) == 1 and phrase.upper() == phrase == phrase.lower()
