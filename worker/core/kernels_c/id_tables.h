/* The open-addressing tables of int64 keys the kernels keep a page's block ids in (memory
   addresses, from Python ints): IdTable, made for a known count of entries
   (containers.c's and markdown_blocks.c's, through markdown.h), and KeyIndex, which grows as
   keys come (layout.c's). Their functions are static inline, each file its own copy. */

#ifndef WORKER_CORE_ID_TABLES_H
#define WORKER_CORE_ID_TABLES_H

#include "kernels.h"

/* Memory ids (Python ints: an HTML page's blocks) as int64 keys of a small open-addressing
   table, mapping each to the index of its entry (in the order first seen): containers.c's
   and markdown_blocks.c's. */
typedef struct {
    int64_t *keys;
    Py_ssize_t *slots; /* entry index + 1; 0: empty */
    size_t mask;
    Py_ssize_t entries;
} IdTable;

static inline int
id_table_init(IdTable *table, Py_ssize_t count)
{
    size_t capacity = 16;
    while (capacity < 2 * (size_t)count) {
        capacity *= 2;
    }
    table->keys = PyMem_Malloc(capacity * sizeof(int64_t));
    table->slots = PyMem_Calloc(capacity, sizeof(Py_ssize_t));
    table->mask = capacity - 1;
    table->entries = 0;
    if (table->keys == NULL || table->slots == NULL) {
        PyMem_Free(table->keys);
        PyMem_Free(table->slots);
        table->keys = NULL;
        table->slots = NULL;
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static inline void
id_table_free(IdTable *table)
{
    PyMem_Free(table->keys);
    PyMem_Free(table->slots);
}

/* The int's value, or -1 with an exception set when it is no int or needs more than 64 bits
   (*failed tells). Memory ids are addresses, far below that. */
static inline int64_t
id_value(PyObject *object, int *failed)
{
    int overflow = 0;
    long long value = PyLong_Check(object) ? PyLong_AsLongLongAndOverflow(object, &overflow) : -1;
    *failed = 1;
    if (!PyLong_Check(object)) {
        PyErr_SetString(PyExc_TypeError, "block ids must be ints of 64 bits");
    }
    else if (overflow) {
        PyErr_SetString(PyExc_OverflowError, "block ids must be ints of 64 bits");
    }
    else if (!(value == -1 && PyErr_Occurred())) {
        *failed = 0;
    }
    return (int64_t)value;
}

/* The slot of key in the table: its entry's, or the empty one it would take. */
static inline size_t
id_table_slot(const IdTable *table, int64_t key)
{
    size_t slot = (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 20) & table->mask;
    while (table->slots[slot] && table->keys[slot] != key) {
        slot = (slot + 1) & table->mask;
    }
    return slot;
}

/* The index of key's entry, or -1 if it has none. */
static inline Py_ssize_t
id_table_find(const IdTable *table, int64_t key)
{
    return table->slots[id_table_slot(table, key)] - 1;
}

/* The index of key's entry, a new one (the next index) if it has none. The table never
   holds more entries than the count it was made for. */
static inline Py_ssize_t
id_table_index(IdTable *table, int64_t key)
{
    size_t slot = id_table_slot(table, key);
    if (!table->slots[slot]) {
        table->keys[slot] = key;
        table->slots[slot] = ++table->entries;
    }
    return table->slots[slot] - 1;
}

/* A small open-addressing table giving int64 keys dense indices 0, 1, 2... in the order
   the keys first come: keys[index] is the key, slots (a power of two of them) hold an index
   or -1 and are never more than half full. */
typedef struct {
    int64_t *keys; /* room for every key that may come */
    Py_ssize_t *slots;
    Py_ssize_t count;
    int shift; /* 64 - log2(slots): a multiplicative hash's top bits pick the slot */
} KeyIndex;

static inline Py_ssize_t
key_slot(const KeyIndex *table, int64_t key)
{
    /* Memory addresses are 16-byte aligned: the product's high bits mix them all. */
    return (Py_ssize_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> table->shift);
}

/* An empty table, slots enough for `expected` keys; -1 (MemoryError set) if memory runs
   out. */
static inline int
key_table(KeyIndex *table, int64_t *keys, Py_ssize_t expected)
{
    Py_ssize_t slots = 16;
    int bits = 4;
    while (slots < 2 * expected) {
        slots *= 2;
        bits++;
    }
    *table = (KeyIndex){keys, PyMem_Malloc((size_t)slots * sizeof(Py_ssize_t)), 0, 64 - bits};
    if (table->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(table->slots, 0xFF, (size_t)slots * sizeof(Py_ssize_t));
    return 0;
}

/* The key's index, a new one if the key is new (*added tells); -1 if memory runs out. */
static inline Py_ssize_t
key_index(KeyIndex *table, int64_t key, int *added)
{
    Py_ssize_t mask = ((Py_ssize_t)1 << (64 - table->shift)) - 1;
    Py_ssize_t slot = key_slot(table, key);
    while (1) {
        Py_ssize_t index = table->slots[slot];
        if (index < 0) {
            break;
        }
        if (table->keys[index] == key) {
            *added = 0;
            return index;
        }
        slot = (slot + 1) & mask;
    }
    *added = 1;
    table->keys[table->count] = key;
    table->slots[slot] = table->count;
    if (2 * ++table->count > mask + 1) { /* more than half full: twice the slots */
        KeyIndex grown;
        if (key_table(&grown, table->keys, table->count) < 0) {
            return -1;
        }
        Py_ssize_t grown_mask = ((Py_ssize_t)1 << (64 - grown.shift)) - 1;
        for (Py_ssize_t i = 0; i < table->count; i++) {
            Py_ssize_t s = key_slot(&grown, table->keys[i]);
            while (grown.slots[s] >= 0) {
                s = (s + 1) & grown_mask;
            }
            grown.slots[s] = i;
        }
        PyMem_Free(table->slots);
        table->slots = grown.slots;
        table->shift = grown.shift;
    }
    return table->count - 1;
}

#endif /* WORKER_CORE_ID_TABLES_H */
