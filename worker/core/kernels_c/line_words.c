/* Short lines picked by their first character and the words they hold: short_lines_starting,
   where worker/core/rules.py's comment-section rule tries its regexes (line_starts.c has
   the walk over the short lines, next_short_text). */

#include "kernels.h"

/* short_lines_starting(texts, first, max_chars, starts, words=(), non_ascii_letters=False)
   -> list[int]

   The positions from `first` on of the texts shorter than max_chars whose first character
   is one of `starts` (a str of at most 8 characters past ASCII and any ASCII ones), or a
   letter past ASCII (Py_UNICODE_ISALPHA: Cyrillic, CJK, "É") where non_ascii_letters is
   true, and, where `words` (lowercase ASCII str) are given, that hold a letter past ASCII
   or one of the words in any case: where rules.comment_section_rejections tries its regex.
   texts: a list or tuple of str. */

/* Lowercase ASCII words looked for in short lines: per first byte, the words (at most 32)
   starting with it, as bits. */
typedef struct {
    uint32_t starting[256];
    /* per first byte, the second bytes a word goes on with (a bit each): most positions
       of a line fail this one test */
    uint64_t second[128][2];
    const uint8_t *chars[32];
    Py_ssize_t sizes[32];
    /* A bit per hash of each word's first four letters, when every word has four: an ASCII
       line is read four bytes at a time by it, where the second-byte test let one position
       in ten through ("co", "re", "th" start the words), a third of the comment scan. */
    int all_long;
    uint8_t quads[65536 / 8];
} LineWords;

/* A hash of 16 bits of four bytes with their 0x20 bits set (any case of ASCII letters). */
static inline unsigned
quad_hash(const uint8_t *at)
{
    uint32_t quad;
    memcpy(&quad, at, 4);
    return ((quad | 0x20202020u) * 0x9E3779B1u) >> 16;
}

/* holds_a_word of an ASCII text when every word has four letters or more. */
static int
ascii_holds_a_long_word(const uint8_t *chars, Py_ssize_t length, const LineWords *words)
{
    for (Py_ssize_t at = 0; at + 4 <= length; at++) {
        unsigned hash = quad_hash(chars + at);
        if (!(words->quads[hash >> 3] >> (hash & 7) & 1)) {
            continue;
        }
        for (uint32_t bits = words->starting[LOWER_ASCII(chars[at])]; bits; bits &= bits - 1) {
            int w = __builtin_ctz(bits);
            Py_ssize_t size = words->sizes[w], k = 1;
            if (size > length - at) {
                continue;
            }
            while (k < size && LOWER_ASCII(chars[at + k]) == words->chars[w][k]) {
                k++;
            }
            if (k == size) {
                return 1;
            }
        }
    }
    return 0;
}

/* The character at `at` of a str of `kind` as holds_a_word compares it: ASCII lowered,
   anything else as 0x80, which no word holds. */
static inline __attribute__((always_inline)) uint8_t
word_char(int kind, const void *data, Py_ssize_t at)
{
    Py_UCS4 c = PyUnicode_READ(kind, data, at);
    return c < 128 ? LOWER_ASCII(c) : 0x80;
}

/* Whether a text of `kind` holds one of the words, its ASCII letters in any case, or a
   letter past ASCII (which may belong to a word of another script, or fold to an ASCII one
   under re's IGNORECASE: the Kelvin sign). Lines with a curly quote or a dash but no such
   letter went to the regexes whole: most of the lines they tried on a dump, at ~2 us each.
   Inlined for each kind, so word_char's switch on the kind is decided at compile time. */
static inline __attribute__((always_inline)) int
holds_a_word_of_kind(int kind, const void *data, Py_ssize_t length, int ascii,
                     const LineWords *words)
{
    for (Py_ssize_t at = 0; !ascii && at < length; at++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, at);
        if (c >= 128 && Py_UNICODE_ISALPHA(c)) {
            return 1;
        }
    }
    for (Py_ssize_t at = 0; at < length; at++) {
        uint8_t c0 = word_char(kind, data, at);
        uint8_t c1 = at + 1 < length ? word_char(kind, data, at + 1) : 0;
        if (c0 >= 128 || (c1 < 128 && !(words->second[c0][c1 >> 6] >> (c1 & 63) & 1))) {
            continue;
        }
        for (uint32_t bits = words->starting[c0]; bits; bits &= bits - 1) {
            int w = __builtin_ctz(bits);
            const uint8_t *needle = words->chars[w];
            Py_ssize_t size = words->sizes[w], k = 1;
            if (size > length - at) {
                continue;
            }
            while (k < size && word_char(kind, data, at + k) == needle[k]) {
                k++;
            }
            if (k == size) {
                return 1;
            }
        }
    }
    return 0;
}

