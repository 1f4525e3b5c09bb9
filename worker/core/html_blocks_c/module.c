/* The module worker.core._html_blocks: html_blocks, which reads the rules, runs the walk
   (walk.c) and returns its columns, and the module's definition. html_blocks.h says what
   the walk is and why it is in C. */

#include "html_blocks.h"

static int
read_rules(PyObject *rules, PyObject *skipped_tags, TagRule *table)
{
    memset(table, 0, TAG_IDS * sizeof(TagRule));
    if (!PyTuple_Check(skipped_tags)) {
        PyErr_SetString(PyExc_TypeError, "skipped must be a tuple of tag ids");
        return -1;
    }
    if (!PyTuple_Check(rules)) {
        PyErr_SetString(PyExc_TypeError, "rules must be a tuple of (tag id, bit, kind, hints)");
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(rules); i++) {
        unsigned int tag, bit, kind;
        int hints;
        PyObject *rule = PyTuple_GET_ITEM(rules, i);
        if (!PyTuple_Check(rule) || !PyArg_ParseTuple(rule, "IIIp", &tag, &bit, &kind, &hints)) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "each rule is a (tag id, bit, kind, hints)");
            }
            return -1;
        }
        if (tag >= TAG_IDS || kind > UINT8_MAX) {
            PyErr_SetString(PyExc_ValueError, "a rule's tag id, bit or kind is out of range");
            return -1;
        }
        table[tag] = (TagRule){(uint32_t)bit, (uint8_t)kind, (uint8_t)hints, 0, 0};
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(skipped_tags); i++) {
        size_t tag = PyLong_AsSize_t(PyTuple_GET_ITEM(skipped_tags, i));
        if (tag == (size_t)-1 && PyErr_Occurred()) {
            return -1;
        }
        if (tag >= TAG_IDS) {
            PyErr_SetString(PyExc_ValueError, "a skipped tag id is out of range");
            return -1;
        }
        table[tag].skipped = 1;
    }
    return 0;
}

/* Each (tag id, class) of skipped_classes: the class token kept in the walk, its bit set in
   the tag's rule. The strs' UTF-8 lives as long as they do: through the call. */
static int
read_skipped_classes(PyObject *skipped_classes, Walk *walk, TagRule *table)
{
    if (!PyTuple_Check(skipped_classes) || PyTuple_GET_SIZE(skipped_classes) > SKIPPED_CLASSES) {
        PyErr_Format(PyExc_TypeError, "skipped_classes must be a tuple of at most %d "
                     "(tag id, class) pairs", SKIPPED_CLASSES);
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(skipped_classes); i++) {
        unsigned int tag;
        PyObject *pair = PyTuple_GET_ITEM(skipped_classes, i);
        if (!PyTuple_Check(pair) ||
            !PyArg_ParseTuple(pair, "Is#", &tag, &walk->classes[i], &walk->class_lengths[i])) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "each skipped class is a (tag id, class)");
            }
            return -1;
        }
        if (tag >= TAG_IDS) {
            PyErr_SetString(PyExc_ValueError, "a skipped class's tag id is out of range");
            return -1;
        }
        table[tag].skipped_classes |= (uint8_t)(1u << i);
    }
    return 0;
}

/* html_blocks(root, rules, hint_cache, hint_bits, link_bit, skipped, line_break,
               skipped_classes=())
     -> (texts, links, pieces, bits, depths, blocks, kinds, groups, paths, utf8)

   root: a selectolax LexborNode; rules: a tuple of (lexbor tag id, context bit, block kind,
   whether the element's class and id give hints); hint_cache: a dict of the bits "class id"
   strs give, hint_bits: a function giving them (and keeping them in hint_cache); link_bit:
   the bit whose text counts as link text; skipped: a tuple of the tag ids of elements whose
   subtrees the walk passes over, as if they had been dropped from the tree; line_break: the
   tag id of <br>; skipped_classes: a tuple of (tag id, class str) pairs, at most
   SKIPPED_CLASSES: an element of that tag whose class attribute has that token is passed
   over too (html_walk's tag[class~="class"]). One entry per run of text nodes sharing a
   block and not parted by two <br> or more, as html_walk.python_walk gathers them;
   and utf8: "\n".join(texts).encode() (the texts are valid UTF-8: never a surrogate). */
static PyObject *
html_blocks(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *root_object, *rules, *hint_cache, *hint_bits, *skipped_tags;
    PyObject *skipped_classes = NULL;
    unsigned int link_bit, line_break;
    if (!PyArg_ParseTuple(args, "OOO!OIOI|O", &root_object, &rules, &PyDict_Type, &hint_cache,
                          &hint_bits, &link_bit, &skipped_tags, &line_break,
                          &skipped_classes)) {
        return NULL;
    }
    LexborNode *root = selectolax_root(root_object, "html_blocks");
    if (root == NULL) {
        return NULL;
    }
    TagRule table[TAG_IDS];
    Walk walk = {.capacity = 64,
                 .rules = table,
                 .hint_cache = hint_cache,
                 .hint_bits = hint_bits,
                 .link_bit = link_bit,
                 .line_break = line_break};
    if (read_rules(rules, skipped_tags, table) < 0 ||
        (skipped_classes != NULL && read_skipped_classes(skipped_classes, &walk, table) < 0)) {
        return NULL;
    }
    PyObject *result = NULL;
    walk.frames = PyMem_Malloc((size_t)walk.capacity * sizeof(Frame));
    if (walk.frames == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (int c = 0; c < COLUMNS; c++) {
        if ((walk.columns[c] = PyList_New(0)) == NULL) {
            goto done;
        }
    }
    /* the root: a block of kind 0, its own group, no bits, depth 0 */
    walk.frames[0] = (Frame){.node = root, .block = root, .group = root, .path_length = 1};
    walk.path[0] = root;
    walk.count = walk.resolved = 1;
    if (walk_tree(&walk, root) < 0 || (walk.run.pieces && end_run(&walk, walk.run.length) < 0)) {
        goto done;
    }
    result = PyTuple_New(COLUMNS + 1);
    for (int c = 0; result != NULL && c < COLUMNS; c++) {
        PyTuple_SET_ITEM(result, c, walk.columns[c]);
        walk.columns[c] = NULL;
    }
    if (result != NULL) {
        PyObject *joined =
            PyBytes_FromStringAndSize((const char *)walk.joined, walk.joined_length);
        if (joined == NULL) {
            Py_CLEAR(result);
        }
        else {
            PyTuple_SET_ITEM(result, COLUMNS, joined);
        }
    }
done:
    for (int c = 0; c < COLUMNS; c++) {
        Py_XDECREF(walk.columns[c]);
    }
    Py_XDECREF(walk.run.path);
    for (int i = 0; i < MAX_BLOCK_PATH; i++) {
        Py_XDECREF(walk.path_ids[i]);
    }
    PyMem_Free(walk.frames);
    PyMem_Free(walk.run.text);
    PyMem_Free(walk.joined);
    return result;
}

static PyMethodDef html_blocks_methods[] = {
    {"html_blocks", html_blocks, METH_VARARGS, "An HTML page's runs of text, by block."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef html_blocks_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_html_blocks",
    .m_doc = "The walk over an HTML page's lexbor tree: see worker/core/html_segments.py.",
    .m_size = 0,
    .m_methods = html_blocks_methods,
};

PyMODINIT_FUNC
PyInit__html_blocks(void)
{
    fill_ascii_space();
    return PyModule_Create(&html_blocks_module);
}
