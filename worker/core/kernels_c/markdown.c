/* An HTML page's kept segments as Markdown: article_markdown, the loop of
   worker/core/markdown.py's python_markdown (which stays its definition, and writes the
   pages this one leaves to it: those keeping a <pre>, whose lines are read from the tree).

   Block ids are read as int64 (kernels.h's IdTable keys), so that finding a segment's cell,
   item and list on its path is a few compares, not a dict lookup a block: equal ints are
   equal int64, as dict and `in` see them. A table's rows and cells stay dicts, for their
   order; the output is a list of str joined once. */

#include "kernels.h"

/* The context bits and block kinds markdown.py passes (html_tags): codes[] by these. */
enum { IN_LIST, IN_TABLE, IN_HEADING, IN_QUOTE, IN_ORDERED, IN_UNORDERED, ANY_LEVEL, CODES };
enum { ITEM_KIND, CELL_KIND, PRE_KIND, KINDS };

/* The pieces written most, made once. */
enum { BLANK, BREAK, SPACE, BACKSLASH, QUOTE, ROW_OPEN, BETWEEN, ROW_CLOSE, EMPTY, PIPE,
       PIPE_ESCAPED, BACKSLASH_ESCAPED, PIECES };
static const char *const piece_texts[PIECES] = {"\n\n", "\n", " ", "\\", "> ", "| ", " | ",
                                                " |", "", "|", "\\|", "\\\\"};
static PyObject *pieces[PIECES];

/* Blocks by id, with values by entry (a cell's row, an item's list, a list's items so far;
   a block's item, list and depth: three). */
typedef struct {
    IdTable ids;
    int64_t *values;
} IdMap;

typedef struct {
    unsigned long codes[CODES];
    long kinds[KINDS];
    PyObject *fast[6]; /* texts, bits, kinds, paths, blocks, groups: lists or tuples */
    PyObject **texts, **bits, **kind_of, **paths, **blocks, **groups;
    Py_ssize_t count;
    int64_t *path, block, group; /* the segment's, as int64 */
    Py_ssize_t depth, room;      /* len(path), and the room for it */
    IdMap cells, items, lists;   /* made when first needed (cells.values == NULL before) */
    IdMap places, numbers;       /* block -> entry of (item, list, depth); list -> items */
    int64_t (*place)[3];
    int has_table; /* the table being gathered: its id, row -> cell -> texts */
    int64_t table;
    PyObject *rows;
    PyObject *out;   /* the pieces, joined at the end */
    int started;     /* a block is written */
    int in_list;     /* the last segment written is an item's */
    int64_t last_item;
} Markdown;

#define BITS_AT(md, i) PyLong_AsUnsignedLongMask((md)->bits[i]) /* (of checked ints) */
#define put(md, piece) PyList_Append((md)->out, (piece))

static long
kind_at(Markdown *md, Py_ssize_t i) /* (a checked int; -1 if past a long) */
{
    int overflow;
    long kind = PyLong_AsLongAndOverflow(md->kind_of[i], &overflow);
    return overflow ? -1 : kind;
}

static int
id_map_init(IdMap *map, Py_ssize_t count, size_t width)
{
    if (id_table_init(&map->ids, count) < 0) {
        return -1;
    }
    map->values = PyMem_Calloc((size_t)count + 1, width);
    return map->values ? 0 : (PyErr_NoMemory(), -1);
}

static void
id_map_free(IdMap *map)
{
    id_table_free(&map->ids);
    PyMem_Free(map->values);
}

/* The segment's path, block and group as int64; TypeError for other than a tuple of ints. */
static int
load_segment(Markdown *md, Py_ssize_t i)
{
    PyObject *path = md->paths[i];
    int failed = !PyTuple_Check(path);
    if (failed) {
        PyErr_SetString(PyExc_TypeError, "each path must be a tuple of ints");
        return -1;
    }
    md->depth = PyTuple_GET_SIZE(path);
    if (md->depth > md->room) {
        PyMem_Free(md->path);
        md->room = md->depth * 2;
        if ((md->path = PyMem_New(int64_t, md->room)) == NULL) {
            md->room = 0;
            PyErr_NoMemory();
            return -1;
        }
    }
    for (Py_ssize_t k = 0; !failed && k < md->depth; k++) {
        md->path[k] = id_value(PyTuple_GET_ITEM(path, k), &failed);
    }
    md->block = failed ? 0 : id_value(md->blocks[i], &failed);
    md->group = failed ? 0 : id_value(md->groups[i], &failed);
    return failed ? -1 : 0;
}

