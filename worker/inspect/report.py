"""The `chaff inspect` report: one self-contained HTML file, from an Inspection.

Safety: every piece of the page and the record (text, URL, ids, reasons that quote the
page, the original bytes, another extractor's output) goes through `_text`, which escapes
it for HTML and replaces control characters and lone surrogates. The page's own markup is
never rendered. The Content-Security-Policy allows nothing but the report's one style
sheet (by its hash): no script, image, font, frame or connection, so even a mistake in the
escaping could run nothing and load nothing. No link leaves the file.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from worker import __version__
from worker.core.classify import reason_origin
from worker.core.records import MAX_ORIGINAL_BYTES
from worker.core.verdict import SegmentVerdict
from worker.inspect.inspection import Comparison, Inspection, site_memory_words, why, words

# Kept and rejected colours: the tests look for them in the screenshots.
KEPT, KEPT_BACKGROUND = "#1b7f3b", "#dcf2e1"
REJECTED, REJECTED_BACKGROUND = "#b3261e", "#fbe1de"
DEAD, DEAD_BACKGROUND = "#8a5300", "#fff1d6"
DISAGREE = "#6a1b9a"

STYLE = (
    f":root{{--kept:{KEPT};--kept-bg:{KEPT_BACKGROUND};--rej:{REJECTED};"
    f"--rej-bg:{REJECTED_BACKGROUND};--dead:{DEAD};--dead-bg:{DEAD_BACKGROUND};"
    f"--disagree:{DISAGREE};--ink:#1d1d1f;--muted:#5f6368;--line:#d9d9de}}"
    """
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 "DejaVu Sans",system-ui,sans-serif;color:var(--ink);background:#fff}
header{padding:16px 24px 8px;border-bottom:1px solid var(--line);background:#f6f6f8}
h1{font-size:18px;margin:0 0 2px;overflow-wrap:anywhere}
h2{font-size:15px;margin:18px 0 8px}
.sub{color:var(--muted);margin:0 0 10px;overflow-wrap:anywhere}
.counts{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.count{padding:8px 14px;border-radius:6px;border-left:6px solid}
.count b{font-size:22px;margin-right:6px}
.count.kept{background:var(--kept-bg);border-color:var(--kept)}
.count.rejected{background:var(--rej-bg);border-color:var(--rej)}
.count.dead{background:var(--dead-bg);border-color:var(--dead)}
table.facts{border-collapse:collapse;margin:6px 0 10px}
.facts th{text-align:left;font-weight:600;padding:2px 16px 2px 0;color:var(--muted)}
.facts th{vertical-align:top}
.facts td{padding:2px 0;overflow-wrap:anywhere}
.why li{margin:2px 0}
main{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:24px;padding:0 24px 24px}
@media (max-width:900px){main{grid-template-columns:minmax(0,1fr)}}
ol.segments{list-style:none;margin:0;padding:0}
.seg{margin:0 0 6px;padding:6px 10px;border-left:6px solid;border-radius:4px}
.seg.kept{background:var(--kept-bg);border-color:var(--kept)}
.seg.rejected{background:var(--rej-bg);border-color:var(--rej)}
.seg.disagree{outline:2px dashed var(--disagree);outline-offset:-2px}
.seg .head{display:flex;align-items:center;gap:8px;font-size:12px;color:var(--muted)}
.badge{font-weight:700;text-transform:uppercase;letter-spacing:.04em}
.kept .badge{color:var(--kept)}
.rejected .badge{color:var(--rej)}
.bar{display:inline-block;width:120px;height:9px;background:#fff;border:1px solid var(--line)}
.fill{display:block;height:100%}
.kept .fill{background:var(--kept)}
.rejected .fill{background:var(--rej)}
.other{padding:0 6px;border-radius:3px;border:1px solid var(--line);background:#fff}
.disagree .other{border-color:var(--disagree);color:var(--disagree);font-weight:700}
.text{margin:4px 0;white-space:pre-wrap;overflow-wrap:anywhere}
ul.reasons{margin:2px 0 0;padding-left:18px;font-size:12px;color:#3c4043}
.tag{display:inline-block;min-width:64px;font-size:11px;color:var(--muted)}
.r-rule .tag,.r-held .tag,.r-cut .tag,.r-neighbours .tag{color:var(--ink);font-weight:700}
.published p{margin:0 0 10px;white-space:pre-wrap;overflow-wrap:anywhere}
.published,.other-text{padding:10px 14px;border:1px solid var(--line);border-radius:6px}
.note{color:var(--muted);font-style:italic}
.deadletter{margin:16px 24px;padding:10px 14px;background:var(--dead-bg)}
.deadletter{border-left:6px solid var(--dead)}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid var(--line)}
pre{padding:8px;max-height:60em;overflow:auto}
footer{padding:8px 24px 24px;color:var(--muted);font-size:12px}
""" + "".join(f".w{n}{{width:{n}%}}" for n in range(101))
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; script-src 'none'; "
    "img-src 'none'; font-src 'none'; connect-src 'none'; frame-src 'none'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'"
)
_ORIGIN_TAGS = {
    "rule": ("r-rule", "rule"),
    "held back": ("r-held", "held back"),
    "cut": ("r-cut", "page's cut"),
    "neighbours": ("r-neighbours", "neighbours"),
    "features": ("r-features", "model"),
}
# C0 and C1 controls (but tab, newline, carriage return) and lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _text(value: object) -> str:
    """Any value as escaped HTML text."""
    return html.escape(_UNSAFE.sub("\ufffd", str(value)), quote=True)


def render(inspection: Inspection, generated_at: datetime | None = None) -> str:
    generated = (generated_at or datetime.now(UTC)).isoformat(timespec="seconds")
    page, verdict = inspection.page, inspection.verdict
    title = page.url if page is not None else inspection.source_label
    parts = [
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>",
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>chaff inspect: {_text(title)}</title><style>{STYLE}</style></head><body>",
        "<header>",
        f"<h1>{_text(title)}</h1>",
        f"<p class='sub'>chaff inspect of {_text(inspection.source_label)}: "
        f"{_text(_outcome_words(inspection))}</p>",
        *_counts(inspection),
        *_facts(inspection),
        *(_why(verdict.segments, verdict.cut) if verdict is not None and verdict.segments else ()),
        *(_comparison_summary(inspection) if inspection.comparison is not None else ()),
        "</header>",
        *(_dead_letter(inspection) if inspection.dead_letter is not None else ()),
    ]
    if verdict is not None:
        parts += ["<main><section class='page'>", "<h2>The page, segment by segment</h2>"]
        if verdict.segments:
            parts.append("<ol class='segments'>")
            keeps = inspection.comparison.keeps if inspection.comparison else None
            for segment in verdict.segments:
                other = keeps[segment.position] if keeps is not None else None
                parts.append(_segment(segment, other, inspection.comparison))
            parts.append("</ol>")
        else:
            parts.append("<p class='note'>The page holds no text segments.</p>")
        parts += ["</section><section>", *_published(inspection)]
        if inspection.comparison is not None:
            parts += _other_text(inspection.comparison)
        parts.append("</section></main>")
    parts.append(
        f"<footer>chaff {_text(__version__)}, report generated {_text(generated)}. The page's "
        "own markup is not rendered: its text is shown escaped, and this file runs no "
        "script and loads nothing.</footer></body></html>\n"
    )
    return "\n".join(parts)


def _outcome_words(inspection: Inspection) -> str:
    if inspection.outcome == "article":
        return "the worker would publish an article"
    if inspection.outcome == "page_rejected":
        return "the worker would reject the whole page"
    kind = (inspection.dead_letter or {}).get("error", {}).get("kind", "?")
    return f"the worker would dead-letter this record ({kind})"


def _counts(inspection: Inspection) -> list[str]:
    verdict = inspection.verdict
    out = ["<div class='counts'>"]
    if verdict is not None:
        kept, rejected = verdict.article_segments, verdict.rejected_segments
        kept_words = sum(words(s.text) for s in kept)
        rejected_words = sum(words(s.text) for s in rejected)
        out += [
            f"<div class='count kept'><b id='kept-count'>{len(kept)}</b>segments kept, "
            f"<span id='kept-words'>{kept_words}</span> words</div>",
            f"<div class='count rejected'><b id='rejected-count'>{len(rejected)}</b>segments "
            f"rejected, <span id='rejected-words'>{rejected_words}</span> words</div>",
        ]
    if inspection.dead_letter is not None:
        kind = inspection.dead_letter["error"]["kind"]
        out.append(f"<div class='count dead'><b>dead letter</b>{_text(kind)}</div>")
    out.append("</div>")
    return out


def _facts(inspection: Inspection) -> list[str]:
    page, verdict, source = inspection.page, inspection.verdict, inspection.source
    rows: list[tuple[str, str]] = [("source", inspection.source_label)]
    if source.timestamp_ms is not None:
        rows.append(("record timestamp", _timestamp(source.timestamp_ms)))
    if source.key is not None:
        rows.append(("record key", source.key.decode("utf-8", "backslashreplace")))
    if page is not None:
        rows += [
            ("url", page.url),
            ("page id", page.page_id),
            ("site", page.site or "(none)"),
            ("fetch time", page.fetch_time or "(not given)"),
            ("content type", page.content_type),
        ]
    if verdict is not None:
        rows += [
            ("model version", verdict.model_version),
            ("page kind", verdict.page_kind or _NO_PAGE_KIND[verdict.content_type]),
        ]
    if inspection.site_memory is not None or verdict is not None:
        rows.append(("site memory", site_memory_words(inspection)))
    if verdict is not None and (metadata := verdict.metadata) is not None:
        rows += [
            ("article title", metadata.title or _NOT_FOUND),
            ("authors", ", ".join(metadata.authors) or _NOT_FOUND),
            ("published", metadata.published or _NOT_FOUND),
            ("modified", metadata.modified or _NOT_FOUND),
            ("language", metadata.language or "(not told)"),
        ]
    cells = "".join(f"<tr><th>{_text(k)}</th><td>{_text(v)}</td></tr>" for k, v in rows)
    return [f"<table class='facts'>{cells}</table>"]


_NOT_FOUND = "(not found)"
_NO_PAGE_KIND = {
    "text/plain": "(none: text dumps have no page-level stage)",
    "text/html": "(none: the page has no segments)",
}


def _timestamp(milliseconds: int) -> str:
    try:
        return datetime.fromtimestamp(milliseconds / 1000, UTC).isoformat(timespec="milliseconds")
    except (OverflowError, ValueError, OSError):  # a producer may set any 64-bit value
        return f"{milliseconds} ms (not a date)"


def _why(segments: Sequence[SegmentVerdict], cut: float | None) -> list[str]:
    found = why(tuple(segments))
    items = []
    for reason, positions in found.rule_hits.items():
        items.append(
            f"<li class='rule-hit'><b>rule</b>: {_text(reason)}: {_positions(positions)}</li>"
        )
    if not found.rule_hits:
        items.append("<li><b>rules</b>: none fired</li>")
    if cut is None or cut > 1:
        cut_words = "nothing scored high enough to be kept"
    else:
        cut_words = f"{cut:.2f}: segments scoring at or above it are kept"
        if found.kept_by_cut:
            cut_words += f"; it kept {len(found.kept_by_cut)} scoring under 0.50"
    items.append(f"<li id='page-cut'><b>the page's cut</b>: {_text(cut_words)}")
    if found.kept_by_cut:
        items[-1] += f" ({_positions(found.kept_by_cut)})"
    items[-1] += "</li>"
    if found.neighbours_tipped:
        items.append(
            f"<li><b>tipped by their neighbours</b>: {_positions(found.neighbours_tipped)}</li>"
        )
    if found.held_back:
        items.append(
            "<li><b>held back as a comment thread on a page about one item</b>: "
            f"{_positions(found.held_back)}</li>"
        )
    return ["<h2>Why</h2><ul class='why'>", *items, "</ul>"]


def _positions(positions: Iterable[int]) -> str:
    """#3, #7–#12: runs of positions, each linked to its segment."""
    runs: list[list[int]] = []
    for position in positions:
        if runs and position == runs[-1][-1] + 1:
            runs[-1].append(position)
        else:
            runs.append([position])
    links = []
    for run in runs:
        first = f"<a href='#seg-{run[0]}'>#{run[0]}</a>"
        links.append(first if len(run) == 1 else f"{first}–<a href='#seg-{run[-1]}'>#{run[-1]}</a>")
    count = sum(len(run) for run in runs)
    return f"{', '.join(links)} ({count} segment{'s' if count != 1 else ''})"


def _segment(segment: SegmentVerdict, other: bool | None, comparison: Comparison | None) -> str:
    kept = segment.label == "article"
    classes = "seg kept" if kept else "seg rejected"
    other_html = ""
    if other is not None and comparison is not None:
        if other != kept:
            classes += " disagree"
        verb = "keeps" if other else "drops"
        other_html = f"<span class='other'>{_text(comparison.extractor)} {verb}</span>"
    reasons = "".join(
        f"<li class='{_ORIGIN_TAGS[origin][0]}'><span class='tag'>{_ORIGIN_TAGS[origin][1]}</span>"
        f"{_text(reason)}</li>"
        for reason, origin in ((r, reason_origin(r)) for r in segment.reasons)
    )
    score = min(max(segment.score, 0.0), 1.0)
    return (
        f"<li class='{classes}' id='seg-{segment.position}'><div class='head'>"
        f"<span>#{segment.position}</span>"
        f"<span class='badge'>{'kept' if kept else 'rejected'}</span>"
        f"<span class='bar' title='score {score:.2f}'><span class='fill w{round(score * 100)}'>"
        f"</span></span><span class='score'>{score:.2f}</span>{other_html}</div>"
        f"<p class='text'>{_text(segment.text)}</p><ul class='reasons'>{reasons}</ul></li>"
    )


def _published(inspection: Inspection) -> list[str]:
    out = ["<h2>The clean article as published</h2>"]
    if inspection.published is not None:
        paragraphs = str(inspection.published["article_text"]).split("\n\n")
        body = "".join(f"<p>{_text(p)}</p>" for p in paragraphs)
        out.append(f"<div class='published' id='published'>{body}</div>")
    elif inspection.rejected is not None:
        reason = inspection.rejected.get("reason") or "the page was rejected"
        out.append(f"<p class='note'>No article is published: {_text(reason)}.</p>")
    else:
        out.append("<p class='note'>No article is published: the record is dead-lettered.</p>")
    return out


def _comparison_summary(inspection: Inspection) -> list[str]:
    comparison, verdict = inspection.comparison, inspection.verdict
    assert comparison is not None
    out = [f"<h2>Compared with {_text(comparison.extractor)}</h2>"]
    if comparison.note:
        out.append(f"<p class='note' id='compare-note'>{_text(comparison.note)}</p>")
    if comparison.keeps is None or verdict is None:
        return out
    tally = {(True, True): [0, 0], (True, False): [0, 0], (False, True): [0, 0]}
    tally[(False, False)] = [0, 0]
    for segment, other in zip(verdict.segments, comparison.keeps, strict=True):
        counts = tally[(segment.label == "article", other)]
        counts[0] += 1
        counts[1] += words(segment.text)
    name = _text(comparison.extractor)
    rows = [
        ("both keep", tally[(True, True)]),
        (f"only Chaff keeps ({name} drops)", tally[(True, False)]),
        (f"only {name} keeps (Chaff rejects)", tally[(False, True)]),
        ("both drop", tally[(False, False)]),
    ]
    cells = "".join(
        f"<tr><th>{label}</th><td>{n} segment{'s' if n != 1 else ''}, {w} words</td></tr>"
        for label, (n, w) in rows
    )
    out.append(f"<table class='facts' id='compare-table'>{cells}</table>")
    if tally[(True, False)][0] or tally[(False, True)][0]:
        out.append("<p class='note'>Segments they disagree on are outlined with a dashed line.</p>")
    return out


def _other_text(comparison: Comparison) -> list[str]:
    name = _text(comparison.extractor)
    if not comparison.text.strip():
        return []
    return [
        f"<h2>What {name} keeps</h2>",
        f"<pre class='other-text' id='other-text'>{_text(comparison.text)}</pre>",
    ]


def _dead_letter(inspection: Inspection) -> list[str]:
    letter = inspection.dead_letter
    assert letter is not None
    error, original = letter["error"], letter["original"]
    raw = inspection.original or b""
    shown = raw[:MAX_ORIGINAL_BYTES].decode("utf-8", "backslashreplace")
    facts = [
        ("error kind", error["kind"]),
        ("message", error["message"]),
        (
            "original",
            "no value (a tombstone)" if original["null"] else f"{original['length']:,} bytes",
        ),
        ("sha256", original["sha256"]),
    ]
    if original["null"]:
        facts[2] = ("original", "no value (a tombstone)")
    if original["encoding"] != "utf-8":
        facts.append(("encoding", "not UTF-8: bytes that are not are shown as \\xNN"))
    if len(raw) > MAX_ORIGINAL_BYTES:
        facts.append(("shown", f"the first {MAX_ORIGINAL_BYTES:,} bytes, as the dead letter keeps"))
    cells = "".join(f"<tr><th>{_text(k)}</th><td>{_text(v)}</td></tr>" for k, v in facts)
    return [
        "<section class='deadletter' id='dead-letter'>",
        f"<h2>Dead letter: <span id='error-kind'>{_text(error['kind'])}</span></h2>",
        f"<p id='error-message'>{_text(error['message'])}</p>",
        f"<table class='facts'>{cells}</table>",
        "<h2>The original record</h2>",
        f"<pre id='original'>{_text(shown)}</pre>",
        "</section>",
    ]
