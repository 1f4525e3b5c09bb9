/* update (site_memory.h says what it computes): a page's counts and its site's next
 * profile, in one merge of the page's sorted fingerprints with the profile's.
 *
 * A profile's bytes (SiteProfile.to_bytes): "CSM1", window u8, urls u8, fingerprints u16,
 * pages seen u32, then urls u32 each, fingerprints u32 (sorted), masks u16; little endian.
 */

#include "site_memory.h"

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

PyObject *update(PyObject *self, PyObject *args) {
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
