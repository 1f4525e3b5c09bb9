from pathlib import Path

from worker.core.classify import classify_page

SEED = Path(__file__).parents[2] / "seeds" / "000_bd0859deabb9f25c.txt"


def test_seed_keeps_every_article_paragraph_and_rejects_all_headlines() -> None:
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    article_lines, feed_lines = lines[:8], lines[8:]
    verdict = classify_page(SEED.read_text(encoding="utf-8"), "text/plain")
    kept = {s.text for s in verdict.article_segments}
    rejected = {s.text for s in verdict.rejected_segments}
    assert set(article_lines) <= kept
    assert len([line for line in feed_lines if line != "-"]) == 16
    assert set(feed_lines) <= rejected
    assert not kept & set(feed_lines)
