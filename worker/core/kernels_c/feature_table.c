/* A page's whole feature table in one call (features.page_features), a text dump's or an
   HTML page's: the text features, its structure, the context and the position columns.
   Assembled in numpy from five kernels, the table took a dump some 20 us of calls,
   temporaries and copies beside the kernels' own work, an HTML page some 40. */

#include "kernels.h"

#define TEXT_COLUMNS (TEXT_COUNT_COLUMNS + 2) /* then the phrase and the repeat counts */

/* Each index of `indices` (a tuple of int) as a Py_ssize_t in [0, limit); -1 with
   ValueError if one is not. */
static int
column_indices(PyObject *indices, Py_ssize_t limit, Py_ssize_t *out)
{
    for (Py_ssize_t s = 0; s < PyTuple_GET_SIZE(indices); s++) {
        out[s] = PyLong_AsSsize_t(PyTuple_GET_ITEM(indices, s));
        if (out[s] < 0 || out[s] >= limit) {
            if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_OverflowError) ||
                PyErr_ExceptionMatches(PyExc_TypeError)) {
                PyErr_Clear();
                PyErr_Format(PyExc_ValueError, "a source column must lie in [0, %zd)", limit);
            }
            return -1;
        }
    }
    return 0;
}

/* Fills the feature table once the text columns (text: count x TEXT_COLUMNS) are known. */
static int
write_features(const double *text, Py_ssize_t count, const float *structure,
               Py_ssize_t structure_width, const Py_ssize_t *sources, Py_ssize_t text_sources,
               Py_ssize_t source_count, PyObject *radii, const Py_ssize_t position_sources[2],
               double *scratch, float *rows, Py_ssize_t out_width)
{
    double *context = scratch, *logs = context + count * source_count, *ends = logs + count;
    for (Py_ssize_t i = 0; i < count; i++) {
        const double *text_row = text + i * TEXT_COLUMNS;
        const float *structure_row = structure + i * structure_width;
        float *row = rows + i * out_width;
        for (Py_ssize_t c = 0; c < TEXT_COLUMNS; c++) {
            row[c] = (float)text_row[c]; /* rounded once, as numpy assigns */
        }
        memcpy(row + TEXT_COLUMNS, structure_row, (size_t)structure_width * sizeof(float));
        for (Py_ssize_t s = 0; s < source_count; s++) {
            context[i * source_count + s] =
                s < text_sources ? text_row[sources[s]] : (double)structure_row[sources[s]];
        }
        logs[i] = text_row[position_sources[0]];
        ends[i] = text_row[position_sources[1]];
    }
    Py_ssize_t column = TEXT_COLUMNS + structure_width;
    if (write_context_columns(context, count, source_count, radii, rows, out_width, column) < 0) {
        return -1;
    }
    column += source_count * (PyTuple_GET_SIZE(radii) + 2);
    if (column + POSITION_COLUMNS != out_width) {
        PyErr_Format(PyExc_ValueError, "a table of %zd columns, not %zd", column +
                     POSITION_COLUMNS, out_width);
        return -1;
    }
    return write_position_features(logs, ends, count, rows, out_width, column);
}

/* feature_table(page, count, class_table, ends_sentence_table, kinds, phrases,
                 log1p_counts, structure, structure_width, text_sources,
                 structure_sources, position_sources, radii, out)

   features.page_features of a page of `count` segments (a text dump's, or an HTML page's
   with its structure columns), whose UTF-8 `page` joins by
   newlines, into out (float32, count x out_width): text_count_rows' columns, the counts of
   `phrases` (count_phrases) and log1p_counts[repeats] (float32: numpy's log1p of each
   count, as the table was made), then `structure` (float32, count x structure_width), then
   write_context_columns of the sources (text columns text_sources, then structure columns
   structure_sources, as float64) and `radii`, then write_position_features of the text
   columns position_sources (log_words, ends_sentence). False, with out not to be used,
   when count_phrases cannot read the page or a count outruns log1p_counts: the caller
   takes the kernels one by one then. */
