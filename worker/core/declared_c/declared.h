/* worker.core._declared: the elements an HTML page declares its metadata in, for
   worker/core/declared.py: what tree.css(declared.SELECTOR) selects, read straight off
   lexbor's tree. The selection cost ~220 us of a 268 kB page (lexbor's selector engine
   matching ten selectors against every element) and reading the selected nodes through
   selectolax ~120 us more; this walk visits each element once and reads only the few
   attributes the metadata uses.

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
   selection on a probe page at import and selects in Python when they differ.

   Its C files (worker/core/declared_c/) share this header: the tag ids, the attributes
   read, and the functions one file calls in another.
     module.c     declared_elements (the walk over the tree) and the module's definition
     selection.c  which elements are selected, from their tag and attributes
     entries.c    what is read off a selected element: its attributes, text and
                  microdata text */

#ifndef WORKER_CORE_DECLARED_H
#define WORKER_CORE_DECLARED_H

#define PY_SSIZE_T_CLEAN
#include "../_lexbor.h"

/* What the files share is the module's own: hidden from the shared object, which exports
   PyInit__declared alone (-fvisibility=hidden in setup.py hides the definitions; the
   pragma hides these declarations too). */
#pragma GCC visibility push(hidden)

/* lexbor 3.1.0's tag ids (tag/const.h) */
#define TAG_LINK 0x0074
#define TAG_META 0x007d
#define TAG_SCRIPT 0x00a2
#define TAG_TIME 0x00bc
#define TAG_TITLE 0x00bd

/* The attributes read, in the order of declared.py's DECLARED_ATTRIBUTES. */
enum { PROPERTY, NAME, ITEMPROP, CONTENT, ITEMTYPE, DATETIME, HREF, KEYS };
extern const char *const key_names[KEYS];
extern PyObject *key_strings[KEYS]; /* key_names as str, made when module.c loads */
enum { TAG_OTHER_NAME, TAG_TITLE_NAME, TAG_META_NAME, TAG_LINK_NAME, TAG_SCRIPT_NAME,
       TAG_TIME_NAME, TAG_NAMES };
extern PyObject *tag_strings[TAG_NAMES]; /* the tag names as str, the same */

/* The first attribute of each key by local name (lexbor's selectors), and rel and type. */
typedef struct {
    const LexborAttribute *by_key[KEYS];
    const LexborAttribute *rel, *type;
} Attributes;

/* selection.c */
int key_of(uintptr_t id);
int value_is(const LexborAttribute *attribute, const char *expected, int case_insensitive);
void read_attributes(const LexborElement *element, Attributes *found);
int selected(const LexborNode *node, const Attributes *found);
/* entries.c */
PyObject *entry_of(const LexborNode *node);

#pragma GCC visibility pop

#endif /* WORKER_CORE_DECLARED_H */
