"""The words of the lines around an article, in the languages of most of the web.

English, German, French, Spanish, Italian, Portuguese, Dutch, Russian, Chinese and Japanese,
and the comment markers and related-list headings of Polish, Turkish, Swedish, Danish,
Norwegian, Finnish, Czech, Hungarian, Romanian, Greek, Indonesian, Vietnamese, Korean,
Arabic and Hebrew: what WordPress, Blogger and news sites print in their localised themes.
Each family is a regex source, read from the start of a line, and the openings every line
it matches starts with (lowercase, any case in the page: the one pass of
kernels.lines_opening_with finds the candidates, the regexes run on those only).

- comments: rules.py, a line that opens a comment section;
- navigation, filing lines and the headings of lists of other pages: article_end.py.

No labelled page of ../shared is in another language; docs/scripts/foreign_markers.py puts
other languages' lines into the English pages and measures what these words recover.
"""

from __future__ import annotations

# --- A comment section's marker (rules._COMMENT_SECTION, rules._COUNTED_THREAD).

# The thread's heading alone on its line: "Comments", "Kommentare (4)", "Комментарии".
COMMENTS = (
    r"(?:comments?|responses?|replies|r[eé]actions?|kommentare?|kommentaren|commentaires?"
    r"|comentarios?|comentários?|commenti|commento|reacties|reactie|komentarze?|komentarzy"
    r"|комментари[йияею]в?|yorumlar|评论|評論|留言|コメント"
    r"|kommentarer|kommentit|komentáře|komentářů|hozzászólások|comentarii|σχόλια|komentar"
    r"|bình luận|댓글|تعليقات|התגובות|תגובות)"
)
# The count before it: "12", "no", "Keine", "Aucun", "Нет", "暂无"; none after it but Russian's
# "Комментариев нет"; or glued to it, as Chinese writes it: "12条评论".
COMMENT_COUNT = (
    r"(?:\d+|no|one|two|three|keine|aucun|ningún|sin|no\s+hay|nessun|sem|nenhum|geen|brak|нет"
    r"|暂无|没有)"
)
COMMENT_COUNT_AFTER = r"(?:\s+нет)?"
GLUED_COUNT = r"\d+\s*条评论"
# "N comments / replies / thoughts" on a post named in quotes: 'N Responses to “Title”', '5
# Kommentare zu „Titel“', '3 réflexions sur « Titre »', '2 comentarios en «Título»', '4
# commenti su “Titolo”', '7 comentários em “Título”', '9 reacties op “Titel”', '12
# комментариев к записи «Заголовок»'.
THREAD_OF_POST = (
    r"(?:responses?|comments?|replies|thoughts?|kommentare?|antworten|gedanken?"
    r"|commentaires?|réponses?|réflexions?|comentarios?|respuestas?|pensamientos?"
    r"|commenti|commento|risposte|pensieri|pensiero|comentários?|respostas?|pensamentos?"
    r"|reacties|reactie|gedachten?|комментари[йияею]в?|ответов|ответа?|мыслей|мысли|мысль)"
    r"\s+(?:to|on|zu|sur|à|a|en|sobre|su|riguardo|em|para|op|over|к\s+записи|к|на|о|об)"
    r"\s+[\"“'‘«„]"
)
# Where the title comes first: Chinese WordPress's '《Title》上有3条评论'.
TITLE_FIRST_THREAD = r"《[^》]{1,150}》上?有\d+条评论"
# The number words that start such a line where no digit does: "One Response to", "Ein
# Kommentar zu", "Une réflexion sur", "Один комментарий к записи".
ONE = r"(?:\d+|no|one|ein|eine|une|un|una|um|uma|een|один|одна|одно)"
# An invitation to comment: 'Leave a Reply', 'Schreibe einen Kommentar', 'Laisser un
# commentaire', 'Deja una respuesta', 'Lascia un commento', 'Deixe uma resposta', 'Geef een
# reactie', 'Dodaj komentarz', 'Оставить комментарий', '发表评论', 'コメントを書く'.
LEAVE_A_COMMENT = (
    r"leave a (?:reply|comment)|post a comment|add (?:a|your) comment"
    r"|(?:schreibe|schreiben sie|hinterlasse|hinterlassen sie) (?:einen kommentar|eine antwort)"
    r"|kommentar (?:schreiben|hinterlassen|veröffentlichen|abgeben)"
    r"|(?:laisser|laissez|ajouter|écrire|publier|poster) un commentaire"
    r"|(?:deja|deje|dejar|escribe|escribir|añadir|agregar|publicar) (?:un comentario|una respuesta)"
    r"|(?:lascia|lasciare|aggiungi|scrivi|posta|pubblica) (?:un commento|una risposta)"
    r"|(?:deixe|deixar|adicionar|escreva|escrever|postar|publicar) (?:um |seu )?comentário"
    r"|deixe uma resposta"
    r"|(?:geef|plaats|laat) een reactie|een reactie (?:posten|plaatsen|geven)"
    r"|reactie (?:toevoegen|plaatsen)|(?:dodaj|napisz|zostaw) komentarz|yorum yap"
    r"|(?:оставить|оставьте|добавить|написать|отправить) комментарий"
    r"|(?:发表|添加)(?:评论|回复|留言)|コメントを(?:書く|残す|する)"
    r"|lämna (?:en kommentar|ett svar)|skriv (?:en kommentar|et svar)"
    r"|efterlad (?:en kommentar|et svar)|legg igjen (?:en kommentar|et svar)"
    r"|jätä (?:kommentti|vastaus)|(?:přidat|napsat|zanechte) komentář"
    r"|szólj hozzá|lasă un (?:comentariu|răspuns)|αφήστε (?:ένα σχόλιο|μια απάντηση)"
    r"|tinggalkan (?:balasan|komentar)|để lại (?:một )?(?:bình luận|trả lời)"
    r"|(?:댓글|답글) (?:남기기|달기|쓰기)|اترك (?:تعليقاً|تعليقا|رداً|ردا)"
    r"|(?:כתיבת|השאר|השאירו) תגובה"
)

