/* Segmenting a text dump: text_lines, the non-blank lines of its body with their
   whitespace folded, their structure columns and the page's UTF-8, read from the str's
   own characters (worker/core/segments.py). */

#include "kernels.h"

/* One line of a str of `kind`, from code point *at up to its "\n" or "\r\n" (or the end),
   written into `line` as UTF-8 with its whitespace folded as " ".join(line.split()) folds
   it; *at is left on the newline. Returns the length written, or -1 when the line holds
   another line break (str.splitlines() breaks there too) or a lone surrogate: the caller
   takes the plain way then. *ascii says whether every character was ASCII. Inlined for each
   kind, so PyUnicode_READ's switch on the kind is decided at compile time. */
static inline __attribute__((always_inline)) Py_ssize_t
fold_line(int kind, const void *data, Py_ssize_t size, Py_ssize_t *at, char *line, int *ascii)
{
    Py_ssize_t p = *at, length = 0;
    int pending_space = 0, only_ascii = 1;
#ifdef __SSE2__
    Py_ssize_t block_from = p; /* where the next block of 16 may start */
#endif
    for (; p < size; p++) {
#ifdef __SSE2__
        /* Most of a line: 16 printable ASCII characters without two spaces in a row, after
           a character written and no space pending. They are written as they are, but for
           a last space, which becomes pending. */
        if (p >= block_from && length > 0 && !pending_space && p + 16 <= size) {
            __m128i bytes = narrowed_16(kind, data, p);
            __m128i printable = _mm_and_si128(_mm_cmpgt_epi8(bytes, _mm_set1_epi8(0x1F)),
                                              _mm_cmplt_epi8(bytes, _mm_set1_epi8(0x7F)));
            unsigned spaces =
                (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(' ')));
            unsigned odd = ((unsigned)_mm_movemask_epi8(printable) ^ 0xFFFFu) |
                           (spaces & (spaces >> 1));
            if (odd == 0) {
                _mm_storeu_si128((__m128i *)(line + length), bytes);
                int last_space = (int)(spaces >> 15);
                length += 16 - last_space;
                pending_space = last_space;
                p += 15;
                continue;
            }
            block_from = p + __builtin_ctz(odd) + 1; /* one by one up to the odd one */
        }
#endif
        Py_UCS4 c = PyUnicode_READ(kind, data, p);
        if (c - ' ' < 0x5F) {
            /* Most characters: printable ASCII or a space, without a branch on which (a
               branch mispredicted at every word's edge). A space only becomes pending; the
               character after it writes it. The stores past `length` land on bytes this
               line or the next will write: see text_lines. */
            int space = c == ' ';
            line[length] = ' ';
            length += pending_space & !space;
            line[length] = (char)c;
            length += !space;
            pending_space = space & (length > 0);
            continue;
        }
        if (c == '\n' ||
            (c == '\r' && p + 1 < size && PyUnicode_READ(kind, data, p + 1) == '\n')) {
            break;
        }
        if (Py_UNICODE_ISLINEBREAK(c) || (c >= 0xD800 && c <= 0xDFFF)) {
            return -1;
        }
        if (Py_UNICODE_ISSPACE(c)) {
            pending_space = length > 0;
            continue;
        }
        if (pending_space) {
            line[length++] = ' ';
            pending_space = 0;
        }
        only_ascii &= c < 0x80; /* (an ASCII one here is a control character) */
        length += put_utf8(c, (uint8_t *)line + length);
    }
    *at = p;
    *ascii = only_ascii;
    return length;
}

/* text_lines(body) -> (texts, structure, page) or None

   The non-blank lines of a text dump, each with its whitespace collapsed to single spaces
   (" ".join(line.split())), per line the float32 structure columns blank_before,
   blank_after and log_run_length (see segments.text_segments, whose plain definition this
   is) as a bytearray, and the page as the features read it: the UTF-8 of
   "\n".join(texts), as bytes. Read from the str's own characters: a body is not encoded
   first. None when the body holds a line break other than "\n" and "\r\n", or a lone
   surrogate: the caller takes the plain way then. */
