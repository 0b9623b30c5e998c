/* snap_restore: brings tracked trees back to a checkpoint, crash-safely.
 *
 * Plan: each root is scanned as it is now (with the checkpoint's exclude
 * rules, so what was excluded then is neither seen nor touched now) and
 * compared with the checkpoint. The plan is a list of steps:
 *
 *   R  remove a path the checkpoint does not have (deepest first)
 *   D  create a directory (temp dir exchanged with a non-directory in the way)
 *   W  write a file / L  make a symlink: to a temp name next to the target,
 *      then rename over it (a directory in the way is removed first, when
 *      it is empty)
 *   C  change a file's mode / M  set a directory's mode (deepest first)
 *
 * Journal, then apply: the whole plan (with the temp-name nonce) is written
 * to STORE/sessions/ID/restore.journal and fsynced before anything is
 * touched. Every temp is written, one syncfs makes them durable, and only
 * then are they renamed into place, so a crash at any instant leaves each
 * file either as it was or as restored. A later restore finds the journal,
 * removes the temps it names and re-plans from what is on disk — which
 * completes the job, since every step is "make the path look like the
 * checkpoint". The journal goes away when the plan has been applied.
 *
 * Safety: the root is opened with RESOLVE_NO_SYMLINKS (it is canonical), and
 * every parent directory below it with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS) (an O_NOFOLLOW walk where openat2 is missing): a
 * symlink planted in the tree is a path component that fails to resolve,
 * never a way out. Final components are never followed either (unlinkat,
 * renameat, O_NOFOLLOW|O_EXCL creations). setuid/setgid bits are dropped. */
#include "snapshot_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "sys.h"
#include "util.h"

#define JOURNAL "restore.journal"
#define SAFE_MODE(m) ((m) & 01777)

enum step_op { OP_REMOVE = 'R', OP_MKDIR = 'D', OP_WRITE = 'W', OP_LINK = 'L',
	       OP_CHMOD = 'C', OP_DIRMODE = 'M' };

struct step {
	char op;
	char live_type; /* what is there now (0: nothing) */
	bool done;      /* temp written (W/L) */
	const struct snap_entry *want; /* in the target (NULL for R) */
	char *rel;
	uint32_t mode;
};

struct plan {
	struct step *v;
	size_t n, cap;
};

static void add_step(struct plan *p, char op, const char *rel, const struct snap_entry *want,
                     char live_type, uint32_t mode)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = xrealloc(p->v, p->cap * sizeof *p->v);
	}
	p->v[p->n++] = (struct step){.op = op, .rel = xstrdup(rel), .want = want,
	                             .live_type = live_type, .mode = mode};
}

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].rel);
	free(p->v);
	memset(p, 0, sizeof *p);
}

/* ---- safe path resolution -------------------------------------------------- */

struct dircache {
	int root; /* O_RDONLY dirfd of the root */
	char *rel;
	int fd;
};

/* Component-by-component O_NOFOLLOW walk (kernels without openat2). */
static int walk_nofollow(int root, const char *rel)
{
	int fd = dup(root);
	cleanup_free char *p = xstrdup(rel);
	char *save = NULL;
	for (char *c = strtok_r(p, "/", &save); c && fd >= 0; c = strtok_r(NULL, "/", &save)) {
		int nfd = strcmp(c, "..") == 0 ? -1
		                                : openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		                                                        O_CLOEXEC);
		int e = errno;
		close(fd);
		fd = nfd;
		errno = e;
	}
	return fd;
}

