/* The smoothing stage of a segment model (worker/core/segment_model.py): its inputs
   (features.smoothing_features) and its additive model's logits in one call. Built in numpy
   and scored by additive_scores, the stage took a page some 15 us of calls and temporaries
   beside the work. */

#include "kernels.h"

/* smoothing_logits(exp_negative, local_logits, log_words, radii, edges, edge_starts, table,
                    table_starts, bias, out[, features])

   The logits of the additive model (its StepTables' arrays and bias) on the smoothing
   features of a page of count segments: for each, its local logit, the means of the
   scores 1 / (1 + exp_negative) over each radius of `radii` (a tuple of int), the previous
   and the next segment's score (write_context_columns), and its log_words, as float32.
   exp_negative (float64, count): np.exp(-np.clip(local_logits, -30, 30)), numpy's exp,
   which may differ from C's in the last bit; local_logits: float64, count; log_words:
   float32, count; out: float64, count; features, if given: float32, count x the model's
   width, to keep the features (the tests read them). */
PyObject *
smoothing_logits(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer exp_negative, local_logits, log_words, edges, edge_starts, table, table_starts,
        out, kept = {0};
    PyObject *radii;
    double bias;
    if (!PyArg_ParseTuple(args, "y*y*y*O!y*y*y*y*dw*|w*", &exp_negative, &local_logits,
                          &log_words, &PyTuple_Type, &radii, &edges, &edge_starts, &table,
                          &table_starts, &bias, &out, &kept)) {
        return NULL;
    }
    PyObject *result = NULL;
    double *scores = NULL;
    StepTables tables;
    Py_ssize_t count = local_logits.len / (Py_ssize_t)sizeof(double);
    if (check_length(&local_logits, count, sizeof(double), "local_logits") < 0 ||
        check_length(&exp_negative, count, sizeof(double), "exp_negative") < 0 ||
        check_length(&log_words, count, sizeof(float), "log_words") < 0 ||
        check_length(&out, count, sizeof(double), "out") < 0 ||
        step_tables_from(&edges, &edge_starts, &table, &table_starts, bias, &tables) < 0) {
        goto done;
    }
    Py_ssize_t width = tables.width; /* the local logit, the context columns, log_words */
    if (width != PyTuple_GET_SIZE(radii) + 4) {
        PyErr_Format(PyExc_ValueError, "a model of %zd features for %zd radii", width,
                     PyTuple_GET_SIZE(radii));
        goto done;
    }
    if (kept.buf != NULL &&
        check_length(&kept, product(count, width), sizeof(float), "features") < 0) {
        goto done;
    }
    /* the scores, the contributions, then the features (float32) */
    size_t cells = (size_t)count * (size_t)width;
    scores = PyMem_Malloc(((size_t)count + cells) * sizeof(double) + cells * sizeof(float) + 1);
    if (scores == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    double *contributions = scores + count;
    float *features = kept.buf != NULL ? kept.buf : (float *)(contributions + cells);
    const double *exp_of = exp_negative.buf, *logits = local_logits.buf;
    const float *words = log_words.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        scores[i] = 1.0 / (1.0 + exp_of[i]); /* features.smoothing_features' sigmoid */
        features[i * width] = (float)logits[i];
        features[i * width + width - 1] = words[i];
    }
    if (count > 0 && write_context_columns(scores, count, 1, radii, features, width, 1) < 0) {
        goto done;
    }
    additive_rows(&tables, features, count, contributions, out.buf);
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(scores);
    PyBuffer_Release(&exp_negative);
    PyBuffer_Release(&local_logits);
    PyBuffer_Release(&log_words);
    PyBuffer_Release(&edges);
    PyBuffer_Release(&edge_starts);
    PyBuffer_Release(&table);
    PyBuffer_Release(&table_starts);
    PyBuffer_Release(&out);
    if (kept.buf != NULL) {
        PyBuffer_Release(&kept);
    }
    return result;
}
