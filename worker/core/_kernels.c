/* Compiled inner loops of the classifier, one per numpy or Python routine they replace.

   Numeric kernels take numpy arrays through the buffer protocol and fill an output array
   the caller allocated, so this file needs neither numpy's headers nor any state (the
   needle sets are the one object it builds, held by a capsule). The Python caller
   (kernels.py) checks shapes and dtypes; here every length is checked again, so a wrong
   call raises ValueError instead of reading past a buffer. Floating-point arithmetic is
   done in the order numpy does it (sums pairwise like numpy's add.reduce, cumulative sums
   and np.bincount's left to right), so the results equal the definitions tests/core keep
   as references, to the bit. Build flags forbid contracting a*b+c into one rounding.

   The kernels, by the stage they serve:
     segmenting     text_lines (text dumps); html_utf8, joined_words,
                    compile_needles + contains_needle, page_layout (HTML)
     features       text_counts, phrase_counts (boilerplate words), repeat_counts,
                    context_columns, position_features
     model          additive_scores, tree_scores
     decision       rule_rejections, page_cut
     reasons        strongest_columns, rounded_values, reason_texts
     verdict        segment_verdicts
   two for validating a raw record (raw_page.py): control_characters, nests_deeper_than;
   and one for building its outputs (records.py): reject_rows */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Byte classes, in the order of worker/core/features.py, which passes its class table. */
enum { SPACE, UPPER, LOWER, DIGIT, SENTENCE, COMMA, PIPE, OTHER, MULTIBYTE, CONTINUATION,
       CLASS_COUNT };
#define TEXT_COUNT_COLUMNS 18 /* TEXT_NAMES up to starts_symbol; the rest come from Python */

/* log1p of the whole numbers a page's counts mostly are (characters, words, segments),
   computed once by log1p itself when the module loads: a lookup instead of a call. */
#define SMALL_COUNTS 4096
static double log1p_of_small[SMALL_COUNTS];

static double
log1p_count(double count) /* count: a whole number >= 0 */
{
    return count < SMALL_COUNTS ? log1p_of_small[(Py_ssize_t)count] : log1p(count);
}

/* numpy's pairwise summation (numpy/_core/src/umath/loops_utils.h.src), which add.reduce
   uses along a contiguous axis: 8 interleaved partial sums, blocks of at most 128. */
static double
pairwise_sum(const double *values, Py_ssize_t count)
{
    if (count < 8) {
        double sum = 0.0;
        for (Py_ssize_t i = 0; i < count; i++) {
            sum += values[i];
        }
        return sum;
    }
    if (count <= 128) {
        double partial[8];
        Py_ssize_t i;
        for (int j = 0; j < 8; j++) {
            partial[j] = values[j];
        }
        for (i = 8; i < count - (count % 8); i += 8) {
            for (int j = 0; j < 8; j++) {
                partial[j] += values[i + j];
            }
        }
        double sum = ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
                     ((partial[4] + partial[5]) + (partial[6] + partial[7]));
        for (; i < count; i++) {
            sum += values[i];
        }
        return sum;
    }
    Py_ssize_t half = count / 2;
    half -= half % 8;
    return pairwise_sum(values, half) + pairwise_sum(values + half, count - half);
}

/* a * b, or -1 if either is negative or the product does not fit (a caller's size is
   never trusted: a huge count must not wrap around to the length of a small buffer). */
static Py_ssize_t
product(Py_ssize_t a, Py_ssize_t b)
{
    Py_ssize_t result;
    if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &result)) {
        return -1;
    }
    return result;
}

static Py_ssize_t
count_newlines(const uint8_t *bytes, Py_ssize_t size)
{
    Py_ssize_t newlines = 0;
    const uint8_t *end = bytes + size, *found;
    while (bytes < end && (found = memchr(bytes, '\n', (size_t)(end - bytes))) != NULL) {
        newlines++;
        bytes = found + 1;
    }
    return newlines;
}

/* Whether `buffer` holds `items` items of `item_size` bytes; ValueError if not. */
static int
check_length(const Py_buffer *buffer, Py_ssize_t items, Py_ssize_t item_size, const char *name)
{
    Py_ssize_t bytes = product(items, item_size);
    if (bytes < 0) {
        PyErr_Format(PyExc_ValueError, "%s: a size is negative or too large", name);
        return -1;
    }
    if (buffer->len != bytes) {
        PyErr_Format(PyExc_ValueError, "%s holds %zd bytes, expected %zd", name, buffer->len,
                     bytes);
        return -1;
    }
    return 0;
}

/* What code_point_kinds (features.py) says of a character of two or three UTF-8 bytes. */
enum {
    KIND_UPPER = 1,    /* an upper-case letter (Cyrillic, Greek, accented Latin) */
    KIND_LOWER = 2,    /* a lower-case letter */
    KIND_WORD = 4,     /* a word of its own (CJK ideographs and kana: no spaces between words) */
    KIND_SENTENCE = 8, /* ends a sentence (。！？) */
    KIND_COMMA = 16,   /* a comma or a colon of another script (，、；：) */
};
#define CODE_POINTS 0x10000 /* the kinds table covers the Basic Multilingual Plane */

/* The code point of the character of two or three bytes starting at bytes[p], or 0 when
   they are no such character (a four-byte one, a byte missing, a newline among them). */
static uint32_t
code_point_at(const uint8_t *bytes, Py_ssize_t p, Py_ssize_t size)
{
    uint8_t lead = bytes[p];
    if (lead >= 0xC2 && lead <= 0xDF && p + 1 < size && (bytes[p + 1] & 0xC0) == 0x80) {
        return ((uint32_t)(lead & 0x1F) << 6) | (bytes[p + 1] & 0x3F);
    }
    if (lead >= 0xE0 && lead <= 0xEF && p + 2 < size && (bytes[p + 1] & 0xC0) == 0x80 &&
        (bytes[p + 2] & 0xC0) == 0x80) {
        return ((uint32_t)(lead & 0x0F) << 12) | ((uint32_t)(bytes[p + 1] & 0x3F) << 6) |
               (bytes[p + 2] & 0x3F);
    }
    return 0;
}

/* The kind of the last character of bytes[start:end] (0 for an ASCII one). */
static uint8_t
last_kind(const uint8_t *bytes, Py_ssize_t start, Py_ssize_t end, const uint8_t *kinds)
{
    Py_ssize_t p = end - 1;
    while (p > start && p > end - 3 && (bytes[p] & 0xC0) == 0x80) {
        p--;
    }
    return p >= start && bytes[p] >= 0xC2 ? kinds[code_point_at(bytes, p, end)] : 0;
}

/* Per segment, what its characters of two and three bytes add to the ASCII counts. */
enum { WIDE_UPPER, WIDE_LOWER, WIDE_CAPITALISED, WIDE_WORDS, WIDE_SENTENCE, WIDE_COMMA,
       WIDE_COUNT };

/* text_counts(page, class_table, ends_sentence_table, kinds, count, out)

   The first TEXT_COUNT_COLUMNS text features (features.TEXT_NAMES, log_chars to
   starts_symbol) of each of the `count` segments of `page`, the UTF-8 of the segments
   joined by "\n". A segment owns its bytes and the newline after it; a word starts at a
   byte that is not a space and follows one (the page's first byte follows one), and at
   each character of KIND_WORD that follows none. `kinds`: a byte per code point of the
   Basic Multilingual Plane (KIND_*), read for the characters of two and three bytes: their
   case counts as an ASCII letter's does, their sentence marks and commas as ASCII ones.
   out: float64, count x TEXT_COUNT_COLUMNS. */
