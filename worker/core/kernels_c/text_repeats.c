/* How often each segment of a page recurs on it (features.TEXT_NAMES' repeats_in_page):
   repeat_counts for worker/core/features.py, and its loop, callable from C (kernels.h). */

#include "kernels.h"

/* For each of the `count` newline-separated segments of `bytes` (starts: segment_starts'),
   how many other segments are the same bytes (Counter(texts)[text] - 1), in `repeats`.
   Segments are hashed eight bytes at a time into an open-addressing table and compared
   byte for byte. */
int
count_repeats(const uint8_t *bytes, Py_ssize_t count, const Py_ssize_t *starts, float *repeats)
{
    int status = -1;
    Py_ssize_t *slots = NULL, *owner = NULL, *seen = NULL;
    Py_ssize_t capacity = 16; /* a power of two, at least twice the segments */
    while (capacity < 2 * count) {
        capacity *= 2;
    }
    slots = PyMem_Malloc((size_t)capacity * sizeof(Py_ssize_t)); /* a segment, or -1 */
    owner = PyMem_Malloc((size_t)count * sizeof(Py_ssize_t)); /* its first equal segment */
    seen = PyMem_Calloc((size_t)count, sizeof(Py_ssize_t)); /* per first one: how many */
    if (slots == NULL || owner == NULL || seen == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memset(slots, 0xFF, (size_t)capacity * sizeof(Py_ssize_t));
    for (Py_ssize_t i = 0; i < count; i++) {
        const uint8_t *text = bytes + starts[i];
        Py_ssize_t length = starts[i + 1] - starts[i] - 1;
        uint64_t hash = (uint64_t)length * 0x9E3779B97F4A7C15ull;
        Py_ssize_t b = 0;
        for (; b + 8 <= length; b += 8) { /* eight bytes a multiplication */
            uint64_t word;
            memcpy(&word, text + b, 8);
            hash = (hash ^ word) * 0xFF51AFD7ED558CCDull;
            hash ^= hash >> 32;
        }
        if (b < length) {
            uint64_t word = 0;
            memcpy(&word, text + b, (size_t)(length - b));
            hash = (hash ^ word) * 0xFF51AFD7ED558CCDull;
            hash ^= hash >> 32;
        }
        hash ^= hash >> 29; /* the table takes the low bits: mix the high ones in */
        Py_ssize_t slot = (Py_ssize_t)(hash & (uint64_t)(capacity - 1));
        while (1) {
            Py_ssize_t other = slots[slot];
            if (other < 0) {
                slots[slot] = i;
                owner[i] = i;
                break;
            }
            if (starts[other + 1] - starts[other] - 1 == length &&
                memcmp(bytes + starts[other], text, (size_t)length) == 0) {
                owner[i] = other;
                break;
            }
            slot = (slot + 1) & (capacity - 1);
        }
        seen[owner[i]]++;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        repeats[i] = (float)(seen[owner[i]] - 1);
    }
    status = 0;
done:
    PyMem_Free(slots);
    PyMem_Free(owner);
    PyMem_Free(seen);
    return status;
}

/* repeat_counts(page, count, out)

   count_repeats of the page, for worker/core/features.py. out: float32, count. */
PyObject *
repeat_counts(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer page, out;
    Py_ssize_t count;
    if (!PyArg_ParseTuple(args, "y*nw*", &page, &count, &out)) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t *starts = NULL;
    if (check_length(&out, count, sizeof(float), "out") == 0 &&
        (starts = segment_starts(page.buf, page.len, count)) != NULL &&
        count_repeats(page.buf, count, starts, out.buf) == 0) {
        result = Py_NewRef(Py_None);
    }
    PyMem_Free(starts);
    PyBuffer_Release(&page);
    PyBuffer_Release(&out);
    return result;
}
