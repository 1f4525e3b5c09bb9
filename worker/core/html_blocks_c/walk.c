/* The walk over the tree: every node below the root in document order, the frames of the
   elements from the root down to it, and the runs its text nodes gather into, each ended
   into html_blocks' columns (module.c). */

#include "html_blocks.h"

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
int
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

/* Whether the walk passes over this node's subtree: an element of a skipped tag, or of a
   tag skipped for some classes with one of them (an embedded Instagram post), which
   drop_tags would otherwise drop from the tree first, with all inside it. Only the few
   elements of such a tag have their class read. */
static int
skipped(const Walk *walk, const LexborNode *node)
{
    if (node->type != NODE_ELEMENT || node->local_name >= TAG_IDS) {
        return 0;
    }
    const TagRule *rule = &walk->rules[node->local_name];
    return rule->skipped || (rule->skipped_classes &&
                             has_skipped_class(walk, (const LexborElement *)node,
                                               rule->skipped_classes));
}

/* Every node below the root in document order (selectolax's traverse), a frame per node
   with children, but for the subtrees of skipped elements. */
int
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
