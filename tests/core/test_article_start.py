"""A text dump's headline: the line right above the first paragraph the cut kept
(worker/core/article_start.py; through classify_page: test_classify_seed and
test_reason_origin's seed page, whose headline the cut rejects)."""

import numpy as np
import pytest

from worker.core.article_start import dump_headline

PARAGRAPH = (
    "The council voted on Tuesday to expand the bicycle network of the city by forty kilometres."
)


def dump(headline: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Menu lines, the headline, three paragraphs; the cut kept the paragraphs only."""
    texts = ["Home", "News", headline, PARAGRAPH, PARAGRAPH, PARAGRAPH, "Share this"]
    words = np.array([len(text.split()) for text in texts], dtype=np.float64)
    keep = np.array([False, False, False, True, True, True, False])
    return texts, words, keep


def test_the_line_above_the_first_paragraph_is_the_headline() -> None:
    texts, words, keep = dump("City expands its bike network by forty kilometres")
    assert dump_headline(texts, words, keep) == 2


@pytest.mark.parametrize(
    "line",
    [
        "Politics",  # a section's name, not a headline: under three words
        "The council met. It voted.",  # ends as a sentence ends
        "Posted by Jane Doe on 12 March 2019, in News,",  # ends with a comma
        " ".join(["word"] * 21),  # longer than a headline
    ],
)
def test_lines_that_are_no_headline(line: str) -> None:
    texts, words, keep = dump(line)
    assert dump_headline(texts, words, keep) is None


def test_no_headline_when_the_line_is_kept_or_there_is_no_paragraph() -> None:
    texts, words, keep = dump("City expands its bike network")
    keep[2] = True
    assert dump_headline(texts, words, keep) is None  # kept already
    keep[:] = False
    assert dump_headline(texts, words, keep) is None  # no paragraph kept
    keep[0] = True  # a paragraph on the first line has no line above it
    words[0] = 20
    assert dump_headline(texts, words, keep) is None


def test_a_chinese_line_ends_as_a_sentence_or_a_headline() -> None:
    texts, words, keep = dump("市议会扩建自行车道网络")
    words[2] = 11  # a CJK character counts as a word (features.py)
    assert dump_headline(texts, words, keep) == 2
    texts[2] = "市议会周二投票决定扩建自行车道。"
    assert dump_headline(texts, words, keep) is None
