/* The hint bits an element's class and id give (html_tags.hint_bits: whether they say
   "menu" or "article"), read from lexbor's attributes as selectolax's attributes dict has
   them; the walk (walk.c) asks for them only for the ancestors of a text node. And whether
   an element's class has one of the tokens that make the walk pass over it. */

#include "html_blocks.h"

/* The value of an element's attribute `name` (one of lexbor's static attribute ids), as
   selectolax's attributes dict has it: that of the last attribute of that qualified name. */
static const LexborString *
attribute_value(const LexborElement *element, uintptr_t name, int *found)
{
    const LexborString *value = NULL;
    for (const LexborAttribute *a = element->first_attr; a != NULL; a = a->next) {
        uintptr_t qualified = a->qualified_name ? a->qualified_name : a->node.local_name;
        if (qualified == name) {
            *found = 1;
            value = a->value;
        }
    }
    return value;
}

/* The hint bits of f"{attributes.get('class') or ''} {attributes.get('id') or ''}" (from
   hint_cache, else hint_bits) when that is more than the space, else 0; -1 on an error. */
long
hints_of(const Walk *walk, const LexborElement *element)
{
    int found = 0;
    const LexborString *class_value = attribute_value(element, ATTRIBUTE_CLASS, &found);
    const LexborString *id_value = attribute_value(element, ATTRIBUTE_ID, &found);
    size_t class_length = class_value && class_value->data ? class_value->length : 0;
    size_t id_length = id_value && id_value->data ? id_value->length : 0;
    if (!found || class_length + id_length == 0) {
        return 0;
    }
    char small[256];
    size_t size = class_length + 1 + id_length;
    char *joined = size <= sizeof(small) ? small : PyMem_Malloc(size);
    if (joined == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (class_length) {
        memcpy(joined, class_value->data, class_length);
    }
    joined[class_length] = ' ';
    if (id_length) {
        memcpy(joined + class_length + 1, id_value->data, id_length);
    }
    /* selectolax decodes each value with errors="replace"; the ASCII space between them
       ends any broken sequence, so decoding them joined gives the same str */
    PyObject *hint = PyUnicode_DecodeUTF8(joined, (Py_ssize_t)size, "replace");
    if (joined != small) {
        PyMem_Free(joined);
    }
    if (hint == NULL) {
        return -1;
    }
    PyObject *bits = PyDict_GetItemWithError(walk->hint_cache, hint); /* borrowed */
    if (bits != NULL) {
        Py_INCREF(bits);
    }
    else if (!PyErr_Occurred()) {
        bits = PyObject_CallOneArg(walk->hint_bits, hint);
    }
    Py_DECREF(hint);
    if (bits == NULL) {
        return -1;
    }
    long value = PyLong_AsLong(bits);
    Py_DECREF(bits);
    if (value < 0 && !PyErr_Occurred()) {
        PyErr_SetString(PyExc_ValueError, "hint bits cannot be negative");
    }
    return PyErr_Occurred() ? -1 : value;
}

/* The whitespace lexbor parts class tokens at (the HTML standard's ASCII whitespace). */
static inline int
class_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* Whether the element's class attribute has one of the walk's class tokens whose bits are
   in `classes`, as lexbor matches html_walk's [class~="token"]: tokens parted by
   whitespace, compared byte for byte (a class selector would fold ASCII case in quirks mode,
   the attribute selector never does, so neither walk reads the document's mode). */
int
has_skipped_class(const Walk *walk, const LexborElement *element, uint8_t classes)
{
    int found = 0;
    const LexborString *value = attribute_value(element, ATTRIBUTE_CLASS, &found);
    if (value == NULL || value->data == NULL) {
        return 0;
    }
    const uint8_t *at = value->data, *end = value->data + value->length;
    while (at < end) {
        const uint8_t *start = at;
        while (at < end && !class_space(*at)) {
            at++;
        }
        size_t length = (size_t)(at - start);
        for (int i = 0; length && i < SKIPPED_CLASSES; i++) {
            if ((classes >> i & 1) && (size_t)walk->class_lengths[i] == length &&
                memcmp(walk->classes[i], start, length) == 0) {
                return 1;
            }
        }
        at++; /* past the space, or the end */
    }
    return 0;
}
