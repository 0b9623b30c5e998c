/* strlist: a growable array of owned, NUL-terminated strings.
 * Used for path lists, env lists and argv vectors throughout core. The array
 * is always NULL-terminated so `items` can be handed to execve directly. */
#ifndef GLASSBOX_STRLIST_H
#define GLASSBOX_STRLIST_H
#include <stdbool.h>
#include <stddef.h>

struct strlist {
	char **items; /* NULL-terminated; NULL when empty and never grown */
	size_t len;
	size_t cap;
};

void strlist_push(struct strlist *l, const char *s);      /* copies s */
void strlist_push_owned(struct strlist *l, char *s);       /* takes s */
void strlist_extend(struct strlist *l, const struct strlist *from);
bool strlist_contains(const struct strlist *l, const char *s);
void strlist_remove(struct strlist *l, const char *s);     /* every copy */
void strlist_clear(struct strlist *l);
void strlist_copy(struct strlist *dst, const struct strlist *src);
/* Splits a comma-separated list and appends its items. An empty input or an
 * empty item ("a,,b", "a,") is malformed: returns false, nothing appended. */
bool strlist_split_append(struct strlist *l, const char *csv);

#endif
