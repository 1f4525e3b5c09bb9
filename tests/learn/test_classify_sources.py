"""`chaff classify` on JSONL raw records and standard input, and on what is not a page."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from worker.cli import main
from worker.core.raw_page import derive_page_id

REPO = Path(__file__).parents[2]
RECORDS = REPO / "seeds" / "wcxb-pages.jsonl"
SEED = REPO / "seeds" / "000_bd0859deabb9f25c.txt"


def output_lines(capsys: pytest.CaptureFixture[str]) -> tuple[list[dict[str, object]], str]:
    captured = capsys.readouterr()
    return [orjson.loads(line) for line in captured.out.splitlines()], captured.err


def test_jsonl_records_are_classified_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    records = [orjson.loads(line) for line in RECORDS.read_bytes().splitlines() if line.strip()]
    assert main(["classify", "--article-only", str(RECORDS)]) == 0
    lines, _err = output_lines(capsys)
    assert [line["line"] for line in lines] == list(range(1, len(records) + 1))
    assert [line["url"] for line in lines] == [r["url"] for r in records]
    assert [line["page_id"] for line in lines] == [
        r.get("page_id") or derive_page_id(r["url"], r.get("fetch_time")) for r in records
    ]
    assert all(line["source"] == str(RECORDS) for line in lines)
    # The article is the page's text, not the JSON record read as HTML.
    assert all('"body"' not in str(line["article"]) for line in lines)
    assert all("\\n" not in str(line["article"]) for line in lines)


def test_a_bad_record_gets_its_reason_and_the_rest_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = RECORDS.read_bytes().splitlines()[0]
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(b"\n".join([good, b"{not json", b'{"url": "https://a.example/"}', good]))
    assert main(["classify", "--article-only", str(mixed)]) == 2
    lines, err = output_lines(capsys)
    assert [line["line"] for line in lines] == [1, 4]
    assert f"{mixed}:2: invalid_json" in err
    assert f"{mixed}:3: schema_violation" in err and "body" in err


def test_standard_input_takes_records_or_one_page(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(RECORDS.read_bytes())))
    assert main(["classify", "--article-only", "-"]) == 0
    lines, _err = output_lines(capsys)
    assert len(lines) > 1 and lines[0]["source"] == "-" and lines[0]["line"] == 1

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(SEED.read_bytes())))
    assert main(["classify", "--article-only", "--content-type", "text/plain", "-"]) == 0
    [line], _err = output_lines(capsys)
    assert line["line"] is None and str(line["article"]).startswith("US warns Iraq")


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty_body"), (b"   \n\n ", "empty_body"), (bytes(range(32)) * 40, "binary_body")],
)
def test_a_file_that_is_not_a_page_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reason: str
) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(content)
    assert main(["classify", str(page)]) == 2
    lines, err = output_lines(capsys)
    assert lines == [] and f"{page}: {reason}" in err
