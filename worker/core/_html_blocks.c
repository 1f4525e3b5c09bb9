/* The walk of html_walk.python_walk in C: an HTML page's text nodes, in
   document order, grouped into runs by their nearest block-level ancestor, with the context
   each run inherits. In Python the walk was half of an HTML page's time (a LexborNode made
   and read per node, ~1,200 text nodes and ~700 elements a page); here it reads lexbor's
   tree directly.

   The structs it reads are mirrored in _lexbor.h. html_blocks refuses any object that is
   not a LexborNode of the mirrored size, and html_walk.py checks the walk against the
   Python one on a probe page at import, using the Python walk when they differ, so another
   selectolax cannot make it read the wrong memory or give different segments. */

#define PY_SSIZE_T_CLEAN
#include "_lexbor.h"

#define TAG_IDS 256 /* the rules' table; lexbor's own tags end at LXB_TAG__LAST_ENTRY, 0xc7 */
#define MAX_BLOCK_PATH 256 /* html_segments.MAX_BLOCK_PATH */

typedef struct {
    uint32_t bit;       /* the context bit the tag sets */
    uint8_t kind;       /* its block kind, 0 when it is no block */
    uint8_t reads_hints; /* whether its class and id may say "menu" or "article" */
    uint8_t skipped;    /* whether the walk passes over the element and all inside it */
} TagRule;

/* An element on the path from the root to the node being visited, and the context it hands
   down. Its bits are known only once `resolved` has passed it: reading an element's class
   and id is the one costly step, done only for the ancestors of a text node. */
typedef struct {
    LexborNode *node;
    LexborNode *block; /* the nearest block element, itself included */
    LexborNode *group; /* that block's parent: blocks sharing it are siblings */
    Py_ssize_t path_length; /* the block's path: the first path_length of `path` */
    uint32_t bits;     /* inherited and its own, hints too, once resolved */
    uint32_t own_bit;
    uint8_t kind;
    uint8_t reads_hints;
} Frame;

/* The run of text nodes being gathered, as the UTF-8 of its text with whitespace already
   folded (" ".join(text.split()) but for a space pending at the end): how many text nodes
   it joins, how many of their characters lie inside links, the context of the first. */
typedef struct {
    uint8_t *text;
    Py_ssize_t length, capacity;
    int pending_space;
    Py_ssize_t pieces, links;
    LexborNode *block, *group;
    Py_ssize_t depth;
    uint32_t bits;
    uint8_t kind;
    PyObject *path;
} Run;

/* What html_blocks returns: a list per column, one entry per run. */
enum { TEXTS, LINKS, PIECES, BITS, DEPTHS, BLOCKS, KINDS, GROUPS, PATHS, COLUMNS };

/* The walk's state: frames[0] is the root, frames[1 .. count) the elements from it down to
   the parent of the node being visited; the first `resolved` of them have their bits. */
typedef struct {
    Frame *frames;
    Py_ssize_t count, capacity, resolved;
    LexborNode *path[MAX_BLOCK_PATH]; /* the block ancestors of the top frame, in order */
    PyObject *path_ids[MAX_BLOCK_PATH]; /* their memory ids as int, or NULL until needed */
    const TagRule *rules;
    PyObject *hint_cache; /* html_tags.hint_cache: bits by "class id" str */
    PyObject *hint_bits;  /* html_tags.hint_bits, which fills it */
    uint32_t link_bit;
    uintptr_t line_break; /* the tag id of <br> */
    /* <br> elements since the last text with words or other element (whitespace, comments
       and skipped elements between them count for nothing), and whether two or more of them
       in a row end the run: the next text starts one of its own, as a paragraph would
       (readability's replaceBrs; old pages mark paragraphs so) */
    int line_breaks, paragraph_break;
    Run run;
    PyObject *columns[COLUMNS];
    /* "\n".join(texts) as UTF-8, made as the runs end: the features read it */
    uint8_t *joined;
    Py_ssize_t joined_length, joined_capacity;
} Walk;

