/* snap_scan: walks one tracked root into a snap_tree.
 *
 * The walk goes down from a dirfd of the root with O_NOFOLLOW at every step
 * and lstat semantics, so a symlink is recorded as a symlink and never
 * followed. Excluded paths (rules from the flags, the defaults and each
 * directory's .gitignore) are skipped, and nothing below an excluded
 * directory is looked at. Only regular files, directories and symlinks are
 * tracked; sockets, FIFOs and devices are ignored.
 *
 * Cheap change detection, as git's index does it: a file whose (size,
 * mtime_ns, ctime_ns, ino) equals its entry in the index tree (the previous
 * checkpoint) keeps that entry's hash without being read. A file changed
 * within the file-system clock's granularity of the scan could change again
 * without its times moving, so such "racy" entries get no index key and are
 * read again next time. */
#include "snapshot_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sys.h"
#include "util.h"

/* Timestamps come from a coarse clock (one tick, up to 10 ms at HZ=100). */
#define RACY_NS (30 * 1000000LL)
#define GITIGNORE_MAX (1u << 20)

struct scan {
	const struct snap_scan_opts *o;
	struct snap_tree *t;
	struct snap_rules rules;
	int64_t racy_from;
	char path[PATH_MAX];
	char *err;
	size_t errlen;
};

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* Returns -1 when the recorded .gitignore cannot be read back: judging
 * exclusions without it could touch what it excluded. */
static int add_gitignore(struct scan *s, int dfd, const char *dir)
{
	char name[PATH_MAX + 16];
	if (strlen(dir) >= PATH_MAX)
		return 0;
	snprintf(name, sizeof name, "%s%s.gitignore", dir, *dir ? "/" : "");
	if (s->o->rules_from) {
		const struct snap_entry *e = snap_tree_find(s->o->rules_from, name);
		if (!e || e->type != 'f' || e->unreadable || e->size > GITIGNORE_MAX)
			return 0;
		char *text = NULL;
		size_t len = 0;
		if (snap_obj_read(s->o->st, e->hash, GITIGNORE_MAX, &text, &len, s->err,
		                  s->errlen) < 0)
			return -1;
		snap_rules_add_text(&s->rules, dir, text, len);
		free(text);
		return 0;
	}
	int fd = openat(dfd, ".gitignore", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct stat sb;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size <= GITIGNORE_MAX) {
		cleanup_free char *buf = xmalloc((size_t)sb.st_size + 1);
		ssize_t n = read(fd, buf, (size_t)sb.st_size);
		if (n > 0)
			snap_rules_add_text(&s->rules, dir, buf, (size_t)n);
	}
	close(fd);
	return 0;
}

static bool same_key(const struct snap_entry *ix, const struct stat *sb)
{
	return ix && ix->type == 'f' && ix->has_stat && !ix->unreadable &&
	       ix->size == (uint64_t)sb->st_size && ix->mtime_ns == ts_ns(&sb->st_mtim) &&
	       ix->ctime_ns == ts_ns(&sb->st_ctim) && ix->ino == (uint64_t)sb->st_ino;
}

static int scan_file(struct scan *s, int dfd, const char *name, const struct stat *sb,
                     struct snap_entry *e)
{
	const struct snap_entry *ix = snap_tree_find(s->o->index, e->path);
	if (same_key(ix, sb)) {
		memcpy(e->hash, ix->hash, SNAP_HASH_LEN);
		e->size = ix->size;
		e->has_stat = true;
		e->mtime_ns = ix->mtime_ns;
		e->ctime_ns = ix->ctime_ns;
		e->ino = ix->ino;
		if (!s->o->store || snap_obj_exists(s->o->st, e->hash))
			return 0;
	}
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		e->unreadable = true;
		return 0;
	}
	uint64_t size = 0;
	int r = snap_obj_put_fd(s->o->st, fd, s->o->store, e->hash, &size, s->err, s->errlen);
	struct stat after;
	bool stable = fstat(fd, &after) == 0 && after.st_size == sb->st_size &&
	              ts_ns(&after.st_mtim) == ts_ns(&sb->st_mtim) &&
	              ts_ns(&after.st_ctim) == ts_ns(&sb->st_ctim);
	close(fd);
	if (r < 0) {
		if (s->o->store)
			return r; /* the store failed: the checkpoint cannot be trusted */
		e->unreadable = true;
		return 0;
	}
	e->size = size;
	e->mtime_ns = ts_ns(&sb->st_mtim);
	e->ctime_ns = ts_ns(&sb->st_ctim);
	e->ino = (uint64_t)sb->st_ino;
	e->has_stat = stable && e->mtime_ns < s->racy_from && e->ctime_ns < s->racy_from;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Scans the directory open at dfd whose path (relative to the root) is in
 * s->path[0..plen). Takes ownership of dfd. */
