/* The text of an HTML page and of its elements, for worker/core/html_segments.py:
   html_utf8 (the UTF-8 the parser reads) and joined_words (each block's text). The words
   looked for in an element's class and id are needles.c's. */

#include "kernels.h"

/* Whether the character c spells the letter `letter` the way re.IGNORECASE reads a str:
   either ASCII case, and for "s" and "i" the characters Unicode folds to them (U+017F long
   s; U+0130 and U+0131, dotted capital and dotless i). */
static int
folds_to(Py_UCS4 c, char letter)
{
    return (c | 0x20) == (Py_UCS4)letter || (letter == 's' && c == 0x17F) ||
           (letter == 'i' && (c == 0x130 || c == 0x131));
}

/* If a "<noscript" or "</noscript" tag name, as re.sub(r"<(/?)noscript\b", ..., flags=re.I)
   finds it, begins at `tag` (a '<') of a str of `kind`, where the name ends; else 0. */
static inline __attribute__((always_inline)) Py_ssize_t
noscript_end(int kind, const void *data, Py_ssize_t size, Py_ssize_t tag)
{
    Py_ssize_t at = tag + 1 + (tag + 1 < size && PyUnicode_READ(kind, data, tag + 1) == '/');
    for (const char *name = "noscript"; *name != '\0'; name++, at++) {
        if (at >= size || !folds_to(PyUnicode_READ(kind, data, at), *name)) {
            return 0;
        }
    }
    /* \b: "t" is a word character, so the next one must not be (or the page ends) */
    if (at < size) {
        Py_UCS4 next = PyUnicode_READ(kind, data, at);
        if (next == '_' || Py_UNICODE_ISALNUM(next)) {
            return 0;
        }
    }
    return at;
}

/* A lane's top bit set in each lane of a 64-bit word that holds a zero lane (lanes of 8,
   16 or 32 bits): whether a run of characters holds a '<' (a word xor '<' in every lane). */
#define ZERO_LANE(x, ones, tops) (((x) - (ones)) & ~(x) & (tops))

/* How many characters from `from` on are ASCII and no "<noscript" tag, copied to out as
   their bytes: 16 at a time with SSE2, then 8 at a time while they are (a str of `kind`
   holds 8 characters in 1, 2 or 4 64-bit words), then one by one. A block may write up to
   16 bytes past the count returned; they are the bytes of characters still to come, written
   again in their turn (a block is only read where 16 characters remain, and the output
   has room for at least a byte for each). */
static inline __attribute__((always_inline)) Py_ssize_t
ascii_run(int kind, const void *data, Py_ssize_t size, Py_ssize_t from, uint8_t *out)
{
    const uint64_t high = kind == 1 ? 0x8080808080808080ull
                          : kind == 2 ? 0xFF80FF80FF80FF80ull
                                      : 0xFFFFFF80FFFFFF80ull;
    const uint64_t ones = kind == 1 ? 0x0101010101010101ull
                          : kind == 2 ? 0x0001000100010001ull
                                      : 0x0000000100000001ull;
    const uint64_t tops = kind == 1 ? 0x8080808080808080ull
                          : kind == 2 ? 0x8000800080008000ull
                                      : 0x8000000080000000ull;
    Py_ssize_t p = from;
#ifdef __SSE2__
    /* 16 at a time first: a str's characters narrowed to bytes by saturating packs (exact
       below 0x80), the '<' among them found by one comparison. */
    for (; p + 16 <= size; p += 16) {
        const uint8_t *at = (const uint8_t *)data + p * kind;
        __m128i bytes;
        if (kind == 1) {
            bytes = _mm_loadu_si128((const __m128i *)at);
            if (_mm_movemask_epi8(bytes) != 0) { /* a byte of 0x80 or more */
                break;
            }
        }
        else if (kind == 2) {
            __m128i a = _mm_loadu_si128((const __m128i *)at);
            __m128i b = _mm_loadu_si128((const __m128i *)(at + 16));
            __m128i wide = _mm_and_si128(_mm_or_si128(a, b), _mm_set1_epi16((short)0xFF80));
            if (_mm_movemask_epi8(_mm_cmpeq_epi16(wide, _mm_setzero_si128())) != 0xFFFF) {
                break;
            }
            bytes = _mm_packus_epi16(a, b);
        }
        else {
            __m128i a = _mm_loadu_si128((const __m128i *)at);
            __m128i b = _mm_loadu_si128((const __m128i *)(at + 16));
            __m128i c = _mm_loadu_si128((const __m128i *)(at + 32));
            __m128i d = _mm_loadu_si128((const __m128i *)(at + 48));
            __m128i wide = _mm_and_si128(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)),
                                         _mm_set1_epi32((int)0xFFFFFF80));
            if (_mm_movemask_epi8(_mm_cmpeq_epi32(wide, _mm_setzero_si128())) != 0xFFFF) {
                break;
            }
            bytes = _mm_packus_epi16(_mm_packs_epi32(a, b), _mm_packs_epi32(c, d));
        }
        _mm_storeu_si128((__m128i *)(out + (p - from)), bytes);
        unsigned opens = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('<')));
        for (; opens != 0; opens &= opens - 1) { /* does a <noscript> tag begin there? */
            Py_ssize_t i = p + __builtin_ctz(opens);
            if (noscript_end(kind, data, size, i)) {
                return i - from;
            }
        }
    }