static int open_beneath(int root, const char *rel, int flags)
{
	if (!*rel)
		return openat(root, ".", flags | O_CLOEXEC);
	int fd = sys_openat2(root, rel, (unsigned long long)(flags | O_CLOEXEC),
	                     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	if (fd < 0 && errno == ENOSYS) {
		int dfd = walk_nofollow(root, rel);
		if (dfd < 0)
			return -1;
		fd = openat(dfd, ".", flags | O_CLOEXEC);
		close(dfd);
	}
	return fd;
}

/* The parent directory of rel (an O_PATH fd owned by the cache), and the
 * last component in *name. */
static int parent_of(struct dircache *c, const char *rel, const char **name)
{
	const char *slash = strrchr(rel, '/');
	*name = slash ? slash + 1 : rel;
	size_t dlen = slash ? (size_t)(slash - rel) : 0;
	if (c->fd >= 0 && strlen(c->rel) == dlen && strncmp(c->rel, rel, dlen) == 0)
		return c->fd;
	if (c->fd >= 0)
		close(c->fd);
	free(c->rel);
	c->rel = xmalloc(dlen + 1);
	memcpy(c->rel, rel, dlen);
	c->rel[dlen] = '\0';
	c->fd = open_beneath(c->root, c->rel, O_PATH | O_DIRECTORY);
	return c->fd;
}

static void cache_drop(struct dircache *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->rel);
	c->rel = NULL;
}

/* chmod through an O_PATH fd: the inode itself, never a path. */
static int chmod_opath(int fd, mode_t mode)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	if (chmod(p, mode) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	/* no /proc: a real fd is needed */
	int rfd = openat(fd, ".", O_RDONLY | O_CLOEXEC);
	if (rfd < 0)
		return -errno;
	int r = fchmod(rfd, mode) < 0 ? -errno : 0;
	close(rfd);
	return r;
}

/* ---- journal ---------------------------------------------------------------- */

static char *journal_json(const struct snap_manifest *target, const struct strlist *filter,
                          size_t checkpoint, const char *nonce, const struct plan *plans,
                          size_t n_plans)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "version", 1);
	cJSON_AddNumberToObject(o, "checkpoint", (double)checkpoint);
	cJSON_AddStringToObject(o, "nonce", nonce);
	cJSON *f = cJSON_AddArrayToObject(o, "paths");
	for (size_t i = 0; filter && i < filter->len; i++)
		cJSON_AddItemToArray(f, cJSON_CreateString(filter->items[i]));
	cJSON *roots = cJSON_AddArrayToObject(o, "roots");
	for (size_t r = 0; r < n_plans; r++) {
		cJSON *ro = cJSON_CreateObject();
		cJSON_AddItemToArray(roots, ro);
		cJSON_AddStringToObject(ro, "path", target->trees[r].root);
		cJSON *steps = cJSON_AddArrayToObject(ro, "steps");
		for (size_t i = 0; i < plans[r].n; i++) {
			const struct step *s = &plans[r].v[i];
			cJSON *a = cJSON_CreateArray();
			char op[2] = {s->op, 0};
			cJSON_AddItemToArray(a, cJSON_CreateString(op));
			cJSON_AddItemToArray(a, cJSON_CreateString(s->rel));
			cJSON_AddItemToArray(steps, a);
		}
	}
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	char *copy = xstrdup(s);
	cJSON_free(s);
	return copy;
}

static void temp_name(char *buf, size_t len, const char *nonce, size_t idx)
{
	snprintf(buf, len, ".glassbox-restore-%s-%zu", nonce, idx);
}