static PyObject *
text_counts(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer page, classes, ends_sentence, kinds_buffer, out;
    Py_ssize_t count;
    if (!PyArg_ParseTuple(args, "y*y*y*y*nw*", &page, &classes, &ends_sentence, &kinds_buffer,
                          &count, &out)) {
        return NULL;
    }
    PyObject *result = NULL;
    int64_t(*cells)[2][CLASS_COUNT] = NULL;
    int64_t(*wide)[WIDE_COUNT] = NULL;
    if (check_length(&classes, 256, 1, "class_table") < 0 ||
        check_length(&ends_sentence, 256, 1, "ends_sentence_table") < 0 ||
        check_length(&kinds_buffer, CODE_POINTS, 1, "kinds") < 0 ||
        check_length(&out, product(count, TEXT_COUNT_COLUMNS), sizeof(double), "out") < 0) {
        goto done;
    }
    const uint8_t *bytes = page.buf, *class_of = classes.buf, *ends = ends_sentence.buf;
    const uint8_t *kinds = kinds_buffer.buf;
    for (int b = 0; b < 256; b++) {
        if (class_of[b] >= CLASS_COUNT) {
            PyErr_SetString(PyExc_ValueError, "class_table holds an unknown class");
            goto done;
        }
    }
    Py_ssize_t size = page.len, newlines = count_newlines(bytes, size);
    if (count < 1 || newlines + 1 != count) {
        PyErr_Format(PyExc_ValueError, "%zd segments need %zd newlines, the page has %zd",
                     count, count - 1, newlines);
        goto done;
    }
    /* cells[segment][after a space?][class]: how many of the segment's bytes fall there */
    cells = PyMem_Calloc((size_t)count, sizeof *cells);
    wide = PyMem_Calloc((size_t)count, sizeof *wide);
    if (cells == NULL || wide == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    double *features = out.buf;
    Py_ssize_t segment = 0, start = 0;
    int after_space = 1;
    for (Py_ssize_t p = 0; p <= size; p++) {
        if (p == size || bytes[p] == '\n') {
            /* The segment's text is bytes[start:p]; its counts are complete but for the
               newline, counted below with the next iteration's byte. */
            if (p < size) {
                cells[segment][after_space][SPACE]++;
            }
            int64_t *plain = cells[segment][0], *word_starts = cells[segment][1];
            const int64_t *added = wide[segment];
            int64_t totals[CLASS_COUNT], words = added[WIDE_WORDS];
            for (int c = 0; c < CLASS_COUNT; c++) {
                totals[c] = plain[c] + word_starts[c];
                words += c == SPACE ? 0 : word_starts[c];
            }
            int64_t owned = (p < size ? p + 1 : p) - start;
            double chars = (double)(owned - totals[CONTINUATION] - totals[SPACE]);
            chars = chars < 1.0 ? 1.0 : chars;
            double letters = (double)(totals[UPPER] + totals[LOWER] + totals[MULTIBYTE]);
            letters = letters < 1.0 ? 1.0 : letters;
            double safe_words = words < 1 ? 1.0 : (double)words;
            /* An empty segment (the segmenters make none) reads as a lone newline. */
            uint8_t last = p > start ? bytes[p - 1] : '\n';
            uint8_t before_last = p - 2 >= start ? bytes[p - 2] : last;
            uint8_t first_class = p > start ? class_of[bytes[start]] : SPACE;
            uint8_t first_kind =
                first_class == MULTIBYTE ? kinds[code_point_at(bytes, start, p)] : 0;
            double *row = features + segment * TEXT_COUNT_COLUMNS;
            row[0] = log1p_count(chars);
            row[1] = log1p_count((double)words);
            row[2] = chars / safe_words;
            row[3] = (double)(totals[UPPER] + added[WIDE_UPPER]) / letters;
            row[4] = (double)(totals[LOWER] + added[WIDE_LOWER]) / letters;
            row[5] = (double)totals[DIGIT] / chars;
            row[6] = (double)totals[MULTIBYTE] / chars;
            row[7] = (double)(totals[SENTENCE] + added[WIDE_SENTENCE]) / safe_words;
            row[8] = (double)(totals[COMMA] + added[WIDE_COMMA]) / safe_words;
            row[9] = (double)totals[PIPE];
            row[10] = (double)(word_starts[UPPER] + added[WIDE_CAPITALISED]) / safe_words;
            row[11] = ends[last] || last_kind(bytes, start, p, kinds) & KIND_SENTENCE;
            row[12] = last == ':';
            row[13] = last == '-' && before_last == ' ';
            row[14] = class_of[last] == DIGIT;
            row[15] = first_class == UPPER || first_kind & KIND_UPPER;
            row[16] = first_class == LOWER || first_kind & KIND_LOWER;
            row[17] = first_class == OTHER || first_class == PIPE;
            segment++;
            start = p + 1;
            after_space = 1;
            continue;
        }
        uint8_t class = class_of[bytes[p]];
        cells[segment][after_space][class]++;
        if (class == MULTIBYTE) {
            uint8_t kind = kinds[code_point_at(bytes, p, size)];
            if (kind) {
                int64_t *added = wide[segment];
                added[WIDE_UPPER] += (kind & KIND_UPPER) != 0;
                added[WIDE_LOWER] += (kind & KIND_LOWER) != 0;
                added[WIDE_CAPITALISED] += after_space && (kind & KIND_UPPER);
                added[WIDE_WORDS] += !after_space && (kind & KIND_WORD);
                added[WIDE_SENTENCE] += (kind & KIND_SENTENCE) != 0;
                added[WIDE_COMMA] += (kind & KIND_COMMA) != 0;
            }
        }
        after_space = class == SPACE;
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(cells);
    PyMem_Free(wide);
    PyBuffer_Release(&page);
    PyBuffer_Release(&classes);
    PyBuffer_Release(&ends_sentence);
    PyBuffer_Release(&kinds_buffer);
    PyBuffer_Release(&out);
    return result;
}

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
    for (Py_ssize_t c = 0; c < width; c++) {
        for (Py_ssize_t i = 0; i < count; i++) {
            double value = input[i * width + c];
            sums[i * width + c] = i ? sums[(i - 1) * width + c] + value : value;
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

/* context_columns(sources, count, width, radii, out, out_width, column)

   The context features of a page (features.feature_names: the `_mean{radius}`, `_prev` and
   `_next` columns), written straight into its feature table: sources is float64, count x
   width; out is float32, count x out_width, and gets, from `column` on, width columns of
   moving means per radius, then each row's previous row of sources (zeros on the first),
   then its next (zeros on the last), each value rounded to float32 once, as numpy assigns. */
static PyObject *
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
    double *sums = NULL;
    Py_ssize_t windows = PyTuple_GET_SIZE(radii);
    Py_ssize_t written = product(width, windows + 2);
    if (check_length(&values, product(count, width), sizeof(double), "values") < 0 ||
        check_length(&out, product(count, out_width), sizeof(float), "out") < 0) {
        goto done;
    }
    if (written < 0 || column < 0 || column > out_width - written) {
        PyErr_Format(PyExc_ValueError, "%zd context columns from column %zd do not fit in %zd",
                     written, column, out_width);
        goto done;
    }
    /* the cumulative sums, then the means of one radius (a plane of the same shape) */
    sums = PyMem_Malloc((size_t)(2 * count * width + 1) * sizeof(double));
    if (sums == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    double *means = sums + count * width;
    const double *input = values.buf;
    float *rows = out.buf;
    column_sums(input, count, width, sums);
    for (Py_ssize_t w = 0; w < windows; w++) {
        Py_ssize_t radius = window_radius(radii, w, count);
        if (radius < 0) {
            goto done;
        }
        for (Py_ssize_t c = 0; c < width; c++) {
            moving_mean_column(sums + c, count, width, radius, means + c);
            float *cell = rows + column + w * width + c;
            for (Py_ssize_t i = 0; i < count; i++) {
                cell[i * out_width] = (float)means[i * width + c];
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
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(sums);
    PyBuffer_Release(&values);
    PyBuffer_Release(&out);
    return result;
}

#define PROSE_WORDS 12.0
#define DENSEST_RADIUS 5
#define POSITION_COLUMNS 7

/* position_features(log_words, ends_sentence, count, out[, out_width, column])

   Where each segment sits (features.POSITION_NAMES): between the first and last prose
   segments (PROSE_WORDS words or more, ending a sentence), how far from the nearest, its
   relative position, the share of the page's words before it, its distance to the densest
   text (the largest radius-5 moving mean of words), and the page's size in segments and in
   words. log_words, ends_sentence: float64, count; out: float32, count x out_width
   (POSITION_COLUMNS unless given), filled from `column` (0 unless given) on. */
static PyObject *
position_features(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer log_words, ends_sentence, out;
    Py_ssize_t count, out_width = POSITION_COLUMNS, column = 0;
    if (!PyArg_ParseTuple(args, "y*y*nw*|nn", &log_words, &ends_sentence, &count, &out,
                          &out_width, &column)) {
        return NULL;
    }
    PyObject *result = NULL;
    double *words = NULL;
    if (count < 1 || check_length(&log_words, count, sizeof(double), "log_words") < 0 ||
        check_length(&ends_sentence, count, sizeof(double), "ends_sentence") < 0 ||
        check_length(&out, product(count, out_width), sizeof(float), "out") < 0) {
        if (count < 1 && !PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "a page needs a segment");
        }
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
    const double *logs = log_words.buf, *ends = ends_sentence.buf;
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
    float *rows = out.buf;
    double last_index = count > 1 ? (double)(count - 1) : 1.0;
    for (Py_ssize_t i = 0; i < count; i++) {
        double index = (double)i;
        double distance = fmin(index - previous[i], following[i] - index);
        float *row = rows + i * out_width + column;
        row[0] = isfinite(previous[i]) && isfinite(following[i]);
        row[1] = (float)log1p_count(fmin(distance, (double)count));
        row[2] = (float)(index / last_index);
        row[3] = (float)((sums[i] - words[i]) / total);
        row[4] = (float)(fabs(index - (double)densest) / (double)count);
        row[5] = (float)log1p_count((double)count);
        row[6] = (float)log1p(total);
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(words);
    PyBuffer_Release(&log_words);
    PyBuffer_Release(&ends_sentence);
    PyBuffer_Release(&out);
    return result;
}

/* additive_scores(features, count, edges, edge_starts, table, table_starts, bias,
                   contributions, logits)

   An AdditiveModel applied to a count x width float32 feature table: feature j's
   thresholds are edges[edge_starts[j]:edge_starts[j + 1]] (sorted), its values
   table[table_starts[j]:], one more than its thresholds. A value x lies in the interval
   after the thresholds strictly below it (LightGBM sends x <= threshold left); NaN lies in
   the last. contributions: float64, count x width; logits: float64, count, the bias plus
   each row's sum. */
static PyObject *
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
    Py_ssize_t width = (Py_ssize_t)(edge_starts.len / (Py_ssize_t)sizeof(int64_t)) - 1;
    if (width < 0 || count < 0 ||
        check_length(&features, product(count, width), sizeof(float), "features") < 0 ||
        check_length(&table_starts, width, sizeof(int64_t), "table_starts") < 0 ||
        check_length(&contributions, product(count, width), sizeof(double), "contributions") < 0 ||
        check_length(&logits, count, sizeof(double), "logits") < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "edge_starts needs one entry more than features");
        }
        goto done;
    }
    const int64_t *edge_at = edge_starts.buf, *table_at = table_starts.buf;
    Py_ssize_t edge_count = edges.len / (Py_ssize_t)sizeof(double);
    Py_ssize_t table_count = table.len / (Py_ssize_t)sizeof(double);
    for (Py_ssize_t j = 0; j < width; j++) {
        int64_t thresholds = edge_at[j + 1] - edge_at[j];
        if (thresholds < 0 || edge_at[j] < 0 || edge_at[j + 1] > edge_count ||
            table_at[j] < 0 || table_at[j] + thresholds + 1 > table_count) {
            PyErr_Format(PyExc_ValueError, "feature %zd's thresholds or values lie outside "
                         "the tables", j);
            goto done;
        }
    }
    const float *x = features.buf;
    const double *edge = edges.buf, *value = table.buf;
    double *out = contributions.buf, *sums = logits.buf;
    /* A branch-free binary search: which side of a threshold a segment's value falls is a coin
       toss the CPU cannot predict (this runs a third faster than the branching search). */
    for (Py_ssize_t i = 0; i < count; i++) {
        for (Py_ssize_t j = 0; j < width; j++) {
            const double *first = edge + edge_at[j];
            Py_ssize_t thresholds = (Py_ssize_t)(edge_at[j + 1] - edge_at[j]);
            const double *values = value + table_at[j];
            double v = (double)x[i * width + j];
            const double *base = first;
            Py_ssize_t left = thresholds;
            while (left > 1) {
                Py_ssize_t half = left / 2;
                base = base[half] < v ? base + half : base;
                left -= half;
            }
            /* how many thresholds lie strictly below v; NaN lies above them all */
            Py_ssize_t below = (base - first) + (thresholds > 0 && base[0] < v);
            out[i * width + j] = values[isnan(v) ? thresholds : below];
        }
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        sums[i] = bias + pairwise_sum(out + i * width, width);
    }
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
static PyObject *
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

/* strongest_columns(contributions, keep, count, width, out)

   For each row of a count x width float64 table, the `k` columns (k = out's width) pushing
   hardest toward the row's label: the largest contributions where keep[i] (uint8) is set,
   the most negative elsewhere; of equal ones, the first. out: int64, count x k. */
static PyObject *
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
    if (k > width || k > 8) {
        PyErr_Format(PyExc_ValueError, "%zd columns of %zd asked for (at most 8)", k, width);
        goto done;
    }
    const double *table = contributions.buf;
    const uint8_t *kept = keep.buf;
    int64_t *chosen = out.buf;
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
        result = Py_NewRef(Py_None);
        goto done;
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
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&contributions);
    PyBuffer_Release(&keep);
    PyBuffer_Release(&out);
    return result;
}

/* bytes.lower(), as a table: a branch per byte on the case of letters mispredicts often. */
static uint8_t lower_ascii[256];
#define LOWER_ASCII(b) (lower_ascii[(uint8_t)(b)])
#define PREFIX_HASHES 65536
#define PREFIX_HASH(a, b, c) \
    (((unsigned)(a) * 1031u + (unsigned)(b) * 37u + (unsigned)(c)) & 0xFFFFu)

/* phrase_counts(page, count, phrases, out)

   How many phrase matches start in each of the `count` newline-separated segments of
   `page`, read the way re.finditer reads one alternation of all phrases over the page
   lowercased: matches never overlap, the leftmost wins and, at one position, the longest.
   ASCII letters of the page are lowercased (bytes.lower()); phrases (bytes, lowercase, none
   empty, none holding a newline) are compared byte for byte. out: float32, count.
   Returns False, and counts that are not to be used, when the page holds a character whose
   lowercase is ASCII or of another length (KELVIN SIGN, U+212A -> "k"; U+0130 -> "i̇"):
   bytes.lower() cannot read such a page as str.lower() does. True otherwise. */
static PyObject *
phrase_counts(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer page, out;
    Py_ssize_t count;
    PyObject *phrases;
    if (!PyArg_ParseTuple(args, "y*nO!w*", &page, &count, &PyTuple_Type, &phrases, &out)) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t phrase_count = PyTuple_GET_SIZE(phrases);
    /* Phrases by first byte, longest first: by_first[first[b] .. first[b + 1]). */
    Py_ssize_t *order = NULL, first[257] = {0};
    if (count < 1 || check_length(&out, count, sizeof(float), "out") < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "a page needs a segment");
        }
        goto done;
    }
    order = PyMem_Malloc((size_t)(phrase_count + 1) * sizeof(Py_ssize_t));
    if (order == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < phrase_count; i++) {
        PyObject *phrase = PyTuple_GET_ITEM(phrases, i);
        if (!PyBytes_Check(phrase) || PyBytes_GET_SIZE(phrase) == 0 ||
            memchr(PyBytes_AS_STRING(phrase), '\n', (size_t)PyBytes_GET_SIZE(phrase))) {
            PyErr_SetString(PyExc_ValueError, "phrases must be non-empty bytes, no newline");
            goto done;
        }
        first[(uint8_t)PyBytes_AS_STRING(phrase)[0] + 1]++;
    }
    for (int b = 0; b < 256; b++) {
        first[b + 1] += first[b];
    }
    {
        Py_ssize_t filled[256];
        memcpy(filled, first, sizeof filled);
        /* Insertion by length into each first byte's slots: a few dozen phrases. */
        for (Py_ssize_t i = 0; i < phrase_count; i++) {
            PyObject *phrase = PyTuple_GET_ITEM(phrases, i);
            uint8_t b = (uint8_t)PyBytes_AS_STRING(phrase)[0];
            Py_ssize_t slot = filled[b]++;
            while (slot > first[b] &&
                   PyBytes_GET_SIZE(PyTuple_GET_ITEM(phrases, order[slot - 1])) <
                       PyBytes_GET_SIZE(phrase)) {
                order[slot] = order[slot - 1];
                slot--;
            }
            order[slot] = i;
        }
    }
    /* A bit per hash of the first three bytes of each phrase (a shorter phrase sets the bits
       of every third byte): most positions of a page are ruled out by one bit. */
    uint8_t starts[PREFIX_HASHES / 8];
    memset(starts, 0, sizeof starts);
    for (Py_ssize_t i = 0; i < phrase_count; i++) {
        PyObject *phrase = PyTuple_GET_ITEM(phrases, i);
        const uint8_t *text = (const uint8_t *)PyBytes_AS_STRING(phrase);
        Py_ssize_t length = PyBytes_GET_SIZE(phrase);
        unsigned seconds = length >= 2 ? 1 : 256, thirds = length >= 3 ? 1 : 256;
        for (unsigned second = 0; second < seconds; second++) {
            for (unsigned third = 0; third < thirds; third++) {
                unsigned hash = PREFIX_HASH(text[0], length >= 2 ? text[1] : second,
                                            length >= 3 ? text[2] : third);
                starts[hash >> 3] |= (uint8_t)(1u << (hash & 7));
            }
        }
    }
    /* U+212A and U+0130 must pass the bitmap too, to be noticed */
    unsigned kelvin = PREFIX_HASH(0xE2, 0x84, 0xAA);
    starts[kelvin >> 3] |= (uint8_t)(1u << (kelvin & 7));
    for (unsigned third = 0; third < 256; third++) {
        unsigned dotted = PREFIX_HASH(0xC4, 0xB0, third);
        starts[dotted >> 3] |= (uint8_t)(1u << (dotted & 7));
    }
    int readable = 1;
    const uint8_t *bytes = page.buf;
    Py_ssize_t size = page.len, segment = 0, counted = 0; /* newlines before `counted` seen */
    float *hits = out.buf;
    memset(hits, 0, (size_t)count * sizeof(float));
    /* The lowered bytes at p, p + 1 and p + 2 (0 past the end), shifted along. */
    uint8_t here = 0, next = size > 0 ? LOWER_ASCII(bytes[0]) : 0;
    uint8_t after = size > 1 ? LOWER_ASCII(bytes[1]) : 0;
    for (Py_ssize_t p = 0; p < size;) {
        here = next;
        next = after;
        after = p + 2 < size ? LOWER_ASCII(bytes[p + 2]) : 0;
        unsigned hash = PREFIX_HASH(here, next, after);
        if (!(starts[hash >> 3] & (1u << (hash & 7)))) {
            p++;
            continue;
        }
        if ((here == 0xE2 && next == 0x84 && after == 0xAA) || (here == 0xC4 && next == 0xB0)) {
            readable = 0; /* the sizes are still checked to the end */
        }
        Py_ssize_t matched = 0;
        for (Py_ssize_t k = first[here]; k < first[here + 1] && !matched; k++) {
            PyObject *phrase = PyTuple_GET_ITEM(phrases, order[k]);
            const uint8_t *text = (const uint8_t *)PyBytes_AS_STRING(phrase);
            Py_ssize_t length = PyBytes_GET_SIZE(phrase);
            if (length > size - p) {
                continue;
            }
            Py_ssize_t i = 1;
            while (i < length && LOWER_ASCII(bytes[p + i]) == text[i]) {
                i++;
            }
            matched = i == length ? length : 0;
        }
        if (!matched) {
            p++;
            continue;
        }
        segment += count_newlines(bytes + counted, p - counted);
        counted = p;
        if (segment >= count) {
            break; /* reported below */
        }
        hits[segment] += 1.0f;
        p += matched;
        next = p < size ? LOWER_ASCII(bytes[p]) : 0;
        after = p + 1 < size ? LOWER_ASCII(bytes[p + 1]) : 0;
    }
    segment += count_newlines(bytes + counted, size - counted);
    if (segment + 1 != count) {
        PyErr_Format(PyExc_ValueError, "%zd segments need %zd newlines, the page has %zd",
                     count, count - 1, segment);
        goto done;
    }
    result = PyBool_FromLong(readable);
done:
    PyMem_Free(order);
    PyBuffer_Release(&page);
    PyBuffer_Release(&out);
    return result;
}

/* repeat_counts(page, count, out)

   For each of the `count` newline-separated segments of `page`, how many other segments
   are the same bytes (Counter(texts)[text] - 1). out: float32, count. Segments are hashed
   eight bytes at a time into an open-addressing table and compared byte for byte. */
static PyObject *
repeat_counts(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer page, out;
    Py_ssize_t count;
    if (!PyArg_ParseTuple(args, "y*nw*", &page, &count, &out)) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t *starts = NULL, *slots = NULL, *owner = NULL, *seen = NULL;
    if (count < 1 || check_length(&out, count, sizeof(float), "out") < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "a page needs a segment");
        }
        goto done;
    }
    const uint8_t *bytes = page.buf;
    Py_ssize_t size = page.len;
    if (count_newlines(bytes, size) + 1 != count) {
        PyErr_Format(PyExc_ValueError, "%zd segments need %zd newlines", count, count - 1);
        goto done;
    }
    Py_ssize_t capacity = 16; /* a power of two, at least twice the segments */
    while (capacity < 2 * count) {
        capacity *= 2;
    }
    starts = PyMem_Malloc((size_t)(count + 1) * sizeof(Py_ssize_t));
    slots = PyMem_Malloc((size_t)capacity * sizeof(Py_ssize_t)); /* a segment, or -1 */
    owner = PyMem_Malloc((size_t)count * sizeof(Py_ssize_t)); /* its first equal segment */
    seen = PyMem_Calloc((size_t)count, sizeof(Py_ssize_t)); /* per first one: how many */
    if (starts == NULL || slots == NULL || owner == NULL || seen == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memset(slots, 0xFF, (size_t)capacity * sizeof(Py_ssize_t));
    for (Py_ssize_t i = 0, p = 0; i < count; i++) {
        starts[i] = p;
        const uint8_t *end = memchr(bytes + p, '\n', (size_t)(size - p));
        p = end ? end - bytes + 1 : size + 1; /* a segment owns its newline */
    }
    starts[count] = size + 1;
    for (Py_ssize_t i = 0; i < count; i++) {
        const uint8_t *text = bytes + starts[i];
        Py_ssize_t length = starts[i + 1] - starts[i] - 1;
        uint64_t hash = (uint64_t)length * 0x9E3779B97F4A7C15ull;
        Py_ssize_t b = 0;
        for (; b + 8 <= length; b += 8) { /* eight bytes a multiplication */
            uint64_t word;
            memcpy(&word, text + b, 8);
            hash = (hash ^ word) * 0xFF51AFD7ED558CCDull;
            hash ^= hash >> 32;
        }
        if (b < length) {
            uint64_t word = 0;
            memcpy(&word, text + b, (size_t)(length - b));
            hash = (hash ^ word) * 0xFF51AFD7ED558CCDull;
            hash ^= hash >> 32;
        }
        hash ^= hash >> 29; /* the table takes the low bits: mix the high ones in */
        Py_ssize_t slot = (Py_ssize_t)(hash & (uint64_t)(capacity - 1));
        while (1) {
            Py_ssize_t other = slots[slot];
            if (other < 0) {
                slots[slot] = i;
                owner[i] = i;
                break;
            }
            if (starts[other + 1] - starts[other] - 1 == length &&
                memcmp(bytes + starts[other], text, (size_t)length) == 0) {
                owner[i] = other;
                break;
            }
            slot = (slot + 1) & (capacity - 1);
        }
        seen[owner[i]]++;
    }
    float *repeats = out.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        repeats[i] = (float)(seen[owner[i]] - 1);
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(starts);
    PyMem_Free(slots);
    PyMem_Free(owner);
    PyMem_Free(seen);
    PyBuffer_Release(&page);
    PyBuffer_Release(&out);
    return result;
}

/* pow(10.0, e) for the whole e two-digit rounding meets (float32 magnitudes from 1e-12
   on), made by pow at import: half of rounded_values' time was pow. */
#define POWERS_FROM (-13)
#define POWERS 52
static double powers_of_ten[POWERS];

static inline double
ten_to(double exponent) /* exponent: a whole number, or not finite */
{
    double index = exponent - POWERS_FROM;
    if (index >= 0.0 && index < POWERS) {
        return powers_of_ten[(int)index];
    }
    return pow(10.0, exponent);
}

/* rounded_values(features, width, columns, out)

   features[i, columns[i, c]] of a float32 table `width` wide, rounded to two significant
   digits as numpy does it: rint(x / 10^(floor(log10(max(|x|, 1e-12))) - 1)) times that
   power of ten, 0 for 0. columns: int64, count x k; out: float64, count x k. */
static PyObject *
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
    const float *table = features.buf;
    const int64_t *chosen = columns.buf;
    double *rounded = out.buf;
    Py_ssize_t k = count > 0 ? cells / count : 0;
    for (Py_ssize_t cell = 0; cell < cells; cell++) {
        int64_t column = chosen[cell];
        if (column < 0 || column >= width) {
            PyErr_Format(PyExc_ValueError, "column %lld outside the %zd features",
                         (long long)column, width);
            goto done;
        }
        double value = (double)table[(cell / k) * width + column];
        double magnitude = fabs(value);
        if (magnitude < 1e-12) { /* np.maximum: NaN stays NaN */
            magnitude = 1e-12;
        }
        double scale = ten_to(floor(log10(magnitude)) - 1.0);
        rounded[cell] = value == 0.0 ? 0.0 : rint(value / scale) * scale;
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&features);
    PyBuffer_Release(&columns);
    PyBuffer_Release(&out);
    return result;
}