#endif
    for (; p + 8 <= size; p += 8) {
        uint64_t words[4], any = 0, opens = 0;
        memcpy(words, (const uint8_t *)data + p * kind, (size_t)(8 * kind));
        for (int w = 0; w < kind; w++) {
            any |= words[w];
            opens |= ZERO_LANE(words[w] ^ ones * '<', ones, tops);
        }
        if (any & high) {
            break;
        }
        uint8_t *to = out + (p - from);
        for (int w = 0; w < kind; w++) { /* each lane's low byte */
            for (int lane = 0; lane < 8 / kind; lane++) {
                to[w * (8 / kind) + lane] = (uint8_t)(words[w] >> (8 * kind * lane));
            }
        }
        if (opens) { /* a '<' among them: does a <noscript> tag begin there? */
            for (Py_ssize_t i = p; i < p + 8; i++) {
                if (PyUnicode_READ(kind, data, i) == '<' && noscript_end(kind, data, size, i)) {
                    return i - from;
                }
            }
        }
    }
    for (; p < size; p++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, p);
        if (c >= 0x80 || (c == '<' && noscript_end(kind, data, size, p))) {
            break;
        }
        out[p - from] = (uint8_t)c;
    }
    return p - from;
}

/* The UTF-8 of a str of `kind` into out (room for kind + 1 bytes a character, 4 for UCS-4),
   with <noscript tags renamed <div; -1 at a lone surrogate. */
static inline __attribute__((always_inline)) Py_ssize_t
html_utf8_of(int kind, const void *data, Py_ssize_t size, uint8_t *out)
{
    Py_ssize_t written = 0;
    for (Py_ssize_t p = 0; p < size;) {
        Py_ssize_t run = ascii_run(kind, data, size, p, out + written);
        p += run;
        written += run;
        if (p == size) {
            break;
        }
        Py_UCS4 c = PyUnicode_READ(kind, data, p);
        if (c == '<') { /* ascii_run stops at a '<' only where a <noscript> tag begins */
            int closing = PyUnicode_READ(kind, data, p + 1) == '/';
            memcpy(out + written, closing ? "</div" : "<div", closing ? 5 : 4);
            written += closing ? 5 : 4;
            p = noscript_end(kind, data, size, p);
            continue;
        }
        if (c >= 0xD800 && c <= 0xDFFF) {
            return -1;
        }
        written += put_utf8(c, out + written);
        p++;
    }
    return written;
}

/* html_utf8(page) -> bytes or None

   page.encode("utf-8") with every <noscript and </noscript tag name (any case, then a word
   boundary) renamed div, in one pass over the str's characters: the UTF-8 the HTML parser
   reads, and re.sub(r"<(/?)noscript\b", r"<\1div", page, flags=re.I) on its text
   (html_segments says why). None if the page holds a lone surrogate, which UTF-8 cannot
   hold. */
