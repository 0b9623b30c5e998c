/* snap_session: the session API of snapshot.h over the store, the scanner,
 * the differ and the restorer.
 *
 *   STORE/sessions/ID/session.json   id, time, cwd, command, roots, excludes,
 *                                    checkpoints [{name, time_ns}], summary
 *   STORE/sessions/ID/cp-N.json      manifest of checkpoint N
 *   STORE/sessions/ID/lock           flock: shared while a process uses the
 *                                    session, exclusive during a restore
 *   STORE/lock                       flock: shared while a checkpoint writes
 *                                    objects, exclusive while `clean` collects
 *
 * Every checkpoint of a session judges exclusions by the .gitignore files
 * recorded in checkpoint 0, so a command that edits .gitignore cannot hide
 * its own changes from the diff or from a restore. */
#include "snapshot_internal.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "util.h"

#define MANIFEST_MAX (1u << 30)

struct snap_session {
	struct snap_store *st;
	char *id;
	int dfd;
	int lock_fd;
	uint64_t time_ns;
	char *cwd;
	struct strlist command;
	struct strlist roots;
	struct strlist excludes;
	struct strlist cp_names;
	uint64_t *cp_times;
	struct snap_manifest **cps; /* loaded lazily */
	size_t summary[3];
	/* while checkpoint 0 records (snap_session_spec) */
	snap_progress_fn progress_fn;
	void *progress_ctx;
	bool created_dir; /* this process made the session directory */
};

bool snap_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return false;
	return !strstr(id, "..");
}

struct snap_store *snap_session_store(struct snap_session *s) { return s->st; }
const char *snap_session_id(const struct snap_session *s) { return s->id; }
size_t snap_session_checkpoints(const struct snap_session *s) { return s->cp_names.len; }

const char *snap_session_checkpoint_name(const struct snap_session *s, size_t n)
{
	return n < s->cp_names.len ? s->cp_names.items[n] : NULL;
}

static int store_lock(struct snap_store *st, int op)
{
	int fd = openat(st->dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, op) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* ---- session.json ------------------------------------------------------------ */

static cJSON *str_array(const struct strlist *l)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < l->len; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(l->items[i]));
	return a;
}

static void read_str_array(const cJSON *a, struct strlist *out)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, a)
	{
		if (cJSON_IsString(it))
			strlist_push(out, it->valuestring);
	}
}

static int save_meta(struct snap_session *s, char *err, size_t errlen)
{
	cJSON *o = cJSON_CreateObject();
	char num[32];
	cJSON_AddStringToObject(o, "format", "glassbox-session");
	cJSON_AddNumberToObject(o, "version", 1);
	cJSON_AddStringToObject(o, "id", s->id);
	snprintf(num, sizeof num, "%" PRIu64, s->time_ns);
	cJSON_AddStringToObject(o, "time_ns", num);
	cJSON_AddStringToObject(o, "cwd", s->cwd ? s->cwd : "/");
	cJSON_AddItemToObject(o, "command", str_array(&s->command));
	cJSON_AddItemToObject(o, "roots", str_array(&s->roots));
	cJSON_AddItemToObject(o, "excludes", str_array(&s->excludes));
	cJSON *cps = cJSON_AddArrayToObject(o, "checkpoints");
	for (size_t i = 0; i < s->cp_names.len; i++) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "name", s->cp_names.items[i]);
		snprintf(num, sizeof num, "%" PRIu64, s->cp_times[i]);
		cJSON_AddStringToObject(c, "time_ns", num);
		cJSON_AddItemToArray(cps, c);
	}
	cJSON *sum = cJSON_AddObjectToObject(o, "summary");
	cJSON_AddNumberToObject(sum, "added", (double)s->summary[0]);
	cJSON_AddNumberToObject(sum, "modified", (double)s->summary[1]);
	cJSON_AddNumberToObject(sum, "deleted", (double)s->summary[2]);
	char *text = cJSON_Print(o);
	cJSON_Delete(o);
	int r = snap_write_atomic(s->dfd, "session.json", text, strlen(text), err, errlen);
	cJSON_free(text);
	return r;
}

