"""Pages of a dataset in the WCXB layout: html/<id>.html.gz, text/<id>.txt, ground-truth/<id>.json.

The layout is the one of ../shared/data/wcxb-dev (WCXB by Murrough Foley, 2026, CC-BY-4.0);
any folder with the same shape can be evaluated or trained on.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import orjson

Mode = Literal["html", "text"]


class DatasetError(ValueError):
    """The folder is not in the expected layout."""


@dataclass(frozen=True, slots=True)
class LabelledPage:
    page_id: str
    site: str
    page_type: str
    main_content: str  # the reference article text ("" when the page has none)
    with_snippets: tuple[str, ...]  # a correct extraction contains these
    without_snippets: tuple[str, ...]  # ... and not these
    html_path: Path
    text_path: Path
    # The page's URL and its gold metadata, where the corpus annotates them (WCXB does).
    url: str = ""
    title: str | None = None
    author: str | None = None
    publish_date: str | None = None

    def body(self, mode: Mode) -> str:
        if mode == "text":
            return self.text_path.read_text(encoding="utf-8", errors="replace")
        return gzip.decompress(self.html_path.read_bytes()).decode("utf-8", errors="replace")


def load_pages(
    root: Path, mode: Mode | None = None, limit: int | None = None
) -> list[LabelledPage]:
    """Every labelled page under `root`, sorted by id; only those with a body for `mode`."""
    truth_dir = root / "ground-truth"
    if not truth_dir.is_dir():
        raise DatasetError(f"{root}: no ground-truth/ folder (expected the WCXB layout)")
    metadata = _metadata(root)
    pages: list[LabelledPage] = []
    for truth_path in sorted(truth_dir.glob("*.json")):
        page = _page(root, truth_path, metadata)
        has_body = {"html": page.html_path, "text": page.text_path}
        if mode is None or has_body[mode].exists():
            pages.append(page)
        if limit is not None and len(pages) >= limit:
            break
    if not pages:
        raise DatasetError(f"{root}: no pages with a {mode or 'html or text'} body")
    return pages


def iter_bodies(pages: list[LabelledPage], mode: Mode) -> Iterator[tuple[LabelledPage, str]]:
    for page in pages:
        yield page, page.body(mode)


def _metadata(root: Path) -> dict[str, dict[str, object]]:
    path = root / "metadata.json"
    if not path.exists():
        return {}
    files = orjson.loads(path.read_bytes()).get("files", {})
    return files if isinstance(files, dict) else {}


def _page(root: Path, truth_path: Path, metadata: dict[str, dict[str, object]]) -> LabelledPage:
    page_id = truth_path.stem
    document = orjson.loads(truth_path.read_bytes())
    truth = document.get("ground_truth") or {}
    meta = metadata.get(page_id, {})
    page_type = (document.get("_internal") or {}).get("page_type", {}).get("primary")
    site = meta.get("domain") or _domain(str(document.get("url", "")))
    return LabelledPage(
        page_id=page_id,
        site=str(site),
        page_type=str(meta.get("page_type") or page_type or "unknown"),
        main_content=str(truth.get("main_content") or ""),
        with_snippets=tuple(truth.get("with") or ()),
        without_snippets=tuple(truth.get("without") or ()),
        html_path=root / "html" / f"{page_id}.html.gz",
        text_path=root / "text" / f"{page_id}.txt",
        url=str(document.get("url") or ""),
        title=_text_or_none(truth.get("title")),
        author=_text_or_none(truth.get("author")),
        publish_date=_text_or_none(truth.get("publish_date")),
    )


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _domain(url: str) -> str:
    host = url.split("://", 1)[-1].split("/", 1)[0].lower()
    return host.removeprefix("www.") or "unknown"