/* path.index(id) among path[:end]; -1 if not there. */
static Py_ssize_t
index_of(const int64_t *path, Py_ssize_t end, int64_t id)
{
    for (Py_ssize_t k = 0; k < end; k++) {
        if (path[k] == id) {
            return k;
        }
    }
    return -1;
}

/* The last block of the segment's path that the map holds, else `otherwise`. */
static int64_t
last_in(Markdown *md, const IdMap *map, int64_t otherwise)
{
    for (Py_ssize_t k = md->depth; k-- > 0;) {
        if (id_table_find(&map->ids, md->path[k]) >= 0) {
            return md->path[k];
        }
    }
    return otherwise;
}

/* markdown._parents: block -> its parent, of the segments in blocks of this kind. */
static int
parents(Markdown *md, IdMap *map, long kind)
{
    if (id_map_init(map, md->count, sizeof(int64_t)) < 0) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < md->count; i++) {
        int failed = !PyLong_Check(md->kind_of[i]);
        if (failed) {
            PyErr_SetString(PyExc_TypeError, "kinds must hold ints");
            return -1;
        }
        if (kind_at(md, i) == kind) {
            int64_t block = id_value(md->blocks[i], &failed);
            int64_t group = failed ? 0 : id_value(md->groups[i], &failed);
            if (failed) {
                return -1;
            }
            map->values[id_table_index(&map->ids, block)] = group;
        }
    }
    return 0;
}

static int
put_new(Markdown *md, PyObject *piece) /* (a new reference, or NULL) */
{
    int failed = piece == NULL || put(md, piece) < 0;
    Py_XDECREF(piece);
    return failed ? -1 : 0;
}

/* markdown._block: a blank line before every block but the first. */
static int
start_block(Markdown *md)
{
    int started = md->started;
    md->started = 1;
    return started ? put(md, pieces[BLANK]) : 0;
}

/* The ASCII str head + unit * repeat + tail, appended. */
static int
put_ascii(Markdown *md, const char *head, const char *unit, Py_ssize_t repeat, const char *tail)
{
    size_t h = strlen(head), u = strlen(unit), t = strlen(tail); /* (repeat: a depth, a row) */
    PyObject *text = PyUnicode_New((Py_ssize_t)(h + u * (size_t)repeat + t), 127);
    if (text != NULL) {
        Py_UCS1 *at = PyUnicode_1BYTE_DATA(text);
        memcpy(at, head, h);
        for (at += h; repeat-- > 0; at += u) {
            memcpy(at, unit, u);
        }
        memcpy(at, tail, t);
    }
    return put_new(md, text);
}

/* Whether markdown._escaped puts a backslash before the text: its first character is one
   of #>*+-=`|~, or an ASCII digit that decimals (re's \d) and "." or ")" follow, then a
   space (re's \s) or the end. */
static int
needs_escape(PyObject *text)
{
    Py_ssize_t size = PyUnicode_GET_LENGTH(text), p = 1;
    Py_UCS4 c = size ? PyUnicode_READ_CHAR(text, 0) : 0;
    if (c && c < 128 && strchr("#>*+-=`|~", (int)c) != NULL) {
        return 1;
    }
    if (c < '0' || c > '9') {
        return 0;
    }
    while (p < size && Py_UNICODE_ISDECIMAL(PyUnicode_READ_CHAR(text, p))) {
        p++;
    }
    c = p < size ? PyUnicode_READ_CHAR(text, p) : 0;
    return (c == '.' || c == ')') &&
           (p + 1 == size || Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(text, p + 1)));
}

/* The text, escaped at its start as a paragraph's. */
static int
put_escaped(Markdown *md, PyObject *text)
{
    if (needs_escape(text) && put(md, pieces[BACKSLASH]) < 0) {
        return -1;
    }
    return put(md, text);
}

/* " ".join(parts), its backslashes and bars escaped (markdown._cell). */
static PyObject *
cell_text(PyObject *parts)
{
    PyObject *text = PyUnicode_Join(pieces[SPACE], parts);
    for (int k = 0; k < 2 && text != NULL; k++) {
        Py_UCS4 c = k ? '|' : '\\';
        Py_ssize_t found = PyUnicode_FindChar(text, c, 0, PyUnicode_GET_LENGTH(text), 1);
        if (found == -2) {
            Py_CLEAR(text);
        }
        else if (found >= 0) {
            Py_SETREF(text, PyUnicode_Replace(text, pieces[k ? PIPE : BACKSLASH],
                                              pieces[k ? PIPE_ESCAPED : BACKSLASH_ESCAPED], -1));
        }
    }
    return text;
}

