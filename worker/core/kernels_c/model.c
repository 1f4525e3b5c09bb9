/* The model stage: a segment's score and each feature's contribution to it, from an
   additive model (additive_scores, through kernels.StepTables for worker/core/model.py) or
   a tree ensemble (tree_scores, for worker/core/trees.py). */

#include "kernels.h"

#define ROW_BLOCK 32 /* rows of additive_scores' blocks */

/* The largest float32 at or below a threshold (NaN for NaN): a float32 x lies strictly
   above t exactly where it lies strictly above this, so four values go to a compare. */
static inline float
float_floor(double t)
{
    if (isnan(t) || t == INFINITY) {
        return (float)t;
    }
    if (t >= (double)FLT_MAX) {
        return FLT_MAX;
    }
    if (t < -(double)FLT_MAX) {
        return -INFINITY;
    }
    float f = (float)t;
    return (double)f > t ? nextafterf(f, -INFINITY) : f;
}

#ifdef __SSE2__
/* Rows i to i + 3 of a column (x: its first, stride floats apart). */
static inline __m128
four_rows(const float *x, Py_ssize_t stride, Py_ssize_t i)
{
    return _mm_set_ps(x[(i + 3) * stride], x[(i + 2) * stride], x[(i + 1) * stride],
                      x[i * stride]);
}

/* counts, but `all` in the lanes where v is NaN */
static inline __m128i
nan_to_all(__m128i counts, __m128 v, __m128i all)
{
    __m128i nan = _mm_castps_si128(_mm_cmpunord_ps(v, v));
    return _mm_or_si128(_mm_andnot_si128(nan, counts), _mm_and_si128(nan, all));
}
#endif

/* out[i * stride]: values[n] of x[i * stride] for `count` rows, n the number of the
   `thresholds` sorted values at `first` lying strictly below x as a double, or all of them
   for NaN. bars: float_floor of each threshold, for four rows to an SSE2 compare (a stump's
   one threshold then picks its values by masks, two rows at a time). Reading x once and
   writing each contribution as it is found, where a first pass stored the counts and a
   second read x again for NaN, took the model 32 -> ~20 us on a text dump's 258 x 55
   table; compares of four floats, not two doubles, ~18. */
static void
step_column(const double *first, const float *bars, Py_ssize_t thresholds, const double *values,
            const float *x, Py_ssize_t stride, Py_ssize_t count, double *out)
{
    Py_ssize_t i = 0;
    if (thresholds == 0) {
        for (; i < count; i++) {
            out[i * stride] = values[0];
        }
        return;
    }
#ifdef __SSE2__
    if (bars == NULL) {
        /* the loop below */
    }
    else if (thresholds == 1) {
        __m128 bar = _mm_set1_ps(bars[0]);
        __m128d low = _mm_set1_pd(values[0]), high = _mm_set1_pd(values[1]);
        for (; i + 4 <= count; i += 4) {
            __m128 v = four_rows(x, stride, i);
            __m128 above = _mm_or_ps(_mm_cmplt_ps(bar, v), _mm_cmpunord_ps(v, v));
            __m128d first_two = _mm_castps_pd(_mm_unpacklo_ps(above, above));
            __m128d last_two = _mm_castps_pd(_mm_unpackhi_ps(above, above));
            __m128d a = _mm_or_pd(_mm_and_pd(first_two, high), _mm_andnot_pd(first_two, low));
            __m128d b = _mm_or_pd(_mm_and_pd(last_two, high), _mm_andnot_pd(last_two, low));
            _mm_storel_pd(out + i * stride, a);
            _mm_storeh_pd(out + (i + 1) * stride, a);
            _mm_storel_pd(out + (i + 2) * stride, b);
            _mm_storeh_pd(out + (i + 3) * stride, b);
        }
    }
    else {
        __m128i all = _mm_set1_epi32((int)thresholds);
        for (; i + 8 <= count; i += 8) {
            __m128 v0 = four_rows(x, stride, i), v1 = four_rows(x, stride, i + 4);
            __m128i n0 = _mm_setzero_si128(), n1 = n0;
            for (Py_ssize_t k = 0; k < thresholds; k++) {
                __m128 bar = _mm_set1_ps(bars[k]);
                /* a true compare is all ones, -1 as an int32: subtracting it counts one */
                n0 = _mm_sub_epi32(n0, _mm_castps_si128(_mm_cmplt_ps(bar, v0)));
                n1 = _mm_sub_epi32(n1, _mm_castps_si128(_mm_cmplt_ps(bar, v1)));
            }
            int32_t below[8];
            _mm_storeu_si128((__m128i *)below, nan_to_all(n0, v0, all));
            _mm_storeu_si128((__m128i *)(below + 4), nan_to_all(n1, v1, all));
            for (int r = 0; r < 8; r++) {
                out[(i + r) * stride] = values[below[r]];
            }
        }
    }
#else
    (void)bars;
#endif
    for (; i < count; i++) {
        double value = (double)x[i * stride];
        Py_ssize_t n = 0;
        for (Py_ssize_t k = 0; k < thresholds; k++) {
            n += first[k] < value;
        }
        out[i * stride] = values[isnan(value) ? thresholds : n]; /* NaN lies above them all */
    }
}

