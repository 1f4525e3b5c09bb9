"""Training labels: which segments of a page belong to its reference article.

A segment is article when most of its word trigrams occur in the reference text; short
segments (under three words) only when they equal a whole reference line, because a
lone "Home" or "Share" also occurs somewhere inside most articles.
"""

from __future__ import annotations

from collections.abc import Sequence

from worker.learn.scoring import tokens

_MIN_TRIGRAM_SHARE = 0.5


def segment_labels(segments: Sequence[str], reference: str) -> list[int]:
    reference_tokens = tokens(reference)
    trigrams = set(zip(reference_tokens, reference_tokens[1:], reference_tokens[2:], strict=False))
    lines = {" ".join(tokens(line)) for line in reference.splitlines()}
    lines.discard("")
    labels: list[int] = []
    for text in segments:
        words = tokens(text)
        if len(words) < 3:
            labels.append(int(bool(words) and " ".join(words) in lines))
            continue
        grams = list(zip(words, words[1:], words[2:], strict=False))
        share = sum(gram in trigrams for gram in grams) / len(grams)
        labels.append(int(share >= _MIN_TRIGRAM_SHARE))
    return labels
