/* snap_diff: what changed between two trees of the same root — a merge of
 * two sorted entry lists into A/M/D changes — and the unified diff of one
 * changed text file. A path whose type changed (file -> directory, ...) is
 * one 'M' change; a directory whose mode changed is 'M' too. Each change can
 * be emitted as an EV_CHANGE event.
 *
 * The line diff trims the common head and tail, then runs an LCS over what
 * is left when that is small enough (a few million line pairs), else shows
 * the middle as replaced; hunks carry three lines of context like diff -u. */
#include "snapshot_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event.h"
#include "sanitize.h"
#include "util.h"

#define PATCH_MAX (8u << 20)
#define LCS_CELLS (4u << 20)
#define CONTEXT 3

bool snap_path_under(const char *abs, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return abs[0] == '/';
	return strncmp(abs, dir, n) == 0 && (abs[n] == '\0' || abs[n] == '/');
}

bool snap_path_selected(const char *abs, const struct strlist *filter)
{
	if (!filter || filter->len == 0)
		return true;
	for (size_t i = 0; i < filter->len; i++)
		if (snap_path_under(abs, filter->items[i]))
			return true;
	return false;
}

bool snap_entry_same(const struct snap_entry *a, const struct snap_entry *b)
{
	if (a->type != b->type || a->mode != b->mode)
		return false;
	if (a->unreadable || b->unreadable)
		return a->unreadable == b->unreadable;
	if (a->type == 'f')
		return a->size == b->size && memcmp(a->hash, b->hash, SNAP_HASH_LEN) == 0;
	if (a->type == 'l')
		return strcmp(a->target, b->target) == 0;
	return true;
}

static char *entry_ref(const struct snap_entry *e)
{
	if (e->type == 'f' && !e->unreadable) {
		char hex[SNAP_HEX_LEN + 1];
		snap_hex(e->hash, hex);
		return xstrdup(hex);
	}
	if (e->type == 'l' && e->target)
		return xstrdup(e->target);
	return NULL;
}

static void push_change(struct snap_changes *out, char kind, const char *root,
                        const struct snap_entry *a, const struct snap_entry *b)
{
	if (out->n % 64 == 0)
		out->v = xrealloc(out->v, (out->n + 64) * sizeof *out->v);
	struct snap_change *c = &out->v[out->n++];
	memset(c, 0, sizeof *c);
	const struct snap_entry *e = b ? b : a;
	c->kind = kind;
	c->type = e->type;
	c->path = strcmp(root, "/") == 0 ? xasprintf("/%s", e->path)
	                                 : xasprintf("%s/%s", root, e->path);
	int64_t old_size = a && a->type != 'd' ? (int64_t)a->size : 0;
	int64_t new_size = b && b->type != 'd' ? (int64_t)b->size : 0;
	c->size_delta = new_size - old_size;
	c->old_size = (uint64_t)old_size;
	c->new_size = (uint64_t)new_size;
	if (a) {
		c->old_type = a->type;
		c->mode_old = a->mode;
		c->old_ref = entry_ref(a);
	}
	if (b) {
		c->new_type = b->type;
		c->mode_new = b->mode;
		c->new_ref = entry_ref(b);
	}
	if (kind == SNAP_ADDED)
		out->added++;
	else if (kind == SNAP_DELETED)
		out->deleted++;
	else
		out->modified++;
}

static bool selected(const char *root, const char *rel, const struct strlist *filter)
{
	if (!filter || !filter->len)
		return true;
	char abs[8192];
	snprintf(abs, sizeof abs, "%s/%s", strcmp(root, "/") == 0 ? "" : root, rel);
	return snap_path_selected(abs, filter);
}