/* Writes the UTF-8 of c, a code point that is no surrogate, at out; returns its length. */
static inline Py_ssize_t
put_utf8(Py_UCS4 c, uint8_t *out)
{
    if (c < 0x80) {
        out[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (uint8_t)(0xC0 | c >> 6);
        out[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (uint8_t)(0xE0 | c >> 12);
        out[1] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
        out[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | c >> 18);
    out[1] = (uint8_t)(0x80 | (c >> 12 & 0x3F));
    out[2] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
    out[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

/* One line of a str of `kind`, from code point *at up to its "\n" or "\r\n" (or the end),
   written into `line` as UTF-8 with its whitespace folded as " ".join(line.split()) folds
   it; *at is left on the newline. Returns the length written, or -1 when the line holds
   another line break (str.splitlines() breaks there too) or a lone surrogate: the caller
   takes the plain way then. *ascii says whether every character was ASCII. Inlined for each
   kind, so PyUnicode_READ's switch on the kind is decided at compile time. */
#ifdef __SSE2__
/* The 16 characters of a str of `kind` from p on, narrowed to bytes by saturating packs:
   exact below 0x80, 0x80 or more (or 0, for a UCS-2 one of 0x8000 on) for the others. */
static inline __attribute__((always_inline)) __m128i
narrowed_16(int kind, const void *data, Py_ssize_t p)
{
    const uint8_t *at = (const uint8_t *)data + p * kind;
    if (kind == 1) {
        return _mm_loadu_si128((const __m128i *)at);
    }
    if (kind == 2) {
        return _mm_packus_epi16(_mm_loadu_si128((const __m128i *)at),
                                _mm_loadu_si128((const __m128i *)(at + 16)));
    }
    __m128i a = _mm_loadu_si128((const __m128i *)at);
    __m128i b = _mm_loadu_si128((const __m128i *)(at + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(at + 32));
    __m128i d = _mm_loadu_si128((const __m128i *)(at + 48));
    return _mm_packus_epi16(_mm_packs_epi32(a, b), _mm_packs_epi32(c, d));
}
#endif

static inline __attribute__((always_inline)) Py_ssize_t
fold_line(int kind, const void *data, Py_ssize_t size, Py_ssize_t *at, char *line, int *ascii)
{
    Py_ssize_t p = *at, length = 0;
    int pending_space = 0, only_ascii = 1;
#ifdef __SSE2__
    Py_ssize_t block_from = p; /* where the next block of 16 may start */
#endif
    for (; p < size; p++) {
#ifdef __SSE2__
        /* Most of a line: 16 printable ASCII characters without two spaces in a row, after
           a character written and no space pending. They are written as they are, but for
           a last space, which becomes pending. */
        if (p >= block_from && length > 0 && !pending_space && p + 16 <= size) {
            __m128i bytes = narrowed_16(kind, data, p);
            __m128i printable = _mm_and_si128(_mm_cmpgt_epi8(bytes, _mm_set1_epi8(0x1F)),
                                              _mm_cmplt_epi8(bytes, _mm_set1_epi8(0x7F)));
            unsigned spaces =
                (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(' ')));
            unsigned odd = ((unsigned)_mm_movemask_epi8(printable) ^ 0xFFFFu) |
                           (spaces & (spaces >> 1));
            if (odd == 0) {
                _mm_storeu_si128((__m128i *)(line + length), bytes);
                int last_space = (int)(spaces >> 15);
                length += 16 - last_space;
                pending_space = last_space;
                p += 15;
                continue;
            }
            block_from = p + __builtin_ctz(odd) + 1; /* one by one up to the odd one */
        }
#endif
        Py_UCS4 c = PyUnicode_READ(kind, data, p);
        if (c - ' ' < 0x5F) {
            /* Most characters: printable ASCII or a space, without a branch on which (a
               branch mispredicted at every word's edge). A space only becomes pending; the
               character after it writes it. The stores past `length` land on bytes this
               line or the next will write: see text_lines. */
            int space = c == ' ';
            line[length] = ' ';
            length += pending_space & !space;
            line[length] = (char)c;
            length += !space;
            pending_space = space & (length > 0);
            continue;
        }
        if (c == '\n' ||
            (c == '\r' && p + 1 < size && PyUnicode_READ(kind, data, p + 1) == '\n')) {
            break;
        }
        if (Py_UNICODE_ISLINEBREAK(c) || (c >= 0xD800 && c <= 0xDFFF)) {
            return -1;
        }
        if (Py_UNICODE_ISSPACE(c)) {
            pending_space = length > 0;
            continue;
        }
        if (pending_space) {
            line[length++] = ' ';
            pending_space = 0;
        }
        only_ascii &= c < 0x80; /* (an ASCII one here is a control character) */
        length += put_utf8(c, (uint8_t *)line + length);
    }
    *at = p;
    *ascii = only_ascii;
    return length;
}

/* The characters of a str (its kind, data and length), for a kernel that reads them itself,
   at most 4 UTF-8 bytes a character; TypeError if `text` is no str. */
static int
characters_of(PyObject *text, const char *kernel, int *kind, const void **data,
              Py_ssize_t *size)
{
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "%s needs a str", kernel);
        return -1;
    }
    if (PyUnicode_READY(text) < 0) {
        return -1;
    }
    *kind = PyUnicode_KIND(text);
    *data = PyUnicode_DATA(text);
    *size = PyUnicode_GET_LENGTH(text);
    if (*size > (PY_SSIZE_T_MAX - 1) / 4) { /* its UTF-8 could not be counted */
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* result = function(kind, ...) for a str of that kind, with the kind a constant in each
   call: an always_inline function so called is compiled once per str width, and its
   PyUnicode_READ needs no switch per character. */
#define BY_KIND(result, function, kind, ...)                          \
    do {                                                             \
        if ((kind) == PyUnicode_1BYTE_KIND) {                        \
            (result) = function(PyUnicode_1BYTE_KIND, __VA_ARGS__);  \
        }                                                            \
        else if ((kind) == PyUnicode_2BYTE_KIND) {                   \
            (result) = function(PyUnicode_2BYTE_KIND, __VA_ARGS__);  \
        }                                                            \
        else {                                                       \
            (result) = function(PyUnicode_4BYTE_KIND, __VA_ARGS__);  \
        }                                                            \
    } while (0)

/* text_lines(body) -> (texts, structure, page) or None

   The non-blank lines of a text dump, each with its whitespace collapsed to single spaces
   (" ".join(line.split())), per line the float32 structure columns blank_before,
   blank_after and log_run_length (see segments.text_segments, whose plain definition this
   is) as a bytearray, and the page as the features read it: the UTF-8 of
   "\n".join(texts), as bytes. Read from the str's own characters: a body is not encoded
   first. None when the body holds a line break other than "\n" and "\r\n", or a lone
   surrogate: the caller takes the plain way then. */
static PyObject *
text_lines(PyObject *Py_UNUSED(module), PyObject *body)
{
    int kind;
    const void *data;
    Py_ssize_t size;
    if (characters_of(body, "text_lines", &kind, &data, &size) < 0) {
        return NULL;
    }
    PyObject *texts = PyList_New(0), *result = NULL, *page = NULL;
    /* The texts as UTF-8, joined by newlines. A text's bytes never outnumber the UTF-8 bytes
       of the characters it was folded from, nor its newline theirs, so 4 bytes a character
       (the longest UTF-8 of one) hold them, and any store of fold_line. */
    char *joined = PyMem_Malloc((size_t)size * 4 + 1);
    Py_ssize_t joined_length = 0;
    Py_ssize_t *run_starts = NULL; /* per text, the index of the first text of its run */
    uint8_t *before = NULL;
    Py_ssize_t capacity = 0, count = 0;
    if (texts == NULL || joined == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int blank_line_before = 1; /* the page's start counts as a blank line */
    for (Py_ssize_t p = 0; p <= size;) {
        /* one line: written after the texts so far and a newline */
        char *line = joined + joined_length + (joined_length > 0);
        int ascii;
        Py_ssize_t length;
        BY_KIND(length, fold_line, kind, data, size, &p, line, &ascii);
        if (length < 0) {
            result = Py_NewRef(Py_None);
            goto done;
        }
        p += p < size && PyUnicode_READ(kind, data, p) == '\r' ? 2 : 1; /* past the newline */
        if (length == 0) {
            blank_line_before = 1;
            continue;
        }
        PyObject *text;
        if (ascii) { /* no decoding to do */
            if ((text = PyUnicode_New(length, 127)) != NULL) {
                memcpy(PyUnicode_1BYTE_DATA(text), line, (size_t)length);
            }
        }
        else {
            text = PyUnicode_DecodeUTF8(line, length, "surrogatepass");
        }
        if (text == NULL || PyList_Append(texts, text) < 0) {
            Py_XDECREF(text);
            goto done;
        }
        Py_DECREF(text);
        if (joined_length > 0) {
            joined[joined_length++] = '\n';
        }
        joined_length += length;
        if (count == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            uint8_t *grown = PyMem_Realloc(before, (size_t)capacity);
            if (grown == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            before = grown;
        }
        before[count++] = (uint8_t)blank_line_before;
        blank_line_before = 0;
    }
    PyObject *structure =
        PyByteArray_FromStringAndSize(NULL, count * 3 * (Py_ssize_t)sizeof(float));
    run_starts = PyMem_Malloc((size_t)(count + 1) * sizeof(Py_ssize_t));
    if (structure == NULL || run_starts == NULL) {
        Py_XDECREF(structure);
        PyErr_NoMemory();
        goto done;
    }
    float *rows = (float *)PyByteArray_AS_STRING(structure);
    for (Py_ssize_t i = 0; i < count; i++) {
        run_starts[i] = before[i] || i == 0 ? i : run_starts[i - 1];
    }
    for (Py_ssize_t i = count - 1, run_end = count; i >= 0; i--) {
        rows[3 * i] = before[i];
        rows[3 * i + 1] = i + 1 < count ? before[i + 1] : 1;
        rows[3 * i + 2] = (float)log1p_count((double)(run_end - run_starts[i]));
        if (before[i]) {
            run_end = i; /* the run before this one ends here */
        }
    }
    page = PyBytes_FromStringAndSize(joined, joined_length);
    if (page != NULL) {
        result = PyTuple_Pack(3, texts, structure, page);
    }
    Py_DECREF(structure);
done:
    Py_XDECREF(texts);
    Py_XDECREF(page);
    PyMem_Free(joined);
    PyMem_Free(run_starts);
    PyMem_Free(before);
    return result;
}

/* The feed a run of teaser lines forms: its positions, separator and teaser count. */
typedef struct {
    Py_ssize_t *positions; /* room for every segment and one more */
    Py_ssize_t length, teasers;
    Py_UCS4 separator; /* 0: no run */
} TeaserRun;

typedef struct {
    PyObject *texts; /* list of str */
    PyObject *rejected; /* dict: position -> reason */
    Py_ssize_t min_run, headline_words;
    PyObject *headline_ends; /* str: a headline never ends in one of these */
} FeedRules;

static int
has_word_character(PyObject *text)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == '_' || Py_UNICODE_ISALNUM(c)) { /* what re's \w matches */
            return 1;
        }
    }
    return 0;
}

/* len(text.split()) <= headline_words and text[-1] not in headline_ends */
static int
looks_like_headline(const FeedRules *rules, PyObject *text)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text), words = 0;
    int in_word = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        int space = Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i));
        words += !space && !in_word;
        in_word = !space;
    }
    if (words > rules->headline_words || length == 0) {
        return 0;
    }
    Py_UCS4 last = PyUnicode_READ(kind, data, length - 1);
    return PyUnicode_FindChar(rules->headline_ends, last, 0,
                              PyUnicode_GET_LENGTH(rules->headline_ends), 1) == -1;
}

