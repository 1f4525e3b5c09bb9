/* worker.core._kernels: compiled inner loops of the classifier, one per numpy or Python
   routine they replace. Its C files (worker/core/kernels_c/) share this header: the
   includes, the tables and helpers more than one of them reads, and every kernel's entry
   point, which module.c puts in the module's method table. Two headers hold what only some
   of them share: id_tables.h, the tables of block ids; markdown.h, the Markdown writer's.

   Numeric kernels take numpy arrays through the buffer protocol and fill an output array
   the caller allocated, so these files need no numpy headers. What they keep between calls
   is little: the tables made at import, the needle sets (held by a capsule), the prefixes
   of lines_opening_with's last call and markdown.c's fixed pieces. The Python caller
   (kernels.py) checks shapes and dtypes; here every length is checked again, so a wrong
   call raises ValueError instead of reading past a buffer. Floating-point arithmetic is
   done in the order numpy does it (sums pairwise like numpy's add.reduce, cumulative sums
   and np.bincount's left to right), so the results equal the definitions tests/core keep
   as references, to the bit. Build flags forbid contracting a*b+c into one rounding.

   The kernels, by the stage they serve, and the file each is in:
     segmenting   text_lines.c        text_lines (a text dump)
       (HTML)     html_text.c         html_utf8, joined_words
                  needles.c           compile_needles + contains_needle
                  structure.c         segment_marks, paths_through, segment_columns,
                                      repeats_title
                  containers.c        sibling_columns, main_container
                  layout.c            page_layout
     features     text_features.c     text_counts
                  text_phrases.c      phrase_counts (boilerplate words)
                  text_repeats.c      repeat_counts
                  feature_table.c     feature_table (a page's whole table, in one call)
                  context_features.c  context_columns, position_features
     model        model.c             additive_scores, tree_scores
                  smoothing_stage.c   smoothing_logits (the smoothing stage, in one call)
     decision     rules.c             rule_rejections, headline_runs, page_cut
                  line_starts.c       lines_opening_with
                  line_words.c        short_lines_starting
     reasons      reasons.c           strongest_columns, rounded_values, reason_texts
                  reason_marks.c      feature_reasons (those three in one call),
                                      reason_prefixes
     verdict      verdicts.c          segment_verdicts
     article      markdown.c          article_markdown (an HTML page's kept segments; each
                                      written as its block by markdown_blocks.c)
   and in records.c, two for validating a raw record (raw_page.py): control_characters,
   nests_deeper_than; and one for building its outputs (records.py): reject_rows. */

#ifndef WORKER_CORE_KERNELS_H
#define WORKER_CORE_KERNELS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* What the files share is the module's own: hidden from the shared object, which exports
   PyInit__kernels alone. -fvisibility=hidden (setup.py) hides the definitions; the pragma
   hides these declarations too, so a file reaches another's table or function directly,
   not through the global offset table. */
#pragma GCC visibility push(hidden)

/* log1p of the whole numbers a page's counts mostly are (characters, words, segments),
   computed once by log1p itself when the module loads: a lookup instead of a call. */
#define SMALL_COUNTS 4096
extern double log1p_of_small[SMALL_COUNTS];

static inline double
log1p_count(double count) /* count: a whole number >= 0 */
{
    return count < SMALL_COUNTS ? log1p_of_small[(Py_ssize_t)count] : log1p(count);
}

/* bytes.lower(), as a table: a branch per byte on the case of letters mispredicts often. */
extern uint8_t lower_ascii[256];
#define LOWER_ASCII(b) (lower_ascii[(uint8_t)(b)])

/* pow(10.0, e) for the whole e two-digit rounding meets (float32 magnitudes from 1e-12
   on), made by pow at import: half of rounded_values' time was pow. */
#define POWERS_FROM (-13)
#define POWERS 52
extern double powers_of_ten[POWERS];

/* Per whole k from DECADES_FROM on, the smallest float32 whose floor(log10) is k (or
   more), as log10 itself gives it (found by bisection at import), so that rounded_values
   reads a float32's decade without calling log10: checked against floor(log10) on every
   float32 from 1e-12 to the largest (2026-12-04). INFINITY past the largest float32. */
#define DECADES_FROM (-13)
#define DECADES 52
extern float decade_starts[DECADES];

/* The keys of a reject record's row, in its order (schemas/reject.schema.json), and
   Python's round: set when the module loads. */
extern PyObject *row_keys[4], *builtin_round;

/* numpy's pairwise summation (numpy/_core/src/umath/loops_utils.h.src), which add.reduce
   uses along a contiguous axis: 8 interleaved partial sums, blocks of at most 128. */
static inline double
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
static inline Py_ssize_t
product(Py_ssize_t a, Py_ssize_t b)
{
    Py_ssize_t result;
    if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &result)) {
        return -1;
    }
    return result;
}

/* Whether `buffer` holds `items` items of `item_size` bytes; ValueError if not. */
static inline int
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

/* The characters of a str (its kind, data and length), for a kernel that reads them itself,
   at most 4 UTF-8 bytes a character; TypeError if `text` is no str. */
static inline int
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

/* The loops of the text features, callable from C beside their own kernels: feature_table.c's
   feature_table runs them all (the comment above each definition says what it
   computes). */
