/* Lines picked by how they open, where a rule then tries its regexes: lines_opening_with
   (worker/core/article_end.py and heading_words.py), and the walk over a page's short
   lines it shares with line_words.c's short_lines_starting (rules.py's comment sections). */

#include "kernels.h"

/* Where the next text from position `from` on stands that holds a character and is shorter
   than max_chars: the lines both kernels look at. `count` when none is left; -1, with a
   TypeError set, at an item that is not a str. fast: a PySequence_Fast of `count` items. */
Py_ssize_t
next_short_text(PyObject *fast, Py_ssize_t from, Py_ssize_t count, Py_ssize_t max_chars)
{
    for (Py_ssize_t i = from; i < count; i++) {
        PyObject *text = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "texts must be a sequence of str");
            return -1;
        }
        Py_ssize_t length = PyUnicode_GET_LENGTH(text);
        if (length > 0 && length < max_chars) {
            return i;
        }
    }
    return count;
}

/* lines_opening_with(texts, first, max_chars, prefixes) -> list[tuple[int, int]]

   (position, index of the prefix) for the non-empty texts from `first` on, shorter than
   max_chars, that start with one of `prefixes` (a tuple of at most 1024 non-empty lowercase
   str; the first that fits), in any case: an ASCII character of a prefix matches that
   letter in either case and nothing past ASCII (not the Kelvin sign), any other character
   matches what lowercases to it (Py_UNICODE_TOLOWER: "À" for "à", "П" for "п"). Where
   article_end.py tries its regexes. One pass finds the lines of every rule that reads a
   line's first words (a check of the words anywhere in the line let ten times as many
   lines through, and each pass over a page's str objects costs ~4 us). texts: a list or
   tuple of str. */
#define MAX_PREFIXES 1024
#define SECOND_OTHER 128 /* a second character past ASCII, or none */

/* Whether character `d` of a text matches character `p` of a lowercase prefix. */
static inline int
prefix_char_matches(Py_UCS4 d, Py_UCS4 p)
{
    if (p < 128) {
        return d < 128 && LOWER_ASCII(d) == p;
    }
    return Py_UNICODE_TOLOWER(d) == p;
}

/* The prefixes of the last call, by their first two characters: for a line starting with
   ASCII c0 and c1 (or SECOND_OTHER), ids[start[c0][c1] ..] holds, in order, the prefixes it
   could start with; a line starting past ASCII tries ids[other_start ..]. Built once per
   prefixes tuple (article_end.py passes the same one on every page). */
typedef struct {
    PyObject *prefixes; /* a strong reference: the key */
    int32_t start[128][SECOND_OTHER + 2];
    int32_t other_start, other_end;
    int16_t *ids;
} PrefixIndex;

static PrefixIndex prefix_index = {NULL, {{0}}, 0, 0, NULL};

/* The bucket of a prefix's or text's second character. */
static inline int
second_bucket(Py_UCS4 c1)
{
    return c1 < 128 ? LOWER_ASCII(c1) : SECOND_OTHER;
}

