import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.core import kernels
from worker.core.classify import classify_page
from worker.core.headline_runs import (
    ARTICLE_PROSE_WORDS,
    HEADLINE_WORDS,
    MIN_RUN,
    PROSE_LINE_WORDS,
    headline_runs,
)

PROSE = [
    f"Paragraph {n} of the article runs on for long enough to be prose, with a verb and an "
    f"ending that a sentence has, as this one does."
    for n in range(8)
]
HEADLINES = [
    "Gay US ice dancer talks about coming out and falling in love",
    "Amazon is selling a Straight Pride badge and people are not happy",
    "Would you take children to protest Saturday's rally?",
    "WATCH: Laverne Cox appears hopeful on MSNBC",
    "The Czech Republic is about to make same-sex marriage legal",
    "UK man jailed for homophobic bus attack on gay teenager",
    "World's first rainbow condom promotes safer sex",
    "Boy George slams 'fact-starved' report",
]


def words(texts: list[str]) -> np.ndarray:
    return np.array([len(text.split()) for text in texts], dtype=np.float64)


def test_a_run_of_headlines_above_the_article_is_rejected() -> None:
    texts = ["Site name", *HEADLINES, "The headline of the article", *PROSE]
    rejected = headline_runs(texts, words(texts))
    # The article's own headline joins the run: it is one more line of the same kind.
    assert sorted(rejected) == list(range(1, 10))
    assert rejected[1] == "one of a run of 9 headlines above all of the article's prose"


def test_a_run_below_the_article_is_rejected_too() -> None:
    texts = [*PROSE, "Share this", *HEADLINES, "Copyright 2017"]
    rejected = headline_runs(texts, words(texts))
    assert sorted(rejected) == list(range(9, 17))
    assert set(rejected.values()) == {
        "one of a run of 8 headlines below all of the article's prose"
    }


@pytest.mark.parametrize(
    "texts",
    [
        pytest.param([*PROSE[:4], *HEADLINES, *PROSE[4:]], id="between the paragraphs"),
        pytest.param([*HEADLINES, *PROSE[:1]], id="too little prose elsewhere"),
        pytest.param([*HEADLINES[: MIN_RUN - 1], *PROSE], id="too short a run"),
        pytest.param([f"{line}." for line in HEADLINES] + PROSE, id="lines ending in a stop"),
        pytest.param([line.split(":")[0][:9] for line in HEADLINES] + PROSE, id="too few words"),
        pytest.param(HEADLINES[:3], id="a short page"),
    ],
)
def test_lists_the_rule_leaves_alone(texts: list[str]) -> None:
    assert headline_runs(texts, words(texts)) == {}


def test_a_text_dump_loses_the_list_and_keeps_the_article() -> None:
    page = "\n".join(["Site name", *HEADLINES, *PROSE, "Copyright 2017"])
    verdict = classify_page(page, "text/plain")
    kept = {segment.text for segment in verdict.segments if segment.label == "article"}
    assert set(PROSE) <= kept
    assert not kept & set(HEADLINES)
    assert any(
        reason.startswith("one of a run of 8 headlines above")
        for segment in verdict.segments
        for reason in segment.reasons
    )


def reference_runs(texts: list[str], words: list[float]) -> list[tuple[int, int, bool]]:
    """The rule in plain Python, as headline_runs.py states it."""
    prose = [w >= PROSE_LINE_WORDS and t[-1:] in ('.', '!', '?', '"', "\u201d") for t, w in
             zip(texts, words, strict=True)]  # fmt: skip
    low, high = HEADLINE_WORDS
    headline = [low <= w <= high and t[-1:] != "." for t, w in zip(texts, words, strict=True)]
    runs = []
    start = 0
    while start < len(texts):
        end = start
        while end < len(texts) and headline[end]:
            end += 1
        if end - start >= MIN_RUN:
            above = sum(w for w, p in zip(words[:start], prose[:start], strict=True) if p)
            below = sum(w for w, p in zip(words[end:], prose[end:], strict=True) if p)
            if not (above and below) and above + below >= ARTICLE_PROSE_WORDS:
                runs.append((start, end, not above))
        start = max(end, start + 1)
    return runs


@given(
    st.lists(
        st.tuples(st.sampled_from(["", "a.", "a", "a?", 'a"', "a\u201d", "a!", "\u4e2d"]),
                  st.sampled_from([0.0, 3.0, 4.0, 12.0, 25.0, 26.0, 80.0, 200.0])),
        max_size=40,
    )
)  # fmt: skip
def test_the_kernel_finds_the_runs_the_definition_gives(lines: list[tuple[str, float]]) -> None:
    texts = [text for text, _ in lines]
    words = [count for _, count in lines]
    assert kernels.headline_runs(
        texts, np.array(words), MIN_RUN, HEADLINE_WORDS, PROSE_LINE_WORDS, ARTICLE_PROSE_WORDS
    ) == reference_runs(texts, words)
