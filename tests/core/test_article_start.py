"""A text dump's headline: the line right above the first paragraph the cut kept
(worker/core/article_start.py; through classify_page: test_classify_seed and
test_reason_origin's seed page, whose headline the cut rejects)."""

import numpy as np
import pytest

from worker.core.article_start import dump_headline, html_headline
from worker.core.features import feature_names
from worker.core.html_tags import HEADING_LEVELS, IN_HEADING

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


_HTML = feature_names("text/html")
H1, H2 = IN_HEADING | HEADING_LEVELS[0], IN_HEADING | HEADING_LEVELS[1]


def html_page(
    bits: list[int], words: list[float], kept: list[int], in_title: tuple[int, ...] = ()
) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray]:
    features = np.zeros((len(bits), len(_HTML)), dtype=np.float32)
    features[list(in_title), _HTML.index("in_title")] = 1.0
    features[:, _HTML.index("in_heading")] = [bool(bit & IN_HEADING) for bit in bits]
    keep = np.zeros(len(bits), dtype=bool)
    keep[kept] = True
    return bits, features, np.array(words, dtype=np.float64), keep


def test_the_nearest_h1_or_title_line_above_the_first_paragraph_is_the_headline() -> None:
    # menu, <h1> headline, <h1> of two words, byline, three paragraphs
    page = html_page([0, H1, H1, 0, 0, 0, 0], [1, 8, 2, 3, 40, 30, 25], kept=[4, 5, 6])
    assert html_headline(*page) == 1  # (the <h1> nearer the paragraph has too few words)
    # A line repeating <title> nearer the paragraph wins over the <h1> further up.
    page = html_page([0, H1, H2, 0, 0, 0], [1, 8, 9, 3, 40, 30], kept=[4, 5], in_title=(2,))
    assert html_headline(*page) == 2


def test_no_html_headline_where_one_is_kept_or_none_fits() -> None:
    assert html_headline(*html_page([0, H1, 0, 0], [1, 8, 40, 30], kept=[1, 2, 3])) is None
    titled = html_page([0, H2, 0, 0], [1, 8, 40, 30], kept=[1, 2, 3], in_title=(1,))
    assert html_headline(*titled) is None
    # no paragraph kept; a headline of 30 words; only below the first paragraph
    assert html_headline(*html_page([H1, 0, 0], [8, 10, 10], kept=[1, 2])) is None
    assert html_headline(*html_page([H1, 0, 0], [30, 40, 30], kept=[1, 2])) is None
    assert html_headline(*html_page([0, H1, 0], [40, 8, 30], kept=[0, 2])) is None
    # an <h1> that is a link's text (the site's logo)
    linked = html_page([H1, 0, 0], [8, 40, 30], kept=[1, 2])
    linked[1][0, _HTML.index("link_density")] = 1.0
    assert html_headline(*linked) is None