/* Rejects a finished run of min_run teasers or more, and the headline after it. */
static int
close_run(const FeedRules *rules, TeaserRun *run, Py_ssize_t next)
{
    if (run->teasers < rules->min_run) {
        return 0;
    }
    if (next < PyList_GET_SIZE(rules->texts) &&
        looks_like_headline(rules, PyList_GET_ITEM(rules->texts, next))) {
        run->positions[run->length++] = next;
    }
    PyObject *separator = PyUnicode_FromOrdinal((int)run->separator);
    PyObject *reason = separator == NULL ? NULL : PyUnicode_FromFormat(
        "in a feed of %zd+ teaser headlines separated by ' %U'", run->teasers, separator);
    Py_XDECREF(separator);
    if (reason == NULL) {
        return -1;
    }
    int status = 0;
    for (Py_ssize_t i = 0; i < run->length && status == 0; i++) {
        PyObject *position = PyLong_FromSsize_t(run->positions[i]);
        status = position == NULL ? -1
                 : PyDict_SetDefault(rules->rejected, position, reason) == NULL ? -1 : 0;
        Py_XDECREF(position);
    }
    Py_DECREF(reason);
    return status;
}

/* rule_rejections(texts, separators, min_run, headline_words, headline_ends) -> dict

   Position -> reason for every segment a rule rejects (see rules.py, which passes its
   policy): "no words" where no character is a word character; a feed where `min_run` or
   more segments in a row end in the same separator after a space, lone separators among
   them and the headline right after them included. */
static PyObject *
rule_rejections(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *texts, *separators, *headline_ends;
    Py_ssize_t min_run, headline_words;
    if (!PyArg_ParseTuple(args, "O!UnnU", &PyList_Type, &texts, &separators, &min_run,
                          &headline_words, &headline_ends)) {
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(texts);
    for (Py_ssize_t i = 0; i < count; i++) {
        if (!PyUnicode_Check(PyList_GET_ITEM(texts, i))) {
            PyErr_SetString(PyExc_TypeError, "texts must be a list of str");
            return NULL;
        }
    }
    FeedRules rules = {texts, PyDict_New(), min_run, headline_words, headline_ends};
    PyObject *no_words = PyUnicode_FromString("no words");
    TeaserRun run = {PyMem_Malloc((size_t)(count + 1) * sizeof(Py_ssize_t)), 0, 0, 0};
    if (rules.rejected == NULL || no_words == NULL || run.positions == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        goto failed;
    }
    Py_ssize_t separator_count = PyUnicode_GET_LENGTH(separators);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        if (!has_word_character(text)) {
            PyObject *position = PyLong_FromSsize_t(i);
            if (position == NULL || PyDict_SetItem(rules.rejected, position, no_words) < 0) {
                Py_XDECREF(position);
                goto failed;
            }
            Py_DECREF(position);
            if (run.length) {
                run.positions[run.length++] = i;
            }
            continue;
        }
        Py_ssize_t length = PyUnicode_GET_LENGTH(text);
        Py_UCS4 last = PyUnicode_READ_CHAR(text, length - 1);
        if (length >= 3 && PyUnicode_READ_CHAR(text, length - 2) == ' ' &&
            PyUnicode_FindChar(separators, last, 0, separator_count, 1) >= 0) {
            if (last == run.separator) {
                run.positions[run.length++] = i;
                run.teasers++;
                continue;
            }
            if (close_run(&rules, &run, i) < 0) {
                goto failed;
            }
            run.positions[0] = i;
            run.length = run.teasers = 1;
            run.separator = last;
        }
        else if (run.length) {
            if (close_run(&rules, &run, i) < 0) {
                goto failed;
            }
            run.length = run.teasers = 0;
            run.separator = 0;
        }
    }
    if (close_run(&rules, &run, count) < 0) {
        goto failed;
    }
    Py_DECREF(no_words);
    PyMem_Free(run.positions);
    return rules.rejected;
failed:
    Py_XDECREF(rules.rejected);
    Py_XDECREF(no_words);
    PyMem_Free(run.positions);
    return NULL;
}

typedef struct {
    double score;
    Py_ssize_t index;
} Ranked;

/* Sorts items[0..count) by score, highest first, keeping the order of equal scores (so, as
   np.argsort(-s, kind="stable"), the earlier segment first when the items come in segment
   order); a merge sort over runs put in order by insertion, with no comparison function to
   call. Scores must not be NaN. scratch: room for count items. */
static void
sort_by_score_descending(Ranked *items, Ranked *scratch, Py_ssize_t count)
{
    enum { RUN = 16 };
    for (Py_ssize_t start = 0; start < count; start += RUN) {
        Py_ssize_t end = count - start < RUN ? count : start + RUN;
        for (Py_ssize_t i = start + 1; i < end; i++) {
            Ranked item = items[i];
            Py_ssize_t slot = i;
            while (slot > start && items[slot - 1].score < item.score) {
                items[slot] = items[slot - 1];
                slot--;
            }
            items[slot] = item;
        }
    }
    for (Py_ssize_t width = RUN; width < count; width *= 2) {
        for (Py_ssize_t start = 0; start < count; start += 2 * width) {
            Py_ssize_t middle = count - start < width ? count : start + width;
            Py_ssize_t end = count - start < 2 * width ? count : start + 2 * width;
            Py_ssize_t left = start, right = middle, out = start;
            while (left < middle && right < end) { /* a tie takes the left run's item */
                scratch[out++] = items[right].score > items[left].score ? items[right++]
                                                                       : items[left++];
            }
            while (left < middle) {
                scratch[out++] = items[left++];
            }
            while (right < end) {
                scratch[out++] = items[right++];
            }
        }
        memcpy(items, scratch, (size_t)count * sizeof(Ranked));
    }
}

/* page_cut(scores, words, floor, bias, always_kept) -> float

   The page's bar (decision.Decision.cut, whose docstring explains it): of the segments
   scoring `floor` or more, best first, keep the number that maximises the expected word-F1,
   the scores read as probabilities after adding `bias` to their logits; the bar is the
   last kept score, never above `always_kept`, and 2.0 (nothing kept) when no segment
   reaches the floor. scores, words: float64, one per segment. */
static PyObject *
page_cut(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer scores, words;
    double floor_score, bias, always_kept;
    if (!PyArg_ParseTuple(args, "y*y*ddd", &scores, &words, &floor_score, &bias,
                          &always_kept)) {
        return NULL;
    }
    PyObject *result = NULL;
    double *probability = NULL;
    Ranked *ranked = NULL;
    Py_ssize_t count = scores.len / (Py_ssize_t)sizeof(double);
    if (check_length(&scores, count, sizeof(double), "scores") < 0 ||
        check_length(&words, count, sizeof(double), "words") < 0) {
        goto done;
    }
    const double *score = scores.buf, *word = words.buf;
    Py_ssize_t candidates = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        candidates += score[i] >= floor_score;
    }
    if (candidates == 0) {
        result = PyFloat_FromDouble(2.0);
        goto done;
    }
    probability = PyMem_Malloc((size_t)count * 3 * sizeof(double));
    /* the candidates, in segment order, then best first; and the merge sort's scratch */
    ranked = PyMem_Malloc((size_t)candidates * 2 * sizeof(Ranked));
    if (probability == NULL || ranked == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    double *weight = probability + count, *expected_hits = weight + count;
    for (Py_ssize_t i = 0; i < count; i++) {
        double clipped = score[i] < 1e-6 ? 1e-6 : score[i] > 1.0 - 1e-6 ? 1.0 - 1e-6 : score[i];
        double logit = log(clipped / (1.0 - clipped)) + bias;
        probability[i] = 1.0 / (1.0 + exp(-logit));
        weight[i] = (word[i] > 0.0 ? word[i] : 0.0) + 1.0; /* a word-less segment costs a little */
        expected_hits[i] = probability[i] * weight[i];
    }
    /* Only candidates are ranked: below the floor nothing is kept (and no NaN passes it). */
    for (Py_ssize_t i = 0, k = 0; i < count; i++) {
        if (score[i] >= floor_score) {
            ranked[k++] = (Ranked){score[i], i};
        }
    }
    double expected_reference = pairwise_sum(expected_hits, count);
    sort_by_score_descending(ranked, ranked + candidates, candidates);
    double kept_hits = 0.0, kept_words = 0.0, best_f1 = -INFINITY;
    Py_ssize_t best = 0;
    for (Py_ssize_t k = 0; k < candidates; k++) {
        Py_ssize_t i = ranked[k].index;
        kept_hits = k ? kept_hits + probability[i] * weight[i] : probability[i] * weight[i];
        kept_words = k ? kept_words + weight[i] : weight[i];
        double f1 = 2.0 * kept_hits / (kept_words + expected_reference);
        if (f1 > best_f1) { /* np.argmax: the first of equal maxima */
            best_f1 = f1;
            best = k;
        }
    }
    double cut = score[ranked[best].index];
    result = PyFloat_FromDouble(cut < always_kept ? cut : always_kept);
done:
    PyMem_Free(probability);
    PyMem_Free(ranked);
    PyBuffer_Release(&scores);
    PyBuffer_Release(&words);
    return result;
}

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
static PyObject *
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

static PyObject *
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

/* headline_runs(texts, words, min_run, low_words, high_words, prose_line_words,
                 article_prose_words) -> [(start, end, above), ...]

   texts: a list of str; words: float64, one per text. A headline line has low_words to
   high_words words and does not end in "."; a prose line has prose_line_words words or
   more and ends in . ! ? " or U+201D. The runs of min_run headline lines or more, [start,
   end), with no prose line above them (above: True) or none below them, and
   article_prose_words words of prose outside them (headline_runs.py). */
static int
ends_prose_line(Py_UCS4 last)
{
    return last == '.' || last == '!' || last == '?' || last == '"' || last == 0x201D;
}

