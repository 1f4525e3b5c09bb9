"""Every feature column holds what its name says (the reasons quote the names)."""

import numpy as np
import pytest

from worker.core.features import feature_names, page_features
from worker.core.segments import segment_page
from worker.core.verdict import ContentType

PAGES: dict[ContentType, str] = {
    "text/plain": "Menu\nHome | News\n\nA long paragraph of prose, with commas, ends here.\n\n"
    "Short line\nAnother line without a stop\nlowercase start. And more text!\n",
    "text/html": "<html><body><nav><ul><li><a href='/'>Home</a></li><li>News</li></ul></nav>"
    "<article><h1>Title</h1><p>A long paragraph of prose, with commas, ends here.</p>"
    "<p>lowercase start. And <a href='#'>a link</a> too</p></article>"
    "<footer class='share'>Share this</footer></body></html>",
}


@pytest.mark.parametrize("content_type", list(PAGES))
def test_previous_and_next_columns_hold_their_sources(content_type: ContentType) -> None:
    segments = segment_page(PAGES[content_type], content_type)
    features = page_features(segments)
    names = feature_names(content_type)
    column = {name: features[:, i] for i, name in enumerate(names)}
    sources = [name[: -len("_prev")] for name in names if name.endswith("_prev")]
    assert len(segments) >= 4 and sources
    for source in sources:
        values = column[source]
        assert len(set(values.tolist())) > 1 or source in ("in_list", "negative_class")
        np.testing.assert_array_equal(column[f"{source}_prev"][1:], values[:-1], err_msg=source)
        np.testing.assert_array_equal(column[f"{source}_next"][:-1], values[1:], err_msg=source)
        np.testing.assert_allclose(
            column[f"{source}_mean1"][1:-1],
            (values[:-2] + values[1:-1] + values[2:]) / 3,
            rtol=1e-5,
            err_msg=source,
        )
