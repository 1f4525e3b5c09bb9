/* The reasons: strongest_columns, rounded_values and reason_texts choose each segment's
   reasons and put them in words (verdicts.c builds its row). Called by
   worker/core/classify.py (and rounded_values by reasons_text.py too). */

#include "kernels.h"

/* For each row of a count x width float64 table, the `k` columns pushing hardest toward
   the row's label: the largest contributions where kept[i] is set, the most negative
   elsewhere; of equal ones, the first. chosen: count x k. -1 with ValueError if k is more
   than the width or 8. */
int
strongest_of(const double *table, const uint8_t *kept, Py_ssize_t count, Py_ssize_t width,
             Py_ssize_t k, int64_t *chosen)
{
    if (k > width || k > 8) {
        PyErr_Format(PyExc_ValueError, "%zd columns of %zd asked for (at most 8)", k, width);
        return -1;
    }
    if (k == 2 && width >= 2) { /* what classify asks for: two registers, not an insertion */
        for (Py_ssize_t i = 0; i < count; i++) {
            const double *row = table + i * width;
            double sign = kept[i] ? -1.0 : 1.0;
            double best = sign * row[0], second = sign * row[1];
            int64_t best_column = 0, second_column = 1;
            if (second < best) {
                best = second;
                second = sign * row[0];
                best_column = 1;
                second_column = 0;
            }
            for (Py_ssize_t j = 2; j < width; j++) {
                double signed_value = sign * row[j];
                if (signed_value < second) { /* rare once the row's strongest are met */
                    if (signed_value < best) {
                        second = best;
                        second_column = best_column;
                        best = signed_value;
                        best_column = j;
                    }
                    else {
                        second = signed_value;
                        second_column = j;
                    }
                }
            }
            chosen[2 * i] = best_column;
            chosen[2 * i + 1] = second_column;
        }
        return 0;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        const double *row = table + i * width;
        double sign = kept[i] ? -1.0 : 1.0;
        /* best[0..found): the strongest so far, strongest first (insertion into k slots) */
        double best[8];
        int64_t *columns = chosen + i * k;
        Py_ssize_t found = 0;
        for (Py_ssize_t j = 0; j < width; j++) {
            double signed_value = sign * row[j];
            Py_ssize_t slot = found;
            while (slot > 0 && signed_value < best[slot - 1]) {
                slot--;
            }
            if (slot >= k) {
                continue;
            }
            Py_ssize_t last = found < k ? found : k - 1;
            for (Py_ssize_t s = last; s > slot; s--) {
                best[s] = best[s - 1];
                columns[s] = columns[s - 1];
            }
            best[slot] = signed_value;
            columns[slot] = j;
            found = found < k ? found + 1 : k;
        }
    }
    return 0;
}

/* strongest_columns(contributions, keep, count, width, out)

   strongest_of for kernels.py: contributions float64, count x width; keep: uint8, count;
   out: int64, count x k. */
PyObject *
strongest_columns(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer contributions, keep, out;
    Py_ssize_t count, width;
    if (!PyArg_ParseTuple(args, "y*y*nnw*", &contributions, &keep, &count, &width, &out)) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t k = count > 0 ? out.len / (Py_ssize_t)sizeof(int64_t) / count : 0;
    if (count < 0 || width < 1 ||
        check_length(&contributions, product(count, width), sizeof(double), "contributions") < 0 ||
        check_length(&keep, count, 1, "keep") < 0 ||
        check_length(&out, product(count, k), sizeof(int64_t), "out") < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "a table needs a column");
        }
        goto done;
    }
    if (strongest_of(contributions.buf, keep.buf, count, width, k, out.buf) == 0) {
        result = Py_NewRef(Py_None);
    }
done:
    PyBuffer_Release(&contributions);
    PyBuffer_Release(&keep);
    PyBuffer_Release(&out);
    return result;
}

/* pow(10.0, exponent), from the table kernels.h declares where it holds it. */
static inline double
ten_to(double exponent) /* exponent: a whole number, or not finite */
{
    double index = exponent - POWERS_FROM;
    if (index >= 0.0 && index < POWERS) {
        return powers_of_ten[(int)index];
    }
    return pow(10.0, exponent);
}

/* floor(log10(m)) of a float32 m from 1e-12 to the largest, from decade_starts: an
   estimate from its binary exponent, then the table's bounds. */