static int load_meta(struct snap_session *s, int dfd, char *err, size_t errlen)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d/session.json", dfd);
	cleanup_free char *text = NULL;
	if (read_file(path, 1u << 24, &text, NULL) < 0)
		return error_set(err, errlen, "snapshot %s: session.json cannot be read", s->id);
	cJSON *o = cJSON_Parse(text);
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format");
	const cJSON *cps = cJSON_GetObjectItemCaseSensitive(o, "checkpoints");
	if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "glassbox-session") != 0 ||
	    !cJSON_IsArray(cps)) {
		cJSON_Delete(o);
		return error_set(err, errlen, "snapshot store is corrupted: %s/session.json is not valid",
		            s->id);
	}
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "time_ns");
	if (cJSON_IsString(t))
		s->time_ns = strtoull(t->valuestring, NULL, 10);
	const cJSON *cwd = cJSON_GetObjectItemCaseSensitive(o, "cwd");
	s->cwd = xstrdup(cJSON_IsString(cwd) ? cwd->valuestring : "/");
	read_str_array(cJSON_GetObjectItemCaseSensitive(o, "command"), &s->command);
	read_str_array(cJSON_GetObjectItemCaseSensitive(o, "roots"), &s->roots);
	read_str_array(cJSON_GetObjectItemCaseSensitive(o, "excludes"), &s->excludes);
	size_t n = (size_t)cJSON_GetArraySize(cps);
	s->cp_times = xcalloc(n + 1, sizeof *s->cp_times);
	s->cps = xcalloc(n + 1, sizeof *s->cps);
	const cJSON *c;
	cJSON_ArrayForEach(c, cps)
	{
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
		const cJSON *tn = cJSON_GetObjectItemCaseSensitive(c, "time_ns");
		s->cp_times[s->cp_names.len] = cJSON_IsString(tn) ? strtoull(tn->valuestring, NULL, 10)
		                                                   : 0;
		strlist_push(&s->cp_names, cJSON_IsString(nm) ? nm->valuestring : "");
	}
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(o, "summary");
	static const char *const keys[] = {"added", "modified", "deleted"};
	for (int i = 0; i < 3; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(sum, keys[i]);
		s->summary[i] = cJSON_IsNumber(v) ? (size_t)v->valuedouble : 0;
	}
	cJSON_Delete(o);
	return 0;
}

/* ---- lifecycle ---------------------------------------------------------------- */

/* Frees what a session read from session.json (not its id or fds). */
static void session_fields_free(struct snap_session *s)
{
	for (size_t i = 0; s->cps && i < s->cp_names.len; i++) {
		if (s->cps[i]) {
			snap_manifest_free(s->cps[i]);
			free(s->cps[i]);
		}
	}
	free(s->cps);
	free(s->cp_times);
	strlist_clear(&s->cp_names);
	strlist_clear(&s->command);
	strlist_clear(&s->roots);
	strlist_clear(&s->excludes);
	free(s->cwd);
}

void snap_session_close(struct snap_session *s)
{
	if (!s)
		return;
	session_fields_free(s);
	free(s->id);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	if (s->dfd >= 0)
		close(s->dfd);
	free(s);
}

