/* The raw record and the output records: control_characters and nests_deeper_than
   validate a raw page (worker/core/raw_page.py), reject_rows builds the reject record's
   rows (worker/core/records.py). */

#include "kernels.h"

/* The count of control_characters, for BY_KIND. */
static inline __attribute__((always_inline)) Py_ssize_t
control_count(int kind, const void *data, Py_ssize_t size)
{
    Py_ssize_t found = 0;
    for (Py_ssize_t p = 0; p < size; p++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, p);
        found += (c < ' ' && (c < '\t' || c > '\r')) || c == 0x7F;
    }
    return found;
}

/* control_characters(text, limit) -> int: how many of the first `limit` characters of
   text are control characters of binary data: below U+0020 but for \t \n \v \f \r, and
   U+007F. */
PyObject *
control_characters(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *text;
    Py_ssize_t limit, size, found = 0;
    int kind;
    const void *data;
    if (!PyArg_ParseTuple(args, "On", &text, &limit) ||
        characters_of(text, "control_characters", &kind, &data, &size) < 0) {
        return NULL;
    }
    size = limit >= 0 && limit < size ? limit : size;
    BY_KIND(found, control_count, kind, data, size);
    return PyLong_FromSsize_t(found);
}

/* Whether an ASCII tag name (lowercased, NUL-ended) is one of the tests' _NOT_NESTING:
   void elements and those whose end tag may be left out. */