#define TEXT_COUNT_COLUMNS 18 /* TEXT_NAMES up to starts_symbol */
#define POSITION_COLUMNS 7    /* features.POSITION_NAMES */
typedef struct {
    const uint8_t *class_of;      /* features._CLASS_TABLE: a class per byte */
    const uint8_t *ends_sentence; /* features._ENDS_SENTENCE_TABLE: per last byte */
    const uint8_t *kinds;         /* features._CODE_POINT_KINDS: per code point of the BMP */
} ByteTables;
Py_ssize_t count_newlines(const uint8_t *bytes, Py_ssize_t size);
Py_ssize_t *segment_starts(const uint8_t *bytes, Py_ssize_t size, Py_ssize_t count);
int text_count_rows(const uint8_t *bytes, Py_ssize_t count, const Py_ssize_t *starts,
                    const ByteTables *tables, double *rows, Py_ssize_t stride);
int count_phrases(const uint8_t *bytes, Py_ssize_t count, const Py_ssize_t *starts,
                  PyObject *phrases, float *hits);
int count_repeats(const uint8_t *bytes, Py_ssize_t count, const Py_ssize_t *starts,
                  float *repeats);
int write_context_columns(const double *input, Py_ssize_t count, Py_ssize_t width,
                          PyObject *radii, float *rows, Py_ssize_t out_width, Py_ssize_t column);
int write_position_features(const double *logs, const double *ends, Py_ssize_t count,
                            float *rows, Py_ssize_t out_width, Py_ssize_t column);

/* An additive model's step tables (model.c), for the kernels that score with one. */
typedef struct {
    const double *edges;     /* every feature's thresholds, feature by feature */
    const int64_t *edge_at;  /* where feature j's start, width + 1 of them */
    const double *values;    /* every feature's values */
    const int64_t *value_at; /* where feature j's start */
    Py_ssize_t width;
    double bias;
} StepTables;
int step_tables_from(const Py_buffer *edges, const Py_buffer *edge_starts, const Py_buffer *table,
                     const Py_buffer *table_starts, double bias, StepTables *tables);
void additive_rows(const StepTables *tables, const float *x, Py_ssize_t count,
                   double *contributions, double *logits);

/* The reasons' loops (reasons.c), for feature_reasons, which runs them in one call. */
int strongest_of(const double *table, const uint8_t *kept, Py_ssize_t count, Py_ssize_t width,
                 Py_ssize_t k, int64_t *chosen);
int round_chosen(const float *table, Py_ssize_t width, const int64_t *chosen, Py_ssize_t cells,
                 Py_ssize_t k, double *rounded);
PyObject *texts_of(PyObject *caches, PyObject *describe, PyObject *names, const int64_t *chosen,
                   const double *chosen_values, Py_ssize_t count, Py_ssize_t k,
                   Py_ssize_t limit);

/* The kernels, by file (the comment above each definition says what it computes). Each
   takes the module and its arguments (a tuple, or the one object of a METH_O kernel). */

/* text_features.c */
PyObject *text_counts(PyObject *module, PyObject *args);
/* text_phrases.c */
PyObject *phrase_counts(PyObject *module, PyObject *args);
/* text_repeats.c */
PyObject *repeat_counts(PyObject *module, PyObject *args);
/* feature_table.c */
PyObject *feature_table(PyObject *module, PyObject *args);
/* context_features.c */
PyObject *context_columns(PyObject *module, PyObject *args);
PyObject *position_features(PyObject *module, PyObject *args);
/* model.c */
PyObject *additive_scores(PyObject *module, PyObject *args);
PyObject *tree_scores(PyObject *module, PyObject *args);
/* smoothing_stage.c */
PyObject *smoothing_logits(PyObject *module, PyObject *args);
/* reasons.c */
PyObject *strongest_columns(PyObject *module, PyObject *args);
PyObject *rounded_values(PyObject *module, PyObject *args);
PyObject *reason_texts(PyObject *module, PyObject *args);
/* reason_marks.c */
PyObject *feature_reasons(PyObject *module, PyObject *args);
PyObject *reason_prefixes(PyObject *module, PyObject *args);
/* verdicts.c */
PyObject *segment_verdicts(PyObject *module, PyObject *args);
/* text_lines.c */
PyObject *text_lines(PyObject *module, PyObject *body);
/* rules.c */
PyObject *rule_rejections(PyObject *module, PyObject *args);
PyObject *headline_runs(PyObject *module, PyObject *args);
PyObject *page_cut(PyObject *module, PyObject *args);
/* line_starts.c, line_words.c */
Py_ssize_t next_short_text(PyObject *fast, Py_ssize_t from, Py_ssize_t count,
                           Py_ssize_t max_chars);
PyObject *lines_opening_with(PyObject *module, PyObject *args);
PyObject *short_lines_starting(PyObject *module, PyObject *args);
/* html_text.c */
PyObject *html_utf8(PyObject *module, PyObject *page);
PyObject *joined_words(PyObject *module, PyObject *runs);
/* needles.c */
PyObject *compile_needles(PyObject *module, PyObject *needles);
PyObject *contains_needle(PyObject *module, PyObject *args);
/* structure.c */
PyObject *segment_marks(PyObject *module, PyObject *args);
PyObject *paths_through(PyObject *module, PyObject *args);
PyObject *segment_columns(PyObject *module, PyObject *args);
PyObject *repeats_title(PyObject *module, PyObject *args);
/* containers.c */
PyObject *sibling_columns(PyObject *module, PyObject *args);
PyObject *main_container(PyObject *module, PyObject *args);
/* layout.c */
PyObject *page_layout(PyObject *module, PyObject *args);
/* markdown.c */
PyObject *article_markdown(PyObject *module, PyObject *args);
/* records.c */
PyObject *control_characters(PyObject *module, PyObject *args);
PyObject *nests_deeper_than(PyObject *module, PyObject *args);
PyObject *reject_rows(PyObject *module, PyObject *args);

#pragma GCC visibility pop

#endif /* WORKER_CORE_KERNELS_H */
