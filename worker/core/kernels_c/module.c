/* The module worker.core._kernels itself: its method table, its definition, and the
   tables kernels.h declares, filled when it loads. The kernels are in the other files of
   this directory, by the stage they serve (kernels.h lists them); worker/core/kernels.py,
   html_kernels.py and stage_kernels.py wrap them for Python. */

#include "kernels.h"

double log1p_of_small[SMALL_COUNTS];
uint8_t lower_ascii[256];
double powers_of_ten[POWERS];
float decade_starts[DECADES];
PyObject *row_keys[4], *builtin_round;

/* The smallest positive float32 whose floor(log10) is `decade` or more (INFINITY if none):
   a bisection over the bits of the positive floats, which order them. */
static float
smallest_of_decade(int decade)
{
    uint32_t low = 1, high = 0x7F7FFFFF; /* the smallest and the largest */
    float value;
    memcpy(&value, &high, sizeof value);
    if (floor(log10((double)value)) < decade) {
        return INFINITY;
    }
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        memcpy(&value, &middle, sizeof value);
        if (floor(log10((double)value)) >= decade) {
            high = middle;
        }
        else {
            low = middle + 1;
        }
    }
    memcpy(&value, &low, sizeof value);
    return value;
}

static PyMethodDef kernel_methods[] = {
    {"text_counts", text_counts, METH_VARARGS, "Byte-count text features of every segment."},
    {"position_features", position_features, METH_VARARGS, "Where each segment sits."},
    {"context_columns", context_columns, METH_VARARGS, "Neighbours' features, in place."},
    {"additive_scores", additive_scores, METH_VARARGS, "An additive model's contributions."},
    {"tree_scores", tree_scores, METH_VARARGS, "A tree ensemble's contributions."},
    {"smoothing_logits", smoothing_logits, METH_VARARGS, "The smoothing stage's logits."},
    {"phrase_counts", phrase_counts, METH_VARARGS, "Phrase matches in each segment."},
    {"repeat_counts", repeat_counts, METH_VARARGS, "How often each segment recurs."},
    {"feature_table", feature_table, METH_VARARGS, "A page's feature table, in one call."},
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
    {"feature_reasons", feature_reasons, METH_VARARGS, "Each row's reasons, in one call."},
    {"reason_prefixes", reason_prefixes, METH_VARARGS, "Rules, cut, neighbours first."},
    {"segment_verdicts", segment_verdicts, METH_VARARGS, "The page's verdict rows."},
    {"reject_rows", reject_rows, METH_VARARGS, "Kept texts and the reject record's rows."},
    {"article_markdown", article_markdown, METH_VARARGS, "The kept segments as Markdown."},
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
    for (int k = 0; k < DECADES; k++) {
        decade_starts[k] = smallest_of_decade(DECADES_FROM + k);
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
