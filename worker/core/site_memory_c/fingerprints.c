/* fingerprints and joined_fingerprints (site_memory.h says what they compute): a segment's
 * text normalised and CRC'd, with the slice-by-8 CRC-32 and lowercase tables they read. */

#include "site_memory.h"

static uint32_t crc_tables[8][256];  /* slice-by-8 */
#define crc_table crc_tables[0]
static unsigned char lower[256];

void make_tables(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_tables[0][n] = c;
        lower[n] = (unsigned char)(n >= 'A' && n <= 'Z' ? n + 32 : n);
    }
    for (uint32_t n = 0; n < 256; n++)
        for (int t = 1; t < 8; t++)
            crc_tables[t][n] = (crc_tables[t - 1][n] >> 8) ^ crc_tables[0][crc_tables[t - 1][n] & 0xFF];
}

static uint32_t crc32_bytes(const unsigned char *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    while (n >= 8) {
        uint32_t one = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                              (uint32_t)p[3] << 24);
        uint32_t two = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
                       (uint32_t)p[7] << 24;
        crc = crc_tables[7][one & 0xFF] ^ crc_tables[6][(one >> 8) & 0xFF] ^
              crc_tables[5][(one >> 16) & 0xFF] ^ crc_tables[4][one >> 24] ^
              crc_tables[3][two & 0xFF] ^ crc_tables[2][(two >> 8) & 0xFF] ^
              crc_tables[1][(two >> 16) & 0xFF] ^ crc_tables[0][two >> 24];
        p += 8;
        n -= 8;
    }
    while (n--) crc = crc_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

static int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Eight bytes at a time (SWAR). A segment's text is nearly always normal already: single
 * spaces between words, none at the ends, no tab or other ASCII whitespace (segments.py
 * makes text lines so, html_segments its blocks). Then its fingerprint is the CRC of its
 * bytes lowercased, which the fast path takes without copying them; a segment that is not
 * normal goes the byte-at-a-time way (fingerprint_bytes). */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* 0x80 in each byte of w in first..last (both < 0x80), 0 in the others. */
static inline uint64_t bytes_between(uint64_t w, unsigned first, unsigned last) {
    uint64_t low = w & ~HIGHS;
    uint64_t at_least = low + ONES * (0x80 - first), above = low + ONES * (0x7F - last);
    return at_least & ~above & ~w & HIGHS;
}

static inline uint64_t lowercase8(uint64_t w) {
    return w | (bytes_between(w, 'A', 'Z') >> 2);  /* 0x80 >> 2 = 0x20 */
}

static inline uint64_t load_le64(const unsigned char *p) {
    uint64_t w;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&w, p, 8);  /* one load (gcc does not see that in the loop below) */
#else
    w = 0;
    for (int k = 7; k >= 0; k--) w = w << 8 | p[k];
#endif
    return w;
}

static inline uint32_t crc32_word(uint32_t crc, uint64_t w) {  /* w: 8 bytes, little end first */
    uint32_t one = crc ^ (uint32_t)w, two = (uint32_t)(w >> 32);
    return crc_tables[7][one & 0xFF] ^ crc_tables[6][(one >> 8) & 0xFF] ^
           crc_tables[5][(one >> 16) & 0xFF] ^ crc_tables[4][one >> 24] ^
           crc_tables[3][two & 0xFF] ^ crc_tables[2][(two >> 8) & 0xFF] ^
           crc_tables[1][(two >> 16) & 0xFF] ^ crc_tables[0][two >> 24];
}

/* The fingerprint of a normal text; *normal = 0 (and the result meaningless) if it is not. */
static uint32_t fingerprint_normal(const unsigned char *s, Py_ssize_t n, int *normal) {
    uint32_t crc = 0xFFFFFFFFu;
    uint64_t bad = 0, space_before = 1;  /* the start counts as a space: none may lead */
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = load_le64(s + i);
        uint64_t spaces = bytes_between(w, ' ', ' ');
        /* \t \n \v \f \r, or a space right after a space */
        bad |= bytes_between(w, '\t', '\r') | (spaces & ((spaces << 8) | (space_before << 7)));
        space_before = spaces >> 63;
        crc = crc32_word(crc, lowercase8(w));
    }
    int space = (int)space_before;
    for (; i < n; i++) {
        unsigned char c = s[i];
        int is_blank = c == ' ';
        if ((c >= '\t' && c <= '\r') || (is_blank && space)) bad = 1;
        space = is_blank;
        crc = crc_table[(crc ^ lower[c]) & 0xFF] ^ (crc >> 8);
    }
    *normal = !bad && !(n && space);  /* nor may one trail */
    if (!n) return 0;
    crc ^= 0xFFFFFFFFu;
    return crc ? crc : 1;
}