static int
build_prefix_index(PyObject *prefixes)
{
    Py_ssize_t count = PyTuple_GET_SIZE(prefixes);
    if (count > MAX_PREFIXES) {
        PyErr_SetString(PyExc_ValueError, "at most 1024 prefixes");
        return -1;
    }
    for (Py_ssize_t w = 0; w < count; w++) {
        PyObject *prefix = PyTuple_GET_ITEM(prefixes, w);
        if (!PyUnicode_Check(prefix) || PyUnicode_GET_LENGTH(prefix) == 0) {
            PyErr_SetString(PyExc_ValueError, "prefixes must be non-empty str");
            return -1;
        }
        for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(prefix); k++) {
            Py_UCS4 c = PyUnicode_READ_CHAR(prefix, k);
            if ((c < 128 ? LOWER_ASCII(c) : Py_UNICODE_TOLOWER(c)) != c) {
                PyErr_SetString(PyExc_ValueError, "prefixes must be lowercase");
                return -1;
            }
        }
    }
    /* The buckets in order, each with its prefixes in order. A prefix of one character
       goes into every bucket of its first; a line's second character past ASCII, or none,
       reads SECOND_OTHER. At most SECOND_OTHER + 2 places a prefix. */
    int16_t *ids = PyMem_Malloc(sizeof(int16_t) * (size_t)(count * (SECOND_OTHER + 2) + 1));
    if (ids == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_UCS4 firsts[MAX_PREFIXES];
    int seconds[MAX_PREFIXES]; /* -1: the prefix is one character */
    for (Py_ssize_t w = 0; w < count; w++) {
        PyObject *prefix = PyTuple_GET_ITEM(prefixes, w);
        firsts[w] = PyUnicode_READ_CHAR(prefix, 0);
        seconds[w] = PyUnicode_GET_LENGTH(prefix) == 1
                         ? -1
                         : second_bucket(PyUnicode_READ_CHAR(prefix, 1));
    }
    int32_t at = 0;
    for (int c0 = 0; c0 < 128; c0++) {
        for (int c1 = 0; c1 <= SECOND_OTHER; c1++) {
            prefix_index.start[c0][c1] = at;
            for (Py_ssize_t w = 0; w < count; w++) {
                if (firsts[w] == (Py_UCS4)c0 && (seconds[w] < 0 || seconds[w] == c1)) {
                    ids[at++] = (int16_t)w;
                }
            }
        }
        prefix_index.start[c0][SECOND_OTHER + 1] = at;
    }
    /* Upper-case first letters read the lower-case buckets. */
    for (int c0 = 'A'; c0 <= 'Z'; c0++) {
        memcpy(prefix_index.start[c0], prefix_index.start[c0 - 'A' + 'a'],
               sizeof prefix_index.start[c0]);
    }
    prefix_index.other_start = at;
    for (Py_ssize_t w = 0; w < count; w++) {
        if (firsts[w] >= 128) {
            ids[at++] = (int16_t)w;
        }
    }
    prefix_index.other_end = at;
    PyMem_Free(prefix_index.ids);
    prefix_index.ids = ids;
    Py_INCREF(prefixes);
    Py_XSETREF(prefix_index.prefixes, prefixes);
    return 0;
}

PyObject *
lines_opening_with(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *texts, *prefixes;
    Py_ssize_t first, max_chars;
    if (!PyArg_ParseTuple(args, "OnnO!", &texts, &first, &max_chars, &PyTuple_Type,
                          &prefixes)) {
        return NULL;
    }
    if (prefixes != prefix_index.prefixes && build_prefix_index(prefixes) < 0) {
        return NULL;
    }
    PyObject *fast = PySequence_Fast(texts, "texts must be a sequence of str");
    if (fast == NULL) {
        return NULL;
    }
    PyObject *found = PyList_New(0);
    Py_ssize_t count = PySequence_Fast_GET_SIZE(fast);
    for (Py_ssize_t i = first < 0 ? 0 : first;
         found != NULL && (i = next_short_text(fast, i, count, max_chars)) < count; i++) {
        if (i < 0) {
            Py_CLEAR(found);
            break;
        }
        PyObject *text = PySequence_Fast_GET_ITEM(fast, i);
        Py_ssize_t length = PyUnicode_GET_LENGTH(text);
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        Py_UCS4 c = PyUnicode_READ(kind, data, 0);
        int32_t from, to;
        if (c < 128) {
            int c1 = length > 1 ? second_bucket(PyUnicode_READ(kind, data, 1)) : SECOND_OTHER;
            from = prefix_index.start[c][c1];
            to = prefix_index.start[c][c1 + 1];
        }
        else {
            from = prefix_index.other_start;
            to = prefix_index.other_end;
        }
        for (int32_t at = from; at < to; at++) {
            int16_t w = prefix_index.ids[at];
            PyObject *prefix = PyTuple_GET_ITEM(prefixes, w);
            Py_ssize_t size = PyUnicode_GET_LENGTH(prefix), k = 0;
            if (size > length) {
                continue;
            }
            int prefix_kind = PyUnicode_KIND(prefix);
            const void *prefix_data = PyUnicode_DATA(prefix);
            while (k < size && prefix_char_matches(PyUnicode_READ(kind, data, k),
                                                   PyUnicode_READ(prefix_kind, prefix_data, k))) {
                k++;
            }
            if (k == size) {
                PyObject *hit = Py_BuildValue("(ni)", i, (int)w);
                if (hit == NULL || PyList_Append(found, hit) < 0) {
                    Py_CLEAR(found);
                }
                Py_XDECREF(hit);
                break;
            }
        }
    }
    Py_DECREF(fast);
    return found;
}