static inline double
decade_of(float m)
{
    uint32_t bits;
    memcpy(&bits, &m, sizeof bits);
    int exponent = (int)((bits >> 23) & 0xFF) - 127; /* m is normal */
    int at = (int)floor(exponent * 0.30102999566398120) - DECADES_FROM;
    at = at < 0 ? 0 : at >= DECADES ? DECADES - 1 : at;
    while (at + 1 < DECADES && m >= decade_starts[at + 1]) {
        at++;
    }
    while (at > 0 && m < decade_starts[at]) {
        at--;
    }
    return (double)(DECADES_FROM + at);
}

/* rounded[cell]: table[(cell / k) * width + chosen[cell]] of a float32 table `width` wide,
   rounded to two significant digits as numpy does it: rint(x / 10^(floor(log10(max(|x|,
   1e-12))) - 1)) times that power of ten, 0 for 0; for `cells` cells, k a row (k >= 1).
   -1 with ValueError at a column outside the table. */
int
round_chosen(const float *table, Py_ssize_t width, const int64_t *chosen, Py_ssize_t cells,
             Py_ssize_t k, double *rounded)
{
    for (Py_ssize_t cell = 0; cell < cells; cell++) {
        int64_t column = chosen[cell];
        if (column < 0 || column >= width) {
            PyErr_Format(PyExc_ValueError, "column %lld outside the %zd features",
                         (long long)column, width);
            return -1;
        }
        double value = (double)table[(cell / k) * width + column];
        if (value == 0.0) {
            rounded[cell] = 0.0;
            continue;
        }
        double magnitude = fabs(value), decade;
        if (magnitude >= 1e-12 && magnitude <= FLT_MAX) {
            decade = decade_of((float)magnitude); /* log10 was half the kernel's time */
        }
        else { /* np.maximum: NaN stays NaN */
            decade = floor(log10(magnitude < 1e-12 ? 1e-12 : magnitude));
        }
        double scale = ten_to(decade - 1.0);
        rounded[cell] = rint(value / scale) * scale;
    }
    return 0;
}

/* rounded_values(features, width, columns, out)

   round_chosen for kernels.py and reasons_text.py: features, float32, count x width;
   columns: int64, count x k; out: float64, count x k. */
PyObject *
rounded_values(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer features, columns, out;
    Py_ssize_t width;
    if (!PyArg_ParseTuple(args, "y*ny*w*", &features, &width, &columns, &out)) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t cells = columns.len / (Py_ssize_t)sizeof(int64_t);
    Py_ssize_t count = width > 0 ? features.len / (Py_ssize_t)sizeof(float) / width : 0;
    if (width < 1 ||
        check_length(&features, product(count, width), sizeof(float), "features") < 0 ||
        check_length(&out, cells, sizeof(double), "out") < 0 ||
        (count > 0 ? cells % count != 0 : cells != 0)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "columns needs as many rows as features");
        }
        goto done;
    }
    Py_ssize_t k = count > 0 ? cells / count : 1;
    if (round_chosen(features.buf, width, columns.buf, cells, k, out.buf) == 0) {
        result = Py_NewRef(Py_None);
    }
done:
    PyBuffer_Release(&features);
    PyBuffer_Release(&columns);
    PyBuffer_Release(&out);
    return result;
}

/* A text reason_texts found for a column and a value (its bits); text NULL: a free slot. */
typedef struct {
    int64_t column;
    uint64_t bits;
    PyObject *text; /* borrowed: a row of the result holds it */
} FoundText;

/* Row i's reasons in words: for each of its k chosen (column, value) pairs (chosen,
   chosen_values: count x k), caches[column][value] (caches: a list of dicts, one per
   column of names) or, on a miss, describe(names[column], value), which that column's
   cache then keeps; a cache holding `limit` texts is cleared first. Same texts as calling
   describe every time, for any pure describe. */
