/* What worker/core/html_segments.py reads of each segment of an HTML page for its
   structure columns: segment_marks (its text's length, commas and ending), segment_columns
   and repeats_title; and paths_through (which segments a block holds), which no module
   but kernels.py and the tests calls (main_container runs the same test itself). */

#include "kernels.h"

/* segment_marks(texts, chars, commas, ends_sentence, ends_prose)

   What html_segments reads of each segment's text, in one pass over the list (a map of a
   Python function over it cost ~0.1 ms a page): chars (float64) its length, commas
   (float64) its commas (, ， 、), ends_sentence (uint8) html_segments._ends_sentence(text)
   (after stripping closing quotes and brackets, it ends in . ! ? or ... and holds five
   spaces or more, or in 。！？ and is ten characters or more), ends_prose (uint8) whether
   its last character is one of . ! ? 。！？ or a closing quote or bracket. */
static int
closes_quote(Py_UCS4 c)
{
    return c == '"' || c == '\'' || c == 0x201D || c == 0x2019 || c == ')' || c == 0x300D ||
           c == 0x300F || c == 0xFF09;
}

/* 。！？ */
static int
is_cjk_full_stop(Py_UCS4 c)
{
    return c == 0x3002 || c == 0xFF01 || c == 0xFF1F;
}

PyObject *
segment_marks(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *texts;
    Py_buffer chars, commas, ends_sentence, ends_prose;
    if (!PyArg_ParseTuple(args, "O!w*w*w*w*", &PyList_Type, &texts, &chars, &commas,
                          &ends_sentence, &ends_prose)) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t count = PyList_GET_SIZE(texts);
    if (check_length(&chars, count, sizeof(double), "chars") < 0 ||
        check_length(&commas, count, sizeof(double), "commas") < 0 ||
        check_length(&ends_sentence, count, 1, "ends_sentence") < 0 ||
        check_length(&ends_prose, count, 1, "ends_prose") < 0) {
        goto done;
    }
    double *length_out = chars.buf, *comma_out = commas.buf;
    uint8_t *sentence_out = ends_sentence.buf, *prose_out = ends_prose.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        int kind;
        const void *data;
        Py_ssize_t size;
        if (characters_of(PyList_GET_ITEM(texts, i), "segment_marks", &kind, &data, &size) < 0) {
            goto done;
        }
        Py_ssize_t comma_count = 0, spaces = 0;
        for (Py_ssize_t p = 0; p < size; p++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, p);
            comma_count += c == ',' || c == 0xFF0C || c == 0x3001;
            spaces += c == ' ';
        }
        Py_ssize_t end = size;
        while (end > 0 && closes_quote(PyUnicode_READ(kind, data, end - 1))) {
            end--;
        }
        Py_UCS4 stop = end > 0 ? PyUnicode_READ(kind, data, end - 1) : 0;
        Py_UCS4 last = size > 0 ? PyUnicode_READ(kind, data, size - 1) : 0;
        length_out[i] = (double)size;
        comma_out[i] = (double)comma_count;
        sentence_out[i] = end > 0 && (is_cjk_full_stop(stop)
                                          ? size >= 10
                                          : spaces >= 5 && (stop == '.' || stop == '!' ||
                                                            stop == '?' || stop == 0x2026));
        prose_out[i] = size > 0 && (last == '.' || last == '!' || last == '?' ||
                                    is_cjk_full_stop(last) || closes_quote(last));
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&chars);
    PyBuffer_Release(&commas);
    PyBuffer_Release(&ends_sentence);
    PyBuffer_Release(&ends_prose);
    return result;
}

/* paths_through(paths, depth, block, out)

   out[i] (uint8): whether paths[i] (a tuple) is longer than depth and has `block` there
   (an int, compared as == compares): the segments inside that block. */
PyObject *
paths_through(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *paths, *block;
    Py_ssize_t depth;
    Py_buffer out;
    if (!PyArg_ParseTuple(args, "O!nOw*", &PyList_Type, &paths, &depth, &block, &out)) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t count = PyList_GET_SIZE(paths);
    if (check_length(&out, count, 1, "out") < 0) {
        goto done;
    }
    uint8_t *inside = out.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *path = PyList_GET_ITEM(paths, i);
        if (!PyTuple_Check(path)) {
            PyErr_SetString(PyExc_TypeError, "paths_through needs a list of tuples");
            goto done;
        }
        inside[i] = 0;
        if (depth >= 0 && PyTuple_GET_SIZE(path) > depth) {
            int equal = PyObject_RichCompareBool(PyTuple_GET_ITEM(path, depth), block, Py_EQ);
            if (equal < 0) {
                goto done;
            }
            inside[i] = (uint8_t)equal;
        }
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&out);
    return result;
}

/* segment_columns(links, kinds, depths, pieces, bits, chars, bit_values, matrix, column,
                   link_density)

   The first structure columns of an HTML page's segments, written into the float32 matrix
   (count x width, C order) from `column` on: each segment's link density (links over chars,
   at most 1), block kind, depth and text pieces, then one 0/1 column per bit value (whether
   the segment's bits have it). link_density (float64 out) gets the unrounded densities.
   links, kinds, depths, pieces, bits: sequences of ints (what the walk gives); chars:
   float64; bit_values: a tuple of ints. As html_segments wrote them with numpy: np.minimum
   of np.array(links) / chars, the lists stored as float32, (bits & value) != 0. */
