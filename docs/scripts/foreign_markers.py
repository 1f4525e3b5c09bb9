"""Does Chaff see where an article ends when its boilerplate headings are in another language?
Its rules know English lines that open comments ("12 Comments", "Leave a Reply"), head lists
of other pages ("Related Posts", "Most Popular"), navigate ("Previous Post") or file the post
("Tags: a, b", "Posted in News"). The labelled pages under ../shared are all English, so this
puts in place of such lines what a site in another language prints (the table below, written
from localised WordPress/Blogger themes and news sites, not from Chaff's rules), the rest of
the page left English, and scores Chaff on both against the same gold. A line is replaced

    text  when a line of the dump is a marker whole (under 160 characters);
    html  when a text node (an element's text or tail) is one alone, or an element's whole
          text ("<a><b>12</b> Comments</a>": the line goes to its first text node, the others
          are emptied; a navigation line: each node its own words; not for markers carrying
          a title, tags or a name, which keep their links). Scripts and styles are left; the
          English side is the same parse serialised again, so that only the words differ.

Counts, quoted titles and all-caps are kept ('5 Responses to “X”' -> de '5 Kommentare zu „X“');
of several common forms a hash of the page id picks one (the same for all the page's markers).
A page with a line replaced is "touched"; the others count in the mean over all pages with
their English score. Run from a checkout, with ../shared (--languages de,fr,...; default all):

    .venv/bin/python docs/scripts/foreign_markers.py googletrends-train --mode html
    .venv/bin/python docs/scripts/foreign_markers.py --all --mode text --languages de,zh
"""

import re
import time
import zlib
from argparse import ArgumentParser, RawDescriptionHelpFormatter
from collections import Counter
from pathlib import Path

import lxml.html
import numpy as np

from worker.core.classify import classify_page
from worker.learn.dataset import DatasetError, Mode, load_pages
from worker.learn.scoring import word_scores

LANGUAGES = ("de", "fr", "es", "it", "pt", "nl", "ru", "zh")
CORPORA = ("cleaneval", "dragnet-train", "googletrends-train", "wcxb-dev")
FAMILIES = ("comment", "related", "navigation", "filing")

