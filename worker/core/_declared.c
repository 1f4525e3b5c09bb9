/* The elements an HTML page declares its metadata in, for worker/core/declared.py: what
   tree.css(declared.SELECTOR) selects, read straight off lexbor's tree. The selection cost
   ~220 us of a 268 kB page (lexbor's selector engine matching ten selectors against every
   element) and reading the selected nodes through selectolax ~120 us more; this walk
   visits each element once and reads only the few attributes the metadata uses.

   What it selects, as lexbor's selectors do (selectors/selectors.c): an element that is a
   <title> or a <meta> (in any namespace, as a type selector matches); a <link> whose rel is
   "canonical" or a <script> whose type is "application/ld+json" (ASCII case-insensitive in
   the HTML namespace, as HTML says of those two attributes); one with an itemtype; one
   whose itemprop is exactly "author", "datePublished", "dateCreated", "dateModified" or
   "headline"; a <time> with a datetime. An attribute is found by its local name, the first
   of that name, as lexbor's selectors find it. In document order, the root element included, and an
   element once for each of those it is (lexbor's selection gives it so).

   For each: (tag, attributes, text, microdata text), where tag is one of "title", "meta",
   "link", "script", "time" or ""; attributes holds those of DECLARED_ATTRIBUTES it has, by
   qualified name, as selectolax's `attributes` gives them (None for one without a value);
   text is selectolax's node.text() of a <title> or a <script>, else None; and microdata
   text, for an element other than a <meta> whose itemprop is one of the five above in any
   case and whose content and datetime are empty or absent, is the text of its first
   descendant with itemprop "name", else its own (declared._microdata_value), else None.

   The structs it reads are mirrored in _lexbor.h; declared.py checks this against the
   selection on a probe page at import and selects in Python when they differ. */

#define PY_SSIZE_T_CLEAN
#include "_lexbor.h"

/* lexbor 3.1.0's tag ids (tag/const.h) */
#define TAG_LINK 0x0074
#define TAG_META 0x007d
#define TAG_SCRIPT 0x00a2
#define TAG_TIME 0x00bc
#define TAG_TITLE 0x00bd

/* The attributes read, in the order of declared.py's DECLARED_ATTRIBUTES. */
enum { PROPERTY, NAME, ITEMPROP, CONTENT, ITEMTYPE, DATETIME, HREF, KEYS };
static const char *const key_names[KEYS] = {"property", "name",     "itemprop", "content",
                                            "itemtype", "datetime", "href"};
static PyObject *key_strings[KEYS];
enum { TAG_OTHER_NAME, TAG_TITLE_NAME, TAG_META_NAME, TAG_LINK_NAME, TAG_SCRIPT_NAME,
       TAG_TIME_NAME, TAG_NAMES };
static const char *const tag_names[TAG_NAMES] = {"", "title", "meta", "link", "script", "time"};
static PyObject *tag_strings[TAG_NAMES];

/* The key of DECLARED_ATTRIBUTES an attribute name id stands for, else -1. */
static int
key_of(uintptr_t id)
{
    if (id <= ATTRIBUTE_STATIC_IDS) {
        return id == ATTRIBUTE_CONTENT ? CONTENT : id == ATTRIBUTE_HREF ? HREF : -1;
    }
    const LexborHashEntry *entry = (const LexborHashEntry *)id;
    size_t length = entry->length;
    const uint8_t *name = length <= HASH_SHORT_SIZE ? entry->u.short_str : entry->u.long_str;
    if (name == NULL) {
        return -1;
    }
    /* (most names are none of them: their length tells, without a comparison) */
    if (length == 4) {
        return memcmp(name, "name", 4) == 0 ? NAME : -1;
    }
    if (length != 8) {
        return -1;
    }
    static const int eight[] = {PROPERTY, ITEMPROP, ITEMTYPE, DATETIME};
    for (size_t i = 0; i < sizeof(eight) / sizeof(eight[0]); i++) {
        if (memcmp(name, key_names[eight[i]], 8) == 0) {
            return eight[i];
        }
    }
    return -1;
}

/* Whether the attribute's value is `expected` (case-insensitive: in ASCII). A missing value
   counts as "", as lexbor's selectors take it. */
static int
value_is(const LexborAttribute *attribute, const char *expected, int case_insensitive)
{
    size_t length = strlen(expected);
    const LexborString *value = attribute->value;
    if (value == NULL || value->data == NULL || value->length != length) {
        return length == 0;
    }
    for (size_t i = 0; i < length; i++) {
        uint8_t c = value->data[i];
        if (case_insensitive && c >= 'A' && c <= 'Z') {
            c = (uint8_t)(c - 'A' + 'a');
        }
        if (c != (uint8_t)expected[i]) {
            return 0;
        }
    }
    return 1;
}

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

static int
exact_prop(const LexborAttribute *attribute)
{
    return attribute != NULL &&
           (value_is(attribute, "author", 0) || value_is(attribute, "datePublished", 0) ||
            value_is(attribute, "dateCreated", 0) || value_is(attribute, "dateModified", 0) ||
            value_is(attribute, "headline", 0));
}

/* The first attribute of each key by local name (lexbor's selectors), and rel and type. */
typedef struct {
    const LexborAttribute *by_key[KEYS];
    const LexborAttribute *rel, *type;
} Attributes;

static void
read_attributes(const LexborElement *element, Attributes *found)
{
    memset(found, 0, sizeof(*found));
    for (const LexborAttribute *a = element->first_attr; a != NULL; a = a->next) {
        uintptr_t id = a->node.local_name;
        if (id == ATTRIBUTE_REL) {
            found->rel = found->rel ? found->rel : a;
        }
        else if (id == ATTRIBUTE_TYPE) {
            found->type = found->type ? found->type : a;
        }
        int key = key_of(id);
        if (key >= 0 && found->by_key[key] == NULL) {
            found->by_key[key] = a;
        }
    }
}

/* How many of the selector list's selectors the element matches: lexbor's engine gives an
   element once per selector it matches (a <meta itemprop="author"> twice), and so do we. */
static int
selected(const LexborNode *node, const Attributes *found)
{
    int html = node->ns == NAMESPACE_HTML;
    int matches = 0;
    switch (node->local_name) {
        case TAG_TITLE:
        case TAG_META:
            matches = 1;
            break;
        case TAG_LINK:
            matches = found->rel && value_is(found->rel, "canonical", html);
            break;
        case TAG_SCRIPT:
            matches = found->type && value_is(found->type, "application/ld+json", html);
            break;
        case TAG_TIME:
            matches = found->by_key[DATETIME] != NULL;
            break;
    }
    return matches + (found->by_key[ITEMTYPE] != NULL) + exact_prop(found->by_key[ITEMPROP]);
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
        if (node->first_child != NULL) {
            node = node->first_child;
            continue;
        }
        while (node != root && node->next == NULL) {
            node = node->parent;
        }
        node = node == root ? NULL : node->next;
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
        if (node->first_child != NULL) {
            node = node->first_child;
            continue;
        }
        while (node != root && node->next == NULL) {
            node = node->parent;
        }
        node = node == root ? NULL : node->next;
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
static PyObject *
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
        if (node->first_child != NULL) {
            node = node->first_child;
            continue;
        }
        while (node != root && node->next == NULL) {
            node = node->parent;
        }
        node = node == root ? NULL : node->next;
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
