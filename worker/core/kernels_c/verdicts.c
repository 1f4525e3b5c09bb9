/* The verdict rows of a page: segment_verdicts for worker/core/classify.py. */

#include "kernels.h"

/* segment_verdicts(row_type, texts, keep, scores, reasons, labels) -> tuple

   The page's verdict rows: for each segment i, row_type(i, texts[i], labels[keep[i]],
   round(scores[i], 4), reasons[i]), built as tuple.__new__(row_type, ...) builds it (row_type
   is a tuple subclass: a NamedTuple). Rounded as np.round(x, 4) rounds: rint(x * 10^4) / 10^4.
   keep: uint8, scores: float64, one per text; labels: a (rejected, kept) pair. */
PyObject *
segment_verdicts(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyTypeObject *row_type;
    PyObject *texts, *reasons, *labels;
    Py_buffer keep, scores;
    if (!PyArg_ParseTuple(args, "O!O!y*y*O!O!", &PyType_Type, &row_type, &PyList_Type, &texts,
                          &keep, &scores, &PyList_Type, &reasons, &PyTuple_Type, &labels)) {
        return NULL;
    }
    PyObject *rows = NULL;
    Py_ssize_t count = PyList_GET_SIZE(texts);
    if (!PyType_IsSubtype(row_type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "row_type must be a tuple subclass");
        goto done;
    }
    if (check_length(&keep, count, 1, "keep") < 0 ||
        check_length(&scores, count, sizeof(double), "scores") < 0) {
        goto done;
    }
    if (PyList_GET_SIZE(reasons) != count || PyTuple_GET_SIZE(labels) != 2) {
        PyErr_SetString(PyExc_ValueError, "one reasons tuple per text and two labels");
        goto done;
    }
    const uint8_t *kept = keep.buf;
    const double *score = scores.buf;
    if ((rows = PyTuple_New(count)) == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *row = row_type->tp_alloc(row_type, 5);
        if (row == NULL) {
            Py_CLEAR(rows);
            goto done;
        }
        PyTuple_SET_ITEM(rows, i, row);
        PyObject *position = PyLong_FromSsize_t(i);
        PyObject *rounded = PyFloat_FromDouble(rint(score[i] * 10000.0) / 10000.0);
        if (position == NULL || rounded == NULL) {
            Py_XDECREF(position);
            Py_XDECREF(rounded);
            Py_CLEAR(rows);
            goto done;
        }
        PyTuple_SET_ITEM(row, 0, position);
        PyTuple_SET_ITEM(row, 1, Py_NewRef(PyList_GET_ITEM(texts, i)));
        PyTuple_SET_ITEM(row, 2, Py_NewRef(PyTuple_GET_ITEM(labels, kept[i] != 0)));
        PyTuple_SET_ITEM(row, 3, rounded);
        PyTuple_SET_ITEM(row, 4, Py_NewRef(PyList_GET_ITEM(reasons, i)));
    }
done:
    PyBuffer_Release(&keep);
    PyBuffer_Release(&scores);
    return rows;
}