# key  lang form | other form · lang form ...  ("*" for every language not given; {n} the
# count, {noun} "comment" in the count's plural form, {t} the quoted title, {x} the rest).
_TABLE = """
noun     de Kommentar/Kommentare · fr commentaire/commentaires · es comentario/comentarios
noun     it commento/commenti · pt comentário/comentários · nl reactie/reacties
noun     ru комментарий/комментария/комментариев · zh 条评论
count    * {n} {noun} · zh {n}条评论 | {n} 条评论
titled   de {n} {noun} zu „{t}“ · fr {n} {noun} sur « {t} » · es {n} {noun} en «{t}»
titled   it {n} {noun} su “{t}” · pt {n} {noun} sobre “{t}” | {n} {noun} em “{t}”
titled   nl {n} {noun} op “{t}” · ru {n} {noun} к «{t}» | {n} {noun} к записи «{t}»
titled   zh 《{t}》上有{n}条评论 | 《{t}》有{n}条评论
none     de Keine Kommentare · fr Aucun commentaire · es Sin comentarios | No hay comentarios
none     it Nessun commento · pt Sem comentários | Nenhum comentário · nl Geen reacties
none     ru Нет комментариев | Комментариев нет · zh 暂无评论 | 没有评论
reply    de Schreibe einen Kommentar | Hinterlasse einen Kommentar · fr Laisser un commentaire
reply    es Deja una respuesta | Deja un comentario · it Lascia un commento | Lascia una risposta
reply    pt Deixe uma resposta | Deixe um comentário · nl Geef een reactie | Laat een reactie achter
reply    ru Оставить комментарий | Добавить комментарий · zh 发表评论 | 发表回复
cancel   de Antworten abbrechen · fr Annuler la réponse · es Cancelar la respuesta · zh 取消回复
cancel   it Annulla risposta · pt Cancelar resposta · nl Reactie annuleren · ru Отменить ответ
post     de Kommentar veröffentlichen | Kommentar schreiben · fr Publier un commentaire
post     es Publicar un comentario | Añadir un comentario · it Posta un commento
post     pt Postar um comentário | Adicionar comentário · nl Een reactie posten | Reactie toevoegen
post     ru Отправить комментарий | Добавить комментарий · zh 发表评论 | 添加评论
related  de Ähnliche Beiträge | Verwandte Artikel · fr Articles similaires | Articles liés
related  es Artículos relacionados | Entradas relacionadas · it Articoli correlati | Post correlati
related  pt Posts relacionados | Artigos relacionados · ru Похожие записи | Похожие статьи
related  nl Gerelateerde berichten | Gerelateerde artikelen · zh 相关文章 | 相关阅读
like     de Das könnte dich auch interessieren | Das könnte Sie auch interessieren
like     fr Vous aimerez aussi | Vous aimerez peut-être aussi · es También te puede interesar
like     it Potrebbe interessarti anche | Ti potrebbe interessare · pt Você também pode gostar
like     nl Dit vind je misschien ook leuk | Misschien ook interessant · zh 你可能还喜欢 | 猜你喜欢
like     ru Вам также может понравиться | Вам может быть интересно
from     de Mehr von {x} · fr Plus de {x} · es Más de {x} · it Altro da {x} · pt Mais de {x}
from     nl Meer van {x} · ru Ещё от {x} | Другие материалы {x} · zh 更多来自{x}
popular  de Meistgelesen | Beliebte Beiträge · fr Les plus lus | Articles populaires
popular  es Lo más leído | Más populares · it I più letti | Più popolari
popular  pt Mais lidas | Mais populares · nl Meest gelezen | Populair
popular  ru Самое популярное | Популярные записи · zh 最受欢迎 | 热门文章
miss     de Nicht verpassen · fr À ne pas manquer · es No te lo pierdas · it Da non perdere
miss     pt Não perca · nl Mis dit niet | Niet te missen · ru Не пропустите · zh 不容错过 | 不要错过
previous de Vorheriger Beitrag | Vorheriger Artikel · fr Article précédent
previous es Entrada anterior | Artículo anterior · it Articolo precedente | Post precedente
previous pt Post anterior | Artigo anterior · nl Vorig bericht | Vorig artikel
previous ru Предыдущая запись | Предыдущая статья · zh 上一篇 | 上一篇文章
next     de Nächster Beitrag | Nächster Artikel · fr Article suivant
next     es Entrada siguiente | Artículo siguiente · it Articolo successivo | Post successivo
next     pt Próximo post | Próximo artigo · nl Volgend bericht | Volgend artikel
next     ru Следующая запись | Следующая статья · zh 下一篇 | 下一篇文章
newer    de Neuerer Post · fr Article plus récent · es Entrada más reciente · it Post più recente
newer    pt Postagem mais recente · nl Nieuwere post · ru Новое сообщение · zh 较新的博文
older    de Älterer Post · fr Article plus ancien · es Entrada antigua · it Post più vecchio
older    pt Postagem mais antiga · nl Oudere post · ru Старое сообщение · zh 较早的博文
home     de Startseite · fr Accueil · es Inicio · it Home page · pt Página inicial · nl Homepage
home     ru Главная страница · zh 主页
tags     de Schlagwörter: {x} | Verschlagwortet mit {x} · fr Étiquettes : {x} | Mots-clés : {x}
tags     es Etiquetas: {x} · it Etichette: {x} | Argomenti: {x} · pt Marcadores: {x}
tags     nl Trefwoorden: {x} | Getagd met {x} · ru Метки: {x} | Теги: {x} · zh 标签：{x}
filed    de Veröffentlicht unter {x} | Abgelegt unter {x} · fr Publié dans {x} | Classé dans {x}
filed    es Publicado en {x} | Archivado en {x} · it Pubblicato in {x} | Archiviato in {x}
filed    pt Publicado em {x} | Arquivado em {x} · nl Geplaatst in {x} | Gepubliceerd in {x}
filed    ru Рубрика: {x} | Опубликовано в рубрике {x} · zh 分类：{x} | 发表在{x}
category de Kategorien: {x} | Kategorie: {x} · fr Catégories : {x} · es Categorías: {x}
category it Categorie: {x} · pt Categorias: {x} · nl Categorieën: {x}
category ru Рубрики: {x} | Категории: {x} · zh 分类：{x} | 分类目录：{x}
"""


FORMS = {
    (key, target): [form.strip() for form in text.split(" | ")]
    for key, entries in (line.split(maxsplit=1) for line in _TABLE.strip().splitlines())
    for lang, text in (entry.split(" ", 1) for entry in entries.split(" · "))
    for target in (LANGUAGES if lang == "*" else (lang,))
}  # ("*" comes first on its line: a language given after it overrides it)