# --- A post's navigation (article_end._POST_NAVIGATION): "Previous post: Title", "Next
# Article", "Older Post"; "Vorheriger Beitrag", "Article précédent", "Entrada anterior",
# "Articolo successivo", "Próximo artigo", "Volgende bericht", "Следующая запись", "上一篇".
NAVIGATION = (
    r"(?:previous|next|older|newer)\s+(?:post|entry|article|story)\b|next\s*»"
    r"|(?:vorherige[rs]?|nächste[rs]?|ältere[rs]?|neuere[rs]?)\s+"
    r"(?:beitrag|beiträge|artikel|eintrag|einträge|post)\b"
    r"|(?:article|billet|post)\s+(?:précédent|suivant|plus\s+récent|plus\s+ancien)\b"
    r"|(?:artículo|entrada|publicación|noticia|post)\s+(?:anterior|siguiente)\b"
    r"|(?:siguiente|anterior)\s+(?:artículo|entrada|publicación|noticia|post)\b"
    r"|entradas?\s+(?:más\s+)?(?:antiguas?|recientes?)\b"
    r"|(?:articolo|post)\s+(?:precedente|successivo|più\s+(?:vecchio|recente))\b"
    r"|(?:artigo|post|publicação|notícia)\s+(?:anterior|seguinte)\b"
    r"|próxim[oa]\s+(?:artigo|post|publicação|notícia)\b"
    r"|postagens?\s+(?:mais\s+)?(?:antigas?|recentes?)\b"
    r"|(?:vorige?|volgende?)\s+(?:bericht|artikel|post)\b|(?:oudere|nieuwere)\s+(?:berichten|post)\b"
    r"|(?:предыдущ(?:ая|ий|ее)|следующ(?:ая|ий|ее))\s+(?:статья|запись|пост|новость)"
    r"|(?:новое|старое|следующее|предыдущее)\s+сообщение|[上下]一篇|较(?:新|早)的博文|[前次]の記事"
)
NAVIGATION_OPENINGS = (
    "prev", "next", "olde", "newe", "vorherig", "nächst", "älter", "neuer", "article ",
    "billet ", "post ", "artículo ", "entrada", "publicación ", "noticia ", "siguiente ",
    "anterior ", "articolo ", "artigo ", "publicação ", "notícia ", "próxim", "postage",
    "vorig", "volgend", "oudere ", "nieuwere ", "предыдущ", "следующ", "новое ", "старое ",
    "上一篇", "下一篇", "较新", "较早", "前の記事", "次の記事",
)  # fmt: skip

