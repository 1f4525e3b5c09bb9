/* The MinHash signature's per-word work in C (worker/core/minhash.py is the typed way in;
 * tests/dedup/minhash_reference.py keeps the Python and numpy definitions, which
 * tests/dedup/test_minhash.py compares these with, to the bit).
 *
 * The text is the normalised one (NFKC, case-folded) except when it is all ASCII, where
 * both are the identity but for A-Z, lowercased here.
 *
 * shingles(text, shingle_words): the text's shingle hashes in order, repeats kept, as
 *   native uint32 bytes. Words are re's `\w+` runs (str.isalnum() or "_", the test of
 *   _sre's Unicode word class); a word's hash is zlib.crc32 of its UTF-8; a shingle of the
 *   words w0..wk-1 (k = min(shingle_words, words)) is h = (..(w0 * M + w1) * M ..) + wk-1
 *   modulo 2^64, folded to (h >> 32) ^ (h & 0xFFFFFFFF).
 * signature(text, shingle_words, a, b, out): datasketch's affine32 min-hash of those
 *   shingles: out[i] = min over shingles s of a[i] * fmix32(s) + b[i] modulo 2^32, UINT32
 *   max where the text has no word; returns the number of shingles. A repeated shingle
 *   cannot change a minimum, so no set is made.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define SHINGLE_MULTIPLIER 0x9E3779B97F4A7C15ull

static uint32_t crc_table[256];
static unsigned char ascii_word[128]; /* [A-Za-z0-9_] */

static void make_tables(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
    for (int c = 0; c < 128; c++)
        ascii_word[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_';
}

static inline uint32_t crc_byte(uint32_t crc, uint32_t byte) {
    return crc_table[(crc ^ byte) & 0xFF] ^ (crc >> 8);
}

/* The CRC register after the UTF-8 of one code point (never a surrogate: not a word
 * character). */
static inline uint32_t crc_code_point(uint32_t crc, Py_UCS4 c) {
    if (c < 0x80) return crc_byte(crc, c >= 'A' && c <= 'Z' ? c + 32 : c);
    if (c < 0x800) {
        crc = crc_byte(crc, 0xC0 | (c >> 6));
    } else if (c < 0x10000) {
        crc = crc_byte(crc, 0xE0 | (c >> 12));
        crc = crc_byte(crc, 0x80 | ((c >> 6) & 0x3F));
    } else {
        crc = crc_byte(crc, 0xF0 | (c >> 18));
        crc = crc_byte(crc, 0x80 | ((c >> 12) & 0x3F));
        crc = crc_byte(crc, 0x80 | ((c >> 6) & 0x3F));
    }
    return crc_byte(crc, 0x80 | (c & 0x3F));
}

static inline int is_word(Py_UCS4 c) {
    return c < 128 ? ascii_word[c] : (Py_UNICODE_ISALNUM(c) || c == '_');
}

/* Each word's CRC-32 into `out` (room for len / 2 + 1: a word and a separator at least,
 * but the last); returns the number of words. */
static Py_ssize_t word_hashes(PyObject *text, uint64_t *out) {
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    const Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    Py_ssize_t words = 0, i = 0;
    while (i < length) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (!is_word(c)) {
            i++;
            continue;
        }
        uint32_t crc = 0xFFFFFFFFu;
        do {
            crc = crc_code_point(crc, c);
            if (++i == length) break;
            c = PyUnicode_READ(kind, data, i);
        } while (is_word(c));
        out[words++] = crc ^ 0xFFFFFFFFu;
    }
    return words;
}

static inline uint32_t shingle_at(const uint64_t *hashes, Py_ssize_t start, Py_ssize_t width) {
    uint64_t h = 0;
    for (Py_ssize_t k = 0; k < width; k++) h = h * SHINGLE_MULTIPLIER + hashes[start + k];
    return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

static inline uint32_t fmix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    return h ^ (h >> 16);
}

/* The words' hashes of `text` (a new buffer, freed by the caller) and their count; NULL
 * with an exception set on error. */
