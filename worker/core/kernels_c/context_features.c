/* The features a segment takes from the segments around it: context_columns (the moving
   means and the neighbours' columns) and position_features (where it sits on the page),
   both for worker/core/features.py. */

#include "kernels.h"

/* Mean of values[i - radius : i + radius + 1] (rows, clipped at the edges) for one column of
   a row-major count x width table, from its cumulative sums: window i sums the rows up to
   min(i + radius, count - 1), less those before max(i - radius, 0). */
static void
moving_mean_column(const double *sums, Py_ssize_t count, Py_ssize_t width, Py_ssize_t radius,
                   double *out)
{
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_ssize_t last = i + radius < count - 1 ? i + radius : count - 1;
        Py_ssize_t first = i - radius > 0 ? i - radius : 0;
        double sum = sums[last * width];
        if (first > 0) {
            sum -= sums[(first - 1) * width];
        }
        out[i * width] = sum / (double)(last - first + 1);
    }
}

/* Each column's cumulative sums, as np.cumsum along the rows: from the first value, not from
   0.0 (which would turn -0.0 into 0.0). */
static void
column_sums(const double *input, Py_ssize_t count, Py_ssize_t width, double *sums)
{
    /* A row at a time: the columns' chains of additions run side by side (a column at a
       time, each addition waited for the one before it). */
    for (Py_ssize_t c = 0; count > 0 && c < width; c++) {
        sums[c] = input[c];
    }
    for (Py_ssize_t i = 1; i < count; i++) {
        for (Py_ssize_t c = 0; c < width; c++) {
            sums[i * width + c] = sums[(i - 1) * width + c] + input[i * width + c];
        }
    }
}

/* radii[w], clipped to `count` (a window as wide as the page or wider has the same sums);
   -1 with ValueError if it is negative or not an int. */
static Py_ssize_t
window_radius(PyObject *radii, Py_ssize_t w, Py_ssize_t count)
{
    Py_ssize_t radius = PyLong_AsSsize_t(PyTuple_GET_ITEM(radii, w));
    if (radius < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "a radius must not be negative");
        }
        return -1;
    }
    return radius > count ? count : radius;
}

/* The context features of a page (features.feature_names: the `_mean{radius}`, `_prev` and
   `_next` columns), written straight into its feature table: input is float64, count x
   width; rows is float32, count x out_width, and gets, from `column` on, width columns of
   moving means per radius (radii: a tuple of int), then each row's previous row of input
   (zeros on the first), then its next (zeros on the last), each value rounded to float32
   once, as numpy assigns. -1 with ValueError if they do not fit. */
