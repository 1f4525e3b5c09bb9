/* A text node's characters appended to the run being gathered, whitespace folded as
   " ".join(text.split()) folds it, the bytes decoded as selectolax's text_content decodes
   them (the walk: walk.c). */

#include "html_blocks.h"

/* str.isspace() of each ASCII character: \t to \r, \x1c to \x1f and the space. */
static uint8_t ascii_space[128];

/* Fills ascii_space, when the module loads. */
void
fill_ascii_space(void)
{
    for (int b = 0; b < 128; b++) {
        ascii_space[b] = (b >= '\t' && b <= '\r') || (b >= 0x1c && b <= 0x1f) || b == ' ';
    }
}

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
int
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
