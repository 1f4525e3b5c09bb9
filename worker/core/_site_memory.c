/* Site memory's per-page work in C (worker/core/site_memory.py has the Python definitions,
 * which tests/core/test_site_memory.py compares these with, to the bit).
 *
 * fingerprints(texts, out): per str, CRC-32 of its UTF-8 with ASCII letters lowercased and
 *   runs of ASCII whitespace folded to one space, ends stripped; 1 for a CRC of 0, 0 for
 *   an empty result. (Python: zlib.crc32(b" ".join(text.encode().lower().split())).)
 * joined_fingerprints(page, count, out): the same of each of the `count` newline-separated
 *   segments of `page` (the segments' UTF-8 joined by newlines, as the features read it):
 *   no str touched, no UTF-8 made per segment.
 * update(profile, page, url, window, max_fingerprints, counts): seen_on and remember of
 *   site_memory.py in one pass: writes each segment's count into `counts` (int64) and
 *   returns (pages counted over, segments seen, the new profile's bytes).
 *
 * A profile's bytes (SiteProfile.to_bytes): "CSM1", window u8, urls u8, fingerprints u16,
 * pages seen u32, then urls u32 each, fingerprints u32 (sorted), masks u16; little endian.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc_tables[8][256];  /* slice-by-8 */
#define crc_table crc_tables[0]
static unsigned char lower[256];

