/* Which elements declared_elements selects (declared.h says which, as lexbor's selectors
   do): the key of each attribute read, the attributes' values compared, and how many of the
   selectors an element matches. */

#include "declared.h"

/* The key of DECLARED_ATTRIBUTES an attribute name id stands for, else -1. */
int
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
int
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

static int
exact_prop(const LexborAttribute *attribute)
{
    return attribute != NULL &&
           (value_is(attribute, "author", 0) || value_is(attribute, "datePublished", 0) ||
            value_is(attribute, "dateCreated", 0) || value_is(attribute, "dateModified", 0) ||
            value_is(attribute, "headline", 0));
}

void
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
int
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