PyObject *
segment_columns(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *lists[5], *bit_values;
    Py_buffer chars, matrix, density;
    Py_ssize_t column;
    if (!PyArg_ParseTuple(args, "OOOOOy*O!w*nw*", &lists[0], &lists[1], &lists[2], &lists[3],
                          &lists[4], &chars, &PyTuple_Type, &bit_values, &matrix, &column,
                          &density)) {
        return NULL;
    }
    PyObject *result = NULL, *fast[5] = {NULL, NULL, NULL, NULL, NULL};
    static const char *const names[5] = {"links", "kinds", "depths", "pieces", "bits"};
    Py_ssize_t count = chars.len / (Py_ssize_t)sizeof(double);
    for (int k = 0; k < 5; k++) {
        if ((fast[k] = PySequence_Fast(lists[k], "columns must be sequences of ints")) == NULL) {
            goto done;
        }
        if (PySequence_Fast_GET_SIZE(fast[k]) != count) {
            PyErr_Format(PyExc_ValueError, "%s: one per segment (%zd), not %zd", names[k], count,
                         PySequence_Fast_GET_SIZE(fast[k]));
            goto done;
        }
    }
    Py_ssize_t values = PyTuple_GET_SIZE(bit_values);
    long long bit_of[64];
    if (values > 64) {
        PyErr_SetString(PyExc_ValueError, "at most 64 bit values");
        goto done;
    }
    for (Py_ssize_t b = 0; b < values; b++) {
        bit_of[b] = PyLong_AsLongLong(PyTuple_GET_ITEM(bit_values, b));
        if (bit_of[b] == -1 && PyErr_Occurred()) {
            goto done;
        }
    }
    Py_ssize_t written = 4 + values;
    Py_ssize_t width = count ? matrix.len / (Py_ssize_t)sizeof(float) / count : 0;
    if (check_length(&chars, count, sizeof(double), "chars") < 0 ||
        check_length(&density, count, sizeof(double), "link_density") < 0 ||
        (count && check_length(&matrix, product(count, width), sizeof(float), "matrix") < 0)) {
        goto done;
    }
    if (count && (column < 0 || column > width - written)) {
        PyErr_Format(PyExc_ValueError, "columns %zd to %zd do not fit a matrix %zd wide", column,
                     column + written, width);
        goto done;
    }
    const double *c = chars.buf;
    double *density_out = density.buf;
    float *table = matrix.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        long long value[5];
        for (int k = 0; k < 5; k++) {
            value[k] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(fast[k], i));
            if (value[k] == -1 && PyErr_Occurred()) {
                goto done;
            }
        }
        double d = (double)value[0] / c[i];
        d = d >= 1.0 ? 1.0 : d; /* np.minimum(1.0, d): NaN stays NaN */
        density_out[i] = d;
        float *row = table + i * width + column;
        row[0] = (float)d;
        row[1] = (float)value[1];
        row[2] = (float)value[2];
        row[3] = (float)value[3];
        for (Py_ssize_t b = 0; b < values; b++) {
            row[4 + b] = (value[4] & bit_of[b]) != 0;
        }
    }
    result = Py_NewRef(Py_None);
done:
    for (int k = 0; k < 5; k++) {
        Py_XDECREF(fast[k]);
    }
    PyBuffer_Release(&chars);
    PyBuffer_Release(&matrix);
    PyBuffer_Release(&density);
    return result;
}

/* Whether the str holds the ASCII characters needle[0 .. length) in a row. */
static int
holds_ascii(PyObject *text, const char *needle, Py_ssize_t length)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t last = PyUnicode_GET_LENGTH(text) - length;
    for (Py_ssize_t p = 0; p <= last; p++) {
        Py_ssize_t k = 0;
        while (k < length && PyUnicode_READ(kind, data, p + k) == (Py_UCS4)(uint8_t)needle[k]) {
            k++;
        }
        if (k == length) {
            return 1;
        }
    }
    return 0;
}

/* repeats_title(texts, title, min_chars, out)

   out[i] (uint8): whether min_chars <= len(texts[i]) <= len(title) and texts[i].lower() is
   in title: the segments that repeat the page's <title> (lowered by the caller). An ASCII
   text (of 512 characters at most) is lowered and searched for here; any other by str.lower
   and `in` themselves. */
PyObject *
repeats_title(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *texts, *title;
    Py_ssize_t min_chars;
    Py_buffer out;
    if (!PyArg_ParseTuple(args, "O!Unw*", &PyList_Type, &texts, &title, &min_chars, &out)) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t count = PyList_GET_SIZE(texts), title_length = PyUnicode_GET_LENGTH(title);
    if (check_length(&out, count, 1, "out") < 0) {
        goto done;
    }
    uint8_t *repeats = out.buf;
    int ascii_title = PyUnicode_IS_ASCII(title);
    const char *title_bytes = ascii_title ? (const char *)PyUnicode_DATA(title) : NULL;
    char lowered[512];
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "repeats_title needs a list of str");
            goto done;
        }
        Py_ssize_t length = PyUnicode_GET_LENGTH(text);
        repeats[i] = 0;
        if (length < min_chars || length > title_length) {
            continue;
        }
        if (PyUnicode_IS_ASCII(text) && length <= (Py_ssize_t)sizeof(lowered)) {
            const char *data = (const char *)PyUnicode_DATA(text);
            for (Py_ssize_t k = 0; k < length; k++) {
                char c = data[k];
                lowered[k] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
            }
            repeats[i] = ascii_title ? length == 0 || memmem(title_bytes, (size_t)title_length,
                                                             lowered, (size_t)length) != NULL
                                     : holds_ascii(title, lowered, length);
            continue;
        }
        PyObject *lower = PyObject_CallMethod(text, "lower", NULL);
        if (lower == NULL) {
            goto done;
        }
        int contained = PyUnicode_Contains(title, lower);
        Py_DECREF(lower);
        if (contained < 0) {
            goto done;
        }
        repeats[i] = (uint8_t)contained;
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&out);
    return result;
}