void snap_tree_diff(const struct snap_tree *a, const struct snap_tree *b,
                    const struct strlist *filter, struct snap_changes *out)
{
	static const struct snap_tree empty;
	if (!a)
		a = &empty;
	if (!b)
		b = &empty;
	const char *root = a->root ? a->root : b->root;
	size_t i = 0, j = 0;
	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->v[i].path, b->v[j].path);
		if (c < 0) {
			if (selected(root, a->v[i].path, filter))
				push_change(out, SNAP_DELETED, root, &a->v[i], NULL);
			i++;
		} else if (c > 0) {
			if (selected(root, b->v[j].path, filter))
				push_change(out, SNAP_ADDED, root, NULL, &b->v[j]);
			j++;
		} else {
			if (!snap_entry_same(&a->v[i], &b->v[j]) &&
			    selected(root, a->v[i].path, filter))
				push_change(out, SNAP_MODIFIED, root, &a->v[i], &b->v[j]);
			i++;
			j++;
		}
	}
}

void snap_changes_free(struct snap_changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].old_ref);
		free(c->v[i].new_ref);
	}
	free(c->v);
	memset(c, 0, sizeof *c);
}

static const char *type_name(char t)
{
	return t == 'd' ? "dir" : t == 'l' ? "symlink" : "file";
}

void snap_changes_emit(const struct snap_changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct snap_change *ch = &c->v[i];
		cJSON *d = cJSON_CreateObject();
		char k[2] = {ch->kind, 0};
		cJSON_AddStringToObject(d, "path", ch->path);
		cJSON_AddStringToObject(d, "change", k);
		cJSON_AddStringToObject(d, "type", type_name(ch->type));
		cJSON_AddNumberToObject(d, "size_delta", (double)ch->size_delta);
		event_emitf(EV_CHANGE, d, "%c %s (%s, %+" PRId64 " bytes)", ch->kind, ch->path,
		            type_name(ch->type), ch->size_delta);
	}
}

/* ---- unified diff --------------------------------------------------------- */

struct lines {
	const char **p;
	size_t *len; /* without the newline */
	size_t n;
	bool last_nl; /* the text ends with a newline */
};

static void split_lines(const char *s, size_t len, struct lines *l)
{
	size_t cap = 16;
	l->p = xmalloc(cap * sizeof *l->p);
	l->len = xmalloc(cap * sizeof *l->len);
	l->n = 0;
	l->last_nl = len == 0 || s[len - 1] == '\n';
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - s) : len;
		if (l->n == cap) {
			cap *= 2;
			l->p = xrealloc(l->p, cap * sizeof *l->p);
			l->len = xrealloc(l->len, cap * sizeof *l->len);
		}
		l->p[l->n] = s + i;
		l->len[l->n] = e - i;
		l->n++;
		i = e + 1;
	}
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0;
}

/* Edit script: ops[k] is ' ', '-' or '+'. */
static char *edit_script(const struct lines *a, const struct lines *b, size_t *nops)
{
	size_t pre = 0, suf = 0;
	while (pre < a->n && pre < b->n && line_eq(a, pre, b, pre))
		pre++;
	while (suf < a->n - pre && suf < b->n - pre &&
	       line_eq(a, a->n - 1 - suf, b, b->n - 1 - suf))
		suf++;
	size_t n = a->n - pre - suf, m = b->n - pre - suf;
	char *ops = xmalloc(a->n + b->n + 1);
	size_t k = 0;
	for (size_t i = 0; i < pre; i++)
		ops[k++] = ' ';
	if (n && m && (uint64_t)(n + 1) * (m + 1) <= LCS_CELLS) {
		/* LCS lengths from the end, so the walk below goes forward */
		uint32_t *L = xcalloc((n + 1) * (m + 1), sizeof *L);
#define AT(i, j) L[(size_t)(i) * (m + 1) + (j)]
		for (size_t i = n; i-- > 0;)
			for (size_t j = m; j-- > 0;)
				AT(i, j) = line_eq(a, pre + i, b, pre + j)
				                   ? AT(i + 1, j + 1) + 1
				                   : (AT(i + 1, j) >= AT(i, j + 1) ? AT(i + 1, j)
				                                                   : AT(i, j + 1));
		size_t i = 0, j = 0;
		while (i < n && j < m) {
			if (line_eq(a, pre + i, b, pre + j)) {
				ops[k++] = ' ';
				i++;
				j++;
			} else if (AT(i + 1, j) >= AT(i, j + 1)) {
				ops[k++] = '-';
				i++;
			} else {
				ops[k++] = '+';
				j++;
			}
		}
#undef AT
		free(L);
		for (; i < n; i++)
			ops[k++] = '-';
		for (; j < m; j++)
			ops[k++] = '+';
	} else {
		for (size_t i = 0; i < n; i++)
			ops[k++] = '-';
		for (size_t j = 0; j < m; j++)
			ops[k++] = '+';
	}
	for (size_t i = 0; i < suf; i++)
		ops[k++] = ' ';
	*nops = k;
	return ops;
}

