"""Which files `chaff produce` publishes: page files from a directory, anything named."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from worker.stream.produce import expand_paths, records_from_file


def test_a_directory_walk_keeps_page_files_and_reports_the_rest(tmp_path: Path) -> None:
    for name in ("a.html", "b.HTM", "c.txt", "d.jsonl", "e.ndjson", "sub/f.html"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("<p>page</p>")
    (tmp_path / "g.html.gz").write_bytes(gzip.compress(b"<p>page</p>"))
    for name in ("README.md", "LICENSE", "run.sh", "data.gz", ".hidden.html"):
        (tmp_path / name).write_text("not a page")
    found = expand_paths([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found.pages] == [
        "a.html",
        "b.HTM",
        "c.txt",
        "d.jsonl",
        "e.ndjson",
        "g.html.gz",
        "sub/f.html",
    ]
    assert sorted(p.name for p in found.skipped) == ["LICENSE", "README.md", "data.gz", "run.sh"]


def test_a_file_named_on_the_command_line_is_published_whatever_its_name(
    tmp_path: Path,
) -> None:
    page = tmp_path / "page.md"
    page.write_text("An article in a file without a page extension.")
    found = expand_paths([page])
    assert found.pages == [page] and found.skipped == []
    [(_key, value)] = list(records_from_file(page, "https://example.com"))
    assert b"An article in a file" in value


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file"):
        expand_paths([tmp_path / "absent"])
