import pytest

from worker.learn.labels import segment_labels
from worker.learn.scoring import score_page, tokens, word_scores


def test_tokens_follow_the_benchmark_definition() -> None:
    assert tokens("Hello, World! It's 2026_11") == ["hello", "world", "it", "s", "2026_11"]


def test_word_f1_uses_multiset_overlap() -> None:
    precision, recall, f1 = word_scores("the cat the cat", "the cat sat")
    assert precision == pytest.approx(2 / 4)
    assert recall == pytest.approx(2 / 3)
    assert f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_empty_prediction_of_empty_reference_is_perfect_and_of_text_is_zero() -> None:
    assert word_scores("", "") == (1.0, 1.0, 1.0)
    assert word_scores("", "some words") == (0.0, 0.0, 0.0)
    assert word_scores("menu", "") == (0.0, 0.0, 0.0)


def test_snippets_match_on_words_not_punctuation() -> None:
    score = score_page(
        "Intro.\nThe key sentence -- here!", "ref", ("the key sentence here",), ("Intro", "Menu")
    )
    assert (score.with_found, score.with_total) == (1, 1)
    assert (score.without_found, score.without_total) == (1, 2)


def test_labels_need_most_trigrams_or_a_whole_short_line() -> None:
    reference = "Heading\n\nThe article body has a long sentence about cats and dogs."
    segments = [
        "The article body has a long sentence",  # all trigrams in the reference
        "Heading",  # a whole reference line
        "Home",  # a short segment that is not a reference line
        "Cats and dogs: the best offers this week",  # shares words, not trigrams
        "about cats and dogs. Subscribe now for more news today",  # under half
    ]
    assert segment_labels(segments, reference) == [1, 1, 0, 0, 0]