/* The normalised text into `buffer` (at least n bytes), then its CRC. */
static uint32_t fingerprint_bytes(const unsigned char *s, Py_ssize_t n, unsigned char *buffer) {
    size_t length = 0;
    int pending_space = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (is_space(c)) {
            pending_space = length > 0;
            continue;
        }
        if (pending_space) {
            buffer[length++] = ' ';
            pending_space = 0;
        }
        buffer[length++] = lower[c];
    }
    if (!length) return 0;
    uint32_t crc = crc32_bytes(buffer, length);
    return crc ? crc : 1;
}

PyObject *fingerprints(PyObject *self, PyObject *args) {
    PyObject *texts;
    Py_buffer out;
    if (!PyArg_ParseTuple(args, "O!w*", &PyList_Type, &texts, &out)) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(texts);
    if (out.len != count * (Py_ssize_t)sizeof(uint32_t)) {
        PyBuffer_Release(&out);
        PyErr_SetString(PyExc_ValueError, "fingerprints: out must hold one uint32 per text");
        return NULL;
    }
    uint32_t *prints = (uint32_t *)out.buf;
    unsigned char stack[4096], *buffer = stack;
    Py_ssize_t capacity = sizeof(stack);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        if (!PyUnicode_Check(text)) {
            PyBuffer_Release(&out);
            PyErr_SetString(PyExc_TypeError, "fingerprints: texts must be str");
            return NULL;
        }
        Py_ssize_t size;
        PyObject *encoded = NULL;
        const char *utf8 = PyUnicode_AsUTF8AndSize(text, &size);
        if (utf8 == NULL) {
            /* A lone surrogate: encode it as Python does with "surrogatepass". */
            PyErr_Clear();
            encoded = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
            if (encoded == NULL) goto fail;
            utf8 = PyBytes_AS_STRING(encoded);
            size = PyBytes_GET_SIZE(encoded);
        }
        if (size > capacity) {
            unsigned char *grown = (unsigned char *)malloc((size_t)size);
            if (grown == NULL) {
                Py_XDECREF(encoded);
                PyErr_NoMemory();
                goto fail;
            }
            if (buffer != stack) free(buffer);
            buffer = grown;
            capacity = size;
        }
        int normal;
        prints[i] = fingerprint_normal((const unsigned char *)utf8, size, &normal);
        if (!normal) prints[i] = fingerprint_bytes((const unsigned char *)utf8, size, buffer);
        Py_XDECREF(encoded);
    }
    if (buffer != stack) free(buffer);
    PyBuffer_Release(&out);
    Py_RETURN_NONE;
fail:
    if (buffer != stack) free(buffer);
    PyBuffer_Release(&out);
    return NULL;
}

PyObject *joined_fingerprints(PyObject *self, PyObject *args) {
    Py_buffer page, out;
    Py_ssize_t count;
    if (!PyArg_ParseTuple(args, "y*nw*", &page, &count, &out)) return NULL;
    PyObject *result = NULL;
    unsigned char *buffer = NULL;
    const unsigned char *bytes = (const unsigned char *)page.buf, *end = bytes + page.len;
    if (count < 1 || out.len != count * (Py_ssize_t)sizeof(uint32_t)) {
        PyErr_SetString(PyExc_ValueError, "joined_fingerprints: a segment or more, one uint32 each");
        goto done;
    }
    uint32_t *prints = (uint32_t *)out.buf;
    const unsigned char *at = bytes;
    for (Py_ssize_t i = 0; i < count; i++) {
        const unsigned char *stop = i + 1 < count ? memchr(at, '\n', (size_t)(end - at)) : end;
        if (stop == NULL || (i + 1 == count && memchr(at, '\n', (size_t)(end - at)))) {
            PyErr_Format(PyExc_ValueError, "joined_fingerprints: %zd segments need %zd newlines",
                         count, count - 1);
            goto done;
        }
        int normal;
        prints[i] = fingerprint_normal(at, stop - at, &normal);
        if (!normal) {
            if (buffer == NULL && (buffer = (unsigned char *)malloc((size_t)page.len + 1)) == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            prints[i] = fingerprint_bytes(at, stop - at, buffer);
        }
        at = stop + 1;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    free(buffer);
    PyBuffer_Release(&page);
    PyBuffer_Release(&out);
    return result;
}
