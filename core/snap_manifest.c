/* snap_manifest: the in-memory manifest of one checkpoint and its JSON form
 * (cJSON), written to STORE/sessions/ID/cp-N.json:
 *
 *   {"format": "glassbox-snapshot", "version": 1, "name": "start",
 *    "time_ns": "1764…", "excludes": [".git", …],
 *    "roots": [{"path": "/abs/root", "mode": 493, "entries": [
 *       {"p": "src/a.c", "t": "f", "m": 420, "s": 1234, "h": "<sha256>",
 *        "k": "<mtime_ns> <ctime_ns> <ino>"},
 *       {"p": "src", "t": "d", "m": 493},
 *       {"p": "link", "t": "l", "m": 511, "l": "target"},
 *       {"p": "secret", "t": "f", "m": 0, "u": true}]}]}
 *
 * Short keys keep manifests of 100k files small. "k" is the index key that
 * lets the next scan skip reading unchanged files; it is left out for files
 * changed too recently to trust it (see snap_scan.c). 64-bit values travel
 * as strings: JSON numbers are doubles. */
#include "snapshot_internal.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void snap_manifest_free(struct snap_manifest *m)
{
	for (size_t i = 0; i < m->n_trees; i++) {
		struct snap_tree *t = &m->trees[i];
		for (size_t j = 0; j < t->n; j++) {
			free(t->v[j].path);
			free(t->v[j].target);
		}
		free(t->v);
		free(t->root);
	}
	free(m->trees);
	free(m->name);
	strlist_clear(&m->excludes);
	memset(m, 0, sizeof *m);
}

struct snap_entry *snap_tree_push(struct snap_tree *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->v = xrealloc(t->v, t->cap * sizeof *t->v);
	}
	struct snap_entry *e = &t->v[t->n++];
	memset(e, 0, sizeof *e);
	return e;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct snap_entry *)a)->path, ((const struct snap_entry *)b)->path);
}

void snap_tree_sort(struct snap_tree *t)
{
	if (t->n > 1)
		qsort(t->v, t->n, sizeof *t->v, cmp_entry);
}

const struct snap_entry *snap_tree_find(const struct snap_tree *t, const char *path)
{
	if (!t)
		return NULL;
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->v[mid].path, path);
		if (c == 0)
			return &t->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct snap_tree *snap_manifest_tree(const struct snap_manifest *m, const char *root)
{
	for (size_t i = 0; m && i < m->n_trees; i++)
		if (strcmp(m->trees[i].root, root) == 0)
			return &m->trees[i];
	return NULL;
}

char *snap_manifest_to_json(const struct snap_manifest *m)
{
	cJSON *o = cJSON_CreateObject();
	char num[64];
	cJSON_AddStringToObject(o, "format", "glassbox-snapshot");
	cJSON_AddNumberToObject(o, "version", 1);
	cJSON_AddStringToObject(o, "name", m->name ? m->name : "");
	snprintf(num, sizeof num, "%" PRIu64, m->time_ns);
	cJSON_AddStringToObject(o, "time_ns", num);
	cJSON *ex = cJSON_AddArrayToObject(o, "excludes");
	for (size_t i = 0; i < m->excludes.len; i++)
		cJSON_AddItemToArray(ex, cJSON_CreateString(m->excludes.items[i]));
	cJSON *roots = cJSON_AddArrayToObject(o, "roots");
	for (size_t i = 0; i < m->n_trees; i++) {
		const struct snap_tree *t = &m->trees[i];
		cJSON *r = cJSON_CreateObject();
		cJSON_AddItemToArray(roots, r);
		cJSON_AddStringToObject(r, "path", t->root);
		cJSON_AddNumberToObject(r, "mode", t->mode);
		cJSON *es = cJSON_AddArrayToObject(r, "entries");
		for (size_t j = 0; j < t->n; j++) {
			const struct snap_entry *e = &t->v[j];
			cJSON *x = cJSON_CreateObject();
			cJSON_AddItemToArray(es, x);
			char ty[2] = {e->type, 0};
			cJSON_AddStringToObject(x, "p", e->path);
			cJSON_AddStringToObject(x, "t", ty);
			cJSON_AddNumberToObject(x, "m", e->mode);
			if (e->unreadable) {
				cJSON_AddBoolToObject(x, "u", true);
				continue;
			}
			if (e->type == 'f') {
				char hex[SNAP_HEX_LEN + 1];
				snap_hex(e->hash, hex);
				cJSON_AddNumberToObject(x, "s", (double)e->size);
				cJSON_AddStringToObject(x, "h", hex);
			} else if (e->type == 'l') {
				cJSON_AddStringToObject(x, "l", e->target);
			}
			if (e->has_stat && e->type == 'f') {
				snprintf(num, sizeof num, "%" PRId64 " %" PRId64 " %" PRIu64, e->mtime_ns,
				         e->ctime_ns, e->ino);
				cJSON_AddStringToObject(x, "k", num);
			}
		}
	}
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	char *copy = xstrdup(s);
	cJSON_free(s);
	return copy;
}