int snap_restore_resume_cleanup(int session_dfd, bool *had, size_t *checkpoint,
                                struct strlist *filter, char *err, size_t errlen)
{
	*had = false;
	int fd = openat(session_dfd, JOURNAL, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : error_set(err, errlen, "restore journal: %s", strerror(errno));
	close(fd);
	*had = true;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d/%s", session_dfd, JOURNAL);
	cleanup_free char *text = NULL;
	if (read_file(path, 1u << 30, &text, NULL) < 0)
		return error_set(err, errlen, "restore journal: cannot be read");
	cJSON *o = cJSON_Parse(text);
	const cJSON *nonce = cJSON_GetObjectItemCaseSensitive(o, "nonce");
	const cJSON *cp = cJSON_GetObjectItemCaseSensitive(o, "checkpoint");
	if (!cJSON_IsString(nonce) || !cJSON_IsNumber(cp)) {
		/* torn before it was complete: nothing was touched yet */
		cJSON_Delete(o);
		unlinkat(session_dfd, JOURNAL, 0);
		*had = false;
		return 0;
	}
	*checkpoint = (size_t)cp->valuedouble;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "paths"))
	{
		if (cJSON_IsString(it))
			strlist_push(filter, it->valuestring);
	}
	const cJSON *ro;
	cJSON_ArrayForEach(ro, cJSON_GetObjectItemCaseSensitive(o, "roots"))
	{
		const cJSON *rp = cJSON_GetObjectItemCaseSensitive(ro, "path");
		if (!cJSON_IsString(rp))
			continue;
		int root = sys_openat2(AT_FDCWD, rp->valuestring, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		                       RESOLVE_NO_SYMLINKS);
		if (root < 0 && errno == ENOSYS)
			root = open(rp->valuestring, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (root < 0)
			continue;
		struct dircache dc = {.root = root, .fd = -1};
		size_t idx = 0;
		const cJSON *st;
		cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(ro, "steps"))
		{
			const cJSON *rel = cJSON_GetArrayItem(st, 1);
			idx++;
			if (!cJSON_IsString(rel))
				continue;
			const char *name;
			int pfd = parent_of(&dc, rel->valuestring, &name);
			if (pfd < 0)
				continue;
			char tmp[128];
			temp_name(tmp, sizeof tmp, nonce->valuestring, idx - 1);
			if (unlinkat(pfd, tmp, 0) < 0 && (errno == EISDIR || errno == EPERM))
				unlinkat(pfd, tmp, AT_REMOVEDIR);
		}
		cache_drop(&dc);
		close(root);
	}
	cJSON_Delete(o);
	return 0;
}

/* ---- planning ----------------------------------------------------------------- */

static bool rel_selected(const char *root, const char *rel, const struct strlist *filter)
{
	if (!filter || !filter->len)
		return true;
	char abs[PATH_MAX];
	snprintf(abs, sizeof abs, "%s/%s", strcmp(root, "/") == 0 ? "" : root, rel);
	return snap_path_selected(abs, filter);
}

/* Is rel a directory on the way from the root to a filter path? */
static bool rel_ancestor(const char *root, const char *rel, const struct strlist *filter)
{
	if (!filter || !filter->len)
		return false;
	char abs[PATH_MAX];
	snprintf(abs, sizeof abs, "%s/%s", strcmp(root, "/") == 0 ? "" : root, rel);
	for (size_t i = 0; i < filter->len; i++)
		if (snap_path_under(filter->items[i], abs))
			return true;
	return false;
}

/* Below a directory the checkpoint could not read: unknown, left alone. */
static bool under_unreadable(const struct snap_tree *want, const char *rel)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s", rel);
	for (char *s = strrchr(buf, '/'); s; s = strrchr(buf, '/')) {
		*s = '\0';
		const struct snap_entry *e = snap_tree_find(want, buf);
		if (e && e->unreadable)
			return true;
	}
	return false;
}