int
write_context_columns(const double *input, Py_ssize_t count, Py_ssize_t width, PyObject *radii,
                      float *rows, Py_ssize_t out_width, Py_ssize_t column)
{
    int status = -1;
    Py_ssize_t windows = PyTuple_GET_SIZE(radii);
    Py_ssize_t written = product(width, windows + 2);
    double *sums = NULL;
    if (written < 0 || column < 0 || column > out_width - written) {
        PyErr_Format(PyExc_ValueError, "%zd context columns from column %zd do not fit in %zd",
                     written, column, out_width);
        goto done;
    }
    sums = PyMem_Malloc((size_t)(count * width + 1) * sizeof(double)); /* cumulative */
    if (sums == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    column_sums(input, count, width, sums);
    for (Py_ssize_t w = 0; w < windows; w++) {
        Py_ssize_t radius = window_radius(radii, w, count);
        if (radius < 0) {
            goto done;
        }
        /* A row's window at a time, all its columns by one divisor, two to a division
           (the divisions were half the kernel's time) */
        for (Py_ssize_t i = 0; i < count; i++) {
            Py_ssize_t last = i + radius < count - 1 ? i + radius : count - 1;
            Py_ssize_t first = i - radius > 0 ? i - radius : 0;
            const double *upto = sums + last * width;
            const double *before = first > 0 ? sums + (first - 1) * width : NULL;
            double size = (double)(last - first + 1);
            float *cell = rows + i * out_width + column + w * width;
            Py_ssize_t c = 0;
#ifdef __SSE2__
            __m128d divisor = _mm_set1_pd(size);
            for (; c + 2 <= width; c += 2) {
                __m128d sum = _mm_loadu_pd(upto + c);
                if (before != NULL) {
                    sum = _mm_sub_pd(sum, _mm_loadu_pd(before + c));
                }
                _mm_storel_pi((__m64 *)(cell + c), _mm_cvtpd_ps(_mm_div_pd(sum, divisor)));
            }
#endif
            for (; c < width; c++) {
                double sum = before != NULL ? upto[c] - before[c] : upto[c];
                cell[c] = (float)(sum / size);
            }
        }
    }
    float *previous = rows + column + windows * width, *next = previous + width;
    for (Py_ssize_t i = 0; i < count; i++) {
        for (Py_ssize_t c = 0; c < width; c++) {
            previous[i * out_width + c] = i > 0 ? (float)input[(i - 1) * width + c] : 0.0f;
            next[i * out_width + c] = i + 1 < count ? (float)input[(i + 1) * width + c] : 0.0f;
        }
    }
    status = 0;
done:
    PyMem_Free(sums);
    return status;
}

/* context_columns(sources, count, width, radii, out, out_width, column)

   write_context_columns for worker/core/features.py: sources is float64, count x width;
   out is float32, count x out_width. */
PyObject *
context_columns(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer values, out;
    Py_ssize_t count, width, out_width, column;
    PyObject *radii;
    if (!PyArg_ParseTuple(args, "y*nnO!w*nn", &values, &count, &width, &PyTuple_Type, &radii,
                          &out, &out_width, &column)) {
        return NULL;
    }
    PyObject *result = NULL;
    if (check_length(&values, product(count, width), sizeof(double), "values") == 0 &&
        check_length(&out, product(count, out_width), sizeof(float), "out") == 0 &&
        write_context_columns(values.buf, count, width, radii, out.buf, out_width, column) == 0) {
        result = Py_NewRef(Py_None);
    }
    PyBuffer_Release(&values);
    PyBuffer_Release(&out);
    return result;
}

#define PROSE_WORDS 12.0
#define DENSEST_RADIUS 5

/* Where each segment sits (features.POSITION_NAMES): between the first and last prose
   segments (PROSE_WORDS words or more, ending a sentence), how far from the nearest, its
   relative position, the share of the page's words before it, its distance to the densest
   text (the largest radius-5 moving mean of words), and the page's size in segments and in
   words. logs (log_words), ends (ends_sentence): count each; rows: float32, count x
   out_width, filled from `column` on. -1 with ValueError if they do not fit. */
int
write_position_features(const double *logs, const double *ends, Py_ssize_t count, float *rows,
                        Py_ssize_t out_width, Py_ssize_t column)
{
    int status = -1;
    double *words = NULL;
    if (count < 1) {
        PyErr_SetString(PyExc_ValueError, "a page needs a segment");
        goto done;
    }
    if (column < 0 || column > out_width - POSITION_COLUMNS) {
        PyErr_Format(PyExc_ValueError, "%d position columns from column %zd do not fit in %zd",
                     POSITION_COLUMNS, column, out_width);
        goto done;
    }
    /* words, their cumulative sums, the nearest prose segment before and after, and the
       moving mean that finds the densest text */
    words = PyMem_Malloc((size_t)count * 5 * sizeof(double));
    if (words == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    double *sums = words + count, *previous = sums + count, *following = previous + count;
    double *means = following + count;
    double last_prose = -INFINITY;
    for (Py_ssize_t i = 0; i < count; i++) {
        words[i] = expm1(logs[i]);
        sums[i] = i ? sums[i - 1] + words[i] : words[i]; /* as np.cumsum */
        if (words[i] >= PROSE_WORDS && ends[i] > 0) {
            last_prose = (double)i;
        }
        previous[i] = last_prose;
    }
    double next_prose = INFINITY;
    for (Py_ssize_t i = count - 1; i >= 0; i--) {
        if (words[i] >= PROSE_WORDS && ends[i] > 0) {
            next_prose = (double)i;
        }
        following[i] = next_prose;
    }
    double total = pairwise_sum(words, count);
    total = total > 1.0 ? total : 1.0;
    /* np.argmax of the radius-5 moving mean: the first of equal maxima */
    moving_mean_column(sums, count, 1, DENSEST_RADIUS, means);
    Py_ssize_t densest = 0;
    for (Py_ssize_t i = 1; i < count; i++) {
        if (means[i] > means[densest]) {
            densest = i;
        }
    }
    double last_index = count > 1 ? (double)(count - 1) : 1.0;
    /* the page's columns, once: log1p may set errno, so the compiler cannot hoist it */
    float page_segments = (float)log1p_count((double)count), page_words = (float)log1p(total);
    for (Py_ssize_t i = 0; i < count; i++) {
        double index = (double)i;
        double distance = fmin(index - previous[i], following[i] - index);
        float *row = rows + i * out_width + column;
        row[0] = isfinite(previous[i]) && isfinite(following[i]);
        row[1] = (float)log1p_count(fmin(distance, (double)count));
        row[2] = (float)(index / last_index);
        row[3] = (float)((sums[i] - words[i]) / total);
        row[4] = (float)(fabs(index - (double)densest) / (double)count);
        row[5] = page_segments;
        row[6] = page_words;
    }
    status = 0;
done:
    PyMem_Free(words);
    return status;
}

/* position_features(log_words, ends_sentence, count, out[, out_width, column])

   write_position_features for worker/core/features.py: log_words, ends_sentence: float64,
   count; out: float32, count x out_width (POSITION_COLUMNS unless given), filled from
   `column` (0 unless given) on. */
PyObject *
position_features(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer log_words, ends_sentence, out;
    Py_ssize_t count, out_width = POSITION_COLUMNS, column = 0;
    if (!PyArg_ParseTuple(args, "y*y*nw*|nn", &log_words, &ends_sentence, &count, &out,
                          &out_width, &column)) {
        return NULL;
    }
    PyObject *result = NULL;
    if (check_length(&log_words, count, sizeof(double), "log_words") == 0 &&
        check_length(&ends_sentence, count, sizeof(double), "ends_sentence") == 0 &&
        check_length(&out, product(count, out_width), sizeof(float), "out") == 0 &&
        write_position_features(log_words.buf, ends_sentence.buf, count, out.buf, out_width,
                                column) == 0) {
        result = Py_NewRef(Py_None);
    }
    PyBuffer_Release(&log_words);
    PyBuffer_Release(&ends_sentence);
    PyBuffer_Release(&out);
    return result;
}