static void put_line(FILE *out, char tag, const char *p, size_t len, bool tty)
{
	fputc(tag, out);
	if (tty) {
		char *s = sanitize_text(p, len);
		fputs(s, out);
		free(s);
	} else {
		fwrite(p, 1, len, out);
	}
	fputc('\n', out);
}

static void write_hunks(FILE *out, const struct lines *a, const struct lines *b, const char *ops,
                        size_t nops, bool tty)
{
	size_t k = 0;
	while (k < nops) {
		while (k < nops && ops[k] == ' ')
			k++;
		if (k == nops)
			break;
		/* hunk: from CONTEXT before this change to CONTEXT after the last
		 * change closer than 2*CONTEXT */
		size_t start = k > CONTEXT ? k - CONTEXT : 0, end = k;
		for (size_t q = k; q < nops; q++) {
			if (ops[q] != ' ')
				end = q + 1;
			else if (q - end >= 2 * CONTEXT)
				break;
		}
		end = end + CONTEXT < nops ? end + CONTEXT : nops;
		size_t ai = 0, bi = 0;
		for (size_t q = 0; q < start; q++) {
			if (ops[q] != '+')
				ai++;
			if (ops[q] != '-')
				bi++;
		}
		size_t an = 0, bn = 0;
		for (size_t q = start; q < end; q++) {
			if (ops[q] != '+')
				an++;
			if (ops[q] != '-')
				bn++;
		}
		fprintf(out, "@@ -%zu,%zu +%zu,%zu @@\n", an ? ai + 1 : ai, an, bn ? bi + 1 : bi,
		        bn);
		for (size_t q = start; q < end; q++) {
			if (ops[q] == ' ' || ops[q] == '-') {
				put_line(out, ops[q], a->p[ai], a->len[ai], tty);
				if (ai == a->n - 1 && !a->last_nl)
					fputs("\\ No newline at end of file\n", out);
				if (ops[q] == ' ')
					bi++;
				ai++;
			} else {
				put_line(out, '+', b->p[bi], b->len[bi], tty);
				if (bi == b->n - 1 && !b->last_nl)
					fputs("\\ No newline at end of file\n", out);
				bi++;
			}
		}
		k = end;
	}
}

static bool is_binary(const char *s, size_t len)
{
	return memchr(s, '\0', len < 8000 ? len : 8000) != NULL;
}

/* Content by hash: the store, else (a change against the live tree) the file
 * itself, checked against the hash. */
static int load(struct snap_session *s, struct snap_store *st, const char *ref, const char *path,
                char **buf, size_t *len, char *err, size_t errlen)
{
	unsigned char hash[SNAP_HASH_LEN];
	if (!ref || !snap_unhex(ref, hash))
		return error_set(err, errlen, "no content recorded for %s", path);
	if (snap_obj_exists(st, hash))
		return snap_obj_read(st, hash, PATCH_MAX, buf, len, err, errlen);
	(void)s;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errlen, "%s: %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)PATCH_MAX) {
		close(fd);
		return error_set(err, errlen, "%s: changed since it was scanned", path);
	}
	char *b = xmalloc((size_t)sb.st_size + 1);
	ssize_t n = read(fd, b, (size_t)sb.st_size);
	close(fd);
	unsigned char got[SNAP_HASH_LEN];
	if (n >= 0)
		snap_sha256(st, b, (size_t)n, got);
	if (n < 0 || memcmp(got, hash, SNAP_HASH_LEN) != 0) {
		free(b);
		return error_set(err, errlen, "%s: changed since it was scanned", path);
	}
	b[n] = '\0';
	*buf = b;
	*len = (size_t)n;
	return 0;
}