# --- A post's filing line (article_end._POST_FOOTER): "Tags: …", "Filed under …", "Posted
# in …"; "Schlagwörter: …", "Étiquettes : …", "Etiquetas: …", "Categorie: …", "Publicado em
# …", "Geplaatst in …", "Метки: …", "标签：…". The line must go on past the words.
FILING = (
    r"(?:tags\b|tagged\b(?:\s+(?:with|as|in)\b)?|filed\s+(?:under|in)\b|posted\s+in\b"
    r"|categories\b|category\s*:|tag\s*:"
    r"|schlagw(?:ö|oe)rter\b|stichw(?:ö|oe)rter\b|kategorien?\b|(?:getaggt|verschlagwortet)\s+mit\b"
    r"|veröffentlicht\s+(?:in|unter)\b|abgelegt\s+unter\b"
    r"|étiquettes\b|mots[- ]clés\b|catégories?\b|publié\s+dans\b|classé\s+dans\b"
    r"|etiquetas\b|categorías?\b|publicado\s+en\b|archivado\s+en\b"
    r"|etichette\b|argomenti\b|categori[ae]\b|pubblicato\s+in\b|archiviato\s+in\b"
    r"|marcadores\b|categorias?\b|publicado\s+em\b|arquivado\s+em\b"
    r"|categorieën\b|(?:geplaatst|gepubliceerd)\s+in\b|gearchiveerd\s+onder\b|trefwoorden\b"
    r"|getagd\s+met\b"
    r"|метки\b|теги\b|рубрик[аи]\b|категори[ия]\b|опубликовано\s+в\b"
    r"|标签|分类(?:目录)?|標籤|分類|发表在|タグ|カテゴリー?)\s*[:：]?\s*\S"
    r"|this\s+entry\s+was\s+posted\b"
)
FILING_OPENINGS = (
    "tag", "filed", "posted", "categor", "this entry", "schlagw", "stichw", "kategor",
    "getaggt", "verschlagwortet", "veröffentlicht", "abgelegt", "argomenti", "gepubliceerd",
    "getagd", "发表在", "étiquettes", "mots", "catégor", "publié",
    "classé", "etiquet", "etichette", "publicado", "archivado", "pubblicato", "archiviato",
    "marcadores", "arquivado", "geplaatst", "gearchiveerd", "trefwoorden", "метки", "теги",
    "рубрик", "категори", "опубликовано", "标签", "分类", "標籤", "分類", "タグ", "カテゴリ",
)  # fmt: skip