static int open_session_dir(struct snap_store *st, const char *id, bool create)
{
	int sfd = openat(st->dfd, "sessions", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0 && create && errno == ENOENT) {
		mkdirat(st->dfd, "sessions", 0700);
		sfd = openat(st->dfd, "sessions", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (sfd < 0)
		return -1;
	if (create && mkdirat(sfd, id, 0700) < 0) {
		int e = errno;
		close(sfd);
		errno = e;
		return -1;
	}
	int dfd = openat(sfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int e = errno;
	close(sfd);
	errno = e;
	return dfd;
}

static void remove_session_dir(int sfd, const char *id);

/* Undoes a session directory whose checkpoint 0 failed (or was stopped):
 * no half-recorded session stays in the store. */
static void discard_new_session(struct snap_store *st, struct snap_session *s)
{
	int sfd = openat(st->dfd, "sessions", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd >= 0) {
		remove_session_dir(sfd, s->id);
		close(sfd);
	}
}

void snap_session_discard(struct snap_session *s)
{
	if (!s)
		return;
	struct snap_store *st = s->st;
	char *id = xstrdup(s->id);
	snap_session_close(s); /* lets go of its lock first */
	int sfd = openat(st->dfd, "sessions", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd >= 0) {
		remove_session_dir(sfd, id);
		close(sfd);
	}
	free(id);
}

static int take_lock(struct snap_session *s)
{
	s->lock_fd = openat(s->dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (s->lock_fd < 0)
		return -1;
	return flock(s->lock_fd, LOCK_SH | LOCK_NB);
}

int snap_session_create(struct snap_store *st, const struct snap_session_spec *spec,
                        struct snap_session **out, char *err, size_t errlen)
{
	if (!snap_id_valid(spec->id))
		return error_set(err, errlen, "invalid snapshot id");
	struct snap_session *s = xcalloc(1, sizeof *s);
	s->st = st;
	s->id = xstrdup(spec->id);
	s->lock_fd = -1;
	s->time_ns = now_real_ns();
	s->cwd = xstrdup(spec->cwd ? spec->cwd : "/");
	if (spec->command)
		strlist_copy(&s->command, spec->command);
	if (spec->excludes)
		strlist_copy(&s->excludes, spec->excludes);
	/* canonical roots; one inside another is already tracked */
	for (size_t i = 0; i < spec->roots->len; i++) {
		char real[PATH_MAX];
		struct stat sb;
		if (!realpath(spec->roots->items[i], real) || stat(real, &sb) < 0) {
			error_set(err, errlen, "snapshot path %s: %s", spec->roots->items[i],
			     strerror(errno));
			goto bad;
		}
		if (!S_ISDIR(sb.st_mode)) {
			error_set(err, errlen, "snapshot path %s: %s", spec->roots->items[i],
			     strerror(ENOTDIR));
			goto bad;
		}
		if (!strlist_contains(&s->roots, real))
			strlist_push(&s->roots, real);
	}
	for (size_t i = 0; i < s->roots.len;) {
		bool inside = false;
		for (size_t j = 0; j < s->roots.len; j++)
			if (i != j && snap_path_under(s->roots.items[i], s->roots.items[j]))
				inside = true;
		if (inside)
			strlist_remove(&s->roots, s->roots.items[i]);
		else
			i++;
	}
	/* The store never tracks itself: a restore would otherwise delete the
	 * objects and session it restores from. */
	char store_real[PATH_MAX];
	if (realpath(st->dir, store_real)) {
		for (size_t i = 0; i < s->roots.len; i++) {
			const char *root = s->roots.items[i];
			if (snap_path_under(root, store_real)) {
				error_set(err, errlen, "snapshot path %s is inside the snapshot store",
				          root);
				goto bad;
			}
			if (snap_path_under(store_real, root)) {
				size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
				cleanup_free char *pat = xasprintf("%s", store_real + rl);
				if (!strlist_contains(&s->excludes, pat))
					strlist_push(&s->excludes, pat);
			}
		}
	}
	s->dfd = open_session_dir(st, spec->id, true);
	s->created_dir = s->dfd >= 0;
	if (s->dfd < 0) {
		error_set(err, errlen, "snapshot store %s: session %s: %s", st->dir, spec->id,
		     strerror(errno));
		goto bad;
	}
	if (take_lock(s) < 0) {
		error_set(err, errlen, "snapshot session %s: lock: %s", spec->id, strerror(errno));
		goto bad;
	}
	s->cps = xcalloc(1, sizeof *s->cps);
	s->cp_times = xcalloc(1, sizeof *s->cp_times);
	size_t n;
	s->progress_fn = spec->progress;
	s->progress_ctx = spec->progress_ctx;
	int rc = snap_checkpoint(s, "start", &n, err, errlen);
	s->progress_fn = NULL;
	s->progress_ctx = NULL;
	if (rc < 0)
		goto bad;
	*out = s;
	return 0;
bad:
	if (s->created_dir)
		discard_new_session(st, s);
	snap_session_close(s);
	return -1;
}

int snap_session_open(struct snap_store *st, const char *id, struct snap_session **out,
                      bool *not_found, char *err, size_t errlen)
{
	*not_found = false;
	if (!snap_id_valid(id)) {
		*not_found = true;
		return error_set(err, errlen, "invalid snapshot id (expected letters, digits, '.', '_' "
		                         "or '-', no '/' or '..')");
	}
	struct snap_session *s = xcalloc(1, sizeof *s);
	s->st = st;
	s->id = xstrdup(id);
	s->lock_fd = -1;
	s->dfd = open_session_dir(st, id, false);
	if (s->dfd < 0) {
		*not_found = errno == ENOENT || errno == ENOTDIR || errno == ELOOP;
		error_set(err, errlen, *not_found ? "no snapshot session %s (see glassbox snapshot list)"
		                             : "snapshot session %s: cannot be opened",
		     id);
		snap_session_close(s);
		return -1;
	}
	if (load_meta(s, s->dfd, err, errlen) < 0 || take_lock(s) < 0) {
		if (s->lock_fd < 0 && !err[0])
			error_set(err, errlen, "snapshot session %s: lock: %s", id, strerror(errno));
		snap_session_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

static struct snap_manifest *manifest(struct snap_session *s, size_t n, char *err, size_t errlen)
{
	if (n >= s->cp_names.len) {
		error_set(err, errlen, "snapshot %s has no checkpoint %zu (it has 0..%zu)", s->id, n,
		     s->cp_names.len ? s->cp_names.len - 1 : 0);
		return NULL;
	}
	if (s->cps[n])
		return s->cps[n];
	char path[96];
	snprintf(path, sizeof path, "/proc/self/fd/%d/cp-%zu.json", s->dfd, n);
	cleanup_free char *text = NULL;
	if (read_file(path, MANIFEST_MAX, &text, NULL) < 0) {
		error_set(err, errlen, "snapshot store is corrupted: %s/cp-%zu.json cannot be read", s->id,
		     n);
		return NULL;
	}
	struct snap_manifest *m = xcalloc(1, sizeof *m);
	if (snap_manifest_from_json(text, m, err, errlen) < 0) {
		free(m);
		return NULL;
	}
	s->cps[n] = m;
	return m;
}

/* Scans every root: store=true for a checkpoint. */
/* index: the manifest whose stat keys let unchanged files go unread (NULL:
 * the latest checkpoint). */
static int scan_all(struct snap_session *s, bool store, struct snap_manifest *index,
                    struct snap_manifest *m, char *err, size_t errlen)
{
	struct snap_manifest *last = index ? index
	                         : s->cp_names.len ? manifest(s, s->cp_names.len - 1, err, errlen)
	                                           : NULL;
	struct snap_manifest *first = s->cp_names.len ? manifest(s, 0, err, errlen) : NULL;
	if (s->cp_names.len && (!last || !first))
		return -1;
	struct snap_progress progress = {0};
	m->trees = xcalloc(s->roots.len ? s->roots.len : 1, sizeof *m->trees);
	strlist_copy(&m->excludes, &s->excludes);
	for (size_t i = 0; i < s->roots.len; i++) {
		struct snap_tree *t = &m->trees[m->n_trees++];
		t->root = xstrdup(s->roots.items[i]);
		struct snap_scan_opts o = {.st = s->st,
		                           .store = store,
		                           .index = snap_manifest_tree(last, t->root),
		                           .rules_from = snap_manifest_tree(first, t->root),
		                           .excludes = &s->excludes,
		                           .progress_fn = s->progress_fn,
		                           .progress_ctx = s->progress_ctx,
		                           .progress = &progress};
		progress.root = t->root;
		if (first && !o.rules_from) {
			/* a root the first checkpoint lacks: nothing is tracked */
			continue;
		}
		if (snap_scan_tree(&o, t, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static void count_changes(struct snap_manifest *a, struct snap_manifest *b, size_t sum[3])
{
	struct snap_changes c = {0};
	for (size_t i = 0; i < b->n_trees; i++)
		snap_tree_diff(snap_manifest_tree(a, b->trees[i].root), &b->trees[i], NULL, &c);
	sum[0] = c.added;
	sum[1] = c.modified;
	sum[2] = c.deleted;
	snap_changes_free(&c);
}

int snap_checkpoint(struct snap_session *s, const char *name, size_t *n, char *err,
                    size_t errlen)
{
	int lk = store_lock(s->st, LOCK_SH);
	if (lk < 0)
		return error_set(err, errlen, "snapshot store %s: lock: %s", s->st->dir, strerror(errno));
	struct snap_manifest *m = xcalloc(1, sizeof *m);
	size_t k = s->cp_names.len;
	m->name = name ? xstrdup(name) : xasprintf("cp%zu", k);
	m->time_ns = now_real_ns();
	int rc = scan_all(s, true, NULL, m, err, errlen);
	if (rc == 0 && snap_store_sync(s->st) < 0)
		rc = error_set(err, errlen, "snapshot store %s: sync: %s", s->st->dir, strerror(errno));
	if (rc == 0) {
		char *json = snap_manifest_to_json(m);
		char fname[32];
		snprintf(fname, sizeof fname, "cp-%zu.json", k);
		rc = snap_write_atomic(s->dfd, fname, json, strlen(json), err, errlen);
		free(json);
	}
	close(lk);
	if (rc < 0) {
		snap_manifest_free(m);
		free(m);
		return -1;
	}
	s->cps = xrealloc(s->cps, (k + 2) * sizeof *s->cps);
	s->cp_times = xrealloc(s->cp_times, (k + 2) * sizeof *s->cp_times);
	s->cps[k] = m;
	s->cp_times[k] = m->time_ns;
	strlist_push(&s->cp_names, m->name);
	if (k > 0)
		count_changes(s->cps[0], m, s->summary);
	*n = k;
	return save_meta(s, err, errlen);
}

int snap_diff(struct snap_session *s, size_t from, size_t to, const struct strlist *paths,
              struct snap_changes *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	struct snap_manifest *a = manifest(s, from, err, errlen);
	if (!a)
		return -1;
	struct snap_manifest now = {0}, *b;
	if (to == SNAP_NOW) {
		/* the "from" checkpoint doubles as the index: one manifest to
		 * load, and its keys still match every file left unchanged */
		if (scan_all(s, false, a, &now, err, errlen) < 0) {
			snap_manifest_free(&now);
			return -1;
		}
		b = &now;
	} else if (!(b = manifest(s, to, err, errlen))) {
		return -1;
	}
	for (size_t i = 0; i < a->n_trees; i++)
		snap_tree_diff(&a->trees[i], snap_manifest_tree(b, a->trees[i].root), paths, out);
	snap_manifest_free(&now);
	return 0;
}

int snap_restore(struct snap_session *s, size_t n, const struct strlist *paths,
                 struct snap_restore_stats *stats, char *err, size_t errlen)
{
	memset(stats, 0, sizeof *stats);
	if (n >= s->cp_names.len)
		return manifest(s, n, err, errlen) ? 0 : -1;
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return error_set(err, errlen,
		            "snapshot %s is in use by another glassbox (a running session or "
		            "restore); try again when it has finished",
		            s->id);
	int rc = 0;
	bool had = false;
	size_t pending = 0;
	struct strlist pfilter = {0};
	rc = snap_restore_resume_cleanup(s->dfd, &had, &pending, &pfilter, err, errlen);
	/* the target doubles as the index (see snap_diff) */
	if (rc == 0 && had) {
		struct snap_manifest *pm = manifest(s, pending, err, errlen);
		struct snap_restore_stats ps = {0};
		rc = pm ? snap_restore_trees(s->st, s->dfd, pm, pm, &pfilter, pending, &ps, err,
		                             errlen)
		        : -1;
		stats->resumed = true;
	}
	strlist_clear(&pfilter);
	struct snap_manifest *target = rc == 0 ? manifest(s, n, err, errlen) : NULL;
	if (rc == 0 && !target)
		rc = -1;
	if (rc == 0)
		rc = snap_restore_trees(s->st, s->dfd, target, target, paths, n, stats, err, errlen);
	flock(s->lock_fd, LOCK_SH);
	return rc;
}

/* ---- list and clean ------------------------------------------------------------- */

static int cmp_info(const void *a, const void *b)
{
	const struct snap_info *x = a, *y = b;
	return x->time_ns < y->time_ns ? -1 : x->time_ns > y->time_ns;
}

int snap_list(struct snap_store *st, struct snap_info **out, size_t *n, char *err,
              size_t errlen)
{
	*out = NULL;
	*n = 0;
	int sfd = openat(st->dfd, "sessions", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return errno == ENOENT ? 0 : error_set(err, errlen, "snapshot store: %s", strerror(errno));
	DIR *d = fdopendir(sfd);
	struct dirent *de;
	size_t cap = 0;
	while (d && (de = readdir(d))) {
		if (!snap_id_valid(de->d_name))
			continue;
		struct snap_session s = {.id = de->d_name, .dfd = -1, .lock_fd = -1};
		int dfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		char e2[256];
		if (dfd < 0 || load_meta(&s, dfd, e2, sizeof e2) < 0) {
			if (dfd >= 0)
				close(dfd);
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		struct snap_info *in = &(*out)[(*n)++];
		memset(in, 0, sizeof *in);
		memcpy(in->id, de->d_name, strlen(de->d_name) + 1); /* valid ids fit */
		in->time_ns = s.time_ns;
		size_t len = 1;
		for (size_t i = 0; i < s.command.len; i++)
			len += strlen(s.command.items[i]) + 1;
		in->command = xcalloc(1, len);
		for (size_t i = 0; i < s.command.len; i++) {
			if (i)
				strcat(in->command, " ");
			strcat(in->command, s.command.items[i]);
		}
		in->checkpoints = s.cp_names.len;
		in->added = s.summary[0];
		in->modified = s.summary[1];
		in->deleted = s.summary[2];
		in->restore_pending = faccessat(dfd, "restore.journal", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
		close(dfd);
		s.id = NULL;
		session_fields_free(&s);
	}
	if (d)
		closedir(d);
	if (*n > 1)
		qsort(*out, *n, sizeof **out, cmp_info);
	return 0;
}

void snap_info_free(struct snap_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].command);
	free(v);
}

struct hashset {
	unsigned char (*v)[SNAP_HASH_LEN];
	size_t n, cap;
};

static int cmp_hash(const void *a, const void *b) { return memcmp(a, b, SNAP_HASH_LEN); }

static int collect_refs(int dfd, struct hashset *hs, char *err, size_t errlen)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d)
		return error_set(err, errlen, "snapshot store: %s", strerror(errno));
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d)) && rc == 0) {
		if (strncmp(de->d_name, "cp-", 3) != 0 || !strstr(de->d_name, ".json"))
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof path, "/proc/self/fd/%d/%s", dfd, de->d_name);
		cleanup_free char *text = NULL;
		struct snap_manifest m;
		if (read_file(path, MANIFEST_MAX, &text, NULL) < 0 ||
		    snap_manifest_from_json(text, &m, err, errlen) < 0) {
			/* an unreadable manifest: collecting would lose its objects */
			rc = error_set(err, errlen,
			          "snapshot store: %s cannot be read; nothing was removed",
			          de->d_name);
			break;
		}
		for (size_t t = 0; t < m.n_trees; t++)
			for (size_t i = 0; i < m.trees[t].n; i++) {
				const struct snap_entry *e = &m.trees[t].v[i];
				if (e->type != 'f' || e->unreadable)
					continue;
				if (hs->n == hs->cap) {
					hs->cap = hs->cap ? hs->cap * 2 : 1024;
					hs->v = xrealloc(hs->v, hs->cap * sizeof *hs->v);
				}
				memcpy(hs->v[hs->n++], e->hash, SNAP_HASH_LEN);
			}
		snap_manifest_free(&m);
	}
	closedir(d);
	return rc;
}

static void remove_session_dir(int sfd, const char *id)
{
	int dfd = openat(sfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	unlinkat(sfd, id, AT_REMOVEDIR);
}

int snap_clean(struct snap_store *st, double older_than_days, struct snap_clean_stats *stats,
               char *err, size_t errlen)
{
	memset(stats, 0, sizeof *stats);
	int lk = store_lock(st, LOCK_EX);
	if (lk < 0)
		return error_set(err, errlen, "snapshot store %s: lock: %s", st->dir, strerror(errno));
	uint64_t now = now_real_ns();
	struct hashset hs = {0};
	int rc = 0;
	int sfd = openat(st->dfd, "sessions", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = sfd >= 0 ? fdopendir(sfd) : NULL;
	struct dirent *de;
	while (d && (de = readdir(d)) && rc == 0) {
		if (!snap_id_valid(de->d_name))
			continue;
		int dfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			continue;
		struct snap_session s = {.id = de->d_name, .dfd = -1, .lock_fd = -1};
		char e2[256];
		bool meta_ok = load_meta(&s, dfd, e2, sizeof e2) == 0;
		bool old = older_than_days < 0 ||
		           (meta_ok && (double)(now - s.time_ns) / 86400e9 > older_than_days);
		int lfd = openat(dfd, "lock", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		bool busy = lfd >= 0 && flock(lfd, LOCK_EX | LOCK_NB) < 0;
		bool pending = faccessat(dfd, "restore.journal", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
		if (old && (busy || pending))
			stats->kept_busy++;
		if (old && !busy && !pending) {
			remove_session_dir(dirfd(d), de->d_name);
			stats->sessions++;
		} else {
			rc = collect_refs(dfd, &hs, err, errlen);
		}
		if (lfd >= 0)
			close(lfd);
		close(dfd);
		session_fields_free(&s);
	}
	if (d)
		closedir(d);
	if (rc == 0 && st->objects_fd >= 0) {
		if (hs.n > 1)
			qsort(hs.v, hs.n, SNAP_HASH_LEN, cmp_hash);
		for (int hi = 0; hi < 256; hi++) {
			char sub[3];
			snprintf(sub, sizeof sub, "%02x", hi);
			int xfd = openat(st->objects_fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			DIR *od = xfd >= 0 ? fdopendir(xfd) : NULL;
			while (od && (de = readdir(od))) {
				char hex[SNAP_HEX_LEN + 1];
				unsigned char h[SNAP_HASH_LEN];
				if (de->d_name[0] == '.')
					continue;
				if (strlen(de->d_name) != SNAP_HEX_LEN - 2)
					continue; /* not an object */
				memcpy(hex, sub, 2);
				memcpy(hex + 2, de->d_name, SNAP_HEX_LEN - 1);
				if (snap_unhex(hex, h) && hs.n &&
				    bsearch(h, hs.v, hs.n, SNAP_HASH_LEN, cmp_hash))
					continue;
				struct stat sb;
				if (fstatat(dirfd(od), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
				    unlinkat(dirfd(od), de->d_name, 0) == 0) {
					stats->objects++;
					stats->bytes += (uint64_t)sb.st_size;
				}
			}
			if (od)
				closedir(od);
			unlinkat(st->objects_fd, sub, AT_REMOVEDIR); /* when empty */
		}
		/* temps of writers that died (none run now: we hold the lock) */
		int tfd = openat(st->objects_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *td = tfd >= 0 ? fdopendir(tfd) : NULL;
		while (td && (de = readdir(td)))
			if (strncmp(de->d_name, ".tmp-", 5) == 0)
				unlinkat(dirfd(td), de->d_name, 0);
		if (td)
			closedir(td);
	}
	free(hs.v);
	close(lk);
	return rc;
}