/* A StepTables' arrays (kernels.py) read as an additive model's tables; -1 with ValueError
   if a feature's thresholds or values lie outside them. */
int
step_tables_from(const Py_buffer *edges, const Py_buffer *edge_starts, const Py_buffer *table,
                 const Py_buffer *table_starts, double bias, StepTables *tables)
{
    Py_ssize_t width = (Py_ssize_t)(edge_starts->len / (Py_ssize_t)sizeof(int64_t)) - 1;
    if (width < 0) {
        PyErr_SetString(PyExc_ValueError, "edge_starts needs one entry more than features");
        return -1;
    }
    if (check_length(table_starts, width, sizeof(int64_t), "table_starts") < 0) {
        return -1;
    }
    const int64_t *edge_at = edge_starts->buf, *table_at = table_starts->buf;
    Py_ssize_t edge_count = edges->len / (Py_ssize_t)sizeof(double);
    Py_ssize_t table_count = table->len / (Py_ssize_t)sizeof(double);
    for (Py_ssize_t j = 0; j < width; j++) {
        int64_t thresholds = edge_at[j + 1] - edge_at[j];
        if (thresholds < 0 || edge_at[j] < 0 || edge_at[j + 1] > edge_count ||
            table_at[j] < 0 || table_at[j] + thresholds + 1 > table_count) {
            PyErr_Format(PyExc_ValueError, "feature %zd's thresholds or values lie outside "
                         "the tables", j);
            return -1;
        }
    }
    *tables = (StepTables){edges->buf, edge_at, table->buf, table_at, width, bias};
    return 0;
}

/* An additive model (`tables`) applied to a count x tables->width float32 feature table:
   feature j's thresholds are edges[edge_at[j]:edge_at[j + 1]] (sorted), its values
   values[value_at[j]:], one more than its thresholds. A value x lies in the interval after
   the thresholds strictly below it (LightGBM sends x <= threshold left); NaN lies in the
   last. contributions: count x width; logits: count, the bias plus each row's sum. */
void
additive_rows(const StepTables *tables, const float *x, Py_ssize_t count, double *contributions,
              double *logits)
{
    Py_ssize_t width = tables->width, edges = 0;
    for (Py_ssize_t j = 0; j < width; j++) {
        edges = tables->edge_at[j + 1] > edges ? (Py_ssize_t)tables->edge_at[j + 1] : edges;
    }
    /* the thresholds' float_floor; NULL (the double compares alone) if there is no room */
    float bars_here[512], *bars = edges <= 512 ? bars_here : PyMem_Malloc((size_t)edges * 4);
    for (Py_ssize_t e = 0; bars != NULL && e < edges; e++) {
        bars[e] = float_floor(tables->edges[e]);
    }
    /* A feature at a time: its thresholds stay in registers, and counting those below each
       value is a compare per threshold, with no branch on the value (which side a segment
       falls is a coin toss the CPU cannot predict) and none on the feature (its thresholds
       are few: a binary search per value ran twice as long). Rows go by blocks, whose
       features and contributions stay in the L1 cache while each column is read. */
    for (Py_ssize_t block = 0; block < count; block += ROW_BLOCK) {
        Py_ssize_t rows = count - block < ROW_BLOCK ? count - block : ROW_BLOCK;
        for (Py_ssize_t j = 0; j < width; j++) {
            Py_ssize_t thresholds = (Py_ssize_t)(tables->edge_at[j + 1] - tables->edge_at[j]);
            step_column(tables->edges + tables->edge_at[j],
                        bars != NULL ? bars + tables->edge_at[j] : NULL, thresholds,
                        tables->values + tables->value_at[j], x + block * width + j, width,
                        rows, contributions + block * width + j);
        }
        for (Py_ssize_t i = block; i < block + rows; i++) { /* while the block is cached */
            logits[i] = tables->bias + pairwise_sum(contributions + i * width, width);
        }
    }
    if (bars != bars_here) {
        PyMem_Free(bars);
    }
}