PyObject *
texts_of(PyObject *caches, PyObject *describe, PyObject *names, const int64_t *chosen,
         const double *chosen_values, Py_ssize_t count, Py_ssize_t k, Py_ssize_t limit)
{
    PyObject *rows = NULL;
    FoundText *found = NULL;
    Py_ssize_t width = PyTuple_GET_SIZE(names);
    if (PyList_GET_SIZE(caches) != width) {
        PyErr_Format(PyExc_ValueError, "%zd caches for %zd names", PyList_GET_SIZE(caches),
                     width);
        goto done;
    }
    for (Py_ssize_t j = 0; j < width; j++) {
        if (!PyDict_CheckExact(PyList_GET_ITEM(caches, j))) {
            PyErr_SetString(PyExc_TypeError, "each cache must be a dict");
            goto done;
        }
    }
    /* The texts this call has found, by column and value: most pairs recur on a page, and a
       hit makes no float object and no lookup. Only nonzero numbers: for them a dict's key
       equality is equality of bits. A full table takes no more. */
    Py_ssize_t slots = 64;
    while (slots < 2 * count * k && slots < 4096) {
        slots *= 2;
    }
    found = PyMem_Calloc((size_t)slots, sizeof *found);
    if (found == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t found_count = 0;
    if ((rows = PyList_New(count)) == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *row = PyTuple_New(k);
        if (row == NULL) {
            Py_CLEAR(rows);
            goto done;
        }
        PyList_SET_ITEM(rows, i, row);
        for (Py_ssize_t c = 0; c < k; c++) {
            int64_t column = chosen[i * k + c];
            if (column < 0 || column >= width) {
                PyErr_Format(PyExc_ValueError, "column %lld of %zd", (long long)column, width);
                Py_CLEAR(rows);
                goto done;
            }
            double number = chosen_values[i * k + c];
            FoundText *slot = NULL;
            if (number != 0.0 && !isnan(number)) {
                uint64_t bits;
                memcpy(&bits, &number, sizeof bits);
                uint64_t hash = (bits ^ (uint64_t)column * 0x9E3779B97F4A7C15ull) *
                                0xFF51AFD7ED558CCDull;
                Py_ssize_t at = (Py_ssize_t)((hash >> 32) & (uint64_t)(slots - 1));
                while (found[at].text != NULL &&
                       (found[at].column != column || found[at].bits != bits)) {
                    at = (at + 1) & (slots - 1);
                }
                if (found[at].text != NULL) {
                    PyTuple_SET_ITEM(row, c, Py_NewRef(found[at].text));
                    continue;
                }
                if (2 * found_count < slots) { /* filled below (the row holds the text) */
                    slot = &found[at];
                    slot->column = column;
                    slot->bits = bits;
                }
            }
            /* describe may run any Python: hold what it could drop */
            PyObject *cache = Py_NewRef(PyList_GET_ITEM(caches, column));
            PyObject *value = PyFloat_FromDouble(chosen_values[i * k + c]);
            PyObject *text = value ? PyDict_GetItemWithError(cache, value) : NULL;
            if (text != NULL) {
                Py_INCREF(text);
            }
            else if (value != NULL && !PyErr_Occurred()) {
                text = PyObject_CallFunctionObjArgs(describe, PyTuple_GET_ITEM(names, column),
                                                    value, NULL);
                if (text != NULL && !PyUnicode_Check(text)) {
                    PyErr_SetString(PyExc_TypeError, "describe must return a str");
                    Py_CLEAR(text);
                }
                if (text != NULL && PyDict_GET_SIZE(cache) >= limit) {
                    PyDict_Clear(cache);
                }
                if (text != NULL && PyDict_SetItem(cache, value, text) < 0) {
                    Py_CLEAR(text);
                }
            }
            Py_XDECREF(value);
            Py_DECREF(cache);
            if (text == NULL) {
                Py_CLEAR(rows);
                goto done;
            }
            PyTuple_SET_ITEM(row, c, text);
            if (slot != NULL) {
                slot->text = text;
                found_count++;
            }
        }
    }
done:
    PyMem_Free(found);
    return rows;
}

/* reason_texts(caches, describe, names, columns, values, count, limit) -> list of tuples

   texts_of for kernels.ReasonTexts: caches, a list; names, a tuple; columns: int64, values:
   float64, both count x k. */
PyObject *
reason_texts(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *caches, *describe, *names;
    Py_buffer columns, values;
    Py_ssize_t count, limit;
    if (!PyArg_ParseTuple(args, "O!OO!y*y*nn", &PyList_Type, &caches, &describe, &PyTuple_Type,
                          &names, &columns, &values, &count, &limit)) {
        return NULL;
    }
    PyObject *rows = NULL;
    Py_ssize_t k = count > 0 ? columns.len / (Py_ssize_t)sizeof(int64_t) / count : 0;
    if (count < 0 || check_length(&columns, product(count, k), sizeof(int64_t), "columns") < 0 ||
        check_length(&values, product(count, k), sizeof(double), "values") < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "count and width must not be negative");
        }
    }
    else {
        rows = texts_of(caches, describe, names, columns.buf, values.buf, count, k, limit);
    }
    PyBuffer_Release(&columns);
    PyBuffer_Release(&values);
    return rows;
}