PyObject *
html_utf8(PyObject *Py_UNUSED(module), PyObject *page)
{
    int kind;
    const void *data;
    Py_ssize_t size;
    if (characters_of(page, "html_utf8", &kind, &data, &size) < 0) {
        return NULL;
    }
    /* a character takes at most as many UTF-8 bytes as its kind's width plus one (UCS-1: 2,
       UCS-2: 3, UCS-4: 4), and renaming shortens the page */
    PyObject *result = PyBytes_FromStringAndSize(NULL, size * (kind == 4 ? 4 : kind + 1));
    if (result == NULL) {
        return NULL;
    }
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
    Py_ssize_t written;
    BY_KIND(written, html_utf8_of, kind, data, size, out);
    if (written < 0) {
        Py_DECREF(result);
        return Py_NewRef(Py_None);
    }
    if (_PyBytes_Resize(&result, written) < 0) {
        return NULL;
    }
    return result;
}

/* joined_words(runs) -> list[str]

   For each run (a list of str), " ".join("".join(run).split()): the pieces joined as they
   are, whitespace (what str.split() splits at) folded into single spaces, none at the ends.
   Two passes, so the result is built at its narrowest width, as Python's own str are. */
PyObject *
joined_words(PyObject *Py_UNUSED(module), PyObject *runs)
{
    if (!PyList_Check(runs) && !PyTuple_Check(runs)) {
        PyErr_SetString(PyExc_TypeError, "joined_words needs a sequence of lists of str");
        return NULL;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(runs);
    PyObject *texts = PyList_New(count);
    if (texts == NULL) {
        return NULL;
    }
    for (Py_ssize_t r = 0; r < count; r++) {
        PyObject *run = PySequence_Fast_GET_ITEM(runs, r);
        if (!PyList_Check(run)) {
            PyErr_SetString(PyExc_TypeError, "each run must be a list of str");
            goto failed;
        }
        Py_ssize_t pieces = PyList_GET_SIZE(run), length = 0;
        Py_UCS4 widest = 0;
        int pending_space = 0;
        for (Py_ssize_t i = 0; i < pieces; i++) { /* the length and the widest character */
            PyObject *piece = PyList_GET_ITEM(run, i);
            if (!PyUnicode_Check(piece)) {
                PyErr_SetString(PyExc_TypeError, "each run must be a list of str");
                goto failed;
            }
            int kind = PyUnicode_KIND(piece);
            const void *data = PyUnicode_DATA(piece);
            for (Py_ssize_t c = 0; c < PyUnicode_GET_LENGTH(piece); c++) {
                Py_UCS4 character = PyUnicode_READ(kind, data, c);
                if (Py_UNICODE_ISSPACE(character)) {
                    pending_space = length > 0;
                    continue;
                }
                length += pending_space + 1;
                pending_space = 0;
                widest = character > widest ? character : widest;
            }
        }
        PyObject *text = PyUnicode_New(length, widest > ' ' ? widest : ' ');
        if (text == NULL) {
            goto failed;
        }
        int out_kind = PyUnicode_KIND(text);
        void *out = PyUnicode_DATA(text);
        Py_ssize_t written = 0;
        pending_space = 0;
        for (Py_ssize_t i = 0; i < pieces; i++) {
            PyObject *piece = PyList_GET_ITEM(run, i);
            int kind = PyUnicode_KIND(piece);
            const void *data = PyUnicode_DATA(piece);
            for (Py_ssize_t c = 0; c < PyUnicode_GET_LENGTH(piece); c++) {
                Py_UCS4 character = PyUnicode_READ(kind, data, c);
                if (Py_UNICODE_ISSPACE(character)) {
                    pending_space = written > 0;
                    continue;
                }
                if (pending_space) {
                    PyUnicode_WRITE(out_kind, out, written++, ' ');
                    pending_space = 0;
                }
                PyUnicode_WRITE(out_kind, out, written++, character);
            }
        }
        PyList_SET_ITEM(texts, r, text);
    }
    return texts;
failed:
    Py_DECREF(texts);
    return NULL;
}