static void make_plan(const struct snap_tree *want, const struct snap_tree *live,
                      const struct strlist *filter, struct plan *p)
{
	const char *root = want->root;
	/* removals, deepest first */
	for (size_t i = live->n; i-- > 0;) {
		const struct snap_entry *l = &live->v[i];
		if (!rel_selected(root, l->path, filter))
			continue;
		const struct snap_entry *w = snap_tree_find(want, l->path);
		if (!w && !under_unreadable(want, l->path))
			add_step(p, OP_REMOVE, l->path, NULL, l->type, 0);
	}
	/* creations and content, parents first */
	for (size_t i = 0; i < want->n; i++) {
		const struct snap_entry *w = &want->v[i];
		bool sel = rel_selected(root, w->path, filter);
		bool anc = !sel && w->type == 'd' && rel_ancestor(root, w->path, filter);
		if ((!sel && !anc) || w->unreadable)
			continue;
		const struct snap_entry *l = snap_tree_find(live, w->path);
		if (l && l->unreadable && l->type == w->type)
			continue;
		char lt = l ? l->type : 0;
		if (anc) {
			if (!l)
				add_step(p, OP_MKDIR, w->path, w, 0, w->mode);
			continue;
		}
		if (w->type == 'd') {
			if (!l || l->type != 'd')
				add_step(p, OP_MKDIR, w->path, w, lt, w->mode);
		} else if (w->type == 'f') {
			if (!l || l->type != 'f' || l->size != w->size ||
			    memcmp(l->hash, w->hash, SNAP_HASH_LEN) != 0)
				add_step(p, OP_WRITE, w->path, w, lt, w->mode);
			else if (l->mode != SAFE_MODE(w->mode))
				add_step(p, OP_CHMOD, w->path, w, lt, w->mode);
		} else if (w->type == 'l') {
			if (!l || l->type != 'l' || strcmp(l->target, w->target) != 0)
				add_step(p, OP_LINK, w->path, w, lt, w->mode);
		}
	}
	/* directory modes, deepest first (a read-only directory is filled
	 * before it becomes read-only) */
	for (size_t i = want->n; i-- > 0;) {
		const struct snap_entry *w = &want->v[i];
		if (w->type != 'd' || w->unreadable || !rel_selected(root, w->path, filter))
			continue;
		const struct snap_entry *l = snap_tree_find(live, w->path);
		if (!l || l->type != 'd' || l->mode != SAFE_MODE(w->mode))
			add_step(p, OP_DIRMODE, w->path, w, l ? l->type : 0, w->mode);
	}
}

/* ---- applying ----------------------------------------------------------------- */

struct apply {
	struct snap_store *st;
	struct dircache dc;
	const char *root;
	const char *nonce;
	struct snap_restore_stats *stats;
	char *err;
	size_t errlen;
	int fatal;        /* store corruption: stop */
	int failures;
	char first[512];  /* first non-fatal failure */
	/* directories made writable for the restore: rel + original mode */
	struct strlist fix_rel;
	uint32_t *fix_mode;
};

static void note_failure(struct apply *a, const char *rel, const char *what, int e)
{
	a->failures++;
	if (!a->first[0])
		snprintf(a->first, sizeof a->first, "cannot restore %s/%s: %s: %s", a->root, rel,
		         what, strerror(e));
}

/* EACCES in a read-only parent: make it writable for us and remember. */
static bool unlock_parent(struct apply *a, int pfd)
{
	struct stat sb;
	if (fstat(pfd, &sb) < 0 || (sb.st_mode & 0700) == 0700)
		return false;
	if (chmod_opath(pfd, (sb.st_mode & 07777) | 0700) < 0)
		return false;
	a->fix_mode = xrealloc(a->fix_mode, (a->fix_rel.len + 1) * sizeof *a->fix_mode);
	a->fix_mode[a->fix_rel.len] = sb.st_mode & 07777;
	strlist_push(&a->fix_rel, a->dc.rel);
	return true;
}

static int do_remove(struct apply *a, const struct step *s)
{
	const char *name;
	int pfd = parent_of(&a->dc, s->rel, &name);
	if (pfd < 0) {
		if (errno != ENOENT)
			note_failure(a, s->rel, "parent", errno);
		return 0;
	}
	int flags = s->live_type == 'd' ? AT_REMOVEDIR : 0;
	int r = unlinkat(pfd, name, flags);
	if (r < 0 && errno == EACCES && unlock_parent(a, pfd))
		r = unlinkat(pfd, name, flags);
	if (r == 0)
		a->stats->removed++;
	else if (errno == ENOTEMPTY || errno == EEXIST)
		a->stats->kept++; /* holds excluded or untracked entries */
	else if (errno != ENOENT)
		note_failure(a, s->rel, "remove", errno);
	return 0;
}