static void make_tables(void) {
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

static PyObject *fingerprints(PyObject *self, PyObject *args) {
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

static PyObject *joined_fingerprints(PyObject *self, PyObject *args) {
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

static uint32_t read_u32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t read_u16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void write_u32(unsigned char *p, uint32_t v) {
    p[0] = v & 0xFF; p[1] = (v >> 8) & 0xFF; p[2] = (v >> 16) & 0xFF; p[3] = v >> 24;
}
static void write_u16(unsigned char *p, uint16_t v) { p[0] = v & 0xFF; p[1] = v >> 8; }

typedef struct {
    uint32_t print;
    uint32_t mask;
} Entry;

/* Sorts `n` (print << 32 | position) keys by print, stably (positions stay in page order
 * among equal prints), a byte of the print a pass; `spare` holds n keys too. */
static void radix_sort_by_print(uint64_t *keys, uint64_t *spare, Py_ssize_t n) {
    Py_ssize_t histogram[256];
    uint64_t *from = keys, *to = spare;
    for (int shift = 32; shift < 64; shift += 8) {
        memset(histogram, 0, sizeof(histogram));
        for (Py_ssize_t i = 0; i < n; i++) histogram[(from[i] >> shift) & 0xFF]++;
        Py_ssize_t total = 0;
        for (int d = 0; d < 256; d++) {
            Py_ssize_t here = histogram[d];
            histogram[d] = total;
            total += here;
        }
        for (Py_ssize_t i = 0; i < n; i++) to[histogram[(from[i] >> shift) & 0xFF]++] = from[i];
        uint64_t *swap = from;
        from = to;
        to = swap;
    }
    /* four passes: the sorted keys are back in `keys` */
}

/* Most pages first, then the most recent (lowest set bit), then (by the caller's order)
 * the smaller print: 0 is the most useful rank. `mask` is never 0. */
static int usefulness_rank(uint32_t mask) {
    return (16 - __builtin_popcount(mask)) * 17 + __builtin_ctz(mask);
}

#define HEADER 12

static PyObject *update(PyObject *self, PyObject *args) {
    PyObject *profile_obj;
    Py_buffer page_buf, counts_buf;
    unsigned long url;
    int window, max_prints;
    if (!PyArg_ParseTuple(args, "Oy*kiiw*", &profile_obj, &page_buf, &url, &window, &max_prints,
                          &counts_buf))
        return NULL;
    PyObject *result = NULL;
    Entry *entries = NULL;
    uint64_t *sorted_page = NULL;
    Py_ssize_t n_page = page_buf.len / (Py_ssize_t)sizeof(uint32_t);
    if (window < 1 || window > 16 || max_prints < 1 || max_prints > 65535 ||
        page_buf.len % sizeof(uint32_t) || counts_buf.len != n_page * (Py_ssize_t)sizeof(int64_t)) {
        PyErr_SetString(PyExc_ValueError, "update: bad window, limit or buffer sizes");
        goto done;
    }
    const uint32_t *page = (const uint32_t *)page_buf.buf;
    int64_t *counts = (int64_t *)counts_buf.buf;
    memset(counts, 0, (size_t)counts_buf.len);

    /* The old profile (none: empty, of this window). */
    const unsigned char *old = NULL;
    Py_ssize_t old_len = 0;
    int old_window = window, n_urls = 0, n_old = 0;
    uint64_t pages_seen = 0;
    if (profile_obj != Py_None) {
        if (!PyBytes_Check(profile_obj)) {
            PyErr_SetString(PyExc_TypeError, "update: the profile must be bytes or None");
            goto done;
        }
        old = (const unsigned char *)PyBytes_AS_STRING(profile_obj);
        old_len = PyBytes_GET_SIZE(profile_obj);
        if (old_len < HEADER || memcmp(old, "CSM1", 4) != 0) {
            PyErr_SetString(PyExc_ValueError, "not a site profile of this version");
            goto done;
        }
        old_window = old[4];
        n_urls = old[5];
        n_old = read_u16(old + 6);
        pages_seen = read_u32(old + 8);
        if (old_len != HEADER + 4 * n_urls + 6 * n_old || old_window < 1 || old_window > 16) {
            PyErr_SetString(PyExc_ValueError, "not a site profile of this version");
            goto done;
        }
    }
    const unsigned char *urls = old ? old + HEADER : NULL;
    const unsigned char *prints = old ? urls + 4 * n_urls : NULL;
    const unsigned char *masks = old ? prints + 4 * n_old : NULL;

    /* seen_on */
    uint32_t same_url = 0;
    for (int back = 0; back < n_urls; back++)
        if (read_u32(urls + 4 * back) == (uint32_t)url) same_url |= 1u << back;
    long in_window = (long)(pages_seen < (uint64_t)old_window ? pages_seen : (uint64_t)old_window);
    long pages = in_window - __builtin_popcount(same_url);
    long hits = 0;
    int count_hits = n_old && pages > 0;
    uint32_t keep_bits = ~same_url & 0xFFFFu;
    if (pages < 0) pages = 0;

    /* The page's non-zero prints with their positions, sorted by print (a radix sort:
     * qsort's calls cost more than the rest of the update), then one merge with the old,
     * sorted prints gives each segment's count and the new profile's entries. */
    sorted_page = (uint64_t *)malloc(sizeof(uint64_t) * 2 * (size_t)(n_page ? n_page : 1));
    entries = (Entry *)malloc(sizeof(Entry) * (size_t)(n_old + n_page + 1));
    if (!sorted_page || !entries) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t n_new = 0;
    for (Py_ssize_t i = 0; i < n_page; i++)
        if (page[i]) sorted_page[n_new++] = (uint64_t)page[i] << 32 | (uint64_t)i;
    radix_sort_by_print(sorted_page, sorted_page + n_page, n_new);
    uint32_t full = (1u << window) - 1;
    Py_ssize_t a = 0, b = 0, n = 0;
    while (a < n_old || b < n_new) {
        uint32_t pa = a < n_old ? read_u32(prints + 4 * a) : 0;
        uint32_t pb = b < n_new ? (uint32_t)(sorted_page[b] >> 32) : 0;
        uint32_t print, mask = 0;
        if (a < n_old && (b >= n_new || pa <= pb)) {
            print = pa;
            uint32_t old_mask = read_u16(masks + 2 * a);
            mask = (old_mask << 1) & full;
            a++;
            if (b < n_new && pb == pa) {
                mask |= 1;
                int64_t count = count_hits ? __builtin_popcount(old_mask & keep_bits) : 0;
                for (; b < n_new && (uint32_t)(sorted_page[b] >> 32) == print; b++) {
                    counts[(uint32_t)sorted_page[b]] = count;
                    hits += count != 0;
                }
            }
        } else {
            print = pb;
            mask = 1;
            while (b < n_new && (uint32_t)(sorted_page[b] >> 32) == print) b++;
        }
        if (mask) {
            entries[n].print = print;
            entries[n].mask = mask;
            n++;
        }
    }
    if (n > max_prints) {
        /* Keep the max_prints most useful (by_usefulness's order) in print order: rank
         * each entry (17 popcounts x 17 lowest bits), find the rank where the count is
         * reached, keep every entry above it and the first ones (smallest prints) at it. */
        Py_ssize_t histogram[17 * 17] = {0};
        for (Py_ssize_t i = 0; i < n; i++) histogram[usefulness_rank(entries[i].mask)]++;
        int cut = 0;
        Py_ssize_t above = 0;
        while (above + histogram[cut] < max_prints) above += histogram[cut++];
        Py_ssize_t at_cut = max_prints - above, kept = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            int rank = usefulness_rank(entries[i].mask);
            if (rank < cut || (rank == cut && at_cut-- > 0)) entries[kept++] = entries[i];
        }
        n = kept;
    }
    int new_urls = n_urls < window - 1 ? n_urls + 1 : window;
    PyObject *blob = PyBytes_FromStringAndSize(NULL, HEADER + 4 * new_urls + 6 * n);
    if (!blob) goto done;
    unsigned char *w = (unsigned char *)PyBytes_AS_STRING(blob);
    memcpy(w, "CSM1", 4);
    w[4] = (unsigned char)window;
    w[5] = (unsigned char)new_urls;
    write_u16(w + 6, (uint16_t)n);
    uint64_t seen = pages_seen + 1;
    write_u32(w + 8, seen > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)seen);
    unsigned char *wu = w + HEADER;
    write_u32(wu, (uint32_t)url);
    for (int i = 1; i < new_urls; i++) write_u32(wu + 4 * i, read_u32(urls + 4 * (i - 1)));
    unsigned char *wp = wu + 4 * new_urls, *wm = wp + 4 * n;
    for (Py_ssize_t i = 0; i < n; i++) {
        write_u32(wp + 4 * i, entries[i].print);
        write_u16(wm + 2 * i, (uint16_t)entries[i].mask);
    }
    result = Py_BuildValue("llN", pages, hits, blob);
done:
    free(entries);
    free(sorted_page);
    PyBuffer_Release(&page_buf);
    PyBuffer_Release(&counts_buf);
    return result;
}

static PyMethodDef methods[] = {
    {"fingerprints", fingerprints, METH_VARARGS, "Each text's fingerprint."},
    {"joined_fingerprints", joined_fingerprints, METH_VARARGS,
     "Each newline-separated segment's fingerprint."},
    {"update", update, METH_VARARGS, "A page's counts and its site's next profile."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_site_memory", NULL, -1, methods};

PyMODINIT_FUNC PyInit__site_memory(void) {
    make_tables();
    return PyModule_Create(&module);
}
