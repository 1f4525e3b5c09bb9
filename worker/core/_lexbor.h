/* The few lexbor and selectolax structs the compiled HTML code reads (html_blocks_c/, the
   walk; declared_c/, the declared metadata's elements).

   selectolax has no C API, so these mirror them: selectolax's LexborNode object (Cython lays
   it out as PyObject_HEAD, its vtable, then its fields in declaration order) and lexbor's
   node, element, attribute, text and attribute-name structs. They are those of selectolax
   1.0.2, which bundles lexbor 3.1.0 (its sdist holds the headers, in
   lexbor/source/lexbor/dom/interfaces and core/hash.h). Each caller refuses any object that
   is not a LexborNode of the mirrored size (selectolax_root below), and the Python side
   checks each one against selectolax's own API on a probe page at import, falling back to
   that API when they differ, so another selectolax cannot make them read the wrong memory
   or give different results. */

#ifndef CHAFF_LEXBOR_H
#define CHAFF_LEXBOR_H

#include <Python.h>
#include <stdint.h>
#include <string.h>

/* lexbor 3.1.0: struct lxb_dom_node (dom/interfaces/node.h) */
typedef struct LexborNode LexborNode;
struct LexborNode {
    void *events; /* lxb_dom_event_target_t */
    uintptr_t local_name; /* the tag id, for an element */
    uintptr_t prefix;
    uintptr_t ns;
    void *owner_document;
    LexborNode *next;
    LexborNode *prev;
    LexborNode *parent;
    LexborNode *first_child;
    LexborNode *last_child;
    void *user;
    int type; /* lxb_dom_node_type_t */
};

typedef struct {
    const uint8_t *data;
    size_t length;
} LexborString; /* lexbor_str_t (core/str.h) */

typedef struct LexborAttribute LexborAttribute;
struct LexborAttribute { /* struct lxb_dom_attr (dom/interfaces/attr.h) */
    LexborNode node;     /* node.local_name: the attribute's lowercase name id */
    uintptr_t upper_name;
    uintptr_t qualified_name; /* 0 when it is the local name */
    LexborString *value;      /* NULL for an attribute without a value */
    void *owner;
    LexborAttribute *next;
    LexborAttribute *prev;
};

typedef struct { /* struct lxb_dom_element, as far as its attributes */
    LexborNode node;
    uintptr_t upper_name;
    uintptr_t qualified_name;
    LexborString *is_value;
    LexborAttribute *first_attr;
} LexborElement;

typedef struct { /* struct lxb_dom_character_data */
    LexborNode node;
    LexborString data;
} LexborText;

/* An attribute name's id is an index into lexbor's static table below
   LXB_DOM_ATTR__LAST_ENTRY (dom/interfaces/attr_const.h), else the address of the
   document's lxb_dom_attr_data_t for that name, which begins with its lexbor_hash_entry_t
   (core/hash.h): the name, inline when LEXBOR_HASH_SHORT_SIZE bytes or fewer. */
#define ATTRIBUTE_STATIC_IDS 0x0049 /* LXB_DOM_ATTR__LAST_ENTRY */
#define HASH_SHORT_SIZE 16          /* LEXBOR_HASH_SHORT_SIZE */
typedef struct {
    union {
        uint8_t *long_str;
        uint8_t short_str[HASH_SHORT_SIZE + 1];
    } u;
    size_t length;
    void *next;
} LexborHashEntry;

typedef struct { /* selectolax 1.0.2's LexborNode (selectolax/lexbor.c) */
    PyObject_HEAD
    void *vtable;
    LexborNode *node;
    PyObject *parser;
    int is_fragment_root;
    int is_template_content;
} SelectolaxNode;

#define NODE_ELEMENT 0x01 /* LXB_DOM_NODE_TYPE_ELEMENT */
#define NODE_TEXT 0x03    /* LXB_DOM_NODE_TYPE_TEXT */
#define NAMESPACE_HTML 0x02 /* LXB_NS_HTML (ns/const.h) */
/* Static attribute ids (dom/interfaces/attr_const.h) */
#define ATTRIBUTE_CLASS 0x000b   /* LXB_DOM_ATTR_CLASS */
#define ATTRIBUTE_CONTENT 0x0010 /* LXB_DOM_ATTR_CONTENT */
#define ATTRIBUTE_HREF 0x001d    /* LXB_DOM_ATTR_HREF */
#define ATTRIBUTE_ID 0x0021      /* LXB_DOM_ATTR_ID */
#define ATTRIBUTE_REL 0x0032     /* LXB_DOM_ATTR_REL */
#define ATTRIBUTE_TYPE 0x0043    /* LXB_DOM_ATTR_TYPE */

/* The lexbor node a selectolax LexborNode holds; NULL with an exception set when the
   object is not one of the mirrored layout. `function`: the caller's name, for the error. */
static inline LexborNode *
selectolax_root(PyObject *object, const char *function)
{
    PyTypeObject *type = Py_TYPE(object);
    if (strcmp(type->tp_name, "selectolax.lexbor.LexborNode") != 0 ||
        type->tp_basicsize != (Py_ssize_t)sizeof(SelectolaxNode)) {
        PyErr_Format(PyExc_TypeError, "%s reads a selectolax 1.0 LexborNode, not %s of %zd bytes",
                     function, type->tp_name, type->tp_basicsize);
        return NULL;
    }
    LexborNode *root = ((SelectolaxNode *)object)->node;
    if (root == NULL) {
        PyErr_SetString(PyExc_ValueError, "the LexborNode holds no node");
    }
    return root;
}

/* The node after `node` in a walk of `root`'s subtree in document order (its first child,
   else the next sibling of it or of its nearest ancestor that has one), NULL past the end. */
static inline const LexborNode *
next_below(const LexborNode *node, const LexborNode *root)
{
    if (node->first_child != NULL) {
        return node->first_child;
    }
    while (node != root && node->next == NULL) {
        node = node->parent;
    }
    return node == root ? NULL : node->next;
}

#endif /* CHAFF_LEXBOR_H */
