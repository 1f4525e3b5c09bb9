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

/* Where each of the `count` segments of `bytes` (segments joined by "\n") starts, then
   size + 1: a segment owns its newline, the last has none. A PyMem block (for PyMem_Free);
   NULL with ValueError when the page holds another count of segments. Found once for the
   loops of a page's text features: each pass of memchr over its lines cost ~3 us. */
Py_ssize_t *
segment_starts(const uint8_t *bytes, Py_ssize_t size, Py_ssize_t count)
{
    if (count < 1) {
        PyErr_SetString(PyExc_ValueError, "a page needs a segment");
        return NULL;
    }
    Py_ssize_t *starts = PyMem_Malloc((size_t)(count + 1) * sizeof *starts);
    if (starts == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    Py_ssize_t p = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        const uint8_t *newline = p <= size ? memchr(bytes + p, '\n', (size_t)(size - p)) : NULL;
        if ((newline == NULL) != (i == count - 1)) {
            PyErr_Format(PyExc_ValueError, "%zd segments need %zd newlines, the page has %zd",
                         count, count - 1, count_newlines(bytes, size));
            PyMem_Free(starts);
            return NULL;
        }
        starts[i] = p;
        p = newline != NULL ? newline - bytes + 1 : size + 1;
    }
    starts[count] = size + 1;
    return starts;
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

/* What a segment's bytes add up to (text_count_rows). */
typedef struct {
    int64_t totals[CLASS_COUNT]; /* its bytes by class */
    int64_t words;               /* bytes that start a word: no space, after one */
    int64_t capitalised;         /* the upper-case ASCII letters among them */
    int64_t wide[WIDE_COUNT];    /* what its characters of two and three bytes add */
} SegmentCounts;

/* What the character of two or three bytes at bytes[at] (a lead byte) adds. */
static inline void
add_wide(SegmentCounts *counts, const uint8_t *bytes, Py_ssize_t at, Py_ssize_t size,
         const uint8_t *kinds, int after_space)
{
    uint8_t kind = kinds[code_point_at(bytes, at, size)];
    if (kind) {
        int64_t *added = counts->wide;
        added[WIDE_UPPER] += (kind & KIND_UPPER) != 0;
        added[WIDE_LOWER] += (kind & KIND_LOWER) != 0;
        added[WIDE_CAPITALISED] += after_space && (kind & KIND_UPPER);
        added[WIDE_WORDS] += !after_space && (kind & KIND_WORD);
        added[WIDE_SENTENCE] += (kind & KIND_SENTENCE) != 0;
        added[WIDE_COMMA] += (kind & KIND_COMMA) != 0;
    }
}

/* Counts bytes[from:end) a byte at a time; *after_space: whether the byte before `from` is
   a space, then whether the last one is. */
static void
count_bytes(const uint8_t *bytes, Py_ssize_t from, Py_ssize_t end, Py_ssize_t size,
            const uint8_t *class_of, const uint8_t *kinds, int *after_space,
            SegmentCounts *counts)
{
    int after = *after_space;
    for (Py_ssize_t q = from; q < end; q++) {
        uint8_t class = class_of[bytes[q]];
        counts->totals[class]++;
        counts->words += after && class != SPACE;
        counts->capitalised += after && class == UPPER;
        if (class == MULTIBYTE) {
            add_wide(counts, bytes, q, size, kinds, after);
        }
        after = class == SPACE;
    }
    *after_space = after;
}

#ifdef __SSE2__
/* Whether the class table is the one the sixteen-byte loop below knows (features.py's):
   compared with that table, made on the first call. */
static int
standard_classes(const uint8_t *class_of)
{
    static uint8_t standard[256];
    static int made = 0;
    if (!made) {
        for (int b = 0; b < 256; b++) {
            standard[b] = b >= 0xC0                             ? MULTIBYTE
                          : b >= 0x80                           ? CONTINUATION
                          : b == ' ' || b == '\t' || b == '\n' ? SPACE
                          : b >= 'A' && b <= 'Z'                ? UPPER
                          : b >= 'a' && b <= 'z'                ? LOWER
                          : b >= '0' && b <= '9'                ? DIGIT
                          : b == '.' || b == '!' || b == '?'    ? SENTENCE
                          : b == ',' || b == ';' || b == ':'    ? COMMA
                          : b == '|'                            ? PIPE
                                                                : OTHER;
        }
        made = 1; /* (the GIL is held: no other call makes it meanwhile) */
    }
    return memcmp(class_of, standard, sizeof standard) == 0;
}

/* 0xFF in each byte of v from low to high (unsigned), 0 in the others */
static inline __m128i
in_range(__m128i v, uint8_t low, uint8_t high)
{
    __m128i span = _mm_set1_epi8((char)(high - low));
    __m128i shifted = _mm_sub_epi8(v, _mm_set1_epi8((char)low));
    return _mm_cmpeq_epi8(_mm_max_epu8(shifted, span), span);
}

static inline __m128i
equal_to(__m128i v, char c)
{
    return _mm_cmpeq_epi8(v, _mm_set1_epi8(c));
}

/* The sum of the 16 byte counters of each lane of `counters` */
static inline int64_t
counted(__m128i counters)
{
    __m128i sums = _mm_sad_epu8(counters, _mm_setzero_si128());
    return (int64_t)_mm_cvtsi128_si32(sums) + _mm_cvtsi128_si32(_mm_srli_si128(sums, 8));
}

enum { CHUNK_SPACE, CHUNK_UPPER, CHUNK_LOWER, CHUNK_DIGIT, CHUNK_SENTENCE, CHUNK_COMMA,
       CHUNK_PIPE, CHUNK_MULTIBYTE, CHUNK_CONTINUATION, CHUNK_WORDS, CHUNK_CAPITALISED,
       CHUNKED };
static const int chunk_class[CHUNK_WORDS] = {SPACE, UPPER, LOWER, DIGIT, SENTENCE, COMMA,
                                             PIPE, MULTIBYTE, CONTINUATION};

/* count_bytes for the whole sixteen-byte chunks of bytes[from:end), as the standard class
   table reads them: a compare per class counts sixteen bytes into byte counters, added up
   at most every 255 chunks (a byte at a time, a class lookup and a counter's increment per
   byte took a text dump's features a third of their time). Returns where it stopped. */
static Py_ssize_t
count_chunks(const uint8_t *bytes, Py_ssize_t from, Py_ssize_t end, Py_ssize_t size,
             const uint8_t *kinds, int *after_space, SegmentCounts *counts)
{
    Py_ssize_t q = from;
    __m128i carry = _mm_cvtsi32_si128(*after_space ? 0xFF : 0); /* byte 0: before the chunk */
    while (q + 16 <= end) {
        __m128i sums[CHUNKED];
#pragma GCC unroll 16
        for (int k = 0; k < CHUNKED; k++) {
            sums[k] = _mm_setzero_si128();
        }
        for (int chunk = 0; chunk < 255 && q + 16 <= end; chunk++, q += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(bytes + q));
            __m128i space = _mm_or_si128(_mm_or_si128(equal_to(v, ' '), equal_to(v, '\t')),
                                         equal_to(v, '\n'));
            __m128i upper = in_range(v, 'A', 'Z'), lead = in_range(v, 0xC0, 0xFF);
            __m128i after = _mm_or_si128(_mm_slli_si128(space, 1), carry);
            __m128i starts = _mm_andnot_si128(space, after);
            __m128i masks[CHUNKED] = {
                space,
                upper,
                in_range(v, 'a', 'z'),
                in_range(v, '0', '9'),
                _mm_or_si128(_mm_or_si128(equal_to(v, '.'), equal_to(v, '!')), equal_to(v, '?')),
                _mm_or_si128(_mm_or_si128(equal_to(v, ','), equal_to(v, ';')), equal_to(v, ':')),
                equal_to(v, '|'),
                lead,
                in_range(v, 0x80, 0xBF),
                starts,
                _mm_and_si128(starts, upper),
            };
#pragma GCC unroll 16 /* (the sums stay in registers) */
            for (int k = 0; k < CHUNKED; k++) {
                sums[k] = _mm_sub_epi8(sums[k], masks[k]); /* a true byte is -1 */
            }
            for (unsigned leads = (unsigned)_mm_movemask_epi8(lead); leads; leads &= leads - 1) {
                int at = __builtin_ctz(leads);
                unsigned spaced = (unsigned)_mm_movemask_epi8(after);
                add_wide(counts, bytes, q + at, size, kinds, (spaced >> at) & 1);
            }
            carry = _mm_srli_si128(space, 15);
        }
#pragma GCC unroll 16
        for (int k = 0; k < CHUNK_WORDS; k++) {
            counts->totals[chunk_class[k]] += counted(sums[k]);
        }
        counts->words += counted(sums[CHUNK_WORDS]);
        counts->capitalised += counted(sums[CHUNK_CAPITALISED]);
    }
    *after_space = _mm_cvtsi128_si32(carry) != 0;
    return q;
}
#endif

