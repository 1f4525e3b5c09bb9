/* The module worker.core._declared: declared_elements, the walk over the tree that selects
   the elements (selection.c) and reads each one's entry (entries.c), and the module's
   definition, whose import makes the attribute and tag names' strings. */

#include "declared.h"

const char *const key_names[KEYS] = {"property", "name",     "itemprop", "content",
                                     "itemtype", "datetime", "href"};
PyObject *key_strings[KEYS];
static const char *const tag_names[TAG_NAMES] = {"", "title", "meta", "link", "script", "time"};
PyObject *tag_strings[TAG_NAMES];

/* declared_elements(root) -> list of (tag, attributes, text, microdata text)

   root: a selectolax LexborNode, the page's root element. */
static PyObject *
declared_elements(PyObject *Py_UNUSED(module), PyObject *root_object)
{
    const LexborNode *root = selectolax_root(root_object, "declared_elements");
    if (root == NULL) {
        return NULL;
    }
    PyObject *found = PyList_New(0);
    const LexborNode *node = root;
    Attributes attributes;
    while (found != NULL && node != NULL) {
        if (node->type == NODE_ELEMENT) {
            read_attributes((const LexborElement *)node, &attributes);
            int matches = selected(node, &attributes);
            if (matches) {
                PyObject *entry = entry_of(node);
                for (int i = 0; i < matches && found != NULL; i++) {
                    if (entry == NULL || PyList_Append(found, entry) < 0) {
                        Py_CLEAR(found);
                    }
                }
                Py_XDECREF(entry);
            }
        }
        node = next_below(node, root);
    }
    return found;
}

static PyMethodDef declared_methods[] = {
    {"declared_elements", declared_elements, METH_O,
     "The elements of an HTML page holding its declared metadata."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef declared_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_declared",
    .m_doc = "The elements of an HTML page's declared metadata: see worker/core/declared.py.",
    .m_size = 0,
    .m_methods = declared_methods,
};

PyMODINIT_FUNC
PyInit__declared(void)
{
    for (int key = 0; key < KEYS; key++) {
        if ((key_strings[key] = PyUnicode_InternFromString(key_names[key])) == NULL) {
            return NULL;
        }
    }
    for (int tag = 0; tag < TAG_NAMES; tag++) {
        if ((tag_strings[tag] = PyUnicode_InternFromString(tag_names[tag])) == NULL) {
            return NULL;
        }
    }
    return PyModule_Create(&declared_module);
}
