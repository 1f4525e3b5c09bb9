"""Training rescores a text dump's lines before its comment section as the worker does
(worker/learn/threads.py against SegmentModel.score_before_thread), so cross-validation and
the decision's fit see the scores the worker will see."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.core.test_classify_thread_dump import MARKER, blog_dump
from worker.core.classify import classify_page
from worker.core.model import sigmoid
from worker.core.segment_model import shipped_model
from worker.learn.dataset import LabelledPage
from worker.learn.threads import rescored_before_thread, thread_start
from worker.learn.train import TrainingPage, prepare, smoothing_inputs


def _prepared(tmp_path: Path, body: str) -> TrainingPage:
    text = tmp_path / "page.txt"
    text.write_text(body, encoding="utf-8")
    page = LabelledPage("p", "example.org", "article", "", (), (), tmp_path / "none", text)
    return prepare([(page, body)], "text")[0]


def test_training_rescores_the_post_above_its_thread_as_the_worker_does(tmp_path: Path) -> None:
    body = blog_dump()
    page = _prepared(tmp_path, body)
    start = thread_start(page)
    assert start == page.texts.index(MARKER) + 1
    model = shipped_model("text/plain")
    whole = sigmoid(
        model.smoothing.logits(smoothing_inputs(page, model.local.logits(page.features)))
    )
    rescored = rescored_before_thread(page, whole, model.local, model.smoothing)
    worker = np.array([s.score for s in classify_page(body, "text/plain").segments])
    np.testing.assert_allclose(rescored[:start], worker[:start], atol=1e-4)
    assert np.abs(rescored[:start] - whole[:start]).max() > 0.05
    np.testing.assert_array_equal(rescored[start:], whole[start:])  # the thread: as scored


def test_a_page_without_a_thread_keeps_its_scores(tmp_path: Path) -> None:
    page = _prepared(tmp_path, blog_dump().replace(MARKER, "Some other line"))
    assert thread_start(page) is None
    scores = np.linspace(0.0, 1.0, len(page.texts))
    model = shipped_model("text/plain")
    assert rescored_before_thread(page, scores, model.local, model.smoothing) is scores