/* The first TEXT_COUNT_COLUMNS text features (features.TEXT_NAMES, log_chars to
   starts_symbol) of each of the `count` segments of `bytes`, the UTF-8 of the segments
   joined by "\n" (starts: segment_starts'), in the first columns of rows `stride` doubles
   apart. A segment owns its bytes and the newline after it; a word starts at a byte that is
   not a space and follows one (the page's first byte follows one), and at each character
   of KIND_WORD that follows none. tables->kinds: a byte per code point of the Basic
   Multilingual Plane (KIND_*), read for the characters of two and three bytes: their case
   counts as an ASCII letter's does, their sentence marks and commas as ASCII ones. -1 with
   ValueError if the class table holds an unknown class. */
int
text_count_rows(const uint8_t *bytes, Py_ssize_t count, const Py_ssize_t *starts,
                const ByteTables *tables, double *rows, Py_ssize_t stride)
{
    const uint8_t *class_of = tables->class_of, *ends = tables->ends_sentence;
    const uint8_t *kinds = tables->kinds;
    for (int b = 0; b < 256; b++) {
        if (class_of[b] >= CLASS_COUNT) {
            PyErr_SetString(PyExc_ValueError, "class_table holds an unknown class");
            return -1;
        }
    }
#ifdef __SSE2__
    int by_chunks = standard_classes(class_of);
#endif
    Py_ssize_t size = starts[count] - 1; /* the page's */
    for (Py_ssize_t segment = 0; segment < count; segment++) {
        Py_ssize_t start = starts[segment], p = starts[segment + 1] - 1; /* its text: [start, p) */
        SegmentCounts counts;
        memset(&counts, 0, sizeof counts);
        int after_space = 1;
        Py_ssize_t from = start;
#ifdef __SSE2__
        if (by_chunks) {
            from = count_chunks(bytes, start, p, size, kinds, &after_space, &counts);
        }
#endif
        count_bytes(bytes, from, p, size, class_of, kinds, &after_space, &counts);
        if (p < size) {
            counts.totals[SPACE]++; /* the newline it owns */
        }
        const int64_t *totals = counts.totals, *added = counts.wide;
        int64_t words = counts.words + added[WIDE_WORDS];
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
        row[10] = (double)(counts.capitalised + added[WIDE_CAPITALISED]) / safe_words;
        row[11] = ends[last] || last_kind(bytes, start, p, kinds) & KIND_SENTENCE;
        row[12] = last == ':';
        row[13] = last == '-' && before_last == ' ';
        row[14] = class_of[last] == DIGIT;
        row[15] = first_class == UPPER || first_kind & KIND_UPPER;
        row[16] = first_class == LOWER || first_kind & KIND_LOWER;
        row[17] = first_class == OTHER || first_class == PIPE;
    }
    return 0;
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
    Py_ssize_t *starts = segment_starts(page.buf, page.len, count);
    if (starts != NULL &&
        text_count_rows(page.buf, count, starts, &tables, out.buf, TEXT_COUNT_COLUMNS) == 0) {
        result = Py_NewRef(Py_None);
    }
    PyMem_Free(starts);
done:
    PyBuffer_Release(&page);
    PyBuffer_Release(&classes);
    PyBuffer_Release(&ends_sentence);
    PyBuffer_Release(&kinds_buffer);
    PyBuffer_Release(&out);
    return result;
}