static int do_mkdir(struct apply *a, const struct step *s, size_t idx)
{
	const char *name;
	int pfd = parent_of(&a->dc, s->rel, &name);
	if (pfd < 0) {
		note_failure(a, s->rel, "parent", errno);
		return 0;
	}
	if (!s->live_type) {
		int r = mkdirat(pfd, name, 0700);
		if (r < 0 && errno == EACCES && unlock_parent(a, pfd))
			r = mkdirat(pfd, name, 0700);
		if (r < 0 && errno != EEXIST)
			note_failure(a, s->rel, "mkdir", errno);
		else
			a->stats->created_dirs++;
		return 0;
	}
	/* something else is in the way: build the directory aside and swap */
	char tmp[128];
	temp_name(tmp, sizeof tmp, a->nonce, idx);
	unlinkat(pfd, tmp, AT_REMOVEDIR);
	int r = mkdirat(pfd, tmp, 0700);
	if (r < 0 && errno == EACCES && unlock_parent(a, pfd))
		r = mkdirat(pfd, tmp, 0700);
	if (r < 0) {
		note_failure(a, s->rel, "mkdir", errno);
		return 0;
	}
	if (renameat2(pfd, tmp, pfd, name, RENAME_EXCHANGE) == 0) {
		if (unlinkat(pfd, tmp, 0) < 0 && errno == EISDIR)
			unlinkat(pfd, tmp, AT_REMOVEDIR);
	} else if (unlinkat(pfd, name, 0) < 0 || renameat(pfd, tmp, pfd, name) < 0) {
		note_failure(a, s->rel, "replace", errno);
		unlinkat(pfd, tmp, AT_REMOVEDIR);
		return 0;
	}
	a->stats->created_dirs++;
	return 0;
}

/* Writes the temp of a W or L step. */
static int write_temp(struct apply *a, struct step *s, size_t idx)
{
	const char *name;
	int pfd = parent_of(&a->dc, s->rel, &name);
	if (pfd < 0) {
		note_failure(a, s->rel, "parent", errno);
		return 0;
	}
	char tmp[128];
	temp_name(tmp, sizeof tmp, a->nonce, idx);
	unlinkat(pfd, tmp, 0);
	if (s->op == OP_LINK) {
		int r = symlinkat(s->want->target, pfd, tmp);
		if (r < 0 && errno == EACCES && unlock_parent(a, pfd))
			r = symlinkat(s->want->target, pfd, tmp);
		if (r < 0)
			note_failure(a, s->rel, "symlink", errno);
		else
			s->done = true;
		return 0;
	}
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(pfd, tmp, flags, 0600);
	if (fd < 0 && errno == EACCES && unlock_parent(a, pfd))
		fd = openat(pfd, tmp, flags, 0600);
	if (fd < 0) {
		note_failure(a, s->rel, "create", errno);
		return 0;
	}
	int r = snap_obj_to_fd(a->st, s->want->hash, fd, a->err, a->errlen);
	if (r == 0 && fchmod(fd, SAFE_MODE(s->want->mode)) < 0)
		r = -errno;
	close(fd);
	if (r == -EBADMSG) {
		unlinkat(pfd, tmp, 0);
		a->fatal = -1;
		return -1;
	}
	if (r < 0) {
		unlinkat(pfd, tmp, 0);
		note_failure(a, s->rel, "write", -r);
		return 0;
	}
	s->done = true;
	return 0;
}