/* additive_scores(features, count, edges, edge_starts, table, table_starts, bias,
                   contributions, logits)

   additive_rows for kernels.StepTables: edges, table (float64) and edge_starts,
   table_starts (int64) are the tables' arrays; features: float32, count x width;
   contributions: float64, count x width; logits: float64, count. */
PyObject *
additive_scores(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer features, edges, edge_starts, table, table_starts, contributions, logits;
    Py_ssize_t count;
    double bias;
    if (!PyArg_ParseTuple(args, "y*ny*y*y*y*dw*w*", &features, &count, &edges, &edge_starts,
                          &table, &table_starts, &bias, &contributions, &logits)) {
        return NULL;
    }
    PyObject *result = NULL;
    StepTables tables;
    if (count < 0) {
        PyErr_SetString(PyExc_ValueError, "count must not be negative");
        goto done;
    }
    if (step_tables_from(&edges, &edge_starts, &table, &table_starts, bias, &tables) < 0 ||
        check_length(&features, product(count, tables.width), sizeof(float), "features") < 0 ||
        check_length(&contributions, product(count, tables.width), sizeof(double),
                     "contributions") < 0 ||
        check_length(&logits, count, sizeof(double), "logits") < 0) {
        goto done;
    }
    additive_rows(&tables, features.buf, count, contributions.buf, logits.buf);
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&features);
    PyBuffer_Release(&edges);
    PyBuffer_Release(&edge_starts);
    PyBuffer_Release(&table);
    PyBuffer_Release(&table_starts);
    PyBuffer_Release(&contributions);
    PyBuffer_Release(&logits);
    return result;
}

/* A depth-two tree as tree_scores reads it: split k's column and threshold, the change in
   the expected output the root's split makes (per side) and the child's (per leaf). */
typedef struct {
    int32_t feature[3];
    double bar[3];
    double to_child[2];
    double leaf[4];
    double to_leaf[4];
} PackedTree;

/* tree_scores(features, count, width, split_features, thresholds, inner, leaves,
               contributions, logits)

   A trees.TreeEnsemble of whole depth-two trees applied to a count x width float32 feature
   table. Tree t: split k (0 the root, 1 its left child, 2 its right) sends x <=
   thresholds[3t + k] left, any other x (NaN too) right; split_features (int32) name the
   columns, inner holds each split's expected output, leaves the four outputs (left-left,
   left-right, right-left, right-right). logits: each row's sum of the leaves it reaches,
   tree by tree. contributions (float64, count x width, zeroed by the caller): each split
   adds to its column the change it makes in the expected output. No branch depends on a
   value: the side taken is an index. */