static uint64_t *text_words(PyObject *text, Py_ssize_t shingle_words, Py_ssize_t *count) {
    if (shingle_words <= 0) {
        PyErr_SetString(PyExc_ValueError, "shingle_words must be > 0");
        return NULL;
    }
    uint64_t *hashes = PyMem_Malloc(sizeof(uint64_t) * (PyUnicode_GET_LENGTH(text) / 2 + 1));
    if (hashes == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    *count = word_hashes(text, hashes);
    return hashes;
}

static PyObject *shingles(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t shingle_words, words;
    if (!PyArg_ParseTuple(args, "Un", &text, &shingle_words)) return NULL;
    uint64_t *hashes = text_words(text, shingle_words, &words);
    if (hashes == NULL) return NULL;
    Py_ssize_t width = words < shingle_words ? words : shingle_words;
    Py_ssize_t count = words ? words - width + 1 : 0;
    PyObject *result = PyBytes_FromStringAndSize(NULL, count * (Py_ssize_t)sizeof(uint32_t));
    if (result != NULL) {
        uint32_t *values = (uint32_t *)PyBytes_AS_STRING(result);
        for (Py_ssize_t s = 0; s < count; s++) values[s] = shingle_at(hashes, s, width);
    }
    PyMem_Free(hashes);
    return result;
}

/* sig[i] = min(sig[i], a[i] * x + b[i]): compiled with -O3, which vectorises it; on x86-64
 * a second copy for AVX2 (8 lanes of vpmulld), chosen at load time (an ifunc: glibc), runs
 * ~2.5x faster. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__gnu_linux__)
__attribute__((target_clones("avx2", "default")))
#endif
static void min_hash_one(uint32_t *restrict sig, const uint32_t *restrict a,
                         const uint32_t *restrict b, Py_ssize_t perms, uint32_t x) {
    for (Py_ssize_t i = 0; i < perms; i++) {
        uint32_t v = a[i] * x + b[i];
        sig[i] = v < sig[i] ? v : sig[i];
    }
}

static int uint32_buffer(PyObject *object, Py_buffer *view, int writable, const char *name) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0)))
        return -1;
    if (view->itemsize != 4 || view->len % 4) {
        PyErr_Format(PyExc_ValueError, "%s must be a contiguous uint32 array", name);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *signature(PyObject *self, PyObject *args) {
    PyObject *text, *a_obj, *b_obj, *out_obj;
    Py_ssize_t shingle_words, words;
    if (!PyArg_ParseTuple(args, "UnOOO", &text, &shingle_words, &a_obj, &b_obj, &out_obj))
        return NULL;
    Py_buffer a, b, out;
    if (uint32_buffer(a_obj, &a, 0, "a")) return NULL;
    if (uint32_buffer(b_obj, &b, 0, "b")) {
        PyBuffer_Release(&a);
        return NULL;
    }
    if (uint32_buffer(out_obj, &out, 1, "out")) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&b);
        return NULL;
    }
    PyObject *result = NULL;
    uint64_t *hashes = NULL;
    if (a.len != b.len || a.len != out.len) {
        PyErr_SetString(PyExc_ValueError, "a, b and out must have the same length");
        goto done;
    }
    hashes = text_words(text, shingle_words, &words);
    if (hashes == NULL) goto done;
    Py_ssize_t perms = a.len / 4;
    uint32_t *sig = out.buf;
    for (Py_ssize_t i = 0; i < perms; i++) sig[i] = UINT32_MAX;
    Py_ssize_t width = words < shingle_words ? words : shingle_words;
    Py_ssize_t count = words ? words - width + 1 : 0;
    for (Py_ssize_t s = 0; s < count; s++)
        min_hash_one(sig, a.buf, b.buf, perms, fmix32(shingle_at(hashes, s, width)));
    result = PyLong_FromSsize_t(count);
done:
    PyMem_Free(hashes);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"shingles", shingles, METH_VARARGS, "The text's shingle hashes, in order (uint32 bytes)."},
    {"signature", signature, METH_VARARGS, "The text's min-hash into out; its shingle count."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_minhash", NULL, -1, methods};

PyMODINIT_FUNC PyInit__minhash(void) {
    make_tables();
    return PyModule_Create(&module);
}
