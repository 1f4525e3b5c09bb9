from worker.core.rules import rule_rejections, trailing_separator


def test_a_feed_of_teasers_is_rejected_with_its_last_item_and_lone_separators() -> None:
    texts = [
        "A paragraph of the article that ends like prose does.",
        "-",
        "First teaser headline -",
        "Second teaser headline -",
        "-",
        "Third teaser headline -",
        "Last teaser headline without a separator",
        "Unrelated footer sentence after the feed.",
    ]
    rejected = rule_rejections(texts)
    assert sorted(rejected) == [1, 2, 3, 4, 5, 6]
    assert rejected[1] == "no words"
    assert "teaser headlines" in rejected[2]


def test_two_teaser_like_lines_are_not_a_feed() -> None:
    texts = ["Pros and cons -", "Cheap -", "A normal sentence."]
    assert rule_rejections(texts) == {}


def test_a_separator_must_be_detached_from_the_word() -> None:
    assert trailing_separator("state-of-the-art") is None
    assert trailing_separator("News |") == "|"
    assert trailing_separator("-") is None
