/* An HTML page's kept segments as Markdown: article_markdown, the loop of
   worker/core/markdown.py's python_markdown (which stays its definition, and writes the
   pages this one leaves to it: those keeping a <pre>, whose lines are read from the tree).

   Here: the arguments checked, each kept segment handed to markdown_blocks.c, which writes
   it as a table's cell, a list's item, a heading or a paragraph, and the pieces those are
   written with. The output is a list of str joined once. */

#include "markdown.h"

static const char *const piece_texts[PIECES] = {"\n\n", "\n", " ", "\\", "> ", "| ", " | ",
                                                " |", "", "|", "\\|", "\\\\"};
PyObject *pieces[PIECES];

int
put_new(Markdown *md, PyObject *piece) /* (a new reference, or NULL) */
{
    int failed = piece == NULL || put(md, piece) < 0;
    Py_XDECREF(piece);
    return failed ? -1 : 0;
}

/* markdown._block: a blank line before every block but the first. */
int
start_block(Markdown *md)
{
    int started = md->started;
    md->started = 1;
    return started ? put(md, pieces[BLANK]) : 0;
}

/* The ASCII str head + unit * repeat + tail, appended. */
int
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
int
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
int
put_escaped(Markdown *md, PyObject *text)
{
    if (needs_escape(text) && put(md, pieces[BACKSLASH]) < 0) {
        return -1;
    }
    return put(md, text);
}

/* " ".join(parts), its backslashes and bars escaped (markdown._cell). */
PyObject *
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
