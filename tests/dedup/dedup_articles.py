"""Article records for dedup tests: the gold texts of the fixture pages, as `chaff run`
publishes them (the core's own builders), and near-copies of them on other sites.

The texts are the ground truth of the pages in tests/fixtures/{wcxb,dragnet,cleaneval,
googletrends}/ (each folder has its corpus's licence, credit and how its pages were chosen).
A stand-in classifier keeps every line, so an article's text is the gold text itself.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson

from worker.core.records import Source, process_raw_record
from worker.core.verdict import ContentType, PageVerdict, SegmentVerdict
from worker.dedup.synthetic import MAKERS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CORPORA = ("wcxb", "dragnet", "cleaneval", "googletrends")


def gold_texts(min_words: int = 80) -> list[tuple[str, str]]:
    """(corpus-id, gold text) of the fixture pages with at least `min_words` words."""
    texts = []
    for corpus in CORPORA:
        for path in sorted((FIXTURES / corpus / "ground-truth").glob("*.json")):
            text = orjson.loads(path.read_bytes())["ground_truth"].get("main_content") or ""
            if len(text.split()) >= min_words:
                texts.append((f"{corpus}-{path.stem}", text))
    return texts


def keep_every_line(body: str, content_type: ContentType) -> PageVerdict:
    lines = [line for line in body.splitlines() if line.strip()]
    segments = tuple(
        SegmentVerdict(n, line, "article", 0.9, ("prose",)) for n, line in enumerate(lines)
    )
    return PageVerdict(content_type, segments, "keep-1")


def article_record(site: str, name: str, text: str) -> tuple[bytes, bytes]:
    """(key, value) of the article record `chaff run` publishes for this page."""
    raw = orjson.dumps(
        {
            "url": f"https://{site}/story/{name}",
            "body": text,
            "content_type": "text/plain",
            "fetch_time": "2026-12-03T10:00:00Z",
        }
    )
    processed = process_raw_record(raw, Source("pages.raw", 0, 0, None), keep_every_line, "test")
    article = next(o for o in processed.outputs if o.kind == "article")
    return article.key, article.value


def near_copy(text: str, kind: str, seed: int) -> str:
    return MAKERS[kind](text, random.Random(seed))


def page_id_of(value: bytes) -> str:
    page_id: str = orjson.loads(value)["page_id"]
    return page_id
