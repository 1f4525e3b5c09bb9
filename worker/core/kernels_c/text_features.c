/* The text features counted by byte class on a page's UTF-8 bytes (features.TEXT_NAMES up
   to starts_symbol): text_counts for worker/core/features.py, and its loop, callable from
   C (kernels.h). It reads the page as the segments' UTF-8 joined by newlines
   (text_phrases.c counts the phrases, text_repeats.c the repeats). */

#include "kernels.h"

/* Byte classes, in the order of worker/core/features.py, which passes its class table. */
enum { SPACE, UPPER, LOWER, DIGIT, SENTENCE, COMMA, PIPE, OTHER, MULTIBYTE, CONTINUATION,
       CLASS_COUNT };

Py_ssize_t
count_newlines(const uint8_t *bytes, Py_ssize_t size)
{
    Py_ssize_t newlines = 0;
    const uint8_t *end = bytes + size, *found;
    while (bytes < end && (found = memchr(bytes, '\n', (size_t)(end - bytes))) != NULL) {
        newlines++;
        bytes = found + 1;
    }
    return newlines;
}

/* What code_point_kinds (features.py) says of a character of two or three UTF-8 bytes. */
enum {
    KIND_UPPER = 1,    /* an upper-case letter (Cyrillic, Greek, accented Latin) */
    KIND_LOWER = 2,    /* a lower-case letter */
    KIND_WORD = 4,     /* a word of its own (CJK ideographs and kana: no spaces between words) */
    KIND_SENTENCE = 8, /* ends a sentence (。！？) */
    KIND_COMMA = 16,   /* a comma or a colon of another script (，、；：) */
};
#define CODE_POINTS 0x10000 /* the kinds table covers the Basic Multilingual Plane */

/* The code point of the character of two or three bytes starting at bytes[p], or 0 when
   they are no such character (a four-byte one, a byte missing, a newline among them). */
static uint32_t
code_point_at(const uint8_t *bytes, Py_ssize_t p, Py_ssize_t size)
{
    uint8_t lead = bytes[p];
    if (lead >= 0xC2 && lead <= 0xDF && p + 1 < size && (bytes[p + 1] & 0xC0) == 0x80) {
        return ((uint32_t)(lead & 0x1F) << 6) | (bytes[p + 1] & 0x3F);
    }
    if (lead >= 0xE0 && lead <= 0xEF && p + 2 < size && (bytes[p + 1] & 0xC0) == 0x80 &&
        (bytes[p + 2] & 0xC0) == 0x80) {
        return ((uint32_t)(lead & 0x0F) << 12) | ((uint32_t)(bytes[p + 1] & 0x3F) << 6) |
               (bytes[p + 2] & 0x3F);
    }
    return 0;
}

/* The kind of the last character of bytes[start:end] (0 for an ASCII one). */
static uint8_t
last_kind(const uint8_t *bytes, Py_ssize_t start, Py_ssize_t end, const uint8_t *kinds)
{
    Py_ssize_t p = end - 1;
    while (p > start && p > end - 3 && (bytes[p] & 0xC0) == 0x80) {
        p--;
    }
    return p >= start && bytes[p] >= 0xC2 ? kinds[code_point_at(bytes, p, end)] : 0;
}

/* Per segment, what its characters of two and three bytes add to the ASCII counts. */
enum { WIDE_UPPER, WIDE_LOWER, WIDE_CAPITALISED, WIDE_WORDS, WIDE_SENTENCE, WIDE_COMMA,
       WIDE_COUNT };

/* The first TEXT_COUNT_COLUMNS text features (features.TEXT_NAMES, log_chars to
   starts_symbol) of each of the `count` segments of `bytes`, the UTF-8 of the segments
   joined by "\n", in the first columns of rows `stride` doubles apart. A segment owns its
   bytes and the newline after it; a word starts at a byte that is not a space and follows
   one (the page's first byte follows one), and at each character of KIND_WORD that follows
   none. tables->kinds: a byte per code point of the Basic Multilingual Plane (KIND_*), read
   for the characters of two and three bytes: their case counts as an ASCII letter's does,
   their sentence marks and commas as ASCII ones. -1 with ValueError if the page does not
   hold `count` segments or the class table an unknown class. */
