/* The decision stage's rules and the page's cut: rule_rejections (worker/core/rules.py),
   headline_runs (worker/core/headline_runs.py) and page_cut, the bar a segment must reach
   to be kept (worker/core/decision.py). */

#include "kernels.h"

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
PyObject *
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

PyObject *
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
PyObject *
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