# --- A heading over a list of other pages (article_end._RELATED_HEADING), the whole line:
# "Related articles", "More from X", "You may also like"; "Ähnliche Beiträge", "Lesen Sie
# auch", "Articles similaires", "À lire aussi", "Artículos relacionados", "Te puede
# interesar", "Leggi anche", "Leia também", "Lees ook", "Читайте также", "相关文章", "関連記事".
_MOST_READ = r"most\s+(?:popular|read|viewed|watched|shared|emailed|commented)"
RELATED = (
    r"(?:recent\s+)?related(?:\s+(?:articles?|posts?|stories|content|links|coverage|reading"
    r"|news|videos?|items|entries|recipes|topics)(?:\s*(?:&|and)\s*(?:stories|articles|posts"
    r"|videos))?)?"
    r"|recent\s+comments"
    r"|more\s+(?:from|on|in|stories|news|articles|posts|videos|content|like\s+this)\b.{0,40}"
    r"|(?:you|we\s+think\s+you)\s+(?:may|might|will|should)\s+(?:also\s+)?"
    r"(?:like|enjoy|be\s+interested\s+in)"
    r"|also\s+(?:on|from|in)\b.{0,30}"
    r"|recommended\s+(?:for\s+you|stories|articles|reading)"
    r"|explore\s+related\s+content"
    rf"|{_MOST_READ}(?:\s+(?:news\s+)?(?:stories|articles|posts|videos|now|today))?"
    r"|(?:today['’]?s\s+)?(?:popular|recent|latest|similar|top|newer|older)\s+"
    r"(?:posts|stories|articles|news|entries)"
    r"|hot\s+this\s+(?:week|month)"
    r"|(?:from\s+)?around\s+the\s+web|from\s+the\s+web|further\s+reading|what\s+to\s+read\s+next"
    r"|don['’]t\s+miss|must[- ]reads?\b.{0,40}"
    r"|trending(?:\s+(?:now|today|stories|articles|news|videos|topics))?"
    # "Most read in News", "Trending on Sport", "Latest from Business": the rails' headings
    rf"|(?:{_MOST_READ}|trending|popular|latest)\s+(?:in|on|from|at)\s+\S+(?:\s+\S+){{0,2}}"
    # German
    r"|(?:ähnliche|verwandte|weitere|beliebte|neueste|empfohlene)\s+"
    r"(?:artikel|beiträge|nachrichten|meldungen|themen|videos)"
    r"|mehr\s+(?:zum\s+thema|zu\s+diesem\s+thema|aus|von|nachrichten|artikel)\b.{0,40}"
    r"|lesen\s+sie\s+auch|auch\s+interessant"
    r"|das\s+könnte\s+(?:sie|dich)\s+(?:auch\s+)?interessieren"
    r"|meistgelesene?(?:\s+artikel)?|passend\s+zum\s+thema|nicht\s+verpassen"
    # French
    r"|articles?\s+(?:similaires|connexes|liés|recommandés|populaires|récents)"
    r"|(?:à\s+)?(?:lire|voir)\s+aussi|sur\s+le\s+même\s+(?:sujet|thème)"
    r"|les\s+plus\s+(?:lus|populaires|partagés|commentés)"
    r"|vous\s+aimerez\s+(?:aussi|également|peut-être\s+aussi)|dans\s+la\s+même\s+rubrique"
    r"|(?:nos\s+)?derni(?:ers|ères)\s+(?:articles|actualités|publications)"
    r"|à\s+ne\s+pas\s+manquer"
    r"|(?:autres\s+|plus\s+d['’]\s*)(?:articles|actualités)\b.{0,40}"
    # Spanish
    r"|(?:artículos|noticias|entradas|publicaciones|notas)\s+"
    r"(?:relacionad[oa]s|recomendad[oa]s|similares|populares|recientes)"
    r"|(?:también\s+)?te\s+puede\s+interesar|te\s+recomendamos|no\s+te\s+lo\s+pierdas"
    r"|(?:lo\s+)?más\s+(?:leídos?|vistos?|populares)"
    r"|(?:lee|leer|ver)\s+también|más\s+(?:noticias|artículos)\b.{0,40}|últimas\s+noticias"
    # Italian
    r"|(?:articoli|post|notizie)\s+(?:correlati|correlate|simili|consigliati|popolari|recenti)"
    r"|leggi\s+anche|(?:ti\s+)?potrebbe(?:ro)?\s+(?:anche\s+)?interessarti(?:\s+anche)?"
    r"|ti\s+potrebbe\s+interessare|(?:i\s+)?più\s+(?:letti|popolari|visti)"
    r"|altro\s+da\b.{0,40}"
    r"|altri\s+articoli\b.{0,40}|ultime\s+notizie|ti\s+consigliamo|da\s+non\s+perdere"
    # Portuguese
    r"|(?:artigos|notícias|posts|postagens|matérias)\s+"
    r"(?:relacionad[oa]s|recomendad[oa]s|populares|recentes|semelhantes)"
    r"|(?:leia|veja)\s+também|mais\s+(?:lidas|lidos|vistas|vistos|populares)|não\s+perca"
    r"|você\s+também\s+pode\s+gostar|(?:últimas|mais)\s+notícias\b.{0,40}"
    # Dutch
    r"|gerelateerde\s+(?:artikelen|berichten|posts|nieuws)|lees\s+ook"
    r"|meest\s+(?:gelezen|bekeken)|ook\s+interessant|meer\s+(?:nieuws|over|van)\b.{0,40}"
    r"|laatste\s+nieuws|populair(?:e\s+(?:artikelen|berichten))?|mis\s+dit\s+niet"
    r"|niet\s+te\s+missen|(?:dit\s+vind\s+je\s+)?misschien\s+ook\s+(?:leuk|interessant)"
    # Russian
    r"|(?:похожие|связанные|популярные|рекомендуемые|последние)\s+"
    r"(?:статьи|записи|новости|материалы|публикации)"
    r"|(?:читайте|смотрите)\s+также|(?:ещё|еще)?\s*(?:новости\s+)?по\s+теме"
    r"|другие\s+(?:новости|статьи|материалы)\b.{0,40}|самое\s+(?:читаемое|популярное)"
    r"|вам\s+(?:также\s+)?может\s+(?:быть\s+интересно|понравиться)|не\s+пропустите"
    r"|(?:ещё|еще)\s+от\b.{0,40}"
    # Chinese, Japanese
    r"|相[关關](?:文章|阅读|閱讀|新闻|新聞|推荐|推薦|内容)|热门(?:文章|新闻|推荐)"
    r"|熱門(?:文章|新聞|推薦)|推[荐薦](?:阅读|閱讀|文章)|猜你喜[欢歡]|延伸[阅閱][读讀]"
    r"|最受[欢歡]迎|你可能[还還]喜[欢歡]|更多来自.{1,40}|不(?:容|要)[错錯]过"
    r"|関連記事|人気記事|おすすめ記事|あわせて読みたい"
    # Polish, Turkish, Scandinavian, Finnish, Czech, Hungarian, Romanian, Greek, Indonesian,
    # Vietnamese, Korean, Arabic, Hebrew
    r"|powiązane\s+(?:artykuły|wpisy)|(?:czytaj|zobacz)\s+(?:także|też|również)"
    r"|najczęściej\s+czytane|(?:ilgili|benzer)\s+(?:yazılar|haberler|içerikler)"
    r"|bunlar\s+da\s+ilginizi\s+çekebilir|çok\s+okunanlar"
    r"|relaterade\s+(?:artiklar|inlägg)|relaterede\s+(?:artikler|indlæg)"
    r"|relaterte\s+(?:artikler|innlegg|saker)|(?:läs|læs|les)\s+(?:också|även|også)"
    r"|mest\s+(?:lästa|læste|leste|lest)|aiheeseen\s+liittyvät(?:\s+artikkelit)?|lue\s+myös"
    r"|luetuimmat|související\s+(?:články|příspěvky)|čtěte\s+(?:také|též)|nejčtenější"
    r"|kapcsolódó\s+(?:cikkek|bejegyzések)|ajánlott\s+cikkek|legolvasottabb"
    r"|articole\s+(?:similare|asemănătoare|recomandate)|citește\s+și"
    r"|σχετικά\s+άρθρα|διαβάστε\s+(?:επίσης|ακόμη)|δημοφιλή\s+άρθρα"
    r"|(?:artikel|berita)\s+terkait|baca\s+juga|terpopuler"
    r"|bài\s+viết\s+liên\s+quan|tin\s+(?:liên\s+quan|cùng\s+chuyên\s+mục)"
    r"|관련\s*(?:기사|글)|많이\s*본\s*(?:뉴스|기사)|인기\s*기사"
    r"|(?:مقالات|أخبار)\s+ذات\s+صلة|اقرأ\s+(?:أيضا|أيضاً)|כתבות\s+נוספות|מאמרים\s+קשורים"
)
RELATED_OPENINGS = (
    "related", "more ", "you may ", "you might ", "you will ", "you should ", "we think ",
    "also ", "recommended ", "explore related", "most ", "popular ", "recent ", "latest ",
    "similar ", "top ", "from the web", "from around the web", "around the web",
    "further reading", "what to read", "don", "must", "trending",
    "today", "newer ", "older ", "hot ",
    "ähnliche ", "verwandte ", "weitere ", "beliebte ", "neueste ", "empfohlene ", "mehr ",
    "lesen sie", "auch ", "das könnte", "meistgelesen", "passend ",
    "article", "à ", "lire ", "voir ", "sur le même", "les plus", "vous aimerez",
    "dans la même", "nos derni", "derni", "autres ", "plus d", "nicht verpassen",
    "à ne pas", "no te lo", "più ", "altro da", "não perca", "populair", "mis dit",
    "niet te", "dit vind", "misschien", "не пропустите", "最受", "你可能", "更多来自", "不容",
    "不要",
    "artículos", "noticias", "entradas", "publicaciones", "notas ", "también", "te ",
    "lo más", "lee ", "leer ", "ver ", "más ", "últimas",
    "articoli", "post ", "notizie", "leggi ", "ti ", "potrebbe", "i più", "altri ",
    "ultime ", "da non",
    "artigos", "notícias", "posts ", "postagens", "matérias", "leia ", "veja ", "mais ",
    "você",
    "gerelateerde", "lees ", "meest ", "ook ", "meer ", "laatste ",
    "похожие", "связанные", "популярные", "рекомендуемые", "последние", "читайте",
    "смотрите", "ещё", "еще", "новости", "по теме", "другие", "самое", "вам ",
    "相关", "相關", "热门", "熱門", "推荐", "推薦", "猜你", "延伸", "関連記事", "人気記事",
    "おすすめ", "あわせて",
    "powiązane", "czytaj ", "zobacz ", "najczęściej", "ilgili ", "benzer ", "bunlar ",
    "çok ", "relaterade", "relaterte", "relaterede", "läs ", "læs ", "les ", "mest ",
    "aiheeseen", "lue ", "luetuimmat", "související", "čtěte", "nejčtenější", "kapcsolódó",
    "ajánlott", "legolvasottabb", "articole", "citește", "σχετικά", "διαβάστε", "δημοφιλή",
    "artikel ", "berita ", "baca ", "terpopuler", "bài ", "tin ", "관련", "많이", "인기",
    "مقالات", "أخبار", "اقرأ", "כתבות", "מאמרים",
)  # fmt: skip