/* markdown._Table.markdown, as a block: the rows padded to the widest, a line of --- after
   the first. The table is done with. */
static int
write_table(Markdown *md)
{
    PyObject *row, *cells, *cell, *parts;
    Py_ssize_t at = 0, width = 0, r = 0;
    while (PyDict_Next(md->rows, &at, &row, &cells)) {
        width = Py_MAX(width, PyDict_GET_SIZE(cells));
    }
    int failed = start_block(md) < 0;
    for (at = 0; !failed && PyDict_Next(md->rows, &at, &row, &cells); r++) {
        Py_ssize_t c = 0, in_cell = 0;
        failed = (r > 0 && put(md, pieces[BREAK]) < 0) || put(md, pieces[ROW_OPEN]) < 0;
        while (!failed && PyDict_Next(cells, &in_cell, &cell, &parts)) {
            failed = (c++ > 0 && put(md, pieces[BETWEEN]) < 0) || put_new(md, cell_text(parts));
        }
        for (; !failed && c < width; c++) {
            failed = put(md, pieces[BETWEEN]) < 0;
        }
        failed = failed || put(md, pieces[ROW_CLOSE]) < 0 ||
                 (r == 0 && put_ascii(md, "\n| ---", " | ---", width - 1, " |") < 0);
    }
    md->has_table = 0;
    Py_CLEAR(md->rows);
    return failed ? -1 : 0;
}

/* dict.setdefault(int(key), made), of a new reference (or NULL): borrowed. */
static PyObject *
set_default(PyObject *dict, int64_t key, PyObject *made)
{
    PyObject *id = made ? PyLong_FromLongLong(key) : NULL;
    PyObject *value = id ? PyDict_SetDefault(dict, id, made) : NULL;
    Py_XDECREF(id);
    Py_XDECREF(made);
    return value;
}

/* The segment, a cell of a table (markdown._table_place): the table before it written if
   it is another's. */
static int
add_cell(Markdown *md, Py_ssize_t i)
{
    int64_t cell = md->block, row = md->group, *path = md->path;
    if (md->cells.values == NULL && parents(md, &md->cells, md->kinds[CELL_KIND]) < 0) {
        return -1;
    }
    if (kind_at(md, i) != md->kinds[CELL_KIND]) {
        cell = last_in(md, &md->cells, md->group);
        Py_ssize_t entry = id_table_find(&md->cells.ids, cell);
        row = entry >= 0 ? md->cells.values[entry] : md->depth > 2 ? path[md->depth - 3] : row;
    }
    Py_ssize_t at = index_of(path, md->depth, row);
    int64_t table = at > 0 ? path[at - 1] : 0;
    if (md->has_table && md->table != table && write_table(md) < 0) {
        return -1;
    }
    if (!md->has_table && (md->rows = PyDict_New()) != NULL) {
        md->has_table = 1;
        md->table = table;
    }
    PyObject *cells = md->rows ? set_default(md->rows, row, PyDict_New()) : NULL;
    PyObject *parts = cells ? set_default(cells, cell, PyList_New(0)) : NULL;
    return parts ? PyList_Append(parts, md->texts[i]) : -1;
}

/* markdown._list_place: the segment's item, its list, and how many lists hold that list. */
static void
list_place(Markdown *md, int64_t place[3])
{
    int64_t item = md->block, parent, *path = md->path;
    if (id_table_find(&md->items.ids, item) < 0) {
        item = last_in(md, &md->items, md->group);
    }
    Py_ssize_t entry = id_table_find(&md->items.ids, item), at, depth = 0;
    if (entry >= 0) {
        parent = md->items.values[entry];
    }
    else { /* an <li> holding only blocks: its list is the block above it */
        at = index_of(path, md->depth, item);
        parent = at > 0 ? path[at - 1] : md->group;
    }
    at = index_of(path, md->depth, parent);
    for (Py_ssize_t k = 0, end = at < 0 ? md->depth : at; k < end; k++) {
        /* len(lists.intersection(path[:at])): each list once */
        depth += id_table_find(&md->lists.ids, path[k]) >= 0 && index_of(path, k, path[k]) < 0;
    }
    place[0] = item;
    place[1] = parent;
    place[2] = depth;
}