_PRE = r"(?P<pre>[\s«»<>←→‹›|•·*\-–—]*)"
_POST = r"(?P<post>[\s«»<>←→‹›|•·*\-–—:.…!]*)"
_N = r"(?P<n>\d[\d,.]*|one|no)"
_COMMENTS = r"(?:comments?|responses?|replies|thoughts?)"
_RULES = [
    (family, key, re.compile(f"{_PRE}(?P<core>{core}){_POST}", re.IGNORECASE))
    for family, key, core in (
        ("comment", "titled", rf"{_N} {_COMMENTS} (?:on|to) [“\"‘'«„]?(?P<t>.+?)[”\"’'»“]?"),
        ("comment", "none", r"no (?:comments|responses)(?: yet)?"),
        ("comment", "count", rf"{_N} {_COMMENTS}"),
        ("comment", "count", r"comments? \((?P<n>\d+)\)"),
        ("comment", "reply", r"leave an? (?:reply|comment|response)(?P<c>\s*\(?cancel reply\)?)?"),
        ("comment", "cancel", r"cancel reply"),
        ("comment", "post", r"(?:post|add|write|submit) (?:a |your )?(?:new )?comment"),
        ("related", "related", r"related (?:posts?|articles?|stor(?:y|ies)|content|reading|links)"),
        ("related", "like", r"you (?:might|may|will|could) (?:also )?(?:like|enjoy)"),
        ("related", "from", r"more (?:stories |articles |posts )?from\b\s*(?P<x>.*)"),
        ("related", "popular", r"(?:most (?:popular|read|viewed)|popular)(?: posts| stories)?"),
        ("related", "miss", r"don['’]?t miss(?: this| it)?"),
        ("filing", "tags", r"(?:tags?|labels?|keywords)\s*:\s*(?P<x>.*)"),
        ("filing", "tags", r"tagged(?: with| as| in)?\b\s*:?\s*(?P<x>.*)"),
        ("filing", "filed", r"(?:filed|posted) (?:under|in)\b\s*:?\s*(?P<x>.*)"),
        ("filing", "category", r"categor(?:y|ies)\s*:\s*(?P<x>.*)"),
    )
]
_WHOLE = ("h1", "h2", "h3", "h4", "h5", "h6", "a", "span", "div", "p", "li", "strong", "b")
# A navigation line: one or more of these, with separators, not "Home" alone.
_NAV_ITEM = re.compile(
    r"\b(previous|prev|next|older|newer) (?:post|article|story|entry)\b|\bhome\b", re.IGNORECASE
)
_NAV_LINE = re.compile(rf"(?:{_NAV_ITEM.pattern}|[\s|«»<>←→‹›:\-–—•·/])+", re.IGNORECASE)


def _form(key: str, lang: str, variant: int, english: str) -> str:
    """The form of `key` in `lang`, upper-case if `english` was (its {fields} left as they are)."""
    form = (forms := FORMS[(key, lang)])[variant % len(forms)]
    return re.sub(r"\{\w+\}", lambda m: m[0].lower(), form.upper()) if english.isupper() else form


def _noun(lang: str, count: int) -> str:
    forms = FORMS[("noun", lang)][0].split("/")
    if len(forms) == 3:  # Russian: 1, 21 комментарий; 2-4, 22 комментария; 5-20, 11-14 ...ев
        few = 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14
        return forms[0 if count % 10 == 1 and count % 100 != 11 else 1 if few else 2]
    return forms[0 if (count <= 1 if lang == "fr" else count == 1) else -1]


def _nav_items(text: str, lang: str, variant: int) -> str:
    def item(m: re.Match[str]) -> str:
        word = (m[1] or "home").lower()
        return _form("previous" if word == "prev" else word, lang, variant, m[0])

    return _NAV_ITEM.sub(item, text)


def localise_line(line: str, lang: str, variant: int) -> tuple[str, str, bool] | None:
    """(The line as a site in `lang` prints it, its family, whether it carries words of the
    English line on: a title, tags...), or None if it is no marker."""
    text, rest = line.strip(), False
    if not text or len(text) >= 160:
        return None
    if _NAV_LINE.fullmatch(text) and any(m[1] for m in _NAV_ITEM.finditer(text)):
        new, family = _nav_items(text, lang, variant), "navigation"
    else:
        found = next(((f, k, m) for f, k, r in _RULES if (m := r.fullmatch(text))), None)
        if found is None:
            return None
        family, key, match = found
        fields = {k: v or "" for k, v in match.groupdict().items()}
        form = _form(key, lang, variant, fields["core"])
        if fields.get("c"):
            form += " " + _form("cancel", lang, variant, fields["core"])
        if "n" in fields:
            fields["n"] = {"one": "1", "no": "0"}.get(fields["n"].lower(), fields["n"])
            noun = _noun(lang, int(re.sub(r"\D", "", fields["n"]) or 0))
            fields["noun"] = noun.upper() if fields["core"].isupper() else noun
        new = fields["pre"] + form.format(**fields).rstrip() + fields["post"]
        rest = bool(fields.get("t") or fields.get("x"))
    start = line.index(text[0])
    return None if new == text else (line[:start] + new + line[start + len(text) :], family, rest)


def _slots(element: lxml.html.HtmlElement) -> list[tuple[lxml.html.HtmlElement, str]]:
    """The text nodes under `element`, in document order, as (owner, "text" or "tail")."""
    slots = [(element, "text")] if isinstance(element.tag, str) else []
    for child in element:
        slots += [*_slots(child), (child, "tail")]
    return slots


