"""A text dump of a short blog post over a long comment thread: the rules reject the thread,
and the lines before it are scored as a page of their own (SegmentModel.score_before_thread),
so the thread's prose no longer makes the post look like a header "at 5% of the page"."""

from __future__ import annotations

import numpy as np

from worker.core.classify import classify_page
from worker.core.segment_model import shipped_model
from worker.core.segments import segment_page

MARKER = "{ 40 comments… read them below or add one }"


def blog_dump(comments: int = 40) -> str:
    post = [
        "Home",
        "Archives",
        "Subscribe",
        "Forgiving your enemies",
        "by Jane Doe on June 27, 2012",
        "The abbot asked his favourite pupil how his spiritual progress was coming along, and "
        "the pupil answered that he was managing to devote every moment of the day to God.",
        "“Then all that is left now is to forgive your enemies.”",
        "The young man was shocked, and said so.",
        "“But I am not angry at my enemies, and I have never wished them harm,” he said, and "
        "the abbot smiled at him for a long while before he answered.",
        "Previous post: Six ways to refuel your energy",
    ]
    thread = []
    for i in range(comments):
        thread += [
            f"Reader {i} July {i % 28 + 1}, 2012 at 3:56 pm",
            "I have read this twice now and I think the lesson is a hard one, because to "
            f"forgive is not to forget what was done to us by those we trusted, number {i}.",
            "Reply",
        ]
    return "\n\n".join([*post, MARKER, *thread]) + "\n"


def test_the_lines_before_the_thread_are_scored_as_a_page_of_their_own() -> None:
    body = blog_dump()
    verdict = classify_page(body, "text/plain")
    segments = segment_page(body, "text/plain")
    start = segments.texts.index(MARKER) + 1
    model = shipped_model("text/plain")
    alone = model.score(segments.head(start)).scores
    whole = model.score(segments).scores
    scores = np.array([s.score for s in verdict.segments])
    np.testing.assert_allclose(scores[:start], alone, atol=1e-4)  # (rounded)
    # Without its thread the post scores otherwise than as the head of the whole dump.
    assert np.abs(alone - whole[:start]).max() > 0.05
    thread = verdict.segments[start:]
    assert all(s.label == "junk" and s.score == 0.0 for s in thread)
    assert all(s.reasons[0] == f"in the comment section that {MARKER!r} opens" for s in thread)


def test_the_post_is_kept_and_scores_higher_without_its_thread() -> None:
    body = blog_dump()
    verdict = classify_page(body, "text/plain")
    kept = [s.text for s in verdict.segments if s.label == "article"]
    assert any(text.startswith("The abbot asked") for text in kept)
    assert not any("Reader" in text or "forgive is not to forget" in text for text in kept)
    segments = segment_page(body, "text/plain")
    whole = shipped_model("text/plain").score(segments).scores
    prose = segments.texts.index(next(t for t in segments.texts if t.startswith("The abbot")))
    assert verdict.segments[prose].score > whole[prose] + 0.05


def test_a_dump_without_a_comment_section_is_scored_once() -> None:
    body = blog_dump().replace(MARKER, "Some other line")
    verdict = classify_page(body, "text/plain")
    whole = shipped_model("text/plain").score(segment_page(body, "text/plain")).scores
    np.testing.assert_allclose([s.score for s in verdict.segments], whole, atol=1e-4)