static PyObject *
headline_runs(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *texts;
    Py_buffer words_buffer;
    Py_ssize_t min_run;
    double low, high, prose_line, article;
    if (!PyArg_ParseTuple(args, "O!y*ndddd", &PyList_Type, &texts, &words_buffer, &min_run,
                          &low, &high, &prose_line, &article)) {
        return NULL;
    }
    PyObject *runs = NULL;
    Py_ssize_t count = PyList_GET_SIZE(texts);
    Py_UCS4 *last = NULL;
    if (check_length(&words_buffer, count, sizeof(double), "words") < 0) {
        goto done;
    }
    const double *words = words_buffer.buf;
    last = PyMem_Malloc((size_t)(count ? count : 1) * sizeof(Py_UCS4));
    if (last == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    double total = 0.0;
    for (Py_ssize_t i = 0; i < count; i++) {
        int kind;
        const void *data;
        Py_ssize_t size;
        if (characters_of(PyList_GET_ITEM(texts, i), "headline_runs", &kind, &data, &size) < 0) {
            goto done;
        }
        last[i] = size > 0 ? PyUnicode_READ(kind, data, size - 1) : 0;
        if (words[i] >= prose_line && ends_prose_line(last[i])) {
            total += words[i];
        }
    }
    if ((runs = PyList_New(0)) == NULL || total < article) {
        goto done;
    }
    double before = 0.0, above = 0.0; /* prose words above line i, above the run */
    Py_ssize_t run = 0;                  /* headline lines in a row up to line i */
    for (Py_ssize_t i = 0; i <= count; i++) {
        if (i < count && words[i] >= low && words[i] <= high && last[i] != '.') {
            if (run++ == 0) {
                above = before;
            }
        }
        else {
            double below = total - before;
            if (run >= min_run && !(above > 0.0 && below > 0.0) && above + below >= article) {
                PyObject *found =
                    Py_BuildValue("(nnO)", i - run, i, above > 0.0 ? Py_False : Py_True);
                if (found == NULL || PyList_Append(runs, found) < 0) {
                    Py_XDECREF(found);
                    Py_CLEAR(runs);
                    goto done;
                }
                Py_DECREF(found);
            }
            run = 0;
        }
        if (i < count && words[i] >= prose_line && ends_prose_line(last[i])) {
            before += words[i];
        }
    }
done:
    PyMem_Free(last);
    PyBuffer_Release(&words_buffer);
    return runs;
}

/* paths_through(paths, depth, block, out)

   out[i] (uint8): whether paths[i] (a tuple) is longer than depth and has `block` there
   (an int, compared as == compares): the segments inside that block. */
static PyObject *
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
static PyObject *
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
static PyObject *
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

/* short_lines_starting(texts, first, max_chars, starts, words=(), non_ascii_letters=False)
   -> list[int]

   The positions from `first` on of the texts shorter than max_chars whose first character
   is one of `starts` (a str of at most 8 characters past ASCII and any ASCII ones), or a
   letter past ASCII (Py_UNICODE_ISALPHA: Cyrillic, CJK, "É") where non_ascii_letters is
   true, and, where `words` (lowercase ASCII str) are given, that are not all ASCII or hold
   one of the words in any case: where rules.comment_section_rejections tries its regex.
   texts: a list or tuple of str. */

/* Lowercase ASCII words looked for in short lines: per first byte, the words (at most 32)
   starting with it, as bits. */
typedef struct {
    uint32_t starting[256];
    /* per first byte, the second bytes a word goes on with (a bit each): most positions
       of a line fail this one test */
    uint64_t second[128][2];
    const uint8_t *chars[32];
    Py_ssize_t sizes[32];
} LineWords;

/* Whether `text` (an ASCII str), lowered, holds one of the words. */
static int
holds_a_word(PyObject *text, const LineWords *words)
{
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    const uint8_t *chars = PyUnicode_1BYTE_DATA(text);
    for (Py_ssize_t at = 0; at < length; at++) {
        uint8_t c0 = LOWER_ASCII(chars[at]), c1 = at + 1 < length ? LOWER_ASCII(chars[at + 1]) : 0;
        if (!(words->second[c0][c1 >> 6] >> (c1 & 63) & 1)) {
            continue;
        }
        for (uint32_t bits = words->starting[c0]; bits; bits &= bits - 1) {
            int w = __builtin_ctz(bits);
            const uint8_t *needle = words->chars[w];
            Py_ssize_t size = words->sizes[w], k = 1;
            if (size > length - at) {
                continue;
            }
            while (k < size && LOWER_ASCII(chars[at + k]) == needle[k]) {
                k++;
            }
            if (k == size) {
                return 1;
            }
        }
    }
    return 0;
}

static PyObject *
short_lines_starting(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *texts, *starts, *words = NULL;
    Py_ssize_t first, max_chars;
    int non_ascii_letters = 0;
    if (!PyArg_ParseTuple(args, "OnnU|O!p", &texts, &first, &max_chars, &starts, &PyTuple_Type,
                          &words, &non_ascii_letters)) {
        return NULL;
    }
    LineWords looked_for;
    memset(looked_for.starting, 0, sizeof looked_for.starting);
    memset(looked_for.second, 0, sizeof looked_for.second);
    if (words != NULL && PyTuple_GET_SIZE(words) > 32) {
        PyErr_SetString(PyExc_ValueError, "at most 32 words");
        return NULL;
    }
    for (Py_ssize_t w = 0; words != NULL && w < PyTuple_GET_SIZE(words); w++) {
        PyObject *word = PyTuple_GET_ITEM(words, w);
        if (!PyUnicode_Check(word) || !PyUnicode_IS_ASCII(word) ||
            PyUnicode_GET_LENGTH(word) == 0) {
            PyErr_SetString(PyExc_ValueError, "words must be non-empty ASCII str");
            return NULL;
        }
        const uint8_t *chars = PyUnicode_1BYTE_DATA(word);
        for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(word); k++) {
            if (LOWER_ASCII(chars[k]) != chars[k]) {
                PyErr_SetString(PyExc_ValueError, "words must be lowercase");
                return NULL;
            }
        }
        looked_for.starting[chars[0]] |= 1u << w;
        looked_for.chars[w] = chars;
        looked_for.sizes[w] = PyUnicode_GET_LENGTH(word);
        if (PyUnicode_GET_LENGTH(word) == 1) { /* any second byte, or none (0) */
            looked_for.second[chars[0]][0] = looked_for.second[chars[0]][1] = ~UINT64_C(0);
        }
        else {
            looked_for.second[chars[0]][chars[1] >> 6] |= UINT64_C(1) << (chars[1] & 63);
        }
    }
    if (words != NULL && PyTuple_GET_SIZE(words) == 0) {
        words = NULL;
    }
    uint8_t start[128] = {0};
    Py_UCS4 other_starts[8]; /* the characters of `starts` past ASCII */
    int other_count = 0;
    for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(starts); k++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(starts, k);
        if (c < 128) {
            start[c] = 1;
        }
        else if (other_count < 8) {
            other_starts[other_count++] = c;
        }
        else {
            PyErr_SetString(PyExc_ValueError, "at most 8 starts past ASCII");
            return NULL;
        }
    }
    PyObject *fast = PySequence_Fast(texts, "texts must be a sequence of str");
    if (fast == NULL) {
        return NULL;
    }
    PyObject *found = PyList_New(0);
    Py_ssize_t count = PySequence_Fast_GET_SIZE(fast);
    for (Py_ssize_t i = first < 0 ? 0 : first; found != NULL && i < count; i++) {
        PyObject *text = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "texts must be a sequence of str");
            Py_CLEAR(found);
            break;
        }
        Py_ssize_t length = PyUnicode_GET_LENGTH(text);
        if (length == 0 || length >= max_chars) {
            continue;
        }
        Py_UCS4 c = PyUnicode_READ_CHAR(text, 0);
        int starts_so = c < 128 ? start[c] : non_ascii_letters && Py_UNICODE_ISALPHA(c);
        for (int k = 0; !starts_so && k < other_count; k++) {
            starts_so = c == other_starts[k];
        }
        if (starts_so &&
            (words == NULL || !PyUnicode_IS_ASCII(text) || holds_a_word(text, &looked_for))) {
            PyObject *position = PyLong_FromSsize_t(i);
            if (position == NULL || PyList_Append(found, position) < 0) {
                Py_CLEAR(found);
            }
            Py_XDECREF(position);
        }
    }
    Py_DECREF(fast);
    return found;
}

/* lines_opening_with(texts, first, max_chars, prefixes) -> list[tuple[int, int]]

   (position, index of the prefix) for the non-empty texts from `first` on, shorter than
   max_chars, that start with one of `prefixes` (a tuple of at most 1024 non-empty lowercase
   str; the first that fits), in any case: an ASCII character of a prefix matches that
   letter in either case and nothing past ASCII (not the Kelvin sign), any other character
   matches what lowercases to it (Py_UNICODE_TOLOWER: "À" for "à", "П" for "п"). Where
   article_end.py tries its regexes. One pass finds the lines of every rule that reads a
   line's first words (a check of the words anywhere in the line let ten times as many
   lines through, and each pass over a page's str objects costs ~4 us). texts: a list or
   tuple of str. */
#define MAX_PREFIXES 1024
#define SECOND_OTHER 128 /* a second character past ASCII, or none */

/* Whether character `d` of a text matches character `p` of a lowercase prefix. */
static inline int
prefix_char_matches(Py_UCS4 d, Py_UCS4 p)
{
    if (p < 128) {
        return d < 128 && LOWER_ASCII(d) == p;
    }
    return Py_UNICODE_TOLOWER(d) == p;
}

/* The prefixes of the last call, by their first two characters: for a line starting with
   ASCII c0 and c1 (or SECOND_OTHER), ids[start[c0][c1] ..] holds, in order, the prefixes it
   could start with; a line starting past ASCII tries ids[other_start ..]. Built once per
   prefixes tuple (article_end.py passes the same one on every page). */
typedef struct {
    PyObject *prefixes; /* a strong reference: the key */
    int32_t start[128][SECOND_OTHER + 2];
    int32_t other_start, other_end;
    int16_t *ids;
} PrefixIndex;

static PrefixIndex prefix_index = {NULL, {{0}}, 0, 0, NULL};

/* The bucket of a prefix's or text's second character. */
static inline int
second_bucket(Py_UCS4 c1)
{
    return c1 < 128 ? LOWER_ASCII(c1) : SECOND_OTHER;
}

static int
build_prefix_index(PyObject *prefixes)
{
    Py_ssize_t count = PyTuple_GET_SIZE(prefixes);
    if (count > MAX_PREFIXES) {
        PyErr_SetString(PyExc_ValueError, "at most 1024 prefixes");
        return -1;
    }
    for (Py_ssize_t w = 0; w < count; w++) {
        PyObject *prefix = PyTuple_GET_ITEM(prefixes, w);
        if (!PyUnicode_Check(prefix) || PyUnicode_GET_LENGTH(prefix) == 0) {
            PyErr_SetString(PyExc_ValueError, "prefixes must be non-empty str");
            return -1;
        }
        for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(prefix); k++) {
            Py_UCS4 c = PyUnicode_READ_CHAR(prefix, k);
            if ((c < 128 ? LOWER_ASCII(c) : Py_UNICODE_TOLOWER(c)) != c) {
                PyErr_SetString(PyExc_ValueError, "prefixes must be lowercase");
                return -1;
            }
        }
    }
    /* The buckets in order, each with its prefixes in order. A prefix of one character
       goes into every bucket of its first; a line's second character past ASCII, or none,
       reads SECOND_OTHER. At most SECOND_OTHER + 2 places a prefix. */
    int16_t *ids = PyMem_Malloc(sizeof(int16_t) * (size_t)(count * (SECOND_OTHER + 2) + 1));
    if (ids == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_UCS4 firsts[MAX_PREFIXES];
    int seconds[MAX_PREFIXES]; /* -1: the prefix is one character */
    for (Py_ssize_t w = 0; w < count; w++) {
        PyObject *prefix = PyTuple_GET_ITEM(prefixes, w);
        firsts[w] = PyUnicode_READ_CHAR(prefix, 0);
        seconds[w] = PyUnicode_GET_LENGTH(prefix) == 1
                         ? -1
                         : second_bucket(PyUnicode_READ_CHAR(prefix, 1));
    }
    int32_t at = 0;
    for (int c0 = 0; c0 < 128; c0++) {
        for (int c1 = 0; c1 <= SECOND_OTHER; c1++) {
            prefix_index.start[c0][c1] = at;
            for (Py_ssize_t w = 0; w < count; w++) {
                if (firsts[w] == (Py_UCS4)c0 && (seconds[w] < 0 || seconds[w] == c1)) {
                    ids[at++] = (int16_t)w;
                }
            }
        }
        prefix_index.start[c0][SECOND_OTHER + 1] = at;
    }
    /* Upper-case first letters read the lower-case buckets. */
    for (int c0 = 'A'; c0 <= 'Z'; c0++) {
        memcpy(prefix_index.start[c0], prefix_index.start[c0 - 'A' + 'a'],
               sizeof prefix_index.start[c0]);
    }
    prefix_index.other_start = at;
    for (Py_ssize_t w = 0; w < count; w++) {
        if (firsts[w] >= 128) {
            ids[at++] = (int16_t)w;
        }
    }
    prefix_index.other_end = at;
    PyMem_Free(prefix_index.ids);
    prefix_index.ids = ids;
    Py_INCREF(prefixes);
    Py_XSETREF(prefix_index.prefixes, prefixes);
    return 0;
}

static PyObject *
lines_opening_with(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *texts, *prefixes;
    Py_ssize_t first, max_chars;
    if (!PyArg_ParseTuple(args, "OnnO!", &texts, &first, &max_chars, &PyTuple_Type,
                          &prefixes)) {
        return NULL;
    }
    if (prefixes != prefix_index.prefixes && build_prefix_index(prefixes) < 0) {
        return NULL;
    }
    PyObject *fast = PySequence_Fast(texts, "texts must be a sequence of str");
    if (fast == NULL) {
        return NULL;
    }
    PyObject *found = PyList_New(0);
    Py_ssize_t count = PySequence_Fast_GET_SIZE(fast);
    for (Py_ssize_t i = first < 0 ? 0 : first; found != NULL && i < count; i++) {
        PyObject *text = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "texts must be a sequence of str");
            Py_CLEAR(found);
            break;
        }
        Py_ssize_t length = PyUnicode_GET_LENGTH(text);
        if (length == 0 || length >= max_chars) {
            continue;
        }
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        Py_UCS4 c = PyUnicode_READ(kind, data, 0);
        int32_t from, to;
        if (c < 128) {
            int c1 = length > 1 ? second_bucket(PyUnicode_READ(kind, data, 1)) : SECOND_OTHER;
            from = prefix_index.start[c][c1];
            to = prefix_index.start[c][c1 + 1];
        }
        else {
            from = prefix_index.other_start;
            to = prefix_index.other_end;
        }
        for (int32_t at = from; at < to; at++) {
            int16_t w = prefix_index.ids[at];
            PyObject *prefix = PyTuple_GET_ITEM(prefixes, w);
            Py_ssize_t size = PyUnicode_GET_LENGTH(prefix), k = 0;
            if (size > length) {
                continue;
            }
            int prefix_kind = PyUnicode_KIND(prefix);
            const void *prefix_data = PyUnicode_DATA(prefix);
            while (k < size && prefix_char_matches(PyUnicode_READ(kind, data, k),
                                                   PyUnicode_READ(prefix_kind, prefix_data, k))) {
                k++;
            }
            if (k == size) {
                PyObject *hit = Py_BuildValue("(ni)", i, (int)w);
                if (hit == NULL || PyList_Append(found, hit) < 0) {
                    Py_CLEAR(found);
                }
                Py_XDECREF(hit);
                break;
            }
        }
    }
    Py_DECREF(fast);
    return found;
}

/* Memory ids (Python ints) as int64 keys of a small open-addressing table, mapping each to
   the index of its entry (in the order first seen). */
typedef struct {
    int64_t *keys;
    Py_ssize_t *slots; /* entry index + 1; 0: empty */
    size_t mask;
    Py_ssize_t entries;
} IdTable;