static int
never_nests(const char *name)
{
    static const char *const names[] = {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td",
        "th", "tbody", "thead", "tfoot", "colgroup", "rb", "rt", "rp", "html", "head", "body",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i][0] == name[0] && strcmp(name, names[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static inline int
is_ascii_letter(Py_UCS4 c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* How many times `c`, an ASCII character other than NUL, occurs in the str, for BY_KIND:
   16 characters a step where str.count takes one (0.2 ms on a 250 kB page outside
   Latin-1). */
static inline __attribute__((always_inline)) Py_ssize_t
ascii_count(int kind, const void *data, Py_ssize_t size, Py_UCS4 c)
{
    Py_ssize_t found = 0, p = 0;
#ifdef __SSE2__
    const __m128i needle = _mm_set1_epi8((char)c);
    while (size - p >= 16) {
        /* a byte lane per character, counting its matches: at most 255 steps a block */
        Py_ssize_t steps = (size - p) / 16 < 255 ? (size - p) / 16 : 255;
        __m128i lanes = _mm_setzero_si128();
        for (Py_ssize_t step = 0; step < steps; step++, p += 16) {
            /* (a match is -1 in its lane: subtracting it counts one) */
            lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(narrowed_16(kind, data, p), needle));
        }
        __m128i sums = _mm_sad_epu8(lanes, _mm_setzero_si128()); /* two 64-bit lane sums */
        found += _mm_cvtsi128_si32(sums) + _mm_extract_epi16(sums, 4);
    }
#endif
    for (; p < size; p++) {
        found += PyUnicode_READ(kind, data, p) == c;
    }
    return found;
}

/* The scan of nests_deeper_than, for BY_KIND. */
static inline __attribute__((always_inline)) int
nesting_exceeds(int kind, const void *data, Py_ssize_t size, Py_ssize_t limit)
{
    Py_ssize_t depth = 0, foreign = 0, p = 0;
    while (p < size) {
        if (PyUnicode_READ(kind, data, p) != '<') {
            p++;
            continue;
        }
        Py_ssize_t q = p + 1;
        int closing = q < size && PyUnicode_READ(kind, data, q) == '/';
        q += closing;
        if (q >= size || !is_ascii_letter(PyUnicode_READ(kind, data, q))) {
            p++;
            continue;
        }
        char name[16]; /* the name, lowercased; "" if too long to be any looked for */
        Py_ssize_t length = 0;
        for (; q < size; q++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, q);
            if (!is_ascii_letter(c) && !(c >= '0' && c <= '9')) {
                break;
            }
            if (length < (Py_ssize_t)sizeof(name) - 1) {
                name[length] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
            length++;
        }
        name[length < (Py_ssize_t)sizeof(name) ? length : 0] = '\0';
        Py_ssize_t end = q;
        while (end < size && PyUnicode_READ(kind, data, end) != '>') {
            end++;
        }
        if (end == size) { /* no ">" follows: neither this "<" nor any later one is a tag */
            return 0;
        }
        int self_closing = end > q && PyUnicode_READ(kind, data, end - 1) == '/';
        p = end + 1;
        if (never_nests(name)) {
            continue;
        }
        if (strcmp(name, "svg") == 0 || strcmp(name, "math") == 0) {
            foreign += closing ? -1 : 1;
        }
        if (closing) {
            depth--;
        }
        else if (!(self_closing && foreign > 0) && ++depth > limit) {
            return 1;
        }
    }
    return 0;
}

/* nests_deeper_than(html, limit) -> bool: raw_page.nests_deeper_than's scan, as
   re.findall(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*?(/?)>") walks the page: a tag runs from
   its "<" to the first ">" after its name (">" ends it, "/>" self-closes it); where no ">"
   follows, no tag does. On the pages of more than 10,000 tags the regex took 25 ms. */
PyObject *
nests_deeper_than(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *html;
    Py_ssize_t limit, size;
    int kind, exceeds;
    const void *data;
    if (!PyArg_ParseTuple(args, "On", &html, &limit) ||
        characters_of(html, "nests_deeper_than", &kind, &data, &size) < 0) {
        return NULL;
    }
    /* A page of no more than `limit` tags cannot nest deeper: most pages need no scan. */
    Py_ssize_t tags;
    BY_KIND(tags, ascii_count, kind, data, size, '<');
    if (tags <= limit) {
        Py_RETURN_FALSE;
    }
    BY_KIND(exceeds, nesting_exceeds, kind, data, size, limit);
    return PyBool_FromLong(exceeds);
}

/* round(x, 4) of a score, as Python's round gives it: for a float, the double nearest the
   decimal of 4 places nearest x, ties to even. The product x * 10^4 is off the exact one by
   at most half its ulp (under 2^-29 below 10^7): where its fraction is not within 10^-6 of
   one half, the nearest whole number n is certain, and n / 10^4 (both exact doubles, one
   correctly rounded division) is the double nearest n/10^4, float.__round__'s own result.
   Elsewhere (a tie or nearly, x outside [0, 1000], NaN, not a float) round(x, 4) itself.
   Scores the classifier made are 4-place decimals already: their fraction is near 0 or 1. */
static PyObject *
rounded_score(PyObject *score)
{
    if (PyFloat_CheckExact(score)) {
        double x = PyFloat_AS_DOUBLE(score);
        if (x >= 0.0 && x <= 1000.0) {
            double scaled = x * 10000.0, whole = floor(scaled), fraction = scaled - whole;
            if (fabs(fraction - 0.5) > 1e-6) {
                return PyFloat_FromDouble((fraction > 0.5 ? whole + 1.0 : whole) / 10000.0);
            }
        }
    }
    return PyObject_CallFunction(builtin_round, "Oi", score, 4);
}

/* reject_rows(segments, kept_label) -> (kept_texts, rows)

   One pass over a page's verdict rows (a tuple of SegmentVerdict: position, text, label,
   score, reasons): the texts of those labelled kept_label, in order, and for each other
   one its row in the reject record, {"position": position, "text": text, "score":
   round(score, 4), "reasons": reasons}, in order. The same as records.py built them with
   a comprehension, at a third of its cost (round alone was half of that). */
PyObject *
reject_rows(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *segments, *kept_label;
    if (!PyArg_ParseTuple(args, "O!U", &PyTuple_Type, &segments, &kept_label)) {
        return NULL;
    }
    PyObject *kept = PyList_New(0), *rows = PyList_New(0), *result = NULL;
    if (kept == NULL || rows == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(segments); i++) {
        PyObject *segment = PyTuple_GET_ITEM(segments, i);
        if (!PyTuple_Check(segment) || PyTuple_GET_SIZE(segment) != 5) {
            PyErr_SetString(PyExc_TypeError, "each segment must be a tuple of five");
            goto done;
        }
        PyObject *label = PyTuple_GET_ITEM(segment, 2);
        int is_kept = label == kept_label ? 1 : PyObject_RichCompareBool(label, kept_label, Py_EQ);
        if (is_kept < 0) {
            goto done;
        }
        if (is_kept) {
            if (PyList_Append(kept, PyTuple_GET_ITEM(segment, 1)) < 0) {
                goto done;
            }
            continue;
        }
        PyObject *row = PyDict_New();
        PyObject *score = rounded_score(PyTuple_GET_ITEM(segment, 3));
        int failed = row == NULL || score == NULL ||
                     PyDict_SetItem(row, row_keys[0], PyTuple_GET_ITEM(segment, 0)) < 0 ||
                     PyDict_SetItem(row, row_keys[1], PyTuple_GET_ITEM(segment, 1)) < 0 ||
                     PyDict_SetItem(row, row_keys[2], score) < 0 ||
                     PyDict_SetItem(row, row_keys[3], PyTuple_GET_ITEM(segment, 4)) < 0 ||
                     PyList_Append(rows, row) < 0;
        Py_XDECREF(row);
        Py_XDECREF(score);
        if (failed) {
            goto done;
        }
    }
    result = PyTuple_Pack(2, kept, rows);
done:
    Py_XDECREF(kept);
    Py_XDECREF(rows);
    return result;
}
