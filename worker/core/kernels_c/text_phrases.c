/* The boilerplate phrases of each segment of a page's UTF-8 (features.TEXT_NAMES'
   boilerplate_words): phrase_counts for worker/core/phrases.py, and its loop, callable from
   C (kernels.h). */

#include "kernels.h"

#define PREFIX_HASHES 65536
/* A hash of 16 bits of the four bytes at `at` with their 0x20 bits set: the same for any
   case of ASCII letters (and for some other bytes: the bitmap it indexes only rules out). */
static inline unsigned
prefix_hash(const uint8_t *at)
{
    uint32_t word;
    memcpy(&word, at, 4);
    return ((word | 0x20202020u) * 0x9E3779B1u) >> 16;
}

/* What count_phrases tries at each position of a page: its phrases by first byte, longest
   first (order[first[b] .. first[b + 1])), and the filters that rule most positions out. */
typedef struct {
    const uint8_t *bytes;
    Py_ssize_t size;
    PyObject *phrases;
    const Py_ssize_t *order, *first;
    /* A bit per hash of the first four bytes of each longer phrase, and per first byte (its
       0x20 bit set) of each shorter one. */
    uint8_t prefixes[PREFIX_HASHES / 8], short_first[256];
} PhraseTable;

/* The length of the phrase matched at `p` (the longest of those that start there), or 0;
   *readable = 0 where U+212A or U+0130 starts. */
static inline __attribute__((always_inline)) Py_ssize_t
phrase_at(const PhraseTable *table, Py_ssize_t p, int *readable)
{
    const uint8_t *bytes = table->bytes;
    Py_ssize_t size = table->size;
    if (p + 4 <= size && !table->short_first[bytes[p] | 0x20]) {
        unsigned hash = prefix_hash(bytes + p);
        if (!(table->prefixes[hash >> 3] & (1u << (hash & 7)))) {
            return 0;
        }
    }
    /* The lowered bytes at p, p + 1 and p + 2 (0 past the end). */
    uint8_t here = LOWER_ASCII(bytes[p]), next = p + 1 < size ? LOWER_ASCII(bytes[p + 1]) : 0;
    uint8_t after = p + 2 < size ? LOWER_ASCII(bytes[p + 2]) : 0;
    if ((here == 0xE2 && next == 0x84 && after == 0xAA) || (here == 0xC4 && next == 0xB0)) {
        *readable = 0; /* the sizes are still checked to the end */
    }
    for (Py_ssize_t k = table->first[here]; k < table->first[here + 1]; k++) {
        PyObject *phrase = PyTuple_GET_ITEM(table->phrases, table->order[k]);
        const uint8_t *text = (const uint8_t *)PyBytes_AS_STRING(phrase);
        Py_ssize_t length = PyBytes_GET_SIZE(phrase);
        if (length > size - p) {
            continue;
        }
        Py_ssize_t i = 1;
        while (i < length && LOWER_ASCII(bytes[p + i]) == text[i]) {
            i++;
        }
        if (i == length) {
            return length;
        }
    }
    return 0;
}

/* A match at `p` of `length` bytes: counted for its segment (*segment: the segment of the
   last match, passed on); where the scan goes on. */
