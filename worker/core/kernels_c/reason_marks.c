/* A page's reasons in two calls (worker/core/classify.py's _reasons): feature_reasons, the
   features behind each segment's label in words (reasons.c's three kernels in one call),
   and reason_prefixes, what goes before them: a rule's reason, the hold on a comment
   thread, the page's cut and the neighbours. Built per segment in Python, with a dozen
   numpy temporaries, those cost a text dump a tenth of its reasons' time. */

#include "kernels.h"

/* (*first, *rest): a new tuple. */
static PyObject *
prefixed(PyObject *const *first, Py_ssize_t count, PyObject *rest)
{
    Py_ssize_t size = PyTuple_GET_SIZE(rest);
    PyObject *joined = PyTuple_New(count + size);
    if (joined == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyTuple_SET_ITEM(joined, i, Py_NewRef(first[i]));
    }
    for (Py_ssize_t i = 0; i < size; i++) {
        PyTuple_SET_ITEM(joined, count + i, Py_NewRef(PyTuple_GET_ITEM(rest, i)));
    }
    return joined;
}

/* ruled's reason (a str) per position, in `by_position` (borrowed; NULL where none). */
static int
rules_by_position(PyObject *ruled, Py_ssize_t count, PyObject **by_position)
{
    Py_ssize_t at = 0;
    PyObject *key, *value;
    while (PyDict_Next(ruled, &at, &key, &value)) {
        Py_ssize_t position = PyLong_Check(key) ? PyLong_AsSsize_t(key) : -1;
        if (position < 0 || position >= count || !PyUnicode_Check(value)) {
            if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_OverflowError)) {
                PyErr_Clear();
                PyErr_SetString(PyExc_ValueError, "ruled maps positions of the page to str");
            }
            return -1;
        }
        by_position[position] = value;
    }
    return 0;
}

/* reason_prefixes(reasons, keep, scores, shift, held, ruled, cut, always_kept, shift_bar,
                   words)

   Puts before reasons[i] (a tuple, replaced in the list) what else explains segment i:
   ruled[i] (a rule's reason) if it is there, else words[0] if held[i] (a comment held
   back); words[1] (the page's cut) if it is kept with cut <= scores[i] < always_kept;
   words[2] if it is kept and shift[i] > shift_bar, words[3] if it is not and shift[i] <
   -shift_bar (the neighbours). keep, held: uint8; scores, shift: float64, one per reason;
   ruled: a dict of positions to str. */
PyObject *
reason_prefixes(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *reasons, *ruled, *words;
    Py_buffer keep, scores, shift, held;
    double cut, always_kept, shift_bar;
    if (!PyArg_ParseTuple(args, "O!y*y*y*y*O!dddO!", &PyList_Type, &reasons, &keep, &scores,
                          &shift, &held, &PyDict_Type, &ruled, &cut, &always_kept, &shift_bar,
                          &PyTuple_Type, &words)) {
        return NULL;
    }
    PyObject *result = NULL, **rule_of = NULL;
    Py_ssize_t count = PyList_GET_SIZE(reasons);
    if (check_length(&keep, count, 1, "keep") < 0 ||
        check_length(&scores, count, sizeof(double), "scores") < 0 ||
        check_length(&shift, count, sizeof(double), "shift") < 0 ||
        check_length(&held, count, 1, "held") < 0) {
        goto done;
    }
    if (PyTuple_GET_SIZE(words) != 4) {
        PyErr_SetString(PyExc_ValueError, "words: held back, cut, inside, surrounded");
        goto done;
    }
    for (Py_ssize_t w = 0; w < 4; w++) {
        if (!PyUnicode_Check(PyTuple_GET_ITEM(words, w))) {
            PyErr_SetString(PyExc_TypeError, "words must be str");
            goto done;
        }
    }
    rule_of = PyMem_Calloc((size_t)(count > 0 ? count : 1), sizeof *rule_of);
    if (rule_of == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (rules_by_position(ruled, count, rule_of) < 0) {
        goto done;
    }
    const uint8_t *kept = keep.buf, *held_back = held.buf;
    const double *score = scores.buf, *moved = shift.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *first[3];
        Py_ssize_t found = 0;
        if (rule_of[i] != NULL) {
            first[found++] = rule_of[i];
        }
        else if (held_back[i]) {
            first[found++] = PyTuple_GET_ITEM(words, 0);
        }
        if (kept[i] && score[i] < always_kept && score[i] >= cut) {
            first[found++] = PyTuple_GET_ITEM(words, 1);
        }
        if (kept[i] ? moved[i] > shift_bar : moved[i] < -shift_bar) {
            first[found++] = PyTuple_GET_ITEM(words, kept[i] ? 2 : 3);
        }
        if (found == 0) {
            continue;
        }
        PyObject *rest = PyList_GET_ITEM(reasons, i);
        if (!PyTuple_Check(rest)) {
            PyErr_SetString(PyExc_TypeError, "each segment's reasons must be a tuple");
            goto done;
        }
        PyObject *joined = prefixed(first, found, rest);
        if (joined == NULL) {
            goto done;
        }
        PyList_SET_ITEM(reasons, i, joined);
        Py_DECREF(rest);
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(rule_of);
    PyBuffer_Release(&keep);
    PyBuffer_Release(&scores);
    PyBuffer_Release(&shift);
    PyBuffer_Release(&held);
    return result;
}

/* feature_reasons(contributions, keep, features, caches, describe, names, k, limit) -> list

   texts_of(caches, describe, names, ...) of each segment's k strongest columns
   (strongest_of: contributions float64, keep uint8) and their values rounded (round_chosen:
   features float32), -0.0 read as 0.0: kernels.ReasonTexts.rows(columns, values) of
   strongest_columns and rounded_values, in one call. contributions and features have a
   row per keep and a column per name. */
PyObject *
feature_reasons(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer contributions, keep, features;
    PyObject *caches, *describe, *names;
    Py_ssize_t k, limit;
    if (!PyArg_ParseTuple(args, "y*y*y*O!OO!nn", &contributions, &keep, &features, &PyList_Type,
                          &caches, &describe, &PyTuple_Type, &names, &k, &limit)) {
        return NULL;
    }
    PyObject *rows = NULL;
    int64_t *chosen = NULL;
    Py_ssize_t count = keep.len, width = PyTuple_GET_SIZE(names);
    if (width < 1 || k < 1 ||
        check_length(&contributions, product(count, width), sizeof(double), "contributions") < 0 ||
        check_length(&features, product(count, width), sizeof(float), "features") < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "a name and a column at least");
        }
        goto done;
    }
    Py_ssize_t cells = product(count, k);
    chosen = PyMem_Malloc((size_t)(cells > 0 ? cells : 1) * (sizeof(int64_t) + sizeof(double)));
    if (cells < 0 || chosen == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    double *values = (double *)(chosen + cells);
    if (strongest_of(contributions.buf, keep.buf, count, width, k, chosen) < 0 ||
        round_chosen(features.buf, width, chosen, cells, k, values) < 0) {
        goto done;
    }
    for (Py_ssize_t cell = 0; cell < cells; cell++) {
        values[cell] += 0.0; /* -0.0 as 0.0, as ReasonTexts.rows reads it */
    }
    rows = texts_of(caches, describe, names, chosen, values, count, k, limit);
done:
    PyMem_Free(chosen);
    PyBuffer_Release(&contributions);
    PyBuffer_Release(&keep);
    PyBuffer_Release(&features);
    return rows;
}
