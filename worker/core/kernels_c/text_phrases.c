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

/* How many phrase matches start in each of the `count` newline-separated segments of
   `bytes` (starts: segment_starts'), read the way re.finditer reads one alternation of all phrases over the page
   lowercased: matches never overlap, the leftmost wins and, at one position, the longest.
   ASCII letters of the page are lowercased (bytes.lower()); phrases (bytes, lowercase, none
   empty, none holding a newline) are compared byte for byte. hits: count floats.
   Returns 0, and counts that are not to be used, when the page holds a character whose
   lowercase is ASCII or of another length (KELVIN SIGN, U+212A -> "k"; U+0130 -> "i̇"):
   bytes.lower() cannot read such a page as str.lower() does. 1 otherwise, -1 with
   ValueError for phrases it cannot read. */
int
count_phrases(const uint8_t *bytes, Py_ssize_t count, const Py_ssize_t *starts,
              PyObject *phrases, float *hits)
{
    Py_ssize_t size = starts[count] - 1; /* the page's */
    int status = -1;
    Py_ssize_t phrase_count = PyTuple_GET_SIZE(phrases);
    /* Phrases by first byte, longest first: by_first[first[b] .. first[b + 1]). */
    Py_ssize_t *order = NULL, first[257] = {0};
    order = PyMem_Malloc((size_t)(phrase_count + 1) * sizeof(Py_ssize_t));
    if (order == NULL) {
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
    /* A bit per hash of the first four bytes of each longer phrase, and per first byte (its
       0x20 bit set) of each shorter one: most positions of a page are ruled out by one bit
       of each, without reading a byte at a time. */
    uint8_t prefixes[PREFIX_HASHES / 8], short_first[256];
    memset(prefixes, 0, sizeof prefixes);
    memset(short_first, 0, sizeof short_first);
    for (Py_ssize_t i = 0; i < phrase_count; i++) {
        PyObject *phrase = PyTuple_GET_ITEM(phrases, i);
        const uint8_t *text = (const uint8_t *)PyBytes_AS_STRING(phrase);
        if (PyBytes_GET_SIZE(phrase) >= 4) {
            unsigned hash = prefix_hash(text);
            prefixes[hash >> 3] |= (uint8_t)(1u << (hash & 7));
        }
        else {
            short_first[text[0] | 0x20] = 1;
        }
    }
    /* U+212A and U+0130 must pass too, to be noticed */
    short_first[0xE2 | 0x20] = short_first[0xC4 | 0x20] = 1;
    int readable = 1;
    Py_ssize_t segment = 0; /* the segment of the last match */
    memset(hits, 0, (size_t)count * sizeof(float));
    for (Py_ssize_t p = 0; p < size;) {
        if (p + 4 <= size && !short_first[bytes[p] | 0x20]) {
            unsigned hash = prefix_hash(bytes + p);
            if (!(prefixes[hash >> 3] & (1u << (hash & 7)))) {
                p++;
                continue;
            }
        }
        /* The lowered bytes at p, p + 1 and p + 2 (0 past the end). */
        uint8_t here = LOWER_ASCII(bytes[p]), next = p + 1 < size ? LOWER_ASCII(bytes[p + 1]) : 0;
        uint8_t after = p + 2 < size ? LOWER_ASCII(bytes[p + 2]) : 0;
        if ((here == 0xE2 && next == 0x84 && after == 0xAA) || (here == 0xC4 && next == 0xB0)) {
            readable = 0; /* the sizes are still checked to the end */
        }
        Py_ssize_t matched = 0;
        for (Py_ssize_t k = first[here]; k < first[here + 1] && !matched; k++) {
            PyObject *phrase = PyTuple_GET_ITEM(phrases, order[k]);
            const uint8_t *text = (const uint8_t *)PyBytes_AS_STRING(phrase);
            Py_ssize_t length = PyBytes_GET_SIZE(phrase);
            if (length > size - p) {
                continue;
            }
            Py_ssize_t i = 1;
            while (i < length && LOWER_ASCII(bytes[p + i]) == text[i]) {
                i++;
            }
            matched = i == length ? length : 0;
        }
        if (!matched) {
            p++;
            continue;
        }
        while (starts[segment + 1] <= p) {
            segment++;
        }
        hits[segment] += 1.0f;
        p += matched;
    }
    status = readable;
done:
    PyMem_Free(order);
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