static int
id_table_init(IdTable *table, Py_ssize_t count)
{
    size_t capacity = 16;
    while (capacity < 2 * (size_t)count) {
        capacity *= 2;
    }
    table->keys = PyMem_Malloc(capacity * sizeof(int64_t));
    table->slots = PyMem_Calloc(capacity, sizeof(Py_ssize_t));
    table->mask = capacity - 1;
    table->entries = 0;
    if (table->keys == NULL || table->slots == NULL) {
        PyMem_Free(table->keys);
        PyMem_Free(table->slots);
        table->keys = NULL;
        table->slots = NULL;
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void
id_table_free(IdTable *table)
{
    PyMem_Free(table->keys);
    PyMem_Free(table->slots);
}

/* The int's value, or -1 with an exception set when it is no int or needs more than 64 bits
   (*failed tells). Memory ids are addresses, far below that. */
static int64_t
id_value(PyObject *object, int *failed)
{
    int overflow = 0;
    long long value = PyLong_Check(object) ? PyLong_AsLongLongAndOverflow(object, &overflow) : -1;
    *failed = 1;
    if (!PyLong_Check(object)) {
        PyErr_SetString(PyExc_TypeError, "block ids must be ints of 64 bits");
    }
    else if (overflow) {
        PyErr_SetString(PyExc_OverflowError, "block ids must be ints of 64 bits");
    }
    else if (!(value == -1 && PyErr_Occurred())) {
        *failed = 0;
    }
    return (int64_t)value;
}

/* The index of key's entry, a new one (the next index) if it has none. The table never
   holds more entries than the count it was made for. */
static Py_ssize_t
id_table_index(IdTable *table, int64_t key)
{
    size_t slot = (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 20) & table->mask;
    while (table->slots[slot]) {
        if (table->keys[slot] == key) {
            return table->slots[slot] - 1;
        }
        slot = (slot + 1) & table->mask;
    }
    table->keys[slot] = key;
    table->slots[slot] = ++table->entries;
    return table->entries - 1;
}

/* sibling_columns(groups, chars, link_density, share, links, size, mean)

   For each segment, from the segments sharing its group (an int: its block's parent) as
   html_segments computed them with np.unique and np.bincount: the group's characters over
   the page's (np.sum of chars, pairwise), its link density (chars * link_density summed in
   document order, over the group's characters), its count of segments and its characters
   per segment. chars and link_density: float64, one per group; the rest float64 out. */
static PyObject *
sibling_columns(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *groups;
    Py_buffer chars, density, share, links, size, mean;
    if (!PyArg_ParseTuple(args, "Oy*y*w*w*w*w*", &groups, &chars, &density, &share, &links,
                          &size, &mean)) {
        return NULL;
    }
    PyObject *result = NULL, *fast = NULL;
    IdTable table = {0};
    Py_ssize_t *bin = NULL;
    double *bin_chars = NULL, *bin_links = NULL;
    Py_ssize_t *bin_size = NULL;
    if ((fast = PySequence_Fast(groups, "groups must be a sequence of ints")) == NULL) {
        goto done;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(fast);
    if (check_length(&chars, count, sizeof(double), "chars") < 0 ||
        check_length(&density, count, sizeof(double), "link_density") < 0 ||
        check_length(&share, count, sizeof(double), "share") < 0 ||
        check_length(&links, count, sizeof(double), "links") < 0 ||
        check_length(&size, count, sizeof(double), "size") < 0 ||
        check_length(&mean, count, sizeof(double), "mean") < 0 || id_table_init(&table, count) < 0) {
        goto done;
    }
    size_t n = count ? (size_t)count : 1;
    bin = PyMem_Malloc(n * sizeof(Py_ssize_t));
    bin_chars = PyMem_Calloc(n, sizeof(double));
    bin_links = PyMem_Calloc(n, sizeof(double));
    bin_size = PyMem_Calloc(n, sizeof(Py_ssize_t));
    if (bin == NULL || bin_chars == NULL || bin_links == NULL || bin_size == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const double *c = chars.buf, *d = density.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        int failed;
        int64_t key = id_value(PySequence_Fast_GET_ITEM(fast, i), &failed);
        if (failed) {
            goto done;
        }
        Py_ssize_t b = bin[i] = id_table_index(&table, key);
        bin_chars[b] += c[i];
        bin_links[b] += c[i] * d[i];
        bin_size[b]++;
    }
    double total = pairwise_sum(c, count);
    double *share_out = share.buf, *links_out = links.buf, *size_out = size.buf;
    double *mean_out = mean.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_ssize_t b = bin[i];
        share_out[i] = bin_chars[b] / total;
        links_out[i] = bin_links[b] / bin_chars[b];
        size_out[i] = (double)bin_size[b];
        mean_out[i] = bin_chars[b] / (double)bin_size[b];
    }
    result = Py_NewRef(Py_None);
done:
    Py_XDECREF(fast);
    id_table_free(&table);
    PyMem_Free(bin);
    PyMem_Free(bin_chars);
    PyMem_Free(bin_links);
    PyMem_Free(bin_size);
    PyBuffer_Release(&chars);
    PyBuffer_Release(&density);
    PyBuffer_Release(&share);
    PyBuffer_Release(&links);
    PyBuffer_Release(&size);
    PyBuffer_Release(&mean);
    return result;
}

/* A block holding prose: its path (a borrowed tuple, its ids read into `ids`) and its
   prose characters. */
typedef struct {
    PyObject *path;
    int64_t *ids;
    Py_ssize_t depth_count;
    int64_t chars;
} ProseBlock;

/* The prose characters of the blocks whose path holds `ancestor` at `depth`. */
static int64_t
prose_held(const ProseBlock *prose, Py_ssize_t blocks, Py_ssize_t depth, int64_t ancestor)
{
    int64_t held = 0;
    for (Py_ssize_t b = 0; b < blocks; b++) {
        if (prose[b].depth_count > depth && prose[b].ids[depth] == ancestor) {
            held += prose[b].chars;
        }
    }
    return held;
}

/* main_container(paths, blocks, chars, ends_prose, min_chars, inside) -> (depth, block,
   prose characters) or None

   html_segments' main container (html_layout.main_container, which this follows step by
   step): the prose segments are those of chars >= min_chars that end prose; their
   characters are summed by block (an int), the blocks in the order of their first prose
   segment, each with the path (a tuple of ints) of its last; then the deepest block on the
   path of the block holding the middle of the prose (or of the one before it, when the
   middle falls between them) that holds half of it. inside (uint8 out): whether each
   segment's path passes that block at its depth (all 0 when no segment is prose, and the
   result None). chars: float64, whole numbers; ends_prose: uint8. */
static PyObject *
main_container(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *paths, *blocks;
    Py_buffer chars, ends_prose, inside;
    double min_chars;
    if (!PyArg_ParseTuple(args, "OOy*y*dw*", &paths, &blocks, &chars, &ends_prose, &min_chars,
                          &inside)) {
        return NULL;
    }
    PyObject *result = NULL, *fast_paths = NULL, *fast_blocks = NULL;
    IdTable table = {0};
    ProseBlock *prose = NULL;
    Py_ssize_t prose_count = 0;
    if ((fast_paths = PySequence_Fast(paths, "paths must be a sequence of tuples")) == NULL ||
        (fast_blocks = PySequence_Fast(blocks, "blocks must be a sequence of ints")) == NULL) {
        goto done;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(fast_paths);
    if (PySequence_Fast_GET_SIZE(fast_blocks) != count) {
        PyErr_SetString(PyExc_ValueError, "one block per path");
        goto done;
    }
    if (check_length(&chars, count, sizeof(double), "chars") < 0 ||
        check_length(&ends_prose, count, 1, "ends_prose") < 0 ||
        check_length(&inside, count, 1, "inside") < 0 || id_table_init(&table, count) < 0) {
        goto done;
    }
    prose = PyMem_Calloc(count ? (size_t)count : 1, sizeof(ProseBlock));
    if (prose == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const double *c = chars.buf;
    const uint8_t *ends = ends_prose.buf;
    uint8_t *in_main = inside.buf;
    memset(in_main, 0, (size_t)count);
    for (Py_ssize_t i = 0; i < count; i++) {
        if (!(c[i] >= min_chars && ends[i])) {
            continue;
        }
        int failed;
        int64_t key = id_value(PySequence_Fast_GET_ITEM(fast_blocks, i), &failed);
        if (failed) {
            goto done;
        }
        PyObject *path = PySequence_Fast_GET_ITEM(fast_paths, i);
        if (!PyTuple_Check(path)) {
            PyErr_SetString(PyExc_TypeError, "each path must be a tuple of ints");
            goto done;
        }
        Py_ssize_t b = id_table_index(&table, key);
        if (b == prose_count) {
            prose_count++;
        }
        prose[b].chars += (int64_t)c[i];
        prose[b].path = path; /* the last segment's, as the dict kept it */
    }
    if (prose_count == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    int64_t total = 0;
    for (Py_ssize_t b = 0; b < prose_count; b++) { /* each path's ids, read once */
        Py_ssize_t length = PyTuple_GET_SIZE(prose[b].path);
        prose[b].depth_count = length;
        prose[b].ids = PyMem_Malloc((length ? (size_t)length : 1) * sizeof(int64_t));
        if (prose[b].ids == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t k = 0; k < length; k++) {
            int failed;
            prose[b].ids[k] = id_value(PyTuple_GET_ITEM(prose[b].path, k), &failed);
            if (failed) {
                goto done;
            }
        }
        total += prose[b].chars;
    }
    double half = 0.5 * (double)total;
    /* the block holding the middle character: bisect_right of half in the running sums */
    Py_ssize_t middle = 0;
    int64_t running = 0, before_middle = 0;
    while (middle < prose_count && (double)(running + prose[middle].chars) <= half) {
        running += prose[middle].chars;
        middle++;
    }
    before_middle = running;
    if (middle == prose_count) { /* cannot happen: the last running sum is the total */
        PyErr_SetString(PyExc_SystemError, "main_container: no block holds the middle");
        goto done;
    }
    Py_ssize_t witnesses[2], witness_count = 0;
    if (middle && (double)before_middle == half) { /* what ends just before may hold half */
        witnesses[witness_count++] = middle - 1;
    }
    witnesses[witness_count++] = middle;
    Py_ssize_t best_depth = -1, best_block = 0;
    int64_t best_held = 0;
    for (Py_ssize_t w = 0; w < witness_count; w++) { /* the earlier first: it wins a tie */
        const ProseBlock *witness = &prose[witnesses[w]];
        if (witness->depth_count == 0) {
            PyErr_SetString(PyExc_ValueError, "a prose block's path is empty");
            goto done;
        }
        Py_ssize_t low = 0, high = witness->depth_count - 1; /* the root, at 0, holds all */
        while (low < high) {
            Py_ssize_t mid = (low + high + 1) / 2;
            if ((double)prose_held(prose, prose_count, mid, witness->ids[mid]) >= half) {
                low = mid;
            }
            else {
                high = mid - 1;
            }
        }
        if (low > best_depth) {
            best_depth = low;
            best_block = witnesses[w];
            best_held = prose_held(prose, prose_count, low, witness->ids[low]);
        }
    }
    int64_t main_id = prose[best_block].ids[best_depth];
    for (Py_ssize_t i = 0; i < count; i++) { /* kernels.paths_through */
        PyObject *path = PySequence_Fast_GET_ITEM(fast_paths, i);
        if (!PyTuple_Check(path)) {
            PyErr_SetString(PyExc_TypeError, "each path must be a tuple of ints");
            goto done;
        }
        if (PyTuple_GET_SIZE(path) > best_depth) {
            int failed;
            int64_t id = id_value(PyTuple_GET_ITEM(path, best_depth), &failed);
            if (failed) {
                goto done;
            }
            in_main[i] = id == main_id;
        }
    }
    result = Py_BuildValue("nOL", best_depth,
                           PyTuple_GET_ITEM(prose[best_block].path, best_depth),
                           (long long)best_held);
done:
    if (prose != NULL) {
        for (Py_ssize_t b = 0; b < prose_count; b++) {
            PyMem_Free(prose[b].ids);
        }
    }
    PyMem_Free(prose);
    id_table_free(&table);
    Py_XDECREF(fast_paths);
    Py_XDECREF(fast_blocks);
    PyBuffer_Release(&chars);
    PyBuffer_Release(&ends_prose);
    PyBuffer_Release(&inside);
    return result;
}

/* joined_words(runs) -> list[str]

   For each run (a list of str), " ".join("".join(run).split()): the pieces joined as they
   are, whitespace (what str.split() splits at) folded into single spaces, none at the ends.
   Two passes, so the result is built at its narrowest width, as Python's own str are. */
static PyObject *
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

/* A small open-addressing table giving int64 keys dense indices 0, 1, 2... in the order
   the keys first come: keys[index] is the key, slots (a power of two of them) hold an index
   or -1 and are never more than half full. */
typedef struct {
    int64_t *keys; /* room for every key that may come */
    Py_ssize_t *slots;
    Py_ssize_t count;
    int shift; /* 64 - log2(slots): a multiplicative hash's top bits pick the slot */
} KeyIndex;

static inline Py_ssize_t
key_slot(const KeyIndex *table, int64_t key)
{
    /* Memory addresses are 16-byte aligned: the product's high bits mix them all. */
    return (Py_ssize_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> table->shift);
}

/* An empty table, slots enough for `expected` keys; -1 (MemoryError set) if memory runs
   out. */
static int
key_table(KeyIndex *table, int64_t *keys, Py_ssize_t expected)
{
    Py_ssize_t slots = 16;
    int bits = 4;
    while (slots < 2 * expected) {
        slots *= 2;
        bits++;
    }
    *table = (KeyIndex){keys, PyMem_Malloc((size_t)slots * sizeof(Py_ssize_t)), 0, 64 - bits};
    if (table->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(table->slots, 0xFF, (size_t)slots * sizeof(Py_ssize_t));
    return 0;
}

/* The key's index, a new one if the key is new (*added tells); -1 if memory runs out. */
static inline Py_ssize_t
key_index(KeyIndex *table, int64_t key, int *added)
{
    Py_ssize_t mask = ((Py_ssize_t)1 << (64 - table->shift)) - 1;
    Py_ssize_t slot = key_slot(table, key);
    while (1) {
        Py_ssize_t index = table->slots[slot];
        if (index < 0) {
            break;
        }
        if (table->keys[index] == key) {
            *added = 0;
            return index;
        }
        slot = (slot + 1) & mask;
    }
    *added = 1;
    table->keys[table->count] = key;
    table->slots[slot] = table->count;
    if (2 * ++table->count > mask + 1) { /* more than half full: twice the slots */
        KeyIndex grown;
        if (key_table(&grown, table->keys, table->count) < 0) {
            return -1;
        }
        Py_ssize_t grown_mask = ((Py_ssize_t)1 << (64 - grown.shift)) - 1;
        for (Py_ssize_t i = 0; i < table->count; i++) {
            Py_ssize_t s = key_slot(&grown, table->keys[i]);
            while (grown.slots[s] >= 0) {
                s = (s + 1) & grown_mask;
            }
            grown.slots[s] = i;
        }
        PyMem_Free(table->slots);
        table->slots = grown.slots;
        table->shift = grown.shift;
    }
    return table->count - 1;
}

/* numpy's float64 ufuncs, as they treat NaN and zeros' signs: maximum and minimum return
   their second operand of two equal ones, clip keeps a -0.0, floor_divide is npy_divmod's
   (for b > 0). */
static inline double
numpy_maximum(double a, double b)
{
    return (a > b || isnan(a)) ? a : b;
}

static inline double
numpy_minimum(double a, double b)
{
    return (a < b || isnan(a)) ? a : b;
}

static inline double
numpy_clip(double x, double low, double high)
{
    return isnan(x) ? x : x < low ? low : x > high ? high : x;
}

static double
numpy_floor_divide(double a, double b) /* b: a whole number from 1 to 2^20 */
{
    /* A whole a below 2^32 (a count of characters) divides to floor(a / b): a / b lies at
       least 1 / b below the next whole number, far more than its rounding. */
    if (a >= 0.0 && a < 4294967296.0 && a == (double)(uint32_t)a) {
        return floor(a / b);
    }
    double mod = fmod(a, b);
    double div = (a - mod) / b;
    if (mod != 0.0 && (b < 0.0) != (mod < 0.0)) {
        div -= 1.0;
    }
    if (div == 0.0) {
        return copysign(0.0, a / b);
    }
    double floored = floor(div);
    return div - floored > 0.5 ? floored + 1.0 : floored;
}

#define MAX_DIVIDERS 16
#define CHARS_PER_POINT 100.0 /* html_layout: a length point per 100 characters */

/* The constants of worker/core/html_layout.py, which passes them (names without the _). */
typedef struct {
    double min_paragraph_chars, long_paragraph_chars, linked_paragraph, max_length_points,
        hint_weight, card_segments, linked_card;
    double dividers[MAX_DIVIDERS]; /* _ANCESTOR_DIVIDERS: the parent's first */
    Py_ssize_t divider_count;
} LayoutRules;

enum { CHARS, LINK_DENSITY, COMMAS, ENDS_SENTENCE, NEGATIVE, POSITIVE, UNLIKELY, IN_BEST,
       CANDIDATE_SCORE, BEFORE_BEST, AFTER_BEST, CARD_LINKS, LINKED_CARDS, LAYOUT_BUFFERS };
static const char *const layout_buffer_names[LAYOUT_BUFFERS] = {
    "chars", "link_density", "commas", "ends_sentence", "negative", "positive", "unlikely",
    "in_best", "candidate_score", "before_best", "after_best", "card_link_density",
    "linked_cards_around"};
static const Py_ssize_t layout_item_sizes[LAYOUT_BUFFERS] = {8, 8, 8, 1, 1, 1, 1, 1, 8, 1, 1, 8, 8};

/* The node of every path entry: a block of the page, numbered in the order its id first
   comes, which is document order (best_node keeps the first of equal scores: ids are
   memory addresses, and a tie broken by them would change from one parse to the next). A
   path mostly starts as the one before it, with the same int objects: those entries take
   the node found before. */
static int
layout_node_of(PyObject *paths, KeyIndex *table, Py_ssize_t *starts, Py_ssize_t *node_of)
{
    Py_ssize_t count = PyList_GET_SIZE(paths), e = 0, before = 0, before_length = 0;
    PyObject *const *before_ids = NULL;
    for (Py_ssize_t s = 0; s < count; s++) {
        PyObject *path = PyList_GET_ITEM(paths, s);
        PyObject *const *ids = &PyTuple_GET_ITEM(path, 0);
        Py_ssize_t length = PyTuple_GET_SIZE(path), j = 0;
        starts[s] = e;
        for (; j < length && j < before_length && ids[j] == before_ids[j]; j++) {
            node_of[e + j] = node_of[before + j];
        }
        for (; j < length; j++) {
            if (!PyLong_Check(ids[j])) { /* (an __index__ could change the list under us) */
                PyErr_Format(PyExc_TypeError, "paths[%zd] holds a %.100s, not an int", s,
                             Py_TYPE(ids[j])->tp_name);
                return -1;
            }
            int overflow, added;
            long long key = PyLong_AsLongLongAndOverflow(ids[j], &overflow);
            if (overflow) { /* (numpy would not take it either) */
                PyErr_Format(PyExc_OverflowError, "paths[%zd] holds an id beyond int64", s);
                return -1;
            }
            if ((node_of[e + j] = key_index(table, (int64_t)key, &added)) < 0) {
                return -1;
            }
        }
        before = e;
        before_ids = ids;
        before_length = length;
        e += length;
    }
    starts[count] = e;
    return 0;
}

/* A node: what the segments below it add up to, its score, how many path entries it is
   (np.bincount(node_of)), and how many linked cards are its children. */
typedef struct {
    double chars, links, negative, positive, points, score;
    Py_ssize_t segments, linked_cards;
} LayoutNode;

/* The nodes' sums, in path order (np.bincount's), and their scores. */
static void
layout_scores(Py_ssize_t count, const LayoutRules *rules, Py_buffer *buffers,
              const Py_ssize_t *starts, const Py_ssize_t *node_of, Py_ssize_t node_count,
              LayoutNode *nodes)
{
    const double *chars = buffers[CHARS].buf, *link_density = buffers[LINK_DENSITY].buf,
                 *commas = buffers[COMMAS].buf;
    const uint8_t *ends = buffers[ENDS_SENTENCE].buf, *negative = buffers[NEGATIVE].buf,
                  *positive = buffers[POSITIVE].buf, *unlikely = buffers[UNLIKELY].buf;
    for (Py_ssize_t s = 0; s < count; s++) {
        double c = chars[s], linked = c * link_density[s];
        double negative_chars = c * (negative[s] ? 1.0 : 0.0);
        double positive_chars = c * (positive[s] ? 1.0 : 0.0);
        /* prose: it ends a sentence or runs long; an unlikely one (a comment) scores nothing
           (its characters still count in its containers' sums) */
        int paragraph = !unlikely[s] && c >= rules->min_paragraph_chars &&
                        link_density[s] <= rules->linked_paragraph &&
                        (ends[s] || c >= rules->long_paragraph_chars);
        double length_points = numpy_minimum(numpy_floor_divide(c, CHARS_PER_POINT),
                                             rules->max_length_points);
        double points = paragraph ? 1.0 + commas[s] + length_points : 0.0;
        const Py_ssize_t *path = node_of + starts[s];
        Py_ssize_t length = starts[s + 1] - starts[s];
        for (Py_ssize_t j = 0; j < length; j++) {
            LayoutNode *node = nodes + path[j];
            node->segments++;
            node->chars += c;
            node->links += linked;
            node->negative += negative_chars;
            node->positive += positive_chars;
        }
        /* the ancestors the points go to, in path order: the level is 0 for the own block */
        Py_ssize_t level = length - 1 < rules->divider_count ? length - 1 : rules->divider_count;
        for (; level >= 1; level--) {
            if (rules->dividers[level - 1] > 0) {
                nodes[path[length - 1 - level]].points += points / rules->dividers[level - 1];
            }
        }
    }
    for (LayoutNode *node = nodes; node < nodes + node_count; node++) {
        double safe_chars = numpy_maximum(node->chars, 1.0);
        double hints = rules->hint_weight * (node->positive - node->negative) / safe_chars;
        node->score =
            node->points > 0 ? (node->points + hints) * (1.0 - node->links / safe_chars) : 0.0;
    }
}

/* Each segment's card, its link density, and the linked cards beside it: the first node
   along its path holding at most card_segments path entries (the last one if none does),
   linked when its link density reaches linked_card and it is not the root; its parent then
   counts it once however many segments it holds (np.unique of the (parent, card) pairs).
   linked_parent: scratch, one per segment. */
static int
layout_cards(Py_ssize_t count, Py_ssize_t node_count, const LayoutRules *rules,
             const Py_ssize_t *starts, const Py_ssize_t *node_of, LayoutNode *nodes,
             KeyIndex *pairs, Py_ssize_t *linked_parent, double *card_link_density,
             double *linked_cards_around)
{
    for (Py_ssize_t s = 0; s < count; s++) {
        const Py_ssize_t *path = node_of + starts[s];
        Py_ssize_t length = starts[s + 1] - starts[s], first = length - 1;
        for (Py_ssize_t j = 0; j < length; j++) {
            if ((double)nodes[path[j]].segments <= rules->card_segments) {
                first = j;
                break;
            }
        }
        Py_ssize_t card = path[first], parent = path[first > 0 ? first - 1 : 0];
        double density = nodes[card].links / numpy_maximum(nodes[card].chars, 1.0);
        card_link_density[s] = density;
        linked_parent[s] = -1;
        if (density >= rules->linked_card && first > 0) {
            int added;
            if (key_index(pairs, (int64_t)parent * node_count + card, &added) < 0) {
                return -1;
            }
            nodes[parent].linked_cards += added;
            linked_parent[s] = parent;
        }
    }
    for (Py_ssize_t s = 0; s < count; s++) {
        Py_ssize_t parent = linked_parent[s];
        linked_cards_around[s] =
            parent < 0 ? 0.0 : log1p_count((double)nodes[parent].linked_cards);
    }
    return 0;
}

/* np.argmax of the nodes' scores, nodes in document order: the first NaN, else the first
   of the highest; -1 when no node is a candidate or none scores above 0 (but for a NaN). */
static Py_ssize_t
best_node(const LayoutNode *nodes, Py_ssize_t node_count)
{
    Py_ssize_t best = -1;
    int candidates = 0;
    for (Py_ssize_t k = 0; k < node_count; k++) {
        candidates |= nodes[k].points > 0;
        double x = nodes[k].score;
        if (best < 0) {
            best = k;
            continue;
        }
        double top = nodes[best].score;
        if (!isnan(top) && (isnan(x) || x > top)) {
            best = k;
        }
    }
    if (!candidates || (!isnan(nodes[best].score) && nodes[best].score <= 0)) {
        return -1;
    }
    return best;
}

/* Where each segment lies relative to the best node; the best node's share of the text. */
static double
layout_best(Py_ssize_t count, Py_buffer *buffers, const Py_ssize_t *starts,
            const Py_ssize_t *node_of, Py_ssize_t node_count, LayoutNode *nodes, Py_ssize_t best,
            double *relative)
{
    uint8_t *in_best = buffers[IN_BEST].buf, *before = buffers[BEFORE_BEST].buf,
            *after = buffers[AFTER_BEST].buf;
    double *candidate_score = buffers[CANDIDATE_SCORE].buf;
    if (best < 0) {
        memset(in_best, 0, (size_t)count);
        memset(before, 0, (size_t)count);
        memset(after, 0, (size_t)count);
        for (Py_ssize_t s = 0; s < count; s++) {
            candidate_score[s] = 0.0;
        }
        return 0.0;
    }
    double best_score = nodes[best].score;
    for (Py_ssize_t k = 0; k < node_count; k++) {
        relative[k] = numpy_clip(nodes[k].score / best_score, 0.0, 1.0);
    }
    Py_ssize_t first_inside = -1, last_inside = -1;
    for (Py_ssize_t s = 0; s < count; s++) {
        double highest = 0.0; /* np.maximum.at over the path, from zero */
        int inside = 0;
        for (Py_ssize_t e = starts[s]; e < starts[s + 1]; e++) {
            inside |= node_of[e] == best;
            highest = numpy_maximum(highest, relative[node_of[e]]);
        }
        in_best[s] = (uint8_t)inside;
        candidate_score[s] = highest;
        if (inside) {
            first_inside = first_inside < 0 ? s : first_inside;
            last_inside = s;
        }
    }
    for (Py_ssize_t s = 0; s < count; s++) {
        before[s] = s < first_inside;
        after[s] = s > last_inside;
    }
    double total = pairwise_sum(buffers[CHARS].buf, count);
    return nodes[best].chars / (total > 1.0 ? total : 1.0);
}

/* page_layout(paths, chars, link_density, commas, ends_sentence, negative, positive, unlikely,
               rules, in_best, candidate_score, before_best, after_best, card_link_density,
               linked_cards_around) -> best_text_share

   html_layout.page_layout: readability's best article container found from the segments'
   block paths, and each segment's card. paths: a list of non-empty tuples of int (node ids,
   the root first, the segment's own block last); chars, link_density, commas: float64;
   ends_sentence, negative, positive, unlikely: bool (one byte each; an unlikely segment, a
   comment, scores no paragraph points but counts in the sums); rules: html_layout's
   constants, (min_paragraph_chars, long_paragraph_chars, linked_paragraph,
   max_length_points, hint_weight, card_segments, linked_card, ancestor_dividers). The
   outputs, one item per segment: in_best, before_best, after_best bool, the others float64.
   Every sum runs in path order as np.bincount's do, so the results are numpy's to the bit. */
static PyObject *
page_layout(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *paths, *dividers;
    Py_buffer b[LAYOUT_BUFFERS];
    LayoutRules rules;
    if (!PyArg_ParseTuple(args, "Oy*y*y*y*y*y*y*(dddddddO!)w*w*w*w*w*w*", &paths, &b[CHARS],
                          &b[LINK_DENSITY], &b[COMMAS], &b[ENDS_SENTENCE], &b[NEGATIVE],
                          &b[POSITIVE], &b[UNLIKELY], &rules.min_paragraph_chars,
                          &rules.long_paragraph_chars, &rules.linked_paragraph,
                          &rules.max_length_points, &rules.hint_weight, &rules.card_segments,
                          &rules.linked_card, &PyTuple_Type, &dividers, &b[IN_BEST],
                          &b[CANDIDATE_SCORE], &b[BEFORE_BEST], &b[AFTER_BEST], &b[CARD_LINKS],
                          &b[LINKED_CARDS])) {
        return NULL;
    }
    PyObject *result = NULL;
    void *scratch = NULL, *sums = NULL;
    KeyIndex nodes_by_id = {0}, pairs = {0};
    if (!PyList_Check(paths)) {
        PyErr_SetString(PyExc_TypeError, "paths must be a list of tuples of int");
        goto done;
    }
    Py_ssize_t count = PyList_GET_SIZE(paths), entries = 0;
    for (int i = 0; i < LAYOUT_BUFFERS; i++) {
        if (check_length(&b[i], count, layout_item_sizes[i], layout_buffer_names[i]) < 0) {
            goto done;
        }
    }
    rules.divider_count = PyTuple_GET_SIZE(dividers);
    if (rules.divider_count > MAX_DIVIDERS) {
        PyErr_Format(PyExc_ValueError, "at most %d ancestor dividers, not %zd", MAX_DIVIDERS,
                     rules.divider_count);
        goto done;
    }
    for (Py_ssize_t i = 0; i < rules.divider_count; i++) {
        rules.dividers[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(dividers, i));
        if (rules.dividers[i] == -1.0 && PyErr_Occurred()) {
            goto done;
        }
    }
    for (Py_ssize_t s = 0; s < count; s++) {
        PyObject *path = PyList_GET_ITEM(paths, s);
        if (!PyTuple_Check(path)) {
            PyErr_Format(PyExc_TypeError, "paths[%zd] is a %.100s, not a tuple", s,
                         Py_TYPE(path)->tp_name);
            goto done;
        }
        if (PyTuple_GET_SIZE(path) == 0) {
            PyErr_Format(PyExc_ValueError, "paths[%zd] is empty: it needs the segment's block",
                         s);
            goto done;
        }
        entries += PyTuple_GET_SIZE(path);
        if (entries > INT32_MAX) { /* (node pairs are keyed by index * nodes + index) */
            PyErr_SetString(PyExc_ValueError, "the paths hold too many entries");
            goto done;
        }
    }
    /* From here on no Python code runs: the list and its tuples stay as they are. Per path
       entry its node; per segment its path's start (and the end), the parent of its linked
       card, and room for the (parent, card) pairs; room for every id. */
    scratch = PyMem_Malloc((size_t)(2 * entries + 3 * count + 1) * 8);
    if (scratch == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t *node_of = scratch, *starts = node_of + entries, *linked_parent = starts + count + 1;
    int64_t *ids = (int64_t *)(linked_parent + count), *pair_keys = ids + entries;
    if (key_table(&nodes_by_id, ids, count) < 0 ||
        layout_node_of(paths, &nodes_by_id, starts, node_of) < 0) {
        goto done;
    }
    Py_ssize_t node_count = nodes_by_id.count;
    /* the nodes, zeros as np.bincount starts from, then their relative scores */
    sums = PyMem_Calloc((size_t)node_count + 1, sizeof(LayoutNode) + sizeof(double));
    if (sums == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    LayoutNode *nodes = sums;
    double *relative = (double *)(nodes + node_count);
    layout_scores(count, &rules, b, starts, node_of, node_count, nodes);
    if (key_table(&pairs, pair_keys, count / 4) < 0 ||
        layout_cards(count, node_count, &rules, starts, node_of, nodes, &pairs, linked_parent,
                     b[CARD_LINKS].buf, b[LINKED_CARDS].buf) < 0) {
        goto done;
    }
    Py_ssize_t best = best_node(nodes, node_count);
    result = PyFloat_FromDouble(
        layout_best(count, b, starts, node_of, node_count, nodes, best, relative));
done:
    PyMem_Free(scratch);
    PyMem_Free(sums);
    PyMem_Free(nodes_by_id.slots);
    PyMem_Free(pairs.slots);
    for (int i = 0; i < LAYOUT_BUFFERS; i++) {
        PyBuffer_Release(&b[i]);
    }
    return result;
}

/* segment_verdicts(row_type, texts, keep, scores, reasons, labels) -> tuple

   The page's verdict rows: for each segment i, row_type(i, texts[i], labels[keep[i]],
   round(scores[i], 4), reasons[i]), built as tuple.__new__(row_type, ...) builds it (row_type
   is a tuple subclass: a NamedTuple). Rounded as np.round(x, 4) rounds: rint(x * 10^4) / 10^4.
   keep: uint8, scores: float64, one per text; labels: a (rejected, kept) pair. */
static PyObject *
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

/* The keys of a reject record's row, in its order (schemas/reject.schema.json), and
   Python's round: set when the module loads. */
static PyObject *row_keys[4], *builtin_round;

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
static PyObject *
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

/* A set of needles to look for in short texts (an element's class and id): each a str,
   perhaps to be found only as a whole word at its start or end (re's \b). Compiled once
   into buckets by first character, so a search looks at a few needles per position. */
typedef struct {
    Py_UCS4 *characters;
    Py_ssize_t length;
    int boundary_before, boundary_after;
} Needle;

typedef struct {
    Py_ssize_t count;
    Needle *needles;           /* sorted by first character */
    Py_ssize_t first[257]; /* needles starting with character c < 256 are */
                           /* needles[first[c] .. first[c + 1]); the others follow */
    uint8_t pairs[65536 / 8]; /* a bit per pair of characters < 256 that begins a needle */
} NeedleSet;

#define NEEDLES_CAPSULE "worker.core._kernels.NeedleSet"

static void
free_needles(PyObject *capsule)
{
    NeedleSet *set = PyCapsule_GetPointer(capsule, NEEDLES_CAPSULE);
    if (set == NULL) {
        return;
    }
    for (Py_ssize_t i = 0; i < set->count; i++) {
        PyMem_Free(set->needles[i].characters);
    }
    PyMem_Free(set->needles);
    PyMem_Free(set);
}

static int
compare_first_characters(const void *left, const void *right)
{
    Py_UCS4 a = ((const Needle *)left)->characters[0];
    Py_UCS4 b = ((const Needle *)right)->characters[0];
    a = a < 256 ? a : 256;
    b = b < 256 ? b : 256;
    return (a > b) - (a < b);
}

/* compile_needles(needles) -> capsule; needles: a tuple of (str, bool, bool): the text,
   whether a word boundary must come before it and whether one must come after it. */
static PyObject *
compile_needles(PyObject *Py_UNUSED(module), PyObject *needles)
{
    if (!PyTuple_Check(needles)) {
        PyErr_SetString(PyExc_TypeError, "needles must be a tuple of (str, bool, bool)");
        return NULL;
    }
    NeedleSet *set = PyMem_Calloc(1, sizeof(NeedleSet));
    Py_ssize_t count = PyTuple_GET_SIZE(needles);
    if (set == NULL ||
        (set->needles = PyMem_Calloc((size_t)count + 1, sizeof(Needle))) == NULL) {
        PyMem_Free(set);
        return PyErr_NoMemory();
    }
    PyObject *capsule = PyCapsule_New(set, NEEDLES_CAPSULE, free_needles);
    if (capsule == NULL) {
        PyMem_Free(set->needles);
        PyMem_Free(set);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *text;
        int before, after;
        PyObject *item = PyTuple_GET_ITEM(needles, i);
        if (!PyTuple_Check(item) || !PyArg_ParseTuple(item, "Upp", &text, &before, &after)) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "each needle is a (str, bool, bool)");
            }
            Py_DECREF(capsule);
            return NULL;
        }
        if (PyUnicode_GET_LENGTH(text) == 0) {
            PyErr_SetString(PyExc_ValueError, "a needle needs a character");
            Py_DECREF(capsule);
            return NULL;
        }
        Needle *needle = &set->needles[set->count];
        needle->characters = PyUnicode_AsUCS4Copy(text);
        if (needle->characters == NULL) {
            Py_DECREF(capsule);
            return NULL;
        }
        needle->length = PyUnicode_GET_LENGTH(text);
        needle->boundary_before = before;
        needle->boundary_after = after;
        set->count++;
    }
    qsort(set->needles, (size_t)set->count, sizeof(Needle), compare_first_characters);
    for (Py_ssize_t i = 0; i < set->count; i++) {
        Py_UCS4 c = set->needles[i].characters[0];
        if (c < 256) { /* the others sort last, from first[256] on */
            set->first[c + 1]++;
        }
    }
    for (int c = 0; c < 256; c++) {
        set->first[c + 1] += set->first[c];
    }
    for (Py_ssize_t i = 0; i < set->count; i++) {
        const Needle *needle = &set->needles[i];
        for (unsigned second = 0; second < 256; second++) {
            if (needle->characters[0] < 256 &&
                (needle->length == 1 || needle->characters[1] == second)) {
                unsigned pair = needle->characters[0] << 8 | second;
                set->pairs[pair >> 3] |= (uint8_t)(1u << (pair & 7));
            }
        }
    }
    return capsule;
}

static int
is_word(Py_UCS4 c) /* re's \w on str */
{
    return c == '_' || Py_UNICODE_ISALNUM(c);
}

/* contains_needle(needles, text) -> bool: whether any needle occurs in text (with the word
   boundaries it asks for): re.search of the needles' alternation, without re. */
static PyObject *
contains_needle(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *capsule, *text;
    if (!PyArg_ParseTuple(args, "OU", &capsule, &text)) {
        return NULL;
    }
    NeedleSet *set = PyCapsule_GetPointer(capsule, NEEDLES_CAPSULE);
    if (set == NULL) {
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    for (Py_ssize_t p = 0; p < length; p++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, p);
        Py_UCS4 next = p + 1 < length ? PyUnicode_READ(kind, data, p + 1) : 0;
        if (c < 256 && next < 256) { /* most positions: ruled out by one bit */
            unsigned pair = c << 8 | next;
            if (!(set->pairs[pair >> 3] & (1u << (pair & 7)))) {
                continue;
            }
        }
        Py_ssize_t from = c < 256 ? set->first[c] : set->first[256];
        Py_ssize_t to = c < 256 ? set->first[c + 1] : set->count;
        for (Py_ssize_t k = from; k < to; k++) {
            const Needle *needle = &set->needles[k];
            if (needle->length > length - p || needle->characters[0] != c) {
                continue; /* (a first character past 255 shares the last bucket) */
            }
            Py_ssize_t i = 1;
            while (i < needle->length &&
                   PyUnicode_READ(kind, data, p + i) == needle->characters[i]) {
                i++;
            }
            if (i < needle->length) {
                continue;
            }
            /* \b: a word character on one side and none on the other (or the text's edge) */
            if (needle->boundary_before &&
                (p > 0 && is_word(PyUnicode_READ(kind, data, p - 1))) == is_word(c)) {
                continue;
            }
            Py_ssize_t end = p + needle->length;
            Py_UCS4 last = needle->characters[needle->length - 1];
            if (needle->boundary_after &&
                (end < length && is_word(PyUnicode_READ(kind, data, end))) == is_word(last)) {
                continue;
            }
            Py_RETURN_TRUE;
        }
    }
    Py_RETURN_FALSE;
}

/* A text reason_texts found for a column and a value (its bits); text NULL: a free slot. */
typedef struct {
    int64_t column;
    uint64_t bits;
    PyObject *text; /* borrowed: a row of the result holds it */
} FoundText;

/* reason_texts(caches, describe, names, columns, values, count, limit) -> list of tuples

   Row i's reasons in words: for each of its k chosen (column, value) pairs (columns: int64,
   values: float64, both count x k), caches[column][value] (caches: a list of dicts, one per
   column of names) or, on a miss, describe(names[column], value), which that column's
   cache then keeps; a cache holding `limit` texts is cleared first. Same texts as calling
   describe every time, for any pure describe. */
static PyObject *
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
    FoundText *found = NULL;
    Py_ssize_t width = PyTuple_GET_SIZE(names);
    Py_ssize_t k = count > 0 ? columns.len / (Py_ssize_t)sizeof(int64_t) / count : 0;
    if (count < 0 || check_length(&columns, product(count, k), sizeof(int64_t), "columns") < 0 ||
        check_length(&values, product(count, k), sizeof(double), "values") < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "count and width must not be negative");
        }
        goto done;
    }
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
    const int64_t *chosen = columns.buf;
    const double *chosen_values = values.buf;
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
    PyBuffer_Release(&columns);
    PyBuffer_Release(&values);
    return rows;
}

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
static PyObject *
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

/* Whether an ASCII tag name (lowercased, NUL-ended) is one of html_segments._NOT_NESTING:
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

/* nests_deeper_than(html, limit) -> bool: html_segments.nests_deeper_than's scan, as
   re.findall(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*?(/?)>") walks the page: a tag runs from
   its "<" to the first ">" after its name (">" ends it, "/>" self-closes it); where no ">"
   follows, no tag does. On the pages of more than 10,000 tags the regex took 25 ms. */
static PyObject *
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
    BY_KIND(exceeds, nesting_exceeds, kind, data, size, limit);
    return PyBool_FromLong(exceeds);
}

static PyMethodDef kernel_methods[] = {
    {"text_counts", text_counts, METH_VARARGS, "Byte-count text features of every segment."},
    {"position_features", position_features, METH_VARARGS, "Where each segment sits."},
    {"context_columns", context_columns, METH_VARARGS, "Neighbours' features, in place."},
    {"additive_scores", additive_scores, METH_VARARGS, "An additive model's contributions."},
    {"tree_scores", tree_scores, METH_VARARGS, "A tree ensemble's contributions."},
    {"phrase_counts", phrase_counts, METH_VARARGS, "Phrase matches in each segment."},
    {"repeat_counts", repeat_counts, METH_VARARGS, "How often each segment recurs."},
    {"rounded_values", rounded_values, METH_VARARGS, "Chosen features, two digits."},
    {"text_lines", text_lines, METH_O, "A text dump's non-blank lines, normalised."},
    {"headline_runs", headline_runs, METH_VARARGS, "Runs of headlines outside the prose."},
    {"rule_rejections", rule_rejections, METH_VARARGS, "Segments the rules reject."},
    {"page_cut", page_cut, METH_VARARGS, "The page's bar: segments at or above it are kept."},
    {"html_utf8", html_utf8, METH_O, "A page's UTF-8, <noscript> renamed <div>."},
    {"control_characters", control_characters, METH_VARARGS, "Binary control characters."},
    {"nests_deeper_than", nests_deeper_than, METH_VARARGS, "Whether tags nest too deep."},
    {"joined_words", joined_words, METH_O, "Each run of str joined, whitespace folded."},
    {"page_layout", page_layout, METH_VARARGS, "The best article container, the cards."},
    {"segment_marks", segment_marks, METH_VARARGS, "Length, commas and ends of each text."},
    {"paths_through", paths_through, METH_VARARGS, "Which paths pass a block at a depth."},
    {"segment_columns", segment_columns, METH_VARARGS, "The first structure columns."},
    {"short_lines_starting", short_lines_starting, METH_VARARGS, "Short texts by first char."},
    {"lines_opening_with", lines_opening_with, METH_VARARGS, "Short texts by first words."},
    {"repeats_title", repeats_title, METH_VARARGS, "Which texts, lowered, the title holds."},
    {"sibling_columns", sibling_columns, METH_VARARGS, "Each segment's group's totals."},
    {"main_container", main_container, METH_VARARGS, "The main container and who is in it."},
    {"compile_needles", compile_needles, METH_O, "Needles for contains_needle."},
    {"contains_needle", contains_needle, METH_VARARGS, "Whether a needle occurs in a str."},
    {"strongest_columns", strongest_columns, METH_VARARGS, "The columns behind each label."},
    {"reason_texts", reason_texts, METH_VARARGS, "Each row's reasons, in words."},
    {"segment_verdicts", segment_verdicts, METH_VARARGS, "The page's verdict rows."},
    {"reject_rows", reject_rows, METH_VARARGS, "Kept texts and the reject record's rows."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef kernels_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_kernels",
    .m_doc = "Compiled inner loops of the classifier: see worker/core/kernels.py.",
    .m_size = 0,
    .m_methods = kernel_methods,
};

PyMODINIT_FUNC
PyInit__kernels(void)
{
    for (int b = 0; b < 256; b++) {
        lower_ascii[b] = (uint8_t)(b >= 'A' && b <= 'Z' ? b + 32 : b);
    }
    for (int count = 0; count < SMALL_COUNTS; count++) {
        log1p_of_small[count] = log1p((double)count);
    }
    for (int i = 0; i < POWERS; i++) {
        powers_of_ten[i] = pow(10.0, (double)(i + POWERS_FROM));
    }
    static const char *const keys[4] = {"position", "text", "score", "reasons"};
    for (int i = 0; i < 4; i++) {
        if ((row_keys[i] = PyUnicode_InternFromString(keys[i])) == NULL) {
            return NULL;
        }
    }
    PyObject *builtins = PyImport_ImportModule("builtins");
    builtin_round = builtins ? PyObject_GetAttrString(builtins, "round") : NULL;
    Py_XDECREF(builtins);
    if (builtin_round == NULL) {
        return NULL;
    }
    return PyModule_Create(&kernels_module);
}