def localise(body: str, mode: Mode, lang: str, variant: int) -> tuple[str, Counter[str]]:
    """The page with its marker lines in `lang` ("en": unchanged), and the lines per family."""
    families: Counter[str] = Counter()

    def sub(text: str | None) -> tuple[str, str, bool] | None:
        found = localise_line(text, lang, variant) if text and lang != "en" else None
        families.update([found[1]] if found else [])
        return found

    if mode == "text":
        return "\n".join((sub(line) or [line])[0] for line in body.split("\n")), families
    document = lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", body))
    changed: set[tuple[lxml.html.HtmlElement, str]] = set()

    def whole_elements(navigation: bool) -> None:
        for element in document.iter(*_WHOLE):
            slots, whole = _slots(element), element.text_content()
            if not len(element) or changed.intersection(slots) or len(whole.strip()) >= 160:
                continue
            found = localise_line(whole, lang, variant) if lang != "en" else None
            if found is None or found[2] or (found[1] == "navigation") != navigation:
                continue
            families[found[1]] += 1
            changed.update(slots)
            filled = [slot for slot in slots if (getattr(*slot) or "").strip()]
            texts = [found[0].strip()] + [""] * (len(filled) - 1)
            if navigation:  # each text node its own words
                texts = [_nav_items(getattr(*slot), lang, variant) for slot in filled]
            for slot, text in zip(filled, texts, strict=True):
                setattr(*slot, text)

    whole_elements(navigation=True)
    for element in document.iter():
        skip_text = not isinstance(element.tag, str) or element.tag in ("script", "style")
        for attr in ("tail",) if skip_text else ("text", "tail"):
            if (element, attr) not in changed and (found := sub(getattr(element, attr))):
                setattr(element, attr, found[0])
                changed.add((element, attr))
    whole_elements(navigation=False)
    return lxml.html.tostring(document, encoding="unicode"), families


def _f1(body: str, mode: Mode, gold: str) -> float:
    verdict = classify_page(body, "text/html" if mode == "html" else "text/plain")
    kept = "\n".join(s.text for s in verdict.segments if s.label == "article")
    return word_scores(kept, gold)[2]


def run(root: Path, mode: Mode, languages: list[str], limit: int | None) -> None:
    started, pages = time.perf_counter(), load_pages(root, mode, limit)
    rows: list[list[float]] = []  # per page: touched, F1 in English, in each language
    lines: Counter[tuple[str, str]] = Counter()  # (language, family): lines replaced
    for page in pages:
        body, gold, variant = page.body(mode), page.main_content, zlib.crc32(page.page_id.encode())
        versions = {lang: localise(body, mode, lang, variant) for lang in languages}
        lines.update((lang, f) for lang, (_, found) in versions.items() for f in found.elements())
        if not any(families for _, families in versions.values()):
            rows.append([0.0] + [_f1(body, mode, gold)] * (len(languages) + 1))
            continue
        english = localise(body, mode, "en", 0)[0]  # for HTML, parsed and serialised again
        foreign = [_f1(version, mode, gold) for version, _ in versions.values()]
        rows.append([1.0, _f1(english, mode, gold), *foreign])
    scores, took = np.array(rows), time.perf_counter() - started
    mask, scores = scores[:, 0] == 1.0, scores[:, 1:]
    print(f"{root.name} {mode}: {len(pages)} pages, {mask.sum()} touched, {took:.0f} s")
    print(f"      touched      all   lines: {' '.join(f'{f:>10}' for f in FAMILIES)}")
    for i, lang in enumerate(["en", *languages]):
        on_touched = scores[mask, i].mean() if mask.any() else float("nan")
        counts = " ".join(f"{lines[(lang, f)]:>10}" for f in FAMILIES) if i else ""
        print(f"  {lang:4}{on_touched:9.4f}{scores[:, i].mean():9.4f}          {counts}")


def main() -> None:
    parser = ArgumentParser(description=__doc__, formatter_class=RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", help=f"one of {', '.join(CORPORA)}")
    parser.add_argument("--all", action="store_true", help="the four corpora, one after another")
    parser.add_argument("--mode", choices=["html", "text"], default="html")
    parser.add_argument("--languages", type=lambda v: v.split(","), default=list(LANGUAGES))
    parser.add_argument("--limit", type=int, default=None, help="the first N pages only")
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    args = parser.parse_args()
    if (args.corpus is None) != args.all or set(args.languages) - set(LANGUAGES):
        parser.error(f"give a corpus or --all; languages among {','.join(LANGUAGES)}")
    for corpus in CORPORA if args.all else [args.corpus]:
        try:
            run(args.data_root / corpus, args.mode, args.languages, args.limit)
        except DatasetError as error:
            print(f"{corpus} {args.mode}: skipped ({error})")


if __name__ == "__main__":
    main()
