/* worker.core._html_blocks: the walk of html_walk.python_walk in C: an HTML page's text
   nodes, in document order, grouped into runs by their nearest block-level ancestor, with
   the context each run inherits. In Python the walk was half of an HTML page's time (a
   LexborNode made and read per node, ~1,200 text nodes and ~700 elements a page); here it
   reads lexbor's tree directly.

   The structs it reads are mirrored in _lexbor.h. html_blocks refuses any object that is
   not a LexborNode of the mirrored size, and html_walk.py checks the walk against the
   Python one on a probe page at import, using the Python walk when they differ, so another
   selectolax cannot make it read the wrong memory or give different segments.

   Its C files (worker/core/html_blocks_c/) share this header: the walk's state and the
   functions one file calls in another.
     module.c        html_blocks (the rules read, the walk run, its columns returned) and
                     the module's definition
     walk.c          the walk over the tree: the frames of an element's ancestors, the runs
                     of text nodes and the columns they end in
     text_folding.c  a text node's characters appended to a run, whitespace folded
     class_hints.c   the hint bits an element's class and id give, and whether its class
                     has a token that makes the walk pass over it */

#ifndef WORKER_CORE_HTML_BLOCKS_H
#define WORKER_CORE_HTML_BLOCKS_H

#define PY_SSIZE_T_CLEAN
#include "../_lexbor.h"

/* What the files share is the module's own: hidden from the shared object, which exports
   PyInit__html_blocks alone (-fvisibility=hidden in setup.py hides the definitions; the
   pragma hides these declarations too, so the calls between the files are direct). */
#pragma GCC visibility push(hidden)

#define TAG_IDS 256 /* the rules' table; lexbor's own tags end at LXB_TAG__LAST_ENTRY, 0xc7 */
#define MAX_BLOCK_PATH 256 /* html_segments.MAX_BLOCK_PATH */
#define SKIPPED_CLASSES 8  /* the class tokens whose elements the walk may pass over */

typedef struct {
    uint32_t bit;       /* the context bit the tag sets */
    uint8_t kind;       /* its block kind, 0 when it is no block */
    uint8_t reads_hints; /* whether its class and id may say "menu" or "article" */
    uint8_t skipped;    /* whether the walk passes over the element and all inside it */
    uint8_t skipped_classes; /* which of Walk.classes make it pass over the element: bits */
} TagRule;

/* An element on the path from the root to the node being visited, and the context it hands
   down. Its bits are known only once `resolved` has passed it: reading an element's class
   and id is the one costly step, done only for the ancestors of a text node. */
typedef struct {
    LexborNode *node;
    LexborNode *block; /* the nearest block element, itself included */
    LexborNode *group; /* that block's parent: blocks sharing it are siblings */
    Py_ssize_t path_length; /* the block's path: the first path_length of `path` */
    uint32_t bits;     /* inherited and its own, hints too, once resolved */
    uint32_t own_bit;
    uint8_t kind;
    uint8_t reads_hints;
} Frame;

/* The run of text nodes being gathered, as the UTF-8 of its text with whitespace already
   folded (" ".join(text.split()) but for a space pending at the end): how many text nodes
   it joins, how many of their characters lie inside links, the context of the first. */
typedef struct {
    uint8_t *text;
    Py_ssize_t length, capacity;
    int pending_space;
    Py_ssize_t pieces, links;
    LexborNode *block, *group;
    Py_ssize_t depth;
    uint32_t bits;
    uint8_t kind;
    PyObject *path;
} Run;

/* What html_blocks returns: a list per column, one entry per run. */
enum { TEXTS, LINKS, PIECES, BITS, DEPTHS, BLOCKS, KINDS, GROUPS, PATHS, COLUMNS };

/* The walk's state: frames[0] is the root, frames[1 .. count) the elements from it down to
   the parent of the node being visited; the first `resolved` of them have their bits. */
typedef struct {
    Frame *frames;
    Py_ssize_t count, capacity, resolved;
    LexborNode *path[MAX_BLOCK_PATH]; /* the block ancestors of the top frame, in order */
    PyObject *path_ids[MAX_BLOCK_PATH]; /* their memory ids as int, or NULL until needed */
    const TagRule *rules;
    PyObject *hint_cache; /* html_tags.hint_cache: bits by "class id" str */
    PyObject *hint_bits;  /* html_tags.hint_bits, which fills it */
    uint32_t link_bit;
    uintptr_t line_break; /* the tag id of <br> */
    /* class tokens (UTF-8) that make the walk pass over an element of a tag whose rule has
       their bit in skipped_classes: embedded posts of other platforms */
    const char *classes[SKIPPED_CLASSES];
    Py_ssize_t class_lengths[SKIPPED_CLASSES];
    /* <br> elements since the last text with words or other element (whitespace, comments
       and skipped elements between them count for nothing), and whether two or more of them
       in a row end the run: the next text starts one of its own, as a paragraph would
       (readability's replaceBrs; old pages mark paragraphs so) */
    int line_breaks, paragraph_break;
    Run run;
    PyObject *columns[COLUMNS];
    /* "\n".join(texts) as UTF-8, made as the runs end: the features read it */
    uint8_t *joined;
    Py_ssize_t joined_length, joined_capacity;
} Walk;

/* walk.c */
int walk_tree(Walk *walk, LexborNode *root);
int end_run(Walk *walk, Py_ssize_t length);

/* text_folding.c */
void fill_ascii_space(void);
int append_text(Run *run, Py_ssize_t from, const LexborString *text, Py_ssize_t *characters,
                int *has_words);

/* class_hints.c */
long hints_of(const Walk *walk, const LexborElement *element);
int has_skipped_class(const Walk *walk, const LexborElement *element, uint8_t classes);

#pragma GCC visibility pop

#endif /* WORKER_CORE_HTML_BLOCKS_H */