static const char *shown(const char *path, const char *base)
{
	if (base && snap_path_under(path, base) && strlen(path) > strlen(base))
		return path + strlen(base) + (strcmp(base, "/") == 0 ? 0 : 1);
	return path;
}

int snap_change_patch(struct snap_session *s, const struct snap_change *c, const char *base,
                      FILE *out, char *err, size_t errlen)
{
	struct snap_store *st = snap_session_store(s);
	bool tty = isatty(fileno(out));
	const char *p = shown(c->path, base);
	cleanup_free char *sp = tty ? sanitize_str(p) : xstrdup(p);
	bool old_file = c->old_type == 'f', new_file = c->new_type == 'f';
	fprintf(out, "diff --glassbox a/%s b/%s\n", sp, sp);
	if (c->old_type && c->new_type && c->old_type != c->new_type)
		fprintf(out, "type changed: %s -> %s\n", type_name(c->old_type),
		        type_name(c->new_type));
	if (c->old_type && c->new_type && c->mode_old != c->mode_new)
		fprintf(out, "old mode %o\nnew mode %o\n", c->mode_old, c->mode_new);
	if (c->old_type == 'l' || c->new_type == 'l') {
		cleanup_free char *o = c->old_type == 'l' && c->old_ref ? sanitize_str(c->old_ref)
		                                                        : NULL;
		cleanup_free char *n = c->new_type == 'l' && c->new_ref ? sanitize_str(c->new_ref)
		                                                        : NULL;
		if (o)
			fprintf(out, "-symlink -> %s\n", o);
		if (n)
			fprintf(out, "+symlink -> %s\n", n);
	}
	if (!old_file && !new_file)
		return 0;
	if (old_file && new_file && c->old_ref && c->new_ref && strcmp(c->old_ref, c->new_ref) == 0)
		return 0; /* mode only */
	if ((old_file && c->old_size > PATCH_MAX) || (new_file && c->new_size > PATCH_MAX)) {
		fprintf(out, "Files %s%s and %s%s differ (too large to show)\n", old_file ? "a/" : "",
		        old_file ? sp : "/dev/null", new_file ? "b/" : "", new_file ? sp : "/dev/null");
		return 0;
	}
	cleanup_free char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	if (old_file && load(s, st, c->old_ref, c->path, &a, &alen, err, errlen) < 0)
		return -1;
	if (new_file && load(s, st, c->new_ref, c->path, &b, &blen, err, errlen) < 0)
		return -1;
	if ((a && is_binary(a, alen)) || (b && is_binary(b, blen))) {
		fprintf(out, "Binary files %s%s and %s%s differ\n", old_file ? "a/" : "",
		        old_file ? sp : "/dev/null", new_file ? "b/" : "", new_file ? sp : "/dev/null");
		return 0;
	}
	fprintf(out, "--- %s%s\n+++ %s%s\n", old_file ? "a/" : "", old_file ? sp : "/dev/null",
	        new_file ? "b/" : "", new_file ? sp : "/dev/null");
	struct lines la = {0}, lb = {0};
	split_lines(a ? a : "", alen, &la);
	split_lines(b ? b : "", blen, &lb);
	size_t nops = 0;
	char *ops = edit_script(&la, &lb, &nops);
	write_hunks(out, &la, &lb, ops, nops, tty);
	free(ops);
	free(la.p);
	free(la.len);
	free(lb.p);
	free(lb.len);
	return 0;
}
