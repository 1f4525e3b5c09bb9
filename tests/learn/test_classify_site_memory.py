"""`chaff classify --site-memory on|off` on JSONL raw records of one site's pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from worker.cli import main
from worker.learn.dataset import load_pages

FIXTURE = Path(__file__).parents[1] / "fixtures" / "site-memory"


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The eater.com pages as raw records, then the first one again from another site."""
    pages = [p for p in load_pages(FIXTURE, "html") if p.site == "eater.com"]
    lines = [
        {
            "url": f"https://eater.com/{p.page_id}",
            "body": p.body("html"),
            "content_type": "text/html",
        }
        for p in pages
    ]
    lines.append({**lines[0], "url": "https://other.example/copy"})
    path = tmp_path_factory.mktemp("records") / "site.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines) + b"\n")
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    assert main(["classify", *args]) == 0
    return [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_with_memory_each_page_is_informed_by_the_sites_earlier_pages(
    records: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    off = _run(capsys, "--site-memory", "off", str(records))
    on = _run(capsys, "--site-memory", "on", str(records))
    assert [line["line"] for line in on] == [1, 2, 3, 4, 5]
    assert [line["source"] for line in on] == [str(records)] * 5
    assert [line["page_id"] for line in on] == [line["page_id"] for line in off]
    assert [line["url"] for line in on] == [line["url"] for line in off]
    assert "site_memory" not in off[0]
    notes = [line["site_memory"] for line in on]
    assert [n["pages_seen"] for n in notes] == [0, 1, 2, 3, 0]
    assert on[0]["article"] == off[0]["article"]  # a site's first page: today's verdict
    assert on[4]["article"] == off[4]["article"]  # another site: nothing remembered
    assert notes[3]["rejected"] > 0
    memory_reasons = [
        s["reasons"][0]
        for s in on[3]["segments"]
        if s["label"] == "junk" and s["reasons"][0].startswith("also on")
    ]
    assert memory_reasons and all("of this site's last 3 pages" in r for r in memory_reasons)


def test_the_default_is_off(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    default = _run(capsys, "--article-only", str(records))
    off = _run(capsys, "--article-only", "--site-memory", "off", str(records))
    assert [line["article"] for line in default] == [line["article"] for line in off]
    assert all("site_memory" not in line for line in default)
