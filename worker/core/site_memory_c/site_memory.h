/* worker.core._site_memory: site memory's per-page work in C (worker/core/site_memory.py
 * has the Python definitions, which tests/core/test_site_memory.py compares these with, to
 * the bit).
 *
 * fingerprints(texts, out): per str, CRC-32 of its UTF-8 with ASCII letters lowercased and
 *   runs of ASCII whitespace folded to one space, ends stripped; 1 for a CRC of 0, 0 for
 *   an empty result. (Python: zlib.crc32(b" ".join(text.encode().lower().split())).)
 * joined_fingerprints(page, count, out): the same of each of the `count` newline-separated
 *   segments of `page` (the segments' UTF-8 joined by newlines, as the features read it):
 *   no str touched, no UTF-8 made per segment.
 * update(profile, page, url, window, max_fingerprints, counts): seen_on and remember of
 *   site_memory.py in one pass: writes each segment's count into `counts` (int64) and
 *   returns (pages counted over, segments seen, the new profile's bytes).
 *
 * Its C files (worker/core/site_memory_c/) share this header: the includes and the
 * functions one file calls in another.
 *   module.c        the module's methods and definition
 *   fingerprints.c  fingerprints and joined_fingerprints, with their CRC-32 tables
 *   profile.c       update: a page's counts and its site's next profile
 */

#ifndef WORKER_CORE_SITE_MEMORY_H
#define WORKER_CORE_SITE_MEMORY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What the files share is the module's own: hidden from the shared object, which exports
 * PyInit__site_memory alone (-fvisibility=hidden in setup.py hides the definitions; the
 * pragma hides these declarations too). */
#pragma GCC visibility push(hidden)

/* fingerprints.c */
void make_tables(void); /* the CRC-32 and lowercase tables, made when the module loads */
PyObject *fingerprints(PyObject *self, PyObject *args);
PyObject *joined_fingerprints(PyObject *self, PyObject *args);
/* profile.c */
PyObject *update(PyObject *self, PyObject *args);

#pragma GCC visibility pop

#endif /* WORKER_CORE_SITE_MEMORY_H */
