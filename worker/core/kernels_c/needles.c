/* The words looked for in an element's class and id, for worker/core/html_tags.py through
   html_kernels.Needles: compile_needles (a set of needles, held by a capsule) and
   contains_needle (whether a text holds one), re.search of their alternation without re. */

#include "kernels.h"

/* A set of needles to look for in short texts (an element's class and id): each a str,
   perhaps to be found only as a whole word at its start or end (re's \b). Compiled once
   into buckets by first character, so a search looks at a few needles per position. */
typedef struct {
    Py_UCS4 *characters;
    Py_ssize_t length;
    int boundary_before, boundary_after;
} Needle;

typedef struct {
    Py_ssize_t count;
    Needle *needles;           /* sorted by first character */
    Py_ssize_t first[257]; /* needles starting with character c < 256 are */
                           /* needles[first[c] .. first[c + 1]); the others follow */
    uint8_t pairs[65536 / 8]; /* a bit per pair of characters < 256 that begins a needle */
} NeedleSet;

#define NEEDLES_CAPSULE "worker.core._kernels.NeedleSet"

static void
free_needles(PyObject *capsule)
{
    NeedleSet *set = PyCapsule_GetPointer(capsule, NEEDLES_CAPSULE);
    if (set == NULL) {
        return;
    }
    for (Py_ssize_t i = 0; i < set->count; i++) {
        PyMem_Free(set->needles[i].characters);
    }
    PyMem_Free(set->needles);
    PyMem_Free(set);
}

static int
compare_first_characters(const void *left, const void *right)
{
    Py_UCS4 a = ((const Needle *)left)->characters[0];
    Py_UCS4 b = ((const Needle *)right)->characters[0];
    a = a < 256 ? a : 256;
    b = b < 256 ? b : 256;
    return (a > b) - (a < b);
}

/* compile_needles(needles) -> capsule; needles: a tuple of (str, bool, bool): the text,
   whether a word boundary must come before it and whether one must come after it. */
PyObject *
compile_needles(PyObject *Py_UNUSED(module), PyObject *needles)
{
    if (!PyTuple_Check(needles)) {
        PyErr_SetString(PyExc_TypeError, "needles must be a tuple of (str, bool, bool)");
        return NULL;
    }
    NeedleSet *set = PyMem_Calloc(1, sizeof(NeedleSet));
    Py_ssize_t count = PyTuple_GET_SIZE(needles);
    if (set == NULL ||
        (set->needles = PyMem_Calloc((size_t)count + 1, sizeof(Needle))) == NULL) {
        PyMem_Free(set);
        return PyErr_NoMemory();
    }
    PyObject *capsule = PyCapsule_New(set, NEEDLES_CAPSULE, free_needles);
    if (capsule == NULL) {
        PyMem_Free(set->needles);
        PyMem_Free(set);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *text;
        int before, after;
        PyObject *item = PyTuple_GET_ITEM(needles, i);
        if (!PyTuple_Check(item) || !PyArg_ParseTuple(item, "Upp", &text, &before, &after)) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "each needle is a (str, bool, bool)");
            }
            Py_DECREF(capsule);
            return NULL;
        }
        if (PyUnicode_GET_LENGTH(text) == 0) {
            PyErr_SetString(PyExc_ValueError, "a needle needs a character");
            Py_DECREF(capsule);
            return NULL;
        }
        Needle *needle = &set->needles[set->count];
        needle->characters = PyUnicode_AsUCS4Copy(text);
        if (needle->characters == NULL) {
            Py_DECREF(capsule);
            return NULL;
        }
        needle->length = PyUnicode_GET_LENGTH(text);
        needle->boundary_before = before;
        needle->boundary_after = after;
        set->count++;
    }
    qsort(set->needles, (size_t)set->count, sizeof(Needle), compare_first_characters);
    for (Py_ssize_t i = 0; i < set->count; i++) {
        Py_UCS4 c = set->needles[i].characters[0];
        if (c < 256) { /* the others sort last, from first[256] on */
            set->first[c + 1]++;
        }
    }
    for (int c = 0; c < 256; c++) {
        set->first[c + 1] += set->first[c];
    }
    for (Py_ssize_t i = 0; i < set->count; i++) {
        const Needle *needle = &set->needles[i];
        for (unsigned second = 0; second < 256; second++) {
            if (needle->characters[0] < 256 &&
                (needle->length == 1 || needle->characters[1] == second)) {
                unsigned pair = needle->characters[0] << 8 | second;
                set->pairs[pair >> 3] |= (uint8_t)(1u << (pair & 7));
            }
        }
    }
    return capsule;
}

static int
is_word(Py_UCS4 c) /* re's \w on str */
{
    return c == '_' || Py_UNICODE_ISALNUM(c);
}

/* contains_needle(needles, text) -> bool: whether any needle occurs in text (with the word
   boundaries it asks for): re.search of the needles' alternation, without re. */
PyObject *
contains_needle(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *capsule, *text;
    if (!PyArg_ParseTuple(args, "OU", &capsule, &text)) {
        return NULL;
    }
    NeedleSet *set = PyCapsule_GetPointer(capsule, NEEDLES_CAPSULE);
    if (set == NULL) {
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    for (Py_ssize_t p = 0; p < length; p++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, p);
        Py_UCS4 next = p + 1 < length ? PyUnicode_READ(kind, data, p + 1) : 0;
        if (c < 256 && next < 256) { /* most positions: ruled out by one bit */
            unsigned pair = c << 8 | next;
            if (!(set->pairs[pair >> 3] & (1u << (pair & 7)))) {
                continue;
            }
        }
        Py_ssize_t from = c < 256 ? set->first[c] : set->first[256];
        Py_ssize_t to = c < 256 ? set->first[c + 1] : set->count;
        for (Py_ssize_t k = from; k < to; k++) {
            const Needle *needle = &set->needles[k];
            if (needle->length > length - p || needle->characters[0] != c) {
                continue; /* (a first character past 255 shares the last bucket) */
            }
            Py_ssize_t i = 1;
            while (i < needle->length &&
                   PyUnicode_READ(kind, data, p + i) == needle->characters[i]) {
                i++;
            }
            if (i < needle->length) {
                continue;
            }
            /* \b: a word character on one side and none on the other (or the text's edge) */
            if (needle->boundary_before &&
                (p > 0 && is_word(PyUnicode_READ(kind, data, p - 1))) == is_word(c)) {
                continue;
            }
            Py_ssize_t end = p + needle->length;
            Py_UCS4 last = needle->characters[needle->length - 1];
            if (needle->boundary_after &&
                (end < length && is_word(PyUnicode_READ(kind, data, end))) == is_word(last)) {
                continue;
            }
            Py_RETURN_TRUE;
        }
    }
    Py_RETURN_FALSE;
}
