"""html_kernels.segment_marks and html_kernels.paths_through give what html_segments
computed with Python per segment before, on any text and any paths."""

from hypothesis import given
from hypothesis import strategies as st

from worker.core import html_kernels
from worker.core import html_segments as hs

# Every character the marks look at, some wide ones, and a lone surrogate.
_ALPHABET = st.sampled_from(list(".!?…,\"')”’ ab\u00e9\u4e2d\U0001f600\ud800。！？，、」』）"))
_TEXTS = st.lists(st.text(_ALPHABET, min_size=1, max_size=30) | st.text(min_size=1), max_size=40)


@given(_TEXTS)
def test_segment_marks_match_the_python_definitions(texts: list[str]) -> None:
    marks = html_kernels.segment_marks(texts)
    assert marks.chars.tolist() == [float(len(t)) for t in texts]
    assert marks.commas.tolist() == [float(hs._count_commas(t)) for t in texts]
    assert marks.ends_sentence.tolist() == [hs._ends_sentence(t) for t in texts]
    assert marks.ends_prose.tolist() == [t[-1] in hs._SENTENCE_ENDS for t in texts]


def test_segment_marks_on_known_texts() -> None:
    texts = ["One, two, three four five six.”)", "Too short.", "Six words here but no stop"]
    marks = html_kernels.segment_marks(texts)
    assert marks.commas.tolist() == [2.0, 0.0, 0.0]
    assert marks.ends_sentence.tolist() == [True, False, False]
    assert marks.ends_prose.tolist() == [True, True, False]
    # Chinese: its own commas and full stops, no spaces between words.
    texts = ["市议会周二投票，决定扩建自行车道。", "短句。", "市议会周二投票决定扩建自行车道」"]
    marks = html_kernels.segment_marks(texts)
    assert marks.commas.tolist() == [1.0, 0.0, 0.0]
    assert marks.ends_sentence.tolist() == [True, False, False]
    assert marks.ends_prose.tolist() == [True, True, True]


_PATHS = st.lists(st.lists(st.integers(0, 5) | st.just(2**62), min_size=1, max_size=6), max_size=30)


@given(_PATHS, st.integers(-1, 7), st.integers(0, 5) | st.just(2**62))
def test_paths_through_matches_the_python_test(
    lists: list[list[int]], depth: int, block: int
) -> None:
    paths = [tuple(path) for path in lists]
    expected = [depth >= 0 and len(path) > depth and path[depth] == block for path in paths]
    assert html_kernels.paths_through(paths, depth, block).tolist() == expected
