"""The benchmark's score: word-level F1 on `re.findall(r"\\w+", text.lower())` tokens.

Precision and recall come from the multiset overlap of predicted and reference tokens,
per page; a corpus figure is the mean over pages (WCXB's definition).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True, slots=True)
class PageScore:
    precision: float
    recall: float
    f1: float
    with_found: int  # must-have snippets present in the extraction
    with_total: int
    without_found: int  # must-not snippets that leaked into the extraction
    without_total: int


def word_scores(predicted: str, reference: str) -> tuple[float, float, float]:
    predicted_counts = Counter(tokens(predicted))
    reference_counts = Counter(tokens(reference))
    if not predicted_counts and not reference_counts:
        return 1.0, 1.0, 1.0  # nothing to extract and nothing extracted
    overlap = sum((predicted_counts & reference_counts).values())
    precision = overlap / sum(predicted_counts.values()) if predicted_counts else 0.0
    recall = overlap / sum(reference_counts.values()) if reference_counts else 0.0
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return precision, recall, f1


def score_page(
    predicted: str, reference: str, with_snippets: tuple[str, ...], without: tuple[str, ...]
) -> PageScore:
    precision, recall, f1 = word_scores(predicted, reference)
    flat = _normalise(predicted)
    return PageScore(
        precision,
        recall,
        f1,
        with_found=sum(_normalise(s) in flat for s in with_snippets),
        with_total=len(with_snippets),
        without_found=sum(_normalise(s) in flat for s in without),
        without_total=len(without),
    )


def _normalise(text: str) -> str:
    """Snippets match on their words, not on whitespace or punctuation differences."""
    return " ".join(tokens(text))