/* A relative path as a manifest may hold it: no empty, "." or ".."
 * segments, no leading '/'. Anything else is a damaged manifest. */
static bool rel_path_ok(const char *p)
{
	if (!*p || *p == '/')
		return false;
	for (const char *s = p;;) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (!e)
			return true;
		s = e + 1;
	}
}

static int parse_entry(const cJSON *x, struct snap_entry *e)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(x, "p");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(x, "t");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(x, "m");
	if (!cJSON_IsString(p) || !rel_path_ok(p->valuestring) || !cJSON_IsString(t) ||
	    strlen(t->valuestring) != 1 || !strchr("fdl", t->valuestring[0]) || !cJSON_IsNumber(m))
		return -1;
	e->path = xstrdup(p->valuestring);
	e->type = t->valuestring[0];
	e->mode = (uint32_t)m->valuedouble & 07777;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "u"))) {
		e->unreadable = true;
		return 0;
	}
	if (e->type == 'f') {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(x, "s");
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(x, "h");
		if (!cJSON_IsNumber(s) || !cJSON_IsString(h) || !snap_unhex(h->valuestring, e->hash))
			return -1;
		e->size = (uint64_t)s->valuedouble;
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(x, "k");
		if (cJSON_IsString(k) && sscanf(k->valuestring, "%" SCNd64 " %" SCNd64 " %" SCNu64,
		                                &e->mtime_ns, &e->ctime_ns, &e->ino) == 3)
			e->has_stat = true;
	} else if (e->type == 'l') {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(x, "l");
		if (!cJSON_IsString(l))
			return -1;
		e->target = xstrdup(l->valuestring);
		e->size = strlen(e->target);
	}
	return 0;
}

int snap_manifest_from_json(const char *text, struct snap_manifest *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	cJSON *o = cJSON_Parse(text);
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format");
	const cJSON *roots = cJSON_GetObjectItemCaseSensitive(o, "roots");
	if (!o || !cJSON_IsString(fmt) || strcmp(fmt->valuestring, "glassbox-snapshot") != 0 ||
	    !cJSON_IsArray(roots)) {
		cJSON_Delete(o);
		return error_set(err, errlen, "snapshot store is corrupted: a manifest is not valid");
	}
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
	m->name = xstrdup(cJSON_IsString(name) ? name->valuestring : "");
	const cJSON *tn = cJSON_GetObjectItemCaseSensitive(o, "time_ns");
	if (cJSON_IsString(tn))
		m->time_ns = strtoull(tn->valuestring, NULL, 10);
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "excludes"))
	{
		if (cJSON_IsString(it))
			strlist_push(&m->excludes, it->valuestring);
	}
	int n = cJSON_GetArraySize(roots);
	m->trees = xcalloc((size_t)n, sizeof *m->trees);
	int rc = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, roots)
	{
		struct snap_tree *t = &m->trees[m->n_trees++];
		const cJSON *path = cJSON_GetObjectItemCaseSensitive(r, "path");
		const cJSON *mode = cJSON_GetObjectItemCaseSensitive(r, "mode");
		const cJSON *es = cJSON_GetObjectItemCaseSensitive(r, "entries");
		if (!cJSON_IsString(path) || path->valuestring[0] != '/' || !cJSON_IsArray(es)) {
			rc = -1;
			break;
		}
		t->root = xstrdup(path->valuestring);
		t->mode = cJSON_IsNumber(mode) ? (uint32_t)mode->valuedouble & 07777 : 0755;
		t->cap = (size_t)cJSON_GetArraySize(es);
		t->v = xcalloc(t->cap ? t->cap : 1, sizeof *t->v);
		const cJSON *x;
		cJSON_ArrayForEach(x, es)
		{
			if (parse_entry(x, snap_tree_push(t)) < 0) {
				rc = -1;
				break;
			}
		}
		if (rc < 0)
			break;
		snap_tree_sort(t);
	}
	cJSON_Delete(o);
	if (rc < 0) {
		snap_manifest_free(m);
		return error_set(err, errlen, "snapshot store is corrupted: a manifest entry is not valid");
	}
	return 0;
}