static int place_temp(struct apply *a, const struct step *s, size_t idx)
{
	if (!s->done)
		return 0;
	const char *name;
	int pfd = parent_of(&a->dc, s->rel, &name);
	if (pfd < 0) {
		note_failure(a, s->rel, "parent", errno);
		return 0;
	}
	char tmp[128];
	temp_name(tmp, sizeof tmp, a->nonce, idx);
	if (s->live_type == 'd') {
		/* swap the (now empty) directory for the new file in one step, so
		 * the path always holds one or the other */
		if (renameat2(pfd, tmp, pfd, name, RENAME_EXCHANGE) == 0) {
			if (unlinkat(pfd, tmp, AT_REMOVEDIR) == 0) {
				a->stats->written++;
				return 0;
			}
			int e = errno;
			/* it holds excluded or untracked entries: put it back */
			renameat2(pfd, tmp, pfd, name, RENAME_EXCHANGE);
			unlinkat(pfd, tmp, 0);
			if (e == ENOTEMPTY || e == EEXIST)
				a->stats->kept++;
			else
				note_failure(a, s->rel, "replace directory", e);
			return 0;
		}
		if (errno != EINVAL && errno != ENOENT) {
			note_failure(a, s->rel, "replace directory", errno);
			unlinkat(pfd, tmp, 0);
			return 0;
		}
		/* no RENAME_EXCHANGE here: remove, then rename */
		if (unlinkat(pfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
			unlinkat(pfd, tmp, 0);
			if (errno == ENOTEMPTY || errno == EEXIST)
				a->stats->kept++;
			else
				note_failure(a, s->rel, "replace directory", errno);
			return 0;
		}
	}
	if (renameat(pfd, tmp, pfd, name) < 0) {
		note_failure(a, s->rel, "rename", errno);
		unlinkat(pfd, tmp, 0);
		return 0;
	}
	a->stats->written++;
	return 0;
}

static int do_chmod(struct apply *a, const struct step *s, bool dir)
{
	int fd = open_beneath(a->dc.root, s->rel, O_PATH | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			note_failure(a, s->rel, "open", errno);
		return 0;
	}
	struct stat sb;
	if (fstat(fd, &sb) == 0 && (dir ? S_ISDIR(sb.st_mode) : S_ISREG(sb.st_mode))) {
		int r = chmod_opath(fd, SAFE_MODE(s->mode));
		if (r < 0)
			note_failure(a, s->rel, "chmod", -r);
		else
			a->stats->chmods++;
	}
	close(fd);
	return 0;
}

static int apply_plan(struct apply *a, struct plan *p)
{
	for (size_t i = 0; i < p->n && !a->fatal; i++)
		if (p->v[i].op == OP_REMOVE)
			do_remove(a, &p->v[i]);
	for (size_t i = 0; i < p->n && !a->fatal; i++)
		if (p->v[i].op == OP_MKDIR)
			do_mkdir(a, &p->v[i], i);
	for (size_t i = 0; i < p->n && !a->fatal; i++)
		if (p->v[i].op == OP_WRITE || p->v[i].op == OP_LINK)
			write_temp(a, &p->v[i], i);
	if (a->fatal) {
		/* corrupted store: take every temp back, touch nothing else */
		for (size_t i = 0; i < p->n; i++) {
			const char *name;
			char tmp[128];
			if (!p->v[i].done || parent_of(&a->dc, p->v[i].rel, &name) < 0)
				continue;
			temp_name(tmp, sizeof tmp, a->nonce, i);
			unlinkat(a->dc.fd, tmp, 0);
		}
		return -1;
	}
	syncfs(a->dc.root); /* every temp durable before any rename */
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].op == OP_WRITE || p->v[i].op == OP_LINK)
			place_temp(a, &p->v[i], i);
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].op == OP_CHMOD)
			do_chmod(a, &p->v[i], false);
	/* directories we opened up go back to how they were, then to the
	 * checkpoint's modes */
	cache_drop(&a->dc);
	for (size_t i = a->fix_rel.len; i-- > 0;) {
		struct step s = {.rel = a->fix_rel.items[i], .mode = a->fix_mode[i]};
		do_chmod(a, &s, true);
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].op == OP_DIRMODE)
			do_chmod(a, &p->v[i], true);
	syncfs(a->dc.root);
	return 0;
}