/* The segment, in a list: an item's line (numbered in an ordered list), or the next block
   of the item above it on that line. */
static int
add_item(Markdown *md, Py_ssize_t i, unsigned long bit, Py_ssize_t written)
{
    PyObject *text = md->texts[i];
    if (md->items.values == NULL) { /* the page's items, their lists; places and numbers */
        if (parents(md, &md->items, md->kinds[ITEM_KIND]) < 0 ||
            id_map_init(&md->lists, md->items.ids.entries, 1) < 0 ||
            id_map_init(&md->places, written, sizeof(int64_t[3])) < 0 ||
            id_map_init(&md->numbers, written, sizeof(int64_t)) < 0) {
            return -1;
        }
        for (Py_ssize_t e = 0; e < md->items.ids.entries; e++) {
            id_table_index(&md->lists.ids, md->items.values[e]);
        }
        md->place = (int64_t(*)[3])md->places.values;
    }
    Py_ssize_t entry = id_table_find(&md->places.ids, md->block);
    if (entry < 0) {
        list_place(md, md->place[entry = id_table_index(&md->places.ids, md->block)]);
    }
    int64_t item = md->place[entry][0], parent = md->place[entry][1];
    if (md->in_list && item == md->last_item) {
        return put(md, pieces[SPACE]) < 0 ? -1 : put_escaped(md, text);
    }
    char marker[32] = "- ";
    if (bit & md->codes[IN_ORDERED] && !(bit & md->codes[IN_UNORDERED])) {
        int64_t n = ++md->numbers.values[id_table_index(&md->numbers.ids, parent)];
        snprintf(marker, sizeof marker, "%lld. ", (long long)n);
    }
    if (needs_escape(text)) {
        strcat(marker, "\\");
    }
    if ((!md->in_list && start_block(md) < 0) ||
        put_ascii(md, md->in_list ? "\n" : "", "  ", md->place[entry][2], marker) < 0 ||
        put(md, text) < 0) {
        return -1;
    }
    md->in_list = 1;
    md->last_item = item;
    return 0;
}

/* Any other segment: a heading (its level the lowest level bit's, else 2), a quote's
   paragraph or a paragraph. */
static int
add_block(Markdown *md, Py_ssize_t i, unsigned long bit)
{
    PyObject *text = md->texts[i];
    md->in_list = 0;
    if (start_block(md) < 0) {
        return -1;
    }
    if (bit & md->codes[IN_HEADING]) {
        unsigned long levels = bit & md->codes[ANY_LEVEL], lowest = levels & (~levels + 1);
        int level = lowest ? 1 + __builtin_popcountl(md->codes[ANY_LEVEL] & (lowest - 1)) : 2;
        return put_ascii(md, "", "#", level, " ") < 0 ? -1 : put(md, text);
    }
    if (bit & md->codes[IN_QUOTE] && put(md, pieces[QUOTE]) < 0) {
        return -1;
    }
    return put_escaped(md, text);
}

/* The segment written: a table's cell, a list's item, any other block. */
static int
add_segment(Markdown *md, Py_ssize_t i, Py_ssize_t written)
{
    unsigned long bit = BITS_AT(md, i), in_table = bit & md->codes[IN_TABLE];
    if ((in_table || bit & md->codes[IN_LIST]) && load_segment(md, i) < 0) {
        return -1;
    }
    if (md->has_table && !(in_table && index_of(md->path, md->depth, md->table) >= 0) &&
        write_table(md) < 0) {
        return -1;
    }
    if (in_table) {
        md->in_list = 0;
        return add_cell(md, i);
    }
    return bit & md->codes[IN_LIST] ? add_item(md, i, bit, written) : add_block(md, i, bit);
}

static int
make_pieces(void)
{
    for (int k = 0; k < PIECES; k++) {
        if (!pieces[k] && (pieces[k] = PyUnicode_InternFromString(piece_texts[k])) == NULL) {
            return -1;
        }
    }
    return 0;
}

/* article_markdown(texts, kept, (bits, kinds, paths, blocks, groups), codes, kinds)

   markdown.python_markdown(texts, kept, layout) of a page whose kept segments hold no
   <pre> (None for the others): the walk's columns of every segment, `kept` the positions
   written (increasing), codes the context bits (IN_LIST, IN_TABLE, IN_HEADING, IN_QUOTE,
   IN_ORDERED_LIST, IN_UNORDERED_LIST and the heading levels' bits, which ascend) and kinds
   the block kinds of an <li>, a <td> and a <pre>. Block ids are ints of 64 bits. */