static int walk(struct scan *s, int dfd, size_t plen)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	size_t mark = snap_rules_mark(&s->rules);
	if (add_gitignore(s, dfd, s->path) < 0) {
		closedir(d);
		return -1;
	}

	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_names);

	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *name = names[i];
		size_t nlen = strlen(name);
		if (plen + 1 + nlen + 1 > sizeof s->path)
			continue;
		size_t clen = plen;
		if (plen)
			s->path[clen++] = '/';
		memcpy(s->path + clen, name, nlen + 1);
		clen += nlen;

		struct stat sb;
		if (fstatat(dirfd(d), name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			goto next;
		bool is_dir = S_ISDIR(sb.st_mode);
		if (!is_dir && !S_ISREG(sb.st_mode) && !S_ISLNK(sb.st_mode))
			goto next;
		if (snap_rules_excluded(&s->rules, s->path, is_dir))
			goto next;
		struct snap_entry *e = snap_tree_push(s->t);
		e->path = xstrdup(s->path);
		e->mode = sb.st_mode & 07777;
		if (is_dir) {
			e->type = 'd';
			int cfd = openat(dirfd(d), name,
			                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0)
				e->unreadable = true;
			else
				rc = walk(s, cfd, clen);
		} else if (S_ISLNK(sb.st_mode)) {
			e->type = 'l';
			char buf[PATH_MAX];
			ssize_t l = readlinkat(dirfd(d), name, buf, sizeof buf - 1);
			if (l < 0) {
				e->unreadable = true;
			} else {
				buf[l] = '\0';
				e->target = xstrdup(buf);
				e->size = (uint64_t)l;
			}
		} else {
			e->type = 'f';
			rc = scan_file(s, dirfd(d), name, &sb, e);
			if (s->o->progress_fn) {
				s->o->progress->files++;
				s->o->progress->bytes += e->size;
			}
		}
		/* (e may have moved: the walk below a directory grows the tree) */
		if (rc == 0 && s->o->progress_fn) {
			if (!s->o->progress_fn(s->o->progress, s->o->progress_ctx))
				rc = error_set(s->err, s->errlen, "snapshot: recording interrupted");
		}
	next:
		s->path[plen] = '\0';
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	snap_rules_truncate(&s->rules, mark);
	closedir(d);
	return rc;
}

int snap_scan_tree(const struct snap_scan_opts *o, struct snap_tree *t, char *err,
                   size_t errlen)
{
	struct scan s = {.o = o, .t = t, .err = err, .errlen = errlen};
	struct timespec now;
	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	s.racy_from = ts_ns(&now) - RACY_NS;
	for (const char *const *d = snap_default_excludes; *d; d++)
		snap_rules_add(&s.rules, "", *d);
	for (size_t i = 0; o->excludes && i < o->excludes->len; i++)
		snap_rules_add(&s.rules, "", o->excludes->items[i]);

	/* The root is canonical: any symlink on the way is not the user's. */
	int fd = sys_openat2(AT_FDCWD, t->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
	                     RESOLVE_NO_SYMLINKS);
	if (fd < 0 && errno == ENOSYS)
		fd = open(t->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snap_rules_free(&s.rules);
		snprintf(err, errlen, "snapshot: cannot open tracked directory %s: %s", t->root,
		         strerror(e));
		return -1;
	}
	struct stat sb;
	if (fstat(fd, &sb) == 0)
		t->mode = sb.st_mode & 07777;
	s.path[0] = '\0';
	int rc = walk(&s, fd, 0);
	snap_rules_free(&s.rules);
	snap_tree_sort(t);
	return rc;
}
