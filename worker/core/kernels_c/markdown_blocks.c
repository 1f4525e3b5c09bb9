/* Each kept segment of article_markdown (markdown.c) written as its block: a table's cell,
   a list's item, a heading or a paragraph.

   Block ids are read as int64 (id_tables.h's IdTable keys), so that finding a segment's cell,
   item and list on its path is a few compares, not a dict lookup a block: equal ints are
   equal int64, as dict and `in` see them. A table's rows and cells stay dicts, for their
   order. */

#include "markdown.h"

static int
id_map_init(IdMap *map, Py_ssize_t count, size_t width)
{
    if (id_table_init(&map->ids, count) < 0) {
        return -1;
    }
    map->values = PyMem_Calloc((size_t)count + 1, width);
    return map->values ? 0 : (PyErr_NoMemory(), -1);
}

void
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

/* markdown._Table.markdown, as a block: the rows padded to the widest, a line of --- after
   the first. The table is done with. */
int
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
int
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