PyObject *
article_markdown(PyObject *Py_UNUSED(module), PyObject *args)
{
    static const char *const names[6] = {"texts", "bits", "kinds", "paths", "blocks", "groups"};
    PyObject *given[6], *kept_given, *kept, *result = NULL;
    Markdown md = {0};
    unsigned long *codes = md.codes;
    if (!PyArg_ParseTuple(args, "OO(OOOOO)(kkkkkkk)(lll)", &given[0], &kept_given, &given[1],
                          &given[2], &given[3], &given[4], &given[5], &codes[0], &codes[1],
                          &codes[2], &codes[3], &codes[4], &codes[5], &codes[6], &md.kinds[0],
                          &md.kinds[1], &md.kinds[2]) ||
        make_pieces() < 0 ||
        (kept = PySequence_Fast(kept_given, "kept must be a sequence of ints")) == NULL) {
        return NULL;
    }
    Py_ssize_t written = PySequence_Fast_GET_SIZE(kept), previous = -1;
    Py_ssize_t *positions = PyMem_New(Py_ssize_t, written + 1);
    int failed = positions == NULL ? PyErr_NoMemory() == NULL : 0;
    for (Py_ssize_t n = 0; !failed && n < written; n++) { /* (this may run Python: first) */
        positions[n] = PyNumber_AsSsize_t(PySequence_Fast_GET_ITEM(kept, n), NULL);
        failed = positions[n] == -1 && PyErr_Occurred();
    }
    for (int k = 0; !failed && k < 6; k++) {
        failed = (md.fast[k] = PySequence_Fast(given[k], "columns must be sequences")) == NULL;
        if (!failed && k == 0) {
            md.count = PySequence_Fast_GET_SIZE(md.fast[0]);
        }
        else if (!failed && PySequence_Fast_GET_SIZE(md.fast[k]) != md.count) {
            PyErr_Format(PyExc_ValueError, "%zd texts but %zd %s", md.count,
                         PySequence_Fast_GET_SIZE(md.fast[k]), names[k]);
            failed = 1;
        }
    }
    if (failed) {
        goto done;
    }
    PyObject ***columns[6] = {&md.texts, &md.bits, &md.kind_of, &md.paths, &md.blocks, &md.groups};
    for (int k = 0; k < 6; k++) {
        *columns[k] = PySequence_Fast_ITEMS(md.fast[k]);
    }
    for (Py_ssize_t n = 0; n < written; n++) {
        Py_ssize_t i = positions[n];
        if (i <= previous || i >= md.count) {
            PyErr_Format(PyExc_ValueError, "kept positions must increase from 0 to %zd: %zd",
                         md.count - 1, i);
            goto done;
        }
        previous = i;
        if (!PyUnicode_Check(md.texts[i]) || !PyLong_Check(md.bits[i]) ||
            !PyLong_Check(md.kind_of[i])) {
            PyErr_SetString(PyExc_TypeError, "texts must hold str, bits and kinds ints");
            goto done;
        }
        if (kind_at(&md, i) == md.kinds[PRE_KIND] && !(BITS_AT(&md, i) & codes[IN_QUOTE])) {
            result = Py_NewRef(Py_None); /* a <pre>: its lines are in the tree */
            goto done;
        }
    }
    if ((md.out = PyList_New(0)) == NULL) {
        goto done;
    }
    for (Py_ssize_t n = 0; !failed && n < written; n++) {
        failed = add_segment(&md, positions[n], written) < 0;
    }
    if (!failed && (!md.has_table || write_table(&md) == 0)) {
        result = PyUnicode_Join(pieces[EMPTY], md.out);
    }
done:
    PyMem_Free(positions);
    PyMem_Free(md.path);
    Py_DECREF(kept);
    Py_XDECREF(md.rows);
    Py_XDECREF(md.out);
    for (int k = 0; k < 6; k++) {
        Py_XDECREF(md.fast[k]);
    }
    IdMap *maps[] = {&md.cells, &md.items, &md.lists, &md.places, &md.numbers};
    for (int k = 0; k < 5; k++) {
        id_map_free(maps[k]);
    }
    return result;
}