static int
holds_a_word(PyObject *text, const LineWords *words)
{
    int found;
    if (words->all_long && PyUnicode_IS_ASCII(text)) {
        return ascii_holds_a_long_word(PyUnicode_1BYTE_DATA(text), PyUnicode_GET_LENGTH(text),
                                       words);
    }
    BY_KIND(found, holds_a_word_of_kind, PyUnicode_KIND(text), PyUnicode_DATA(text),
            PyUnicode_GET_LENGTH(text), PyUnicode_IS_ASCII(text), words);
    return found;
}

PyObject *
short_lines_starting(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *texts, *starts, *words = NULL;
    Py_ssize_t first, max_chars;
    int non_ascii_letters = 0;
    if (!PyArg_ParseTuple(args, "OnnU|O!p", &texts, &first, &max_chars, &starts, &PyTuple_Type,
                          &words, &non_ascii_letters)) {
        return NULL;
    }
    LineWords looked_for;
    memset(looked_for.starting, 0, sizeof looked_for.starting);
    memset(looked_for.second, 0, sizeof looked_for.second);
    memset(looked_for.quads, 0, sizeof looked_for.quads);
    looked_for.all_long = 1;
    if (words != NULL && PyTuple_GET_SIZE(words) > 32) {
        PyErr_SetString(PyExc_ValueError, "at most 32 words");
        return NULL;
    }
    for (Py_ssize_t w = 0; words != NULL && w < PyTuple_GET_SIZE(words); w++) {
        PyObject *word = PyTuple_GET_ITEM(words, w);
        if (!PyUnicode_Check(word) || !PyUnicode_IS_ASCII(word) ||
            PyUnicode_GET_LENGTH(word) == 0) {
            PyErr_SetString(PyExc_ValueError, "words must be non-empty ASCII str");
            return NULL;
        }
        const uint8_t *chars = PyUnicode_1BYTE_DATA(word);
        for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(word); k++) {
            if (LOWER_ASCII(chars[k]) != chars[k]) {
                PyErr_SetString(PyExc_ValueError, "words must be lowercase");
                return NULL;
            }
        }
        looked_for.starting[chars[0]] |= 1u << w;
        looked_for.chars[w] = chars;
        looked_for.sizes[w] = PyUnicode_GET_LENGTH(word);
        if (PyUnicode_GET_LENGTH(word) >= 4) {
            unsigned hash = quad_hash(chars);
            looked_for.quads[hash >> 3] |= (uint8_t)(1u << (hash & 7));
        }
        else {
            looked_for.all_long = 0;
        }
        if (PyUnicode_GET_LENGTH(word) == 1) { /* any second byte, or none (0) */
            looked_for.second[chars[0]][0] = looked_for.second[chars[0]][1] = ~UINT64_C(0);
        }
        else {
            looked_for.second[chars[0]][chars[1] >> 6] |= UINT64_C(1) << (chars[1] & 63);
        }
    }
    if (words != NULL && PyTuple_GET_SIZE(words) == 0) {
        words = NULL;
    }
    uint8_t start[128] = {0};
    Py_UCS4 other_starts[8]; /* the characters of `starts` past ASCII */
    int other_count = 0;
    for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(starts); k++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(starts, k);
        if (c < 128) {
            start[c] = 1;
        }
        else if (other_count < 8) {
            other_starts[other_count++] = c;
        }
        else {
            PyErr_SetString(PyExc_ValueError, "at most 8 starts past ASCII");
            return NULL;
        }
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
        Py_UCS4 c = PyUnicode_READ_CHAR(text, 0);
        int starts_so = c < 128 ? start[c] : non_ascii_letters && Py_UNICODE_ISALPHA(c);
        for (int k = 0; !starts_so && k < other_count; k++) {
            starts_so = c == other_starts[k];
        }
        if (starts_so &&
            (words == NULL || holds_a_word(text, &looked_for))) {
            PyObject *position = PyLong_FromSsize_t(i);
            if (position == NULL || PyList_Append(found, position) < 0) {
                Py_CLEAR(found);
            }
            Py_XDECREF(position);
        }
    }
    Py_DECREF(fast);
    return found;
}