static inline Py_ssize_t
count_match(Py_ssize_t p, Py_ssize_t length, const Py_ssize_t *starts, Py_ssize_t *segment,
            float *hits)
{
    while (starts[*segment + 1] <= p) {
        ++*segment;
    }
    hits[*segment] += 1.0f;
    return p + length;
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <tmmintrin.h>
#define PHRASE_BLOCKS 1
#define BLOCK_GROUPS 16

/* The four bytes at each position of the page against each phrase's first four (either
   case of an ASCII letter; any byte past a phrase's end; U+212A and U+0130 as phrases, to
   be noticed), sixteen positions at a time: a phrase's first byte picks its group (one for
   those past ASCII), and each byte's two nibbles select, by a lookup of sixteen (SSSE3's
   pshufb), the groups whose phrases may hold it there. Only where a group is left (~2% of
   a dump's positions) does phrase_at decide: its hash, tried at every position, took the
   phrases 29 us of a dump's 17 kB, now 19. Returns where the scan goes on. */
__attribute__((target("ssse3"))) static Py_ssize_t
count_by_blocks(const PhraseTable *table, const Py_ssize_t *starts, Py_ssize_t *segment,
                float *hits, int *readable)
{
    /* luts[byte][plane][nibble: low, high][value]: a bit per group of 8 in each plane */
    uint8_t luts[4][2][2][16], group_of[256];
    memset(luts, 0, sizeof luts);
    memset(group_of, 0xFF, sizeof group_of);
    int groups = 0;
    static const uint8_t kelvin[] = {0xE2, 0x84, 0xAA}, dotted_i[] = {0xC4, 0xB0};
    Py_ssize_t phrase_count = PyTuple_GET_SIZE(table->phrases);
    for (Py_ssize_t k = 0; k < phrase_count + 2; k++) {
        const uint8_t *text = k == phrase_count ? kelvin : dotted_i;
        Py_ssize_t length = k == phrase_count ? 3 : 2;
        if (k < phrase_count) {
            PyObject *phrase = PyTuple_GET_ITEM(table->phrases, k);
            text = (const uint8_t *)PyBytes_AS_STRING(phrase);
            length = PyBytes_GET_SIZE(phrase);
        }
        if (group_of[text[0]] == 0xFF) { /* one group past ASCII: ©, K, İ */
            group_of[text[0]] = text[0] >= 0x80 ? BLOCK_GROUPS - 1
                                                : (uint8_t)(groups++ % (BLOCK_GROUPS - 1));
        }
        int plane = group_of[text[0]] >> 3;
        uint8_t bit = (uint8_t)(1u << (group_of[text[0]] & 7));
        for (int at = 0; at < 4; at++) {
            uint8_t(*lut)[16] = luts[at][plane];
            if (at >= length) { /* any byte */
                for (int n = 0; n < 16; n++) {
                    lut[0][n] |= bit;
                    lut[1][n] |= bit;
                }
                continue;
            }
            uint8_t b = text[at], upper = b >= 'a' && b <= 'z' ? b - 32 : b;
            lut[0][b & 15] |= bit;
            lut[1][b >> 4] |= bit;
            lut[0][upper & 15] |= bit;
            lut[1][upper >> 4] |= bit;
        }
    }
    __m128i lows[4][2], highs[4][2], nibble = _mm_set1_epi8(0x0F);
    for (int at = 0; at < 4; at++) {
        for (int plane = 0; plane < 2; plane++) {
            lows[at][plane] = _mm_loadu_si128((const __m128i *)luts[at][plane][0]);
            highs[at][plane] = _mm_loadu_si128((const __m128i *)luts[at][plane][1]);
        }
    }
    const uint8_t *bytes = table->bytes;
    Py_ssize_t size = table->size, p = 0, at;
    for (at = 0; at + 19 <= size; at += 16) {
        __m128i left[2] = {_mm_set1_epi8(-1), _mm_set1_epi8(-1)};
#pragma GCC unroll 4 /* (the tables stay in registers) */
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(bytes + at + k));
            __m128i low = _mm_and_si128(v, nibble);
            __m128i high = _mm_and_si128(_mm_srli_epi16(v, 4), nibble);
#pragma GCC unroll 2
            for (int plane = 0; plane < 2; plane++) {
                __m128i groups_here = _mm_and_si128(_mm_shuffle_epi8(lows[k][plane], low),
                                                    _mm_shuffle_epi8(highs[k][plane], high));
                left[plane] = _mm_and_si128(left[plane], groups_here);
            }
        }
        __m128i none = _mm_cmpeq_epi8(_mm_or_si128(left[0], left[1]), _mm_setzero_si128());
        for (unsigned tried = (unsigned)_mm_movemask_epi8(none) ^ 0xFFFFu; tried;
             tried &= tried - 1) {
            Py_ssize_t q = at + __builtin_ctz(tried);
            Py_ssize_t matched = q >= p ? phrase_at(table, q, readable) : 0;
            if (matched) {
                p = count_match(q, matched, starts, segment, hits);
            }
        }
    }
    return at > p ? at : p;
}

static int
has_ssse3(void)
{
    static int known = -1;
    if (known < 0) {
        known = __builtin_cpu_supports("ssse3") != 0; /* (the GIL is held) */
    }
    return known;
}
#endif

/* How many phrase matches start in each of the `count` newline-separated segments of
   `bytes` (starts: segment_starts'), read the way re.finditer reads one alternation of all
   phrases over the page lowercased: matches never overlap, the leftmost wins and, at one
   position, the longest. ASCII letters of the page are lowercased (bytes.lower());
   phrases (bytes, lowercase, none empty, none holding a newline) are compared byte for
   byte. hits: count floats. Returns 0, and counts that are not to be used, when the page
   holds a character whose lowercase is ASCII or of another length (KELVIN SIGN, U+212A ->
   "k"; U+0130 -> "i̇"): bytes.lower() cannot read such a page as str.lower() does. 1
   otherwise, -1 with ValueError for phrases it cannot read. */