int snap_restore_trees(struct snap_store *st, int session_dfd, const struct snap_manifest *target,
                       const struct snap_manifest *index, const struct strlist *filter,
                       size_t checkpoint, struct snap_restore_stats *stats, char *err,
                       size_t errlen)
{
	size_t nt = target->n_trees;
	struct plan *plans = xcalloc(nt ? nt : 1, sizeof *plans);
	int *roots = xcalloc(nt ? nt : 1, sizeof *roots);
	int rc = 0;
	for (size_t r = 0; r < nt; r++)
		roots[r] = -1;

	/* plan every root before touching anything */
	for (size_t r = 0; r < nt && rc == 0; r++) {
		const struct snap_tree *want = &target->trees[r];
		if (filter && filter->len) {
			bool any = false;
			for (size_t i = 0; i < filter->len; i++)
				any |= snap_path_under(filter->items[i], want->root) ||
				       snap_path_under(want->root, filter->items[i]);
			if (!any)
				continue;
		}
		roots[r] = sys_openat2(AT_FDCWD, want->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		                       RESOLVE_NO_SYMLINKS);
		if (roots[r] < 0 && errno == ENOSYS)
			roots[r] = open(want->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (roots[r] < 0) {
			rc = error_set(err, errlen,
			          "cannot restore %s: %s (a tracked directory must not be replaced "
			          "by a symlink or removed)",
			          want->root, strerror(errno));
			break;
		}
		struct snap_tree live = {.root = xstrdup(want->root)};
		struct snap_scan_opts so = {.st = st,
		                            .store = false,
		                            .index = snap_manifest_tree(index, want->root),
		                            .rules_from = want,
		                            .excludes = &target->excludes};
		rc = snap_scan_tree(&so, &live, err, errlen);
		if (rc == 0)
			make_plan(want, &live, filter, &plans[r]);
		for (size_t j = 0; j < live.n; j++) {
			free(live.v[j].path);
			free(live.v[j].target);
		}
		free(live.v);
		free(live.root);
	}

	/* every object the plan needs is read back and checked before anything
	 * is touched: a corrupted store changes nothing */
	for (size_t r = 0; r < nt && rc == 0; r++)
		for (size_t i = 0; i < plans[r].n && rc == 0; i++)
			if (plans[r].v[i].op == OP_WRITE)
				rc = snap_obj_verify(st, plans[r].v[i].want->hash, err, errlen) < 0 ? -1
				                                                                     : 0;
	size_t total = 0;
	for (size_t r = 0; r < nt; r++)
		total += plans[r].n;
	char nonce[20];
	unsigned char rnd[6] = {0};
	if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != sizeof rnd)
		memcpy(rnd, &(uint64_t){now_real_ns()}, sizeof rnd);
	snprintf(nonce, sizeof nonce, "%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3],
	         rnd[4], rnd[5]);

	if (rc == 0 && total > 0) {
		cleanup_free char *j = journal_json(target, filter, checkpoint, nonce, plans, nt);
		rc = snap_write_atomic(session_dfd, JOURNAL, j, strlen(j), err, errlen);
	}
	char first[512] = "";
	int failures = 0;
	for (size_t r = 0; r < nt && rc == 0 && total > 0; r++) {
		if (roots[r] < 0 || plans[r].n == 0)
			continue;
		struct apply a = {.st = st,
		                  .dc = {.root = roots[r], .fd = -1},
		                  .root = target->trees[r].root,
		                  .nonce = nonce,
		                  .stats = stats,
		                  .err = err,
		                  .errlen = errlen};
		rc = apply_plan(&a, &plans[r]);
		cache_drop(&a.dc);
		strlist_clear(&a.fix_rel);
		free(a.fix_mode);
		failures += a.failures;
		if (!first[0] && a.first[0])
			snprintf(first, sizeof first, "%s", a.first);
	}
	/* Also when there was nothing left to do: a run killed after its last
	 * rename but before this point left a journal whose work is done. */
	if (rc == 0) {
		if (unlinkat(session_dfd, JOURNAL, 0) == 0 || total > 0)
			fsync(session_dfd);
	}
	if (rc == 0 && failures == 1)
		rc = error_set(err, errlen, "%s", first);
	else if (rc == 0 && failures > 1)
		rc = error_set(err, errlen, "%s (and %d more)", first, failures - 1);
	for (size_t r = 0; r < nt; r++) {
		plan_free(&plans[r]);
		if (roots[r] >= 0)
			close(roots[r]);
	}
	free(plans);
	free(roots);
	return rc;
}
