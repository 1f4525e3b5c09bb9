/* page_layout, for worker/core/html_layout.py: readability's best article container,
   scored from the segments' block paths, and each segment's card; with numpy's float64
   ufuncs as the scores need them (the table that numbers the blocks, KeyIndex, is in
   id_tables.h). */

#include "id_tables.h"

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
PyObject *
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