PyObject *
feature_table(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer page, classes, ends_sentence, kinds, logs, structure, out;
    Py_ssize_t count, structure_width, position_sources[2];
    PyObject *phrases, *text_indices, *structure_indices, *positions, *radii;
    if (!PyArg_ParseTuple(args, "y*ny*y*y*O!y*y*nO!O!O!O!w*", &page, &count, &classes,
                          &ends_sentence, &kinds, &PyTuple_Type, &phrases, &logs, &structure,
                          &structure_width, &PyTuple_Type, &text_indices, &PyTuple_Type,
                          &structure_indices, &PyTuple_Type, &positions, &PyTuple_Type, &radii,
                          &out)) {
        return NULL;
    }
    PyObject *result = NULL;
    double *text = NULL;
    float *counted = NULL;
    Py_ssize_t *sources = NULL, *starts = NULL;
    Py_ssize_t text_sources = PyTuple_GET_SIZE(text_indices);
    Py_ssize_t source_count = text_sources + PyTuple_GET_SIZE(structure_indices);
    Py_ssize_t out_width = count > 0 ? out.len / (Py_ssize_t)sizeof(float) / count : 0;
    if (count < 1 || structure_width < 0 || PyTuple_GET_SIZE(positions) != 2 ||
        check_length(&classes, 256, 1, "class_table") < 0 ||
        check_length(&ends_sentence, 256, 1, "ends_sentence_table") < 0 ||
        check_length(&kinds, 0x10000, 1, "kinds") < 0 ||
        check_length(&structure, product(count, structure_width), sizeof(float), "structure") <
            0 ||
        check_length(&out, product(count, out_width), sizeof(float), "out") < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "a page of segments and two position sources");
        }
        goto done;
    }
    sources = PyMem_Malloc((size_t)(source_count + 1) * sizeof *sources);
    text = PyMem_Malloc((size_t)count * (TEXT_COLUMNS + source_count + 2) * sizeof *text);
    counted = PyMem_Malloc((size_t)count * 2 * sizeof *counted);
    if (sources == NULL || text == NULL || counted == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (column_indices(text_indices, TEXT_COLUMNS, sources) < 0 ||
        column_indices(structure_indices, structure_width, sources + text_sources) < 0 ||
        column_indices(positions, TEXT_COLUMNS, position_sources) < 0) {
        goto done;
    }
    ByteTables tables = {classes.buf, ends_sentence.buf, kinds.buf};
    const uint8_t *bytes = page.buf;
    float *hits = counted, *repeats = counted + count;
    if ((starts = segment_starts(bytes, page.len, count)) == NULL ||
        text_count_rows(bytes, count, starts, &tables, text, TEXT_COLUMNS) < 0 ||
        count_repeats(bytes, count, starts, repeats) < 0) {
        goto done;
    }
    int readable = count_phrases(bytes, count, starts, phrases, hits);
    if (readable <= 0) {
        result = readable < 0 ? NULL : Py_NewRef(Py_False);
        goto done;
    }
    const float *log1p_of = logs.buf;
    Py_ssize_t known = logs.len / (Py_ssize_t)sizeof(float);
    for (Py_ssize_t i = 0; i < count; i++) {
        if (!(repeats[i] < (float)known)) {
            result = Py_NewRef(Py_False);
            goto done;
        }
        text[i * TEXT_COLUMNS + TEXT_COUNT_COLUMNS] = (double)hits[i];
        text[i * TEXT_COLUMNS + TEXT_COUNT_COLUMNS + 1] = (double)log1p_of[(Py_ssize_t)repeats[i]];
    }
    if (write_features(text, count, structure.buf, structure_width, sources, text_sources,
                       source_count, radii, position_sources, text + count * TEXT_COLUMNS,
                       out.buf, out_width) == 0) {
        result = Py_NewRef(Py_True);
    }
done:
    PyMem_Free(starts);
    PyMem_Free(sources);
    PyMem_Free(text);
    PyMem_Free(counted);
    PyBuffer_Release(&page);
    PyBuffer_Release(&classes);
    PyBuffer_Release(&ends_sentence);
    PyBuffer_Release(&kinds);
    PyBuffer_Release(&logs);
    PyBuffer_Release(&structure);
    PyBuffer_Release(&out);
    return result;
}
