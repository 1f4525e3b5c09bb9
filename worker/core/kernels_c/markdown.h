/* What markdown.c (article_markdown and the pieces it writes) and markdown_blocks.c (each
   kept segment written as its block) share: the writer's state, the codes and kinds it
   reads, its fixed pieces, and the functions one of them calls in the other. */

#ifndef WORKER_CORE_MARKDOWN_H
#define WORKER_CORE_MARKDOWN_H

#include "id_tables.h"

#pragma GCC visibility push(hidden)

/* The context bits and block kinds markdown.py passes (html_tags): codes[] by these. */
enum { IN_LIST, IN_TABLE, IN_HEADING, IN_QUOTE, IN_ORDERED, IN_UNORDERED, ANY_LEVEL, CODES };
enum { ITEM_KIND, CELL_KIND, PRE_KIND, KINDS };

/* The pieces written most, made once. */
enum { BLANK, BREAK, SPACE, BACKSLASH, QUOTE, ROW_OPEN, BETWEEN, ROW_CLOSE, EMPTY, PIPE,
       PIPE_ESCAPED, BACKSLASH_ESCAPED, PIECES };
extern PyObject *pieces[PIECES]; /* markdown.c's, made by its first call */

/* Blocks by id, with values by entry (a cell's row, an item's list, a list's items so far;
   a block's item, list and depth: three). */
typedef struct {
    IdTable ids;
    int64_t *values;
} IdMap;

typedef struct {
    unsigned long codes[CODES];
    long kinds[KINDS];
    PyObject *fast[6]; /* texts, bits, kinds, paths, blocks, groups: lists or tuples */
    PyObject **texts, **bits, **kind_of, **paths, **blocks, **groups;
    Py_ssize_t count;
    int64_t *path, block, group; /* the segment's, as int64 */
    Py_ssize_t depth, room;      /* len(path), and the room for it */
    IdMap cells, items, lists;   /* made when first needed (cells.values == NULL before) */
    IdMap places, numbers;       /* block -> entry of (item, list, depth); list -> items */
    int64_t (*place)[3];
    int has_table; /* the table being gathered: its id, row -> cell -> texts */
    int64_t table;
    PyObject *rows;
    PyObject *out;   /* the pieces, joined at the end */
    int started;     /* a block is written */
    int in_list;     /* the last segment written is an item's */
    int64_t last_item;
} Markdown;

#define BITS_AT(md, i) PyLong_AsUnsignedLongMask((md)->bits[i]) /* (of checked ints) */
#define put(md, piece) PyList_Append((md)->out, (piece))

static inline long
kind_at(Markdown *md, Py_ssize_t i) /* (a checked int; -1 if past a long) */
{
    int overflow;
    long kind = PyLong_AsLongAndOverflow(md->kind_of[i], &overflow);
    return overflow ? -1 : kind;
}

/* markdown.c: the pieces written */
int put_new(Markdown *md, PyObject *piece);
int start_block(Markdown *md);
int put_ascii(Markdown *md, const char *head, const char *unit, Py_ssize_t repeat,
              const char *tail);
int needs_escape(PyObject *text);
int put_escaped(Markdown *md, PyObject *text);
PyObject *cell_text(PyObject *parts);
/* markdown_blocks.c: the blocks */
void id_map_free(IdMap *map);
int write_table(Markdown *md);
int add_segment(Markdown *md, Py_ssize_t i, Py_ssize_t written);

#pragma GCC visibility pop

#endif /* WORKER_CORE_MARKDOWN_H */