PyObject *
tree_scores(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer features, split_features, thresholds, inner, leaves, contributions, logits;
    Py_ssize_t count, width;
    if (!PyArg_ParseTuple(args, "y*nny*y*y*y*w*w*", &features, &count, &width, &split_features,
                          &thresholds, &inner, &leaves, &contributions, &logits)) {
        return NULL;
    }
    PyObject *result = NULL;
    PackedTree *packed = NULL;
    Py_ssize_t trees = split_features.len / (Py_ssize_t)(3 * sizeof(int32_t));
    if (count < 0 || width < 0 ||
        check_length(&features, product(count, width), sizeof(float), "features") < 0 ||
        check_length(&split_features, 3 * trees, sizeof(int32_t), "split_features") < 0 ||
        check_length(&thresholds, 3 * trees, sizeof(double), "thresholds") < 0 ||
        check_length(&inner, 3 * trees, sizeof(double), "inner") < 0 ||
        check_length(&leaves, 4 * trees, sizeof(double), "leaves") < 0 ||
        check_length(&contributions, product(count, width), sizeof(double), "contributions") < 0 ||
        check_length(&logits, count, sizeof(double), "logits") < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "count and width must not be negative");
        }
        goto done;
    }
    const int32_t *split = split_features.buf;
    for (Py_ssize_t k = 0; k < 3 * trees; k++) {
        if (split[k] < 0 || split[k] >= width) {
            PyErr_Format(PyExc_ValueError, "tree %zd splits on column %d of %zd", k / 3,
                         split[k], width);
            goto done;
        }
    }
    const double *bar = thresholds.buf, *expected = inner.buf, *leaf = leaves.buf;
    /* Each tree's numbers side by side, and the changes a split makes in the expected output
       subtracted once, not once a row (the same subtractions: the same bits). */
    packed = PyMem_Malloc((size_t)(trees > 0 ? trees : 1) * sizeof *packed);
    if (packed == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t t = 0; t < trees; t++) {
        PackedTree *tree = &packed[t];
        const double *e = expected + 3 * t;
        for (int k = 0; k < 3; k++) {
            tree->feature[k] = split[3 * t + k];
            tree->bar[k] = bar[3 * t + k];
        }
        for (int side = 0; side < 2; side++) {
            tree->to_child[side] = e[1 + side] - e[0];
        }
        for (int k = 0; k < 4; k++) {
            tree->leaf[k] = leaf[4 * t + k];
            tree->to_leaf[k] = leaf[4 * t + k] - e[1 + k / 2];
        }
    }
    const float *x = features.buf;
    double *out = contributions.buf, *sums = logits.buf;
    Py_ssize_t i = 0;
    /* Two rows at a time: each row's sum still adds in the order of the trees, but the two
       rows' additions overlap. */
    for (; i + 2 <= count; i += 2) {
        const float *row = x + i * width, *row_b = row + width;
        double *row_out = out + i * width, *row_out_b = row_out + width;
        double total = 0.0, total_b = 0.0;
        for (Py_ssize_t t = 0; t < trees; t++) {
            const PackedTree *tree = &packed[t];
            int32_t root = tree->feature[0];
            int side = !((double)row[root] <= tree->bar[0]);
            int side_b = !((double)row_b[root] <= tree->bar[0]);
            int32_t child = tree->feature[1 + side], child_b = tree->feature[1 + side_b];
            int k = 2 * side + !((double)row[child] <= tree->bar[1 + side]);
            int k_b = 2 * side_b + !((double)row_b[child_b] <= tree->bar[1 + side_b]);
            row_out[root] += tree->to_child[side];
            row_out_b[root] += tree->to_child[side_b];
            row_out[child] += tree->to_leaf[k];
            row_out_b[child_b] += tree->to_leaf[k_b];
            total += tree->leaf[k];
            total_b += tree->leaf[k_b];
        }
        sums[i] = total;
        sums[i + 1] = total_b;
    }
    for (; i < count; i++) {
        const float *row = x + i * width;
        double *row_out = out + i * width;
        double total = 0.0;
        for (Py_ssize_t t = 0; t < trees; t++) {
            const PackedTree *tree = &packed[t];
            /* !(x <= bar): NaN goes right */
            int side = !((double)row[tree->feature[0]] <= tree->bar[0]);
            int32_t child = tree->feature[1 + side];
            int k = 2 * side + !((double)row[child] <= tree->bar[1 + side]);
            row_out[tree->feature[0]] += tree->to_child[side];
            row_out[child] += tree->to_leaf[k];
            total += tree->leaf[k];
        }
        sums[i] = total;
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(packed);
    PyBuffer_Release(&features);
    PyBuffer_Release(&split_features);
    PyBuffer_Release(&thresholds);
    PyBuffer_Release(&inner);
    PyBuffer_Release(&leaves);
    PyBuffer_Release(&contributions);
    PyBuffer_Release(&logits);
    return result;
}