static int
push_frame(Walk *walk, LexborNode *node)
{
    if (walk->count == walk->capacity) {
        Py_ssize_t capacity = walk->capacity * 2;
        Frame *frames = PyMem_Realloc(walk->frames, (size_t)capacity * sizeof(Frame));
        if (frames == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        walk->frames = frames;
        walk->capacity = capacity;
    }
    const Frame *parent = &walk->frames[walk->count - 1];
    Frame *frame = &walk->frames[walk->count++];
    TagRule rule = {0, 0, 0, 0};
    if (node->type == NODE_ELEMENT && node->local_name < TAG_IDS) {
        rule = walk->rules[node->local_name];
    }
    *frame = *parent;
    frame->node = node;
    frame->own_bit = rule.bit;
    frame->reads_hints = rule.reads_hints;
    if (rule.kind) {
        frame->kind = rule.kind;
        frame->block = node;
        frame->group = parent->node;
        if (parent->path_length < MAX_BLOCK_PATH) { /* deeper blocks share their ancestor's */
            walk->path[parent->path_length] = node;
            Py_CLEAR(walk->path_ids[parent->path_length]);
            frame->path_length = parent->path_length + 1;
        }
    }
    return 0;
}

static void
pop_frame(Walk *walk)
{
    walk->count--;
    walk->resolved = walk->resolved < walk->count ? walk->resolved : walk->count;
}

/* The value of an element's attribute `name` (one of lexbor's static attribute ids), as
   selectolax's attributes dict has it: that of the last attribute of that qualified name. */
static const LexborString *
attribute_value(const LexborElement *element, uintptr_t name, int *found)
{
    const LexborString *value = NULL;
    for (const LexborAttribute *a = element->first_attr; a != NULL; a = a->next) {
        uintptr_t qualified = a->qualified_name ? a->qualified_name : a->node.local_name;
        if (qualified == name) {
            *found = 1;
            value = a->value;
        }
    }
    return value;
}

/* The hint bits of f"{attributes.get('class') or ''} {attributes.get('id') or ''}" (from
   hint_cache, else hint_bits) when that is more than the space, else 0; -1 on an error. */
static long
hints_of(const Walk *walk, const LexborElement *element)
{
    int found = 0;
    const LexborString *class_value = attribute_value(element, ATTRIBUTE_CLASS, &found);
    const LexborString *id_value = attribute_value(element, ATTRIBUTE_ID, &found);
    size_t class_length = class_value && class_value->data ? class_value->length : 0;
    size_t id_length = id_value && id_value->data ? id_value->length : 0;
    if (!found || class_length + id_length == 0) {
        return 0;
    }
    char small[256];
    size_t size = class_length + 1 + id_length;
    char *joined = size <= sizeof(small) ? small : PyMem_Malloc(size);
    if (joined == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (class_length) {
        memcpy(joined, class_value->data, class_length);
    }
    joined[class_length] = ' ';
    if (id_length) {
        memcpy(joined + class_length + 1, id_value->data, id_length);
    }
    /* selectolax decodes each value with errors="replace"; the ASCII space between them
       ends any broken sequence, so decoding them joined gives the same str */
    PyObject *hint = PyUnicode_DecodeUTF8(joined, (Py_ssize_t)size, "replace");
    if (joined != small) {
        PyMem_Free(joined);
    }
    if (hint == NULL) {
        return -1;
    }
    PyObject *bits = PyDict_GetItemWithError(walk->hint_cache, hint); /* borrowed */
    if (bits != NULL) {
        Py_INCREF(bits);
    }
    else if (!PyErr_Occurred()) {
        bits = PyObject_CallOneArg(walk->hint_bits, hint);
    }
    Py_DECREF(hint);
    if (bits == NULL) {
        return -1;
    }
    long value = PyLong_AsLong(bits);
    Py_DECREF(bits);
    if (value < 0 && !PyErr_Occurred()) {
        PyErr_SetString(PyExc_ValueError, "hint bits cannot be negative");
    }
    return PyErr_Occurred() ? -1 : value;
}

/* The top frame, its bits resolved along with those of every frame above it not yet. */
static const Frame *
resolved_top(Walk *walk)
{
    for (Py_ssize_t i = walk->resolved; i < walk->count; i++) {
        Frame *frame = &walk->frames[i];
        frame->bits = (i ? walk->frames[i - 1].bits : 0) | frame->own_bit;
        if (frame->reads_hints) {
            long hints = hints_of(walk, (const LexborElement *)frame->node);
            if (hints < 0) {
                walk->resolved = i;
                return NULL;
            }
            frame->bits |= (uint32_t)hints;
        }
    }
    walk->resolved = walk->count;
    return &walk->frames[walk->count - 1];
}

/* str.isspace() of each ASCII character: \t to \r, \x1c to \x1f and the space. */
static uint8_t ascii_space[128];

/* Appends the text node's UTF-8 to the run from `from` on, whitespace folded, counting its
   characters into *characters and whether any is not whitespace into *has_words. Returns 0,
   -1 on an error, or 1 at the first sequence Python's strict decoder would refuse (overlong,
   surrogate, past U+10FFFF, cut short): the caller then decodes the text as selectolax does. */
static int
append_folded(Run *run, Py_ssize_t from, const uint8_t *bytes, Py_ssize_t size,
              Py_ssize_t *characters, int *has_words)
{
    if (run->length + size + 1 > run->capacity) { /* a piece grows by a space at most */
        Py_ssize_t capacity = (run->length + size + 1) * 2;
        uint8_t *text = PyMem_Realloc(run->text, (size_t)capacity);
        if (text == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        run->text = text;
        run->capacity = capacity;
    }
    uint8_t *out = run->text + run->length;
    const uint8_t *start = run->text + from; /* the run's first byte */
    Py_ssize_t i = 0, count = 0;
    int words = 0, pending = run->pending_space;
    while (i < size) {
        uint8_t b = bytes[i];
        Py_ssize_t follow = 0;
        int space;
        if (b < 0x80) {
            space = ascii_space[b];
        }
        else {
            Py_UCS4 c, lowest;
            if (b >= 0xC2 && b <= 0xDF) {
                c = b & 0x1F, follow = 1, lowest = 0x80;
            }
            else if (b >= 0xE0 && b <= 0xEF) {
                c = b & 0x0F, follow = 2, lowest = 0x800;
            }
            else if (b >= 0xF0 && b <= 0xF4) {
                c = b & 0x07, follow = 3, lowest = 0x10000;
            }
            else {
                return 1;
            }
            if (size - i - 1 < follow) {
                return 1;
            }
            for (Py_ssize_t k = 1; k <= follow; k++) {
                if ((bytes[i + k] & 0xC0) != 0x80) {
                    return 1;
                }
                c = c << 6 | (bytes[i + k] & 0x3F);
            }
            if (c < lowest || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
                return 1;
            }
            space = Py_UNICODE_ISSPACE(c);
        }
        count++;
        if (space) {
            pending = out > start;
            i += follow + 1;
            continue;
        }
        if (pending) {
            *out++ = ' ';
            pending = 0;
        }
        words = 1;
        for (Py_ssize_t k = 0; k <= follow; k++) {
            *out++ = bytes[i + k];
        }
        i += follow + 1;
    }
    run->length = out - run->text;
    run->pending_space = pending;
    *characters = count;
    *has_words = words;
    return 0;
}

/* The text node's characters appended to the run from `from` on, as append_folded, its
   bytes decoded as selectolax's text_content does (any malformed sequence as U+FFFD). */
static int
append_text(Run *run, Py_ssize_t from, const LexborString *text, Py_ssize_t *characters,
            int *has_words)
{
    Py_ssize_t length = run->length;
    int pending = run->pending_space;
    int status = append_folded(run, from, text->data, (Py_ssize_t)text->length, characters,
                               has_words);
    if (status <= 0) {
        return status;
    }
    run->length = length;
    run->pending_space = pending;
    PyObject *decoded =
        PyUnicode_DecodeUTF8((const char *)text->data, (Py_ssize_t)text->length, "replace");
    if (decoded == NULL) {
        return -1;
    }
    Py_ssize_t size;
    const char *utf8 = PyUnicode_AsUTF8AndSize(decoded, &size); /* U+FFFD is well formed */
    status = utf8 == NULL ? -1
                          : append_folded(run, from, (const uint8_t *)utf8, size, characters,
                                          has_words);
    Py_DECREF(decoded);
    if (status > 0) { /* cannot happen: the str's UTF-8 is well formed */
        PyErr_SetString(PyExc_SystemError, "malformed UTF-8 from PyUnicode_AsUTF8AndSize");
    }
    return status == 0 ? 0 : -1;
}

static int
append_new(PyObject *list, PyObject *item)
{
    if (item == NULL) {
        return -1;
    }
    int status = PyList_Append(list, item);
    Py_DECREF(item);
    return status;
}

/* Adds the run made of the first `length` bytes of run->text to the columns. */
static int
end_run(Walk *walk, Py_ssize_t length)
{
    Run *run = &walk->run;
    PyObject **columns = walk->columns;
    if (walk->joined_length + length + 1 > walk->joined_capacity) {
        Py_ssize_t capacity = (walk->joined_length + length + 1) * 2;
        uint8_t *joined = PyMem_Realloc(walk->joined, (size_t)capacity);
        if (joined == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        walk->joined = joined;
        walk->joined_capacity = capacity;
    }
    if (PyList_GET_SIZE(columns[TEXTS])) { /* a line break between two texts */
        walk->joined[walk->joined_length++] = '\n';
    }
    memcpy(walk->joined + walk->joined_length, run->text, (size_t)length);
    walk->joined_length += length;
    int failed =
        append_new(columns[TEXTS], PyUnicode_DecodeUTF8((const char *)run->text, length, NULL)) ||
        append_new(columns[LINKS], PyLong_FromSsize_t(run->links)) ||
        append_new(columns[PIECES], PyLong_FromSsize_t(run->pieces)) ||
        append_new(columns[BITS], PyLong_FromUnsignedLong(run->bits)) ||
        append_new(columns[DEPTHS], PyLong_FromSsize_t(run->depth)) ||
        append_new(columns[BLOCKS], PyLong_FromVoidPtr(run->block)) ||
        append_new(columns[KINDS], PyLong_FromLong(run->kind)) ||
        append_new(columns[GROUPS], PyLong_FromVoidPtr(run->group)) ||
        PyList_Append(columns[PATHS], run->path);
    Py_CLEAR(run->path);
    run->pieces = run->links = 0;
    return failed ? -1 : 0;
}

/* The top frame's block path, as a tuple of the blocks' memory ids (each made once). */
static PyObject *
path_of(Walk *walk, const Frame *frame)
{
    PyObject *path = PyTuple_New(frame->path_length);
    for (Py_ssize_t i = 0; path != NULL && i < frame->path_length; i++) {
        if (walk->path_ids[i] == NULL &&
            (walk->path_ids[i] = PyLong_FromVoidPtr(walk->path[i])) == NULL) {
            Py_CLEAR(path);
            break;
        }
        PyTuple_SET_ITEM(path, i, Py_NewRef(walk->path_ids[i]));
    }
    return path;
}

/* A text node inside the top frame: joins the run of its block, or ends the run before and
   starts one. Text that is all whitespace changes nothing. */
static int
visit_text(Walk *walk, const LexborText *text)
{
    if (text->data.data == NULL) { /* text_content is None */
        return 0;
    }
    Run *run = &walk->run;
    const Frame *top = &walk->frames[walk->count - 1];
    int starts_run = run->pieces == 0 || top->block != run->block || walk->paragraph_break;
    /* a new run's text goes after the old one's until it is sure to have words */
    Py_ssize_t old_length = run->length, characters;
    int old_pending = run->pending_space, has_words;
    Py_ssize_t from = starts_run ? old_length : 0;
    if (starts_run) {
        run->pending_space = 0;
    }
    if (append_text(run, from, &text->data, &characters, &has_words) < 0) {
        return -1;
    }
    if (!has_words) {
        run->length = old_length;
        run->pending_space = old_pending;
        return 0;
    }
    walk->line_breaks = walk->paragraph_break = 0;
    if ((top = resolved_top(walk)) == NULL) {
        return -1;
    }
    if (starts_run) {
        if (run->pieces && end_run(walk, old_length) < 0) {
            return -1;
        }
        memmove(run->text, run->text + old_length, (size_t)(run->length - old_length));
        run->length -= old_length;
        run->block = top->block;
        run->group = top->group;
        run->kind = top->kind;
        run->bits = top->bits;
        run->depth = walk->count - 1;
        if ((run->path = path_of(walk, top)) == NULL) {
            return -1;
        }
    }
    run->pieces++;
    if (top->bits & walk->link_bit) {
        run->links += characters;
    }
    return 0;
}

/* Whether the walk passes over this node's subtree: an element of a skipped tag (one that
   html_segments would otherwise drop from the tree first, with all inside it). */
static int
skipped(const Walk *walk, const LexborNode *node)
{
    return node->type == NODE_ELEMENT && node->local_name < TAG_IDS &&
           walk->rules[node->local_name].skipped;
}

/* Every node below the root in document order (selectolax's traverse), a frame per node
   with children, but for the subtrees of skipped elements. */
static int
walk_tree(Walk *walk, LexborNode *root)
{
    LexborNode *node = root->first_child;
    while (node != NULL) {
        if (node->type == NODE_TEXT) {
            if (visit_text(walk, (const LexborText *)node) < 0) {
                return -1;
            }
        }
        else if (!skipped(walk, node)) {
            if (node->type == NODE_ELEMENT && node->local_name == walk->line_break) {
                walk->paragraph_break |= ++walk->line_breaks >= 2;
                walk->run.pending_space = walk->run.pieces > 0; /* "a<br>b" is two words */
            }
            else if (node->type == NODE_ELEMENT) {
                walk->line_breaks = 0;
            }
            if (node->first_child != NULL) {
                if (push_frame(walk, node) < 0) {
                    return -1;
                }
                node = node->first_child;
                continue;
            }
        }
        while (node->next == NULL) {
            node = node->parent;
            if (node == root || node == NULL) {
                return 0;
            }
            pop_frame(walk);
        }
        node = node->next;
    }
    return 0;
}

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
        table[tag] = (TagRule){(uint32_t)bit, (uint8_t)kind, (uint8_t)hints, 0};
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

/* html_blocks(root, rules, hint_cache, hint_bits, link_bit, skipped, line_break)
     -> (texts, links, pieces, bits, depths, blocks, kinds, groups, paths, utf8)

   root: a selectolax LexborNode; rules: a tuple of (lexbor tag id, context bit, block kind,
   whether the element's class and id give hints); hint_cache: a dict of the bits "class id"
   strs give, hint_bits: a function giving them (and keeping them in hint_cache); link_bit:
   the bit whose text counts as link text; skipped: a tuple of the tag ids of elements whose
   subtrees the walk passes over, as if they had been dropped from the tree; line_break: the
   tag id of <br>. One entry per run of text nodes sharing a block and not parted by two <br>
   or more, as html_walk.python_walk gathers them;
   and utf8: "\n".join(texts).encode() (the texts are valid UTF-8: never a surrogate). */
static PyObject *
html_blocks(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *root_object, *rules, *hint_cache, *hint_bits, *skipped_tags;
    unsigned int link_bit, line_break;
    if (!PyArg_ParseTuple(args, "OOO!OIOI", &root_object, &rules, &PyDict_Type, &hint_cache,
                          &hint_bits, &link_bit, &skipped_tags, &line_break)) {
        return NULL;
    }
    LexborNode *root = selectolax_root(root_object, "html_blocks");
    if (root == NULL) {
        return NULL;
    }
    TagRule table[TAG_IDS];
    if (read_rules(rules, skipped_tags, table) < 0) {
        return NULL;
    }
    Walk walk = {.capacity = 64,
                 .rules = table,
                 .hint_cache = hint_cache,
                 .hint_bits = hint_bits,
                 .link_bit = link_bit,
                 .line_break = line_break};
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
    for (int b = 0; b < 128; b++) {
        ascii_space[b] = (b >= '\t' && b <= '\r') || (b >= 0x1c && b <= 0x1f) || b == ' ';
    }
    return PyModule_Create(&html_blocks_module);
}
