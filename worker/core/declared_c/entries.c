/* What declared_elements reads off each element it selects (declared.h says what): its
   attributes as selectolax gives them, the text of a <title> or a <script>, and the
   microdata text of an item property. */

#include "declared.h"

/* Whether the value is one of the five itemprops, in any case (ASCII: no other character
   lowercases to one of their letters). */
static int
microdata_prop(const LexborAttribute *attribute)
{
    static const char *const props[] = {"author", "datepublished", "datecreated",
                                        "datemodified", "headline"};
    for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
        if (value_is(attribute, props[i], 1)) {
            return 1;
        }
    }
    return 0;
}

static PyObject *
decoded(const LexborString *value)
{
    if (value == NULL || value->data == NULL) {
        Py_RETURN_NONE;
    }
    return PyUnicode_DecodeUTF8((const char *)value->data, (Py_ssize_t)value->length,
                                "replace");
}

/* selectolax's `attributes`, as far as DECLARED_ATTRIBUTES: by qualified name, the last of
   each name. */
static PyObject *
attributes_of(const LexborElement *element)
{
    PyObject *attributes = PyDict_New();
    for (const LexborAttribute *a = element->first_attr; attributes != NULL && a != NULL;
         a = a->next) {
        int key = key_of(a->qualified_name ? a->qualified_name : a->node.local_name);
        if (key < 0) {
            continue;
        }
        PyObject *value = decoded(a->value);
        if (value == NULL || PyDict_SetItem(attributes, key_strings[key], value) < 0) {
            Py_CLEAR(attributes);
        }
        Py_XDECREF(value);
    }
    return attributes;
}

/* selectolax's node.text(): the bytes of every text node below `node`, in document order,
   decoded at the end. */
static PyObject *
deep_text(const LexborNode *root)
{
    char small[1024];
    char *text = small;
    size_t length = 0, capacity = sizeof(small);
    const LexborNode *node = root->first_child;
    PyObject *result = NULL;
    while (node != NULL) {
        if (node->type == NODE_TEXT) {
            const LexborString *data = &((const LexborText *)node)->data;
            if (data->data != NULL && data->length) {
                if (length + data->length > capacity) {
                    size_t grown = (length + data->length) * 2;
                    char *bigger = text == small ? PyMem_Malloc(grown) : PyMem_Realloc(text, grown);
                    if (bigger == NULL) {
                        PyErr_NoMemory();
                        goto done;
                    }
                    if (text == small) {
                        memcpy(bigger, small, length);
                    }
                    text = bigger;
                    capacity = grown;
                }
                memcpy(text + length, data->data, data->length);
                length += data->length;
            }
        }
        node = next_below(node, root);
    }
    result = PyUnicode_DecodeUTF8(text, (Py_ssize_t)length, "replace");
done:
    if (text != small) {
        PyMem_Free(text);
    }
    return result;
}

/* The first element below `root` whose first itemprop (by local name) is exactly "name". */
static const LexborNode *
microdata_name(const LexborNode *root)
{
    const LexborNode *node = root->first_child;
    while (node != NULL) {
        if (node->type == NODE_ELEMENT) {
            for (const LexborAttribute *a = ((const LexborElement *)node)->first_attr; a != NULL;
                 a = a->next) {
                if (key_of(a->node.local_name) == ITEMPROP) {
                    if (value_is(a, "name", 0)) {
                        return node;
                    }
                    break;
                }
            }
        }
        node = next_below(node, root);
    }
    return NULL;
}

static int
empty(const LexborAttribute *attribute)
{
    return attribute == NULL || attribute->value == NULL || attribute->value->data == NULL ||
           attribute->value->length == 0;
}

/* The entry of one selected element. */
PyObject *
entry_of(const LexborNode *node)
{
    const LexborElement *element = (const LexborElement *)node;
    int tag = TAG_OTHER_NAME;
    switch (node->local_name) {
        case TAG_TITLE: tag = TAG_TITLE_NAME; break;
        case TAG_META: tag = TAG_META_NAME; break;
        case TAG_LINK: tag = TAG_LINK_NAME; break;
        case TAG_SCRIPT: tag = TAG_SCRIPT_NAME; break;
        case TAG_TIME: tag = TAG_TIME_NAME; break;
    }
    PyObject *attributes = attributes_of(element);
    if (attributes == NULL) {
        return NULL;
    }
    PyObject *text = NULL, *microdata = NULL;
    if (tag == TAG_TITLE_NAME || tag == TAG_SCRIPT_NAME) {
        text = deep_text(node);
    }
    else {
        text = Py_NewRef(Py_None);
    }
    /* (selectolax's dict, for the values: the last of each qualified name) */
    const LexborAttribute *itemprop = NULL, *content = NULL, *datetime = NULL;
    for (const LexborAttribute *a = element->first_attr; a != NULL; a = a->next) {
        int key = key_of(a->qualified_name ? a->qualified_name : a->node.local_name);
        itemprop = key == ITEMPROP ? a : itemprop;
        content = key == CONTENT ? a : content;
        datetime = key == DATETIME ? a : datetime;
    }
    if (text != NULL && tag != TAG_META_NAME && itemprop != NULL && microdata_prop(itemprop) &&
        empty(content) && empty(datetime)) {
        const LexborNode *name = microdata_name(node);
        microdata = deep_text(name ? name : node);
    }
    else {
        microdata = Py_NewRef(Py_None);
    }
    if (text == NULL || microdata == NULL) {
        Py_DECREF(attributes);
        Py_XDECREF(text);
        Py_XDECREF(microdata);
        return NULL;
    }
    PyObject *entry = PyTuple_New(4);
    if (entry == NULL) {
        Py_DECREF(attributes);
        Py_DECREF(text);
        Py_DECREF(microdata);
        return NULL;
    }
    PyTuple_SET_ITEM(entry, 0, Py_NewRef(tag_strings[tag]));
    PyTuple_SET_ITEM(entry, 1, attributes);
    PyTuple_SET_ITEM(entry, 2, text);
    PyTuple_SET_ITEM(entry, 3, microdata);
    return entry;
}
