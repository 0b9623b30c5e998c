/* strlist: growable, NULL-terminated arrays of owned strings (paths, env
 * entries, argv). Every item is a private copy; strlist_clear frees them.
 * strlist_split_append is the one parser of comma lists on the command line
 * and validates the whole list before appending anything. */
#include "strlist.h"

#include <string.h>

#include "util.h"

static void strlist_reserve_one(struct strlist *l)
{
	/* One slot for the new item and one for the terminating NULL. */
	if (l->len + 2 <= l->cap)
		return;
	size_t cap = l->cap ? l->cap * 2 : 8;
	while (cap < l->len + 2)
		cap *= 2;
	l->items = xrealloc(l->items, cap * sizeof *l->items);
	l->cap = cap;
}

void strlist_push_owned(struct strlist *l, char *s)
{
	strlist_reserve_one(l);
	l->items[l->len++] = s;
	l->items[l->len] = NULL;
}

void strlist_push(struct strlist *l, const char *s)
{
	strlist_push_owned(l, xstrdup(s));
}

void strlist_extend(struct strlist *l, const struct strlist *from)
{
	/* Count first: from may be l itself, whose length grows as we push. */
	size_t n = from->len;
	for (size_t i = 0; i < n; i++)
		strlist_push(l, from->items[i]);
}

bool strlist_contains(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->len; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

void strlist_remove(struct strlist *l, const char *s)
{
	size_t out = 0;
	for (size_t i = 0; i < l->len; i++) {
		if (strcmp(l->items[i], s) == 0)
			free(l->items[i]);
		else
			l->items[out++] = l->items[i];
	}
	l->len = out;
	if (l->items)
		l->items[l->len] = NULL;
}

void strlist_clear(struct strlist *l)
{
	for (size_t i = 0; i < l->len; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->len = 0;
	l->cap = 0;
}

void strlist_copy(struct strlist *dst, const struct strlist *src)
{
	if (dst == src)
		return;
	strlist_clear(dst);
	strlist_extend(dst, src);
}

bool strlist_split_append(struct strlist *l, const char *csv)
{
	if (!csv || !*csv)
		return false;
	/* Validate first so a malformed list appends nothing. */
	for (const char *p = csv;; p++) {
		const char *comma = strchr(p, ',');
		if (comma == p || (!comma && !*p))
			return false;
		if (!comma)
			break;
		p = comma;
	}
	for (const char *p = csv;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char *item = xmalloc(n + 1);
		memcpy(item, p, n);
		item[n] = '\0';
		strlist_push_owned(l, item);
		if (!comma)
			break;
		p = comma + 1;
	}
	return true;
}
