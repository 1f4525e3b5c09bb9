import numpy as np
import pytest

from worker.core.features import feature_names, page_features
from worker.core.html_segments import STRUCTURE_NAMES, html_segments
from worker.core.segments import segment_page, text_segments

PAGE = """<!doctype html><html><head><title>T</title><style>p{}</style></head><body>
<nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<main><article class="post-content">
<h1>The headline</h1>
<p>First paragraph with <a href="#">one link</a> and <b>bold</b> text.</p>
<p>Second paragraph, a sentence.</p>
</article></main>
<noscript><p>Content that crawlers get from a noscript block.</p></noscript>
<footer>Copyright 2026</footer>
<script>var hidden = "never a segment";</script>
</body></html>"""


def column(segments_structure: np.ndarray, name: str) -> list[float]:
    return segments_structure[:, STRUCTURE_NAMES.index(name)].tolist()


def test_html_blocks_come_in_document_order_with_inline_text_joined() -> None:
    segments = html_segments(PAGE)
    assert segments.texts == [
        "Home",
        "News",
        "The headline",
        "First paragraph with one link and bold text.",
        "Second paragraph, a sentence.",
        "Content that crawlers get from a noscript block.",
        "Copyright 2026",
    ]


def test_html_structure_records_links_and_containers() -> None:
    structure = html_segments(PAGE).structure
    assert structure is not None and structure.shape == (7, len(STRUCTURE_NAMES))
    assert column(structure, "link_density")[:2] == [1.0, 1.0]
    assert 0.1 < column(structure, "link_density")[3] < 0.3
    assert column(structure, "in_nav")[:3] == [1.0, 1.0, 0.0]
    assert column(structure, "negative_class")[:2] == [1.0, 1.0]
    assert column(structure, "in_article")[2:5] == [1.0, 1.0, 1.0]
    assert column(structure, "in_heading")[2] == 1.0
    assert column(structure, "in_footer")[6] == 1.0


def test_empty_and_textless_pages_have_no_segments() -> None:
    assert len(html_segments("")) == 0
    assert len(html_segments("<html><body><script>x()</script></body></html>")) == 0
    assert len(text_segments("\n \n\t\n")) == 0


def test_text_segments_are_nonblank_lines_with_whitespace_collapsed() -> None:
    segments = segment_page("  first   line \n\n second\tline\n", "text/plain")
    assert segments.texts == ["first line", "second line"]
    assert segments.structure is not None and segments.structure.shape == (2, 3)


def test_feature_matrix_has_one_named_column_per_feature() -> None:
    for body, content_type in ((PAGE, "text/html"), ("One line.\nTwo -\n", "text/plain")):
        segments = segment_page(body, content_type)
        features = page_features(segments)
        assert features.shape == (len(segments), len(feature_names(content_type)))
        assert np.isfinite(features).all()


def test_text_features_measure_what_their_names_say() -> None:
    segments = text_segments("Short teaser -\nA longer line of prose, with a comma, ends here.\n")
    features = page_features(segments)
    names = feature_names("text/plain")

    def value(row: int, name: str) -> float:
        return float(features[row, names.index(name)])

    assert round(np.expm1(value(0, "log_words"))) == 3
    assert value(0, "ends_dash_teaser") == 1.0 and value(1, "ends_dash_teaser") == 0.0
    assert value(1, "ends_sentence") == 1.0 and value(0, "ends_sentence") == 0.0
    assert value(1, "commas_per_word") > 0.1
    assert value(0, "capitalised_word_share") == pytest.approx(1 / 3)
