"""The fixture pages' text dumps with their comment markers, list headings and filing lines
put in German, Russian and Chinese get the rules' verdicts of the English dumps (the words:
worker/core/heading_words.py; the full measure: docs/scripts/foreign_markers.py)."""

import re
from pathlib import Path

import pytest

from worker.core.classify import classify_page
from worker.learn.dataset import load_pages

FIXTURES = Path(__file__).parents[1] / "fixtures"
# How the rules' reasons quote the line they read.
_QUOTED = re.compile(
    r"^(?:in the comment section that |in the list of other pages that |after the post's "
    r"filing line )('.*?'|\".*?\")(?: opens| heads|: the article ends)"
)
# English line (whole, any case) -> the line in each language; {n}: the English count.
_LINES: dict[str, tuple[str, str, str]] = {  # (German, Russian, Chinese)
    r"(?P<n>\d+) comments?": ("{n} Kommentare", "{n} комментариев", "{n}条评论"),
    r"comments \((?P<n>\d+)\)": ("Kommentare ({n})", "Комментарии ({n})", "评论 ({n})"),
    r"comments": ("Kommentare", "Комментарии", "评论"),
    r"leave a comment": ("Schreibe einen Kommentar", "Оставить комментарий", "发表评论"),
    r"related (?:posts|articles):?": ("Ähnliche Beiträge", "Похожие записи", "相关文章"),
    r"related": ("Ähnliche Artikel", "Похожие статьи", "相关阅读"),
    r"latest stories": ("Neueste Artikel", "Последние новости", "热门文章"),
    r"you (?:may|might) also like": ("Lesen Sie auch", "Вам может понравиться", "猜你喜欢"),
    r"recommended for you": ("Empfohlene Artikel", "Рекомендуемые статьи", "推荐阅读"),
    r"trending": ("Meistgelesen", "Самое читаемое", "热门推荐"),
    r"categories:": ("Kategorien:", "Рубрики:", "分类："),
}
_LANGUAGES = ("de", "ru", "zh")


def localised(line: str, language: str) -> str | None:
    for english, by_language in _LINES.items():
        if found := re.fullmatch(english, line.strip(), re.IGNORECASE):
            return by_language[_LANGUAGES.index(language)].format(**found.groupdict())
    return None


def ruled(texts: list[str]) -> tuple[set[int], dict[int, str]]:
    """The positions the heading rules reject, and the lines they read (position -> text)."""
    verdict = classify_page("\n".join(texts), "text/plain")
    rejected, read = set(), {}
    for position, segment in enumerate(verdict.segments):
        for reason in segment.reasons:
            if found := _QUOTED.match(reason):
                rejected.add(position)
                quoted = found[1][1:-1]
                read.update({p: t for p, t in enumerate(texts) if t == quoted})
    return rejected, read


DUMPS = [
    (corpus, page.page_id, page.body("text"))
    for corpus in ("dragnet", "googletrends")
    for page in load_pages(FIXTURES / corpus, "text")
]


@pytest.mark.parametrize("language", _LANGUAGES)
def test_the_rules_read_the_headings_of_other_languages(language: str) -> None:
    pages = 0
    for corpus, page_id, body in DUMPS:
        texts = [segment.text for segment in classify_page(body, "text/plain").segments]
        english, read = ruled(texts)
        if not read:
            continue
        foreign = list(texts)
        for position, line in read.items():
            foreign[position] = localised(line, language) or line
        assert foreign != texts, (corpus, page_id, sorted(read.values()))
        assert ruled(foreign)[0] == english, (corpus, page_id, language)
        pages += 1
    assert pages >= 10  # the fixtures hold that many dumps the rules cut