PyObject *
text_lines(PyObject *Py_UNUSED(module), PyObject *body)
{
    int kind;
    const void *data;
    Py_ssize_t size;
    if (characters_of(body, "text_lines", &kind, &data, &size) < 0) {
        return NULL;
    }
    PyObject *texts = PyList_New(0), *result = NULL, *page = NULL;
    /* The texts as UTF-8, joined by newlines. A text's bytes never outnumber the UTF-8 bytes
       of the characters it was folded from, nor its newline theirs, so 4 bytes a character
       (the longest UTF-8 of one) hold them, and any store of fold_line. */
    char *joined = PyMem_Malloc((size_t)size * 4 + 1);
    Py_ssize_t joined_length = 0;
    Py_ssize_t *run_starts = NULL; /* per text, the index of the first text of its run */
    uint8_t *before = NULL;
    Py_ssize_t capacity = 0, count = 0;
    if (texts == NULL || joined == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int blank_line_before = 1; /* the page's start counts as a blank line */
    for (Py_ssize_t p = 0; p <= size;) {
        /* one line: written after the texts so far and a newline */
        char *line = joined + joined_length + (joined_length > 0);
        int ascii;
        Py_ssize_t length;
        BY_KIND(length, fold_line, kind, data, size, &p, line, &ascii);
        if (length < 0) {
            result = Py_NewRef(Py_None);
            goto done;
        }
        p += p < size && PyUnicode_READ(kind, data, p) == '\r' ? 2 : 1; /* past the newline */
        if (length == 0) {
            blank_line_before = 1;
            continue;
        }
        PyObject *text;
        if (ascii) { /* no decoding to do */
            if ((text = PyUnicode_New(length, 127)) != NULL) {
                memcpy(PyUnicode_1BYTE_DATA(text), line, (size_t)length);
            }
        }
        else {
            text = PyUnicode_DecodeUTF8(line, length, "surrogatepass");
        }
        if (text == NULL || PyList_Append(texts, text) < 0) {
            Py_XDECREF(text);
            goto done;
        }
        Py_DECREF(text);
        if (joined_length > 0) {
            joined[joined_length++] = '\n';
        }
        joined_length += length;
        if (count == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            uint8_t *grown = PyMem_Realloc(before, (size_t)capacity);
            if (grown == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            before = grown;
        }
        before[count++] = (uint8_t)blank_line_before;
        blank_line_before = 0;
    }
    PyObject *structure =
        PyByteArray_FromStringAndSize(NULL, count * 3 * (Py_ssize_t)sizeof(float));
    run_starts = PyMem_Malloc((size_t)(count + 1) * sizeof(Py_ssize_t));
    if (structure == NULL || run_starts == NULL) {
        Py_XDECREF(structure);
        PyErr_NoMemory();
        goto done;
    }
    float *rows = (float *)PyByteArray_AS_STRING(structure);
    for (Py_ssize_t i = 0; i < count; i++) {
        run_starts[i] = before[i] || i == 0 ? i : run_starts[i - 1];
    }
    for (Py_ssize_t i = count - 1, run_end = count; i >= 0; i--) {
        rows[3 * i] = before[i];
        rows[3 * i + 1] = i + 1 < count ? before[i + 1] : 1;
        rows[3 * i + 2] = (float)log1p_count((double)(run_end - run_starts[i]));
        if (before[i]) {
            run_end = i; /* the run before this one ends here */
        }
    }
    page = PyBytes_FromStringAndSize(joined, joined_length);
    if (page != NULL) {
        result = PyTuple_Pack(3, texts, structure, page);
    }
    Py_DECREF(structure);
done:
    Py_XDECREF(texts);
    Py_XDECREF(page);
    PyMem_Free(joined);
    PyMem_Free(run_starts);
    PyMem_Free(before);
    return result;
}