int
count_phrases(const uint8_t *bytes, Py_ssize_t count, const Py_ssize_t *starts,
              PyObject *phrases, float *hits)
{
    Py_ssize_t size = starts[count] - 1; /* the page's */
    int status = -1;
    Py_ssize_t phrase_count = PyTuple_GET_SIZE(phrases);
    /* Phrases by first byte, longest first: by_first[first[b] .. first[b + 1]). */
    Py_ssize_t *order = NULL, first[257] = {0};
    PhraseTable *table = PyMem_Malloc(sizeof *table);
    order = PyMem_Malloc((size_t)(phrase_count + 1) * sizeof(Py_ssize_t));
    if (order == NULL || table == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < phrase_count; i++) {
        PyObject *phrase = PyTuple_GET_ITEM(phrases, i);
        if (!PyBytes_Check(phrase) || PyBytes_GET_SIZE(phrase) == 0 ||
            memchr(PyBytes_AS_STRING(phrase), '\n', (size_t)PyBytes_GET_SIZE(phrase))) {
            PyErr_SetString(PyExc_ValueError, "phrases must be non-empty bytes, no newline");
            goto done;
        }
        first[(uint8_t)PyBytes_AS_STRING(phrase)[0] + 1]++;
    }
    for (int b = 0; b < 256; b++) {
        first[b + 1] += first[b];
    }
    {
        Py_ssize_t filled[256];
        memcpy(filled, first, sizeof filled);
        /* Insertion by length into each first byte's slots: a few dozen phrases. */
        for (Py_ssize_t i = 0; i < phrase_count; i++) {
            PyObject *phrase = PyTuple_GET_ITEM(phrases, i);
            uint8_t b = (uint8_t)PyBytes_AS_STRING(phrase)[0];
            Py_ssize_t slot = filled[b]++;
            while (slot > first[b] &&
                   PyBytes_GET_SIZE(PyTuple_GET_ITEM(phrases, order[slot - 1])) <
                       PyBytes_GET_SIZE(phrase)) {
                order[slot] = order[slot - 1];
                slot--;
            }
            order[slot] = i;
        }
    }
    *table = (PhraseTable){bytes, size, phrases, order, first, {0}, {0}};
    for (Py_ssize_t i = 0; i < phrase_count; i++) {
        PyObject *phrase = PyTuple_GET_ITEM(phrases, i);
        const uint8_t *text = (const uint8_t *)PyBytes_AS_STRING(phrase);
        if (PyBytes_GET_SIZE(phrase) >= 4) {
            unsigned hash = prefix_hash(text);
            table->prefixes[hash >> 3] |= (uint8_t)(1u << (hash & 7));
        }
        else {
            table->short_first[text[0] | 0x20] = 1;
        }
    }
    /* U+212A and U+0130 must pass too, to be noticed */
    table->short_first[0xE2 | 0x20] = table->short_first[0xC4 | 0x20] = 1;
    int readable = 1;
    Py_ssize_t segment = 0; /* the segment of the last match */
    memset(hits, 0, (size_t)count * sizeof(float));
    Py_ssize_t p = 0;
#ifdef PHRASE_BLOCKS
    if (has_ssse3()) {
        p = count_by_blocks(table, starts, &segment, hits, &readable);
    }
#endif
    while (p < size) {
        Py_ssize_t matched = phrase_at(table, p, &readable);
        p = matched ? count_match(p, matched, starts, &segment, hits) : p + 1;
    }
    status = readable;
done:
    PyMem_Free(order);
    PyMem_Free(table);
    return status;
}

/* phrase_counts(page, count, phrases, out)

   count_phrases of the page, for worker/core/phrases.py: True, or False when out is not to
   be used. out: float32, count. */
PyObject *
phrase_counts(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer page, out;
    Py_ssize_t count;
    PyObject *phrases;
    if (!PyArg_ParseTuple(args, "y*nO!w*", &page, &count, &PyTuple_Type, &phrases, &out)) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t *starts = NULL;
    if (check_length(&out, count, sizeof(float), "out") == 0 &&
        (starts = segment_starts(page.buf, page.len, count)) != NULL) {
        int readable = count_phrases(page.buf, count, starts, phrases, out.buf);
        result = readable < 0 ? NULL : PyBool_FromLong(readable);
    }
    PyMem_Free(starts);
    PyBuffer_Release(&page);
    PyBuffer_Release(&out);
    return result;
}
