"""The accuracy gate: word-F1 on pinned pages of every corpus must not fall below a floor.

The pages are in tests/fixtures/<corpus>/, one folder per corpus in the WCXB layout (see
each folder's README for the credit, the licence and how its pages were chosen; the
dragnet, cleaneval and googletrends pages are test data only, under their own licences).
The wcxb pages are development pages the shipped models were trained on; the shipped
models were fitted on wcxb-dev only, so the pages of the three other corpora are pages
they never saw. Either way the floors catch regressions of the model, the segmenter or the
features; generalisation is measured by `chaff eval --cv` (README, "Accuracy") and
`chaff eval --all-corpora`, not by these few pages. The hashes catch an edited fixture.
"""

import hashlib
import itertools
from pathlib import Path

import pytest

from worker.learn.dataset import Mode, load_pages
from worker.learn.evaluate import evaluate

FIXTURES = Path(__file__).parents[1] / "fixtures"
CORPORA = ("wcxb", "dragnet", "cleaneval", "googletrends")
MODES: tuple[Mode, ...] = ("html", "text")
# Re-pin on purpose when a fixture is rewritten (tests/fixtures/pick_pages.py).
FIXTURE_SHA256: dict[str, str] = {
    "wcxb": "c07bdcb1bf067a7d30d06d0e6ef8ceca2edf8898735f51d03faf2680ef7a2a02",
    "dragnet": "b557bd692d7419452feb6a76e99962264e0ff0c2ebfaa3a46fbfdb02cae0e507",
    "cleaneval": "978c165f6bb47d48e5e1787968c846d0242d37c9a564fb9fd0a38321f5b41405",
    "googletrends": "138c134ca9ed9a5d60af5b30ac886f30ab21c16c21ba19c34da04614c9f4f89d",
}
PAGES: dict[str, int] = {"wcxb": 35, "dragnet": 10, "cleaneval": 10, "googletrends": 10}
# Word-F1 of the shipped models on these pages minus 0.025, which leaves room for
# floating-point differences across platforms; a real regression costs more than that.
# The measured figures are in the comments: to re-measure, run this file with `-s` (each
# test prints its F1) and set floor = measured - 0.025, rounded down to 3 decimals.
F1_FLOOR: dict[tuple[str, Mode], float] = {
    # Measured with html-87a4027b20 (its local stage depth-2 trees) and text-45c5ab74f4
    # (2026-12-03, the text dumps' comment section rule in place); the text rows again with
    # text-944de5b107 (the same weights) once 200 words of prose above a text dump's comment
    # marker open its section too; the text rows again on 2026-12-04 (the same model file)
    # with counted comment markers, the lines above a thread rescored and the post's
    # navigation (googletrends' gt_168, a wiki page over its comments, 0.946 -> 0.852: its
    # rescored lines; dragnet's R111 0.982 -> 0.934, R421 and R680 up to 1.000). The HTML
    # rows again with html-27fd5c7879 (2026-12-04: the same stages, each decision fitted on
    # the pages routed to it; counted comment markers on HTML). The text rows again with the
    # article-end rules (article_end.py: filing lines, related lists; dragnet's T5 0.944 ->
    # 0.989 and R853 0.841 -> 0.808, its gold keeping an inline "Related articles:" list;
    # googletrends' gt_121 0.705 -> 0.712; wcxb's 4091 0.942 -> 0.972 and 2999 0.959 ->
    # 0.956). The HTML rows again with the declared article body (declared_body.py, the
    # same model file): wcxb 0.7003 -> 0.7173, dragnet 0.8627 -> 0.8665, the other two the
    # same. The HTML rows again with html-1680f33e9c (2026-12-04, midday: a named body
    # counts as a positive class hint in the container scoring, and under a short body what
    # sits in asides, threads and related lists goes): wcxb 0.7173 -> 0.7213, dragnet
    # 0.8665 -> 0.9426, cleaneval 0.9515 -> 0.9530, googletrends 0.8137 -> 0.8239. The
    # linked lists under a related heading on one-item pages (article_end.py): wcxb 0.7213
    # -> 0.7214, googletrends 0.8239 -> 0.8248, the other two unchanged. Every row again
    # with html-2b8758aa11 and text-f160a60975 (2026-12-04, afternoon: the byte pass reads
    # the case of Cyrillic, Greek and accented letters, CJK words and marks; both models
    # refitted; a text dump's headline kept by article_start.py): dragnet's text 0.9038 ->
    # 0.8853 (T175 0.945 -> 0.857, five pages down by 0.01 to 0.02), googletrends' HTML
    # 0.8248 -> 0.8224 (gt_158 0.043 -> 0.0), the other rows up. The HTML rows again with
    # html-bcc5011a27 (2026-12-04, night: related lists bounded by the heading's section,
    # rail headings, embedded Instagram and TikTok posts passed over; refitted): wcxb 0.7274
    # -> 0.7330, dragnet 0.9459 -> 0.9551, cleaneval 0.9537 -> 0.9560, googletrends 0.8224
    # -> 0.8405; googletrends' text 0.8035 -> 0.8037 (the rail headings).
    # wcxb: these 35 pages are harder than the average page.
    # The other three: 10 pages each, so one page moves F1 a lot.
    ("wcxb", "html"): 0.708,  # measured 0.7330
    ("wcxb", "text"): 0.661,  # measured 0.6867
    ("dragnet", "html"): 0.930,  # measured 0.9551
    ("dragnet", "text"): 0.860,  # measured 0.8853
    ("cleaneval", "html"): 0.931,  # measured 0.9560
    ("cleaneval", "text"): 0.914,  # measured 0.9396
    ("googletrends", "html"): 0.815,  # measured 0.8405
    ("googletrends", "text"): 0.778,  # measured 0.8037
}


def fixture_digest(folder: Path) -> str:
    """A sha256 over every file's path and content, README.md aside (the pick script is
    tests/fixtures/pick_pages.py, outside every corpus folder, so in no digest)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != "README.md":
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@pytest.mark.parametrize("corpus", CORPORA)
def test_the_fixture_is_the_pinned_one(corpus: str) -> None:
    assert fixture_digest(FIXTURES / corpus) == FIXTURE_SHA256[corpus], (
        f"tests/fixtures/{corpus} changed: re-pin on purpose"
    )


@pytest.mark.parametrize(("corpus", "mode"), list(itertools.product(CORPORA, MODES)))
def test_word_f1_stays_above_the_floor(corpus: str, mode: Mode) -> None:
    pages = load_pages(FIXTURES / corpus, mode)
    assert len(pages) == PAGES[corpus]
    [chaff] = evaluate(pages, mode)
    f1 = chaff.summary()["f1"]
    floor = F1_FLOOR[(corpus, mode)]
    print(f"{corpus} {mode}: word-F1 {f1:.4f} on {len(pages)} pages (floor {floor})")
    assert f1 >= floor
