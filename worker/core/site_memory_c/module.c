/* The module worker.core._site_memory: its methods (fingerprints.c, profile.c) and its
 * definition; the tables are made when it loads. */

#include "site_memory.h"

static PyMethodDef methods[] = {
    {"fingerprints", fingerprints, METH_VARARGS, "Each text's fingerprint."},
    {"joined_fingerprints", joined_fingerprints, METH_VARARGS,
     "Each newline-separated segment's fingerprint."},
    {"update", update, METH_VARARGS, "A page's counts and its site's next profile."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_site_memory", NULL, -1, methods};

PyMODINIT_FUNC PyInit__site_memory(void) {
    make_tables();
    return PyModule_Create(&module);
}
