"""The language an article is written in, as an ISO 639-1 code, by CLD2 (pycld2).

CLD2 is Chromium's compact language detector: a model of a few MB compiled into the
library, nothing downloaded at run time, ~80 languages. It was chosen by measurement against
py3langid, lingua (low-accuracy mode) and CLD3 on the same sample (docs/measurements.md):
as accurate on the article's prose, and 5 to 100 times faster, which matters because a text
dump's whole classification takes about half a millisecond.

The sample is the article's prose (segments that end like a sentence; other segments when
it has none), because code, commands and product names in another language mislead every
detector; its first 500 characters (1,686 of 1,688 pages right; 700 gave 1,688, 400 1,683,
at a cost per character). Plainly English prose is told by its function words first.
"""

from __future__ import annotations

from collections.abc import Iterable

import pycld2

SAMPLE_CHARS = 500
_MOSTLY, _HARDLY = 60, 10  # percent of the sample in the first and the second language
# English function words, the most frequent first; those of ENGLISH_ONLY no other language
# writes as a word of its own (Dutch, Polish, Czech have an "of", a "to", an "is" or a "be").
_ENGLISH_WORDS = (
    " the ", " of ", " and ", " to ", " is ", " for ", " it ", " you ", " that ", " with ",
    " are ", " be ", " this ", " can ", " your ",
)  # fmt: skip
_ENGLISH_ONLY = (" the ", " you ", " that ", " with ", " this ")
_ENGLISH_WORDS_PER_SAMPLE = 8
_PROSE_CHARS = 40
_SENTENCE_ENDS = frozenset('.!?:;。！？」）)"”’»')
# CLD2 names some languages by codes that are not ISO 639-1, or by a variant.
_CODES = {"iw": "he", "in": "id", "jw": "jv", "zh-Hant": "zh", "no": "nb"}


def article_language(texts: Iterable[str]) -> str | None:
    """The ISO 639-1 code of the language of `texts` (an article's paragraphs), or None
    when CLD2 cannot tell (too little text, or a language it does not know)."""
    sample = _prose_sample(texts)
    if not sample:
        return None
    if _plainly_english(sample):
        return "en"
    try:
        reliable, _, details = pycld2.detect(sample)
    except (pycld2.error, ValueError):
        # CLD2 refuses some input (control characters, characters UTF-8 cannot hold).
        cleaned = "".join(c for c in sample if c.isprintable() or c in "\n\t")
        cleaned = cleaned.encode("utf-8", "ignore").decode("utf-8")
        try:
            reliable, _, details = pycld2.detect(cleaned)
        except (pycld2.error, ValueError):
            return None
    code = details[0][1] if details else "un"
    code = _CODES.get(code, code)
    # "un": unknown; longer codes ("haw", "zh-Hant" handled above) have no ISO 639-1 name.
    if code == "un" or len(code) != 2:
        return None
    # CLD2 calls a result unreliable when much of the text is in no language it scores
    # (commands, file names, numbers): the article is still in its language when no other
    # language claims a part of it.
    if not reliable and not (details[0][2] >= _MOSTLY and details[1][2] <= _HARDLY):
        return None
    return code


def _plainly_english(sample: str) -> bool:
    """Prose that is plainly English by its function words, told in microseconds (str.count)
    where CLD2 takes 50 to 100 in a worker, its tables out of the cache by then. On the
    measured sample no page in another language that has one of the _ENGLISH_ONLY words came
    within a quarter of the threshold (docs/measurements.md); anything less plain goes to
    CLD2."""
    lowered = " " + sample.lower()  # (the first word counts too: words are between spaces)
    if " the " not in lowered and not any(word in lowered for word in _ENGLISH_ONLY):
        return False
    needed = _ENGLISH_WORDS_PER_SAMPLE * len(sample)
    found = 0
    for word in _ENGLISH_WORDS:  # most English samples pass on the first few
        found += lowered.count(word)
        if found * SAMPLE_CHARS >= needed:
            return True
    return False


def _prose_sample(texts: Iterable[str]) -> str:
    """The first SAMPLE_CHARS of the paragraphs that end like sentences, else of all; read
    no further than that (an article may have thousands of paragraphs)."""
    prose: list[str] = []
    others: list[str] = []
    size = others_size = 0
    for text in texts:
        if len(text) >= _PROSE_CHARS and text[-1] in _SENTENCE_ENDS:
            prose.append(text)
            size += len(text) + 1
            if size >= SAMPLE_CHARS:
                break
        elif others_size < SAMPLE_CHARS:
            others.append(text)
            others_size += len(text) + 1
    # (Joined by spaces, not newlines: the English test looks for words between spaces, and
    # CLD2 says the same of either, to its percentages, on the 3,037 measured samples.)
    return " ".join(prose or others)[:SAMPLE_CHARS]