int
text_count_rows(const uint8_t *bytes, Py_ssize_t size, Py_ssize_t count,
                const ByteTables *tables, double *rows, Py_ssize_t stride)
{
    int status = -1;
    int64_t(*cells)[2][CLASS_COUNT] = NULL;
    int64_t(*wide)[WIDE_COUNT] = NULL;
    const uint8_t *class_of = tables->class_of, *ends = tables->ends_sentence;
    const uint8_t *kinds = tables->kinds;
    for (int b = 0; b < 256; b++) {
        if (class_of[b] >= CLASS_COUNT) {
            PyErr_SetString(PyExc_ValueError, "class_table holds an unknown class");
            goto done;
        }
    }
    Py_ssize_t newlines = count_newlines(bytes, size);
    if (count < 1 || newlines + 1 != count) {
        PyErr_Format(PyExc_ValueError, "%zd segments need %zd newlines, the page has %zd",
                     count, count - 1, newlines);
        goto done;
    }
    /* cells[segment][after a space?][class]: how many of the segment's bytes fall there */
    cells = PyMem_Calloc((size_t)count, sizeof *cells);
    wide = PyMem_Calloc((size_t)count, sizeof *wide);
    if (cells == NULL || wide == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t segment = 0, start = 0;
    int after_space = 1;
    for (Py_ssize_t p = 0; p <= size; p++) {
        if (p == size || bytes[p] == '\n') {
            /* The segment's text is bytes[start:p]; its counts are complete but for the
               newline, counted below with the next iteration's byte. */
            if (p < size) {
                cells[segment][after_space][SPACE]++;
            }
            int64_t *plain = cells[segment][0], *word_starts = cells[segment][1];
            const int64_t *added = wide[segment];
            int64_t totals[CLASS_COUNT], words = added[WIDE_WORDS];
            for (int c = 0; c < CLASS_COUNT; c++) {
                totals[c] = plain[c] + word_starts[c];
                words += c == SPACE ? 0 : word_starts[c];
            }
            int64_t owned = (p < size ? p + 1 : p) - start;
            double chars = (double)(owned - totals[CONTINUATION] - totals[SPACE]);
            chars = chars < 1.0 ? 1.0 : chars;
            double letters = (double)(totals[UPPER] + totals[LOWER] + totals[MULTIBYTE]);
            letters = letters < 1.0 ? 1.0 : letters;
            double safe_words = words < 1 ? 1.0 : (double)words;
            /* An empty segment (the segmenters make none) reads as a lone newline. */
            uint8_t last = p > start ? bytes[p - 1] : '\n';
            uint8_t before_last = p - 2 >= start ? bytes[p - 2] : last;
            uint8_t first_class = p > start ? class_of[bytes[start]] : SPACE;
            uint8_t first_kind =
                first_class == MULTIBYTE ? kinds[code_point_at(bytes, start, p)] : 0;
            double *row = rows + segment * stride;
            row[0] = log1p_count(chars);
            row[1] = log1p_count((double)words);
            row[2] = chars / safe_words;
            row[3] = (double)(totals[UPPER] + added[WIDE_UPPER]) / letters;
            row[4] = (double)(totals[LOWER] + added[WIDE_LOWER]) / letters;
            row[5] = (double)totals[DIGIT] / chars;
            row[6] = (double)totals[MULTIBYTE] / chars;
            row[7] = (double)(totals[SENTENCE] + added[WIDE_SENTENCE]) / safe_words;
            row[8] = (double)(totals[COMMA] + added[WIDE_COMMA]) / safe_words;
            row[9] = (double)totals[PIPE];
            row[10] = (double)(word_starts[UPPER] + added[WIDE_CAPITALISED]) / safe_words;
            row[11] = ends[last] || last_kind(bytes, start, p, kinds) & KIND_SENTENCE;
            row[12] = last == ':';
            row[13] = last == '-' && before_last == ' ';
            row[14] = class_of[last] == DIGIT;
            row[15] = first_class == UPPER || first_kind & KIND_UPPER;
            row[16] = first_class == LOWER || first_kind & KIND_LOWER;
            row[17] = first_class == OTHER || first_class == PIPE;
            segment++;
            start = p + 1;
            after_space = 1;
            continue;
        }
        uint8_t class = class_of[bytes[p]];
        cells[segment][after_space][class]++;
        if (class == MULTIBYTE) {
            uint8_t kind = kinds[code_point_at(bytes, p, size)];
            if (kind) {
                int64_t *added = wide[segment];
                added[WIDE_UPPER] += (kind & KIND_UPPER) != 0;
                added[WIDE_LOWER] += (kind & KIND_LOWER) != 0;
                added[WIDE_CAPITALISED] += after_space && (kind & KIND_UPPER);
                added[WIDE_WORDS] += !after_space && (kind & KIND_WORD);
                added[WIDE_SENTENCE] += (kind & KIND_SENTENCE) != 0;
                added[WIDE_COMMA] += (kind & KIND_COMMA) != 0;
            }
        }
        after_space = class == SPACE;
    }
    status = 0;
done:
    PyMem_Free(cells);
    PyMem_Free(wide);
    return status;
}

/* text_counts(page, class_table, ends_sentence_table, kinds, count, out)

   text_count_rows of the page, for worker/core/features.py (the HTML pages'). out:
   float64, count x TEXT_COUNT_COLUMNS. */
PyObject *
text_counts(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer page, classes, ends_sentence, kinds_buffer, out;
    Py_ssize_t count;
    if (!PyArg_ParseTuple(args, "y*y*y*y*nw*", &page, &classes, &ends_sentence, &kinds_buffer,
                          &count, &out)) {
        return NULL;
    }
    PyObject *result = NULL;
    if (check_length(&classes, 256, 1, "class_table") < 0 ||
        check_length(&ends_sentence, 256, 1, "ends_sentence_table") < 0 ||
        check_length(&kinds_buffer, CODE_POINTS, 1, "kinds") < 0 ||
        check_length(&out, product(count, TEXT_COUNT_COLUMNS), sizeof(double), "out") < 0) {
        goto done;
    }
    ByteTables tables = {classes.buf, ends_sentence.buf, kinds_buffer.buf};
    if (text_count_rows(page.buf, page.len, count, &tables, out.buf, TEXT_COUNT_COLUMNS) == 0) {
        result = Py_NewRef(Py_None);
    }
done:
    PyBuffer_Release(&page);
    PyBuffer_Release(&classes);
    PyBuffer_Release(&ends_sentence);
    PyBuffer_Release(&kinds_buffer);
    PyBuffer_Release(&out);
    return result;
}
