/* The blocks an HTML page's segments share, by the ids of the blocks on their paths:
   sibling_columns (each segment's group's totals) and main_container (the block holding the
   page's prose), both for worker/core/html_segments.py. */

#include "id_tables.h"

/* sibling_columns(groups, chars, link_density, share, links, size, mean)

   For each segment, from the segments sharing its group (an int: its block's parent) as
   html_segments computed them with np.unique and np.bincount: the group's characters over
   the page's (np.sum of chars, pairwise), its link density (chars * link_density summed in
   document order, over the group's characters), its count of segments and its characters
   per segment. chars and link_density: float64, one per group; the rest float64 out. */
PyObject *
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
PyObject *
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
