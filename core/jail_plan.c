/* jail_plan: turns a policy into the mount operations that build the
 * sandbox's root. Runs in the supervisor, before any namespace exists.
 *
 * Every path is canonicalised (realpath) so the plan never mounts through a
 * symlink. Entries are sorted so parents come first, then each is compared
 * with its nearest ancestor: a bind that would not change the access it
 * inherits is dropped (fewer mounts, faster start), a denied path masks
 * everything below it, and anything under a deny-write stays read-only (deny
 * wins). A denied path the user named on the command line that is missing on
 * the host but lies under a writable bind gets an empty placeholder directory
 * so the mask has something to sit on (a bind needs a mountpoint): it stays
 * uncreatable inside. The placeholder is removed at exit when still empty and
 * no concurrent session holds its shared flock. Missing deny paths that come
 * from profiles (credentials that do not exist) get no placeholder: nothing is
 * created on the host behind the user's back. */
#include "jail_internal.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include "sys.h"
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* E_PIN: a directory that must stay where it is (an ancestor of a path
 * glassbox trusts later, like the snapshot store): under a writable bind it
 * is bound onto itself, which makes it a mountpoint that cannot be renamed
 * or removed from inside. Weakest kind: any other entry on the path wins. */
enum entry_kind { E_PIN, E_READ, E_WRITE, E_DENY_W, E_DENY_R, E_SPECIAL, E_SYMLINK };
enum access { A_NONE, A_RO, A_RW, A_MASKED, A_OWN };

struct entry {
	char *path;
	enum entry_kind kind;
	char *link_target;     /* E_SYMLINK */
	enum mount_kind special; /* E_SPECIAL */
	unsigned mode;
	bool exists, is_dir;
	bool from_all;           /* E_WRITE only because of -A / bare --allow-write */
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

static void add(struct entries *es, struct entry e)
{
	if (es->n == es->cap) {
		es->cap = es->cap ? es->cap * 2 : 32;
		es->v = xrealloc(es->v, es->cap * sizeof *es->v);
	}
	es->v[es->n++] = e;
}

/* Lexical normalisation of an absolute path: no ".", "..", "//" or trailing /. */
static char *normalize(const char *in)
{
	size_t n = strlen(in);
	char *out = xmalloc(n + 2);
	size_t o = 0;
	const char *p = in;
	while (*p) {
		while (*p == '/')
			p++;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - s);
		if (len == 0 || (len == 1 && s[0] == '.'))
			continue;
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		out[o++] = '/';
		memcpy(out + o, s, len);
		o += len;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

/* realpath, or of the longest existing prefix (policy.h). */
static char *canonical(const char *path, bool *exists)
{
	return policy_canonical_path(path, exists);
}

static bool banned_location(const char *path)
{
	return path_under(path, "/proc") || path_under(path, "/dev");
}

/* Adds a host path as an entry of the given kind. A symlink in the list is
 * reproduced as a symlink (when it lies on the sandbox's own root) and its
 * target is bound. Missing allowed paths are skipped. */
/* link_target: for a symlink in the list, also bind what it points to (the
 * user named it); system and top-level links are only recreated, so a link
 * like /var/run -> /run never pulls a host directory over a fresh one. */
static void add_path(struct entries *es, const char *path, enum entry_kind kind, bool link_target)
{
	struct stat st;
	cleanup_free char *norm = normalize(path);
	bool exists;
	if (kind == E_READ || kind == E_WRITE || kind == E_PIN) {
		if (lstat(norm, &st) < 0)
			return;
		if (S_ISLNK(st.st_mode) && kind == E_PIN)
			return;
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(norm, target, sizeof target - 1);
			if (n > 0) {
				target[n] = '\0';
				add(es, (struct entry){.path = xstrdup(norm), .kind = E_SYMLINK,
				                       .link_target = xstrdup(target), .exists = true});
			}
			if (!link_target)
				return;
		}
	}
	char *canon = canonical(norm, &exists);
	if ((kind == E_READ || kind == E_WRITE || kind == E_PIN) && !exists) {
		free(canon);
		return;
	}
	if (banned_location(canon) || strcmp(canon, "/") == 0) {
		free(canon);
		return;
	}
	bool is_dir = exists && stat(canon, &st) == 0 && S_ISDIR(st.st_mode);
	add(es, (struct entry){.path = canon, .kind = kind, .exists = exists, .is_dir = is_dir});
}

/* Every top-level host entry except the ones the sandbox gets fresh. */
static void add_host_top_level(struct entries *es, enum entry_kind kind)
{
	static const char *const fresh[] = {"proc", "dev", "tmp", "run", "sys", NULL};
	DIR *d = opendir("/");
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		bool skip = false;
		for (int i = 0; fresh[i]; i++)
			skip |= strcmp(de->d_name, fresh[i]) == 0;
		if (skip)
			continue;
		cleanup_free char *p = xasprintf("/%s", de->d_name);
		add_path(es, p, kind, false);
	}
	closedir(d);
}

static void add_list(struct entries *es, const struct strlist *l, enum entry_kind kind,
                     bool *has_root, bool link_target)
{
	for (size_t i = 0; i < l->len; i++) {
		cleanup_free char *norm = normalize(l->items[i]);
		if (strcmp(norm, "/") == 0) {
			if (has_root)
				*has_root = true;
			continue;
		}
		add_path(es, norm, kind, link_target);
	}
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	/* A fresh mount (tmpfs /tmp) goes first so an explicit host bind of the
	 * same path lands on top of it; otherwise stronger kinds sort later and
	 * win. */
	if ((x->kind == E_SPECIAL) != (y->kind == E_SPECIAL))
		return x->kind == E_SPECIAL ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

static void free_entry(struct entry *e)
{
	free(e->path);
	free(e->link_target);
}

static void push_op(struct jail_plan *plan, struct mount_op op)
{
	plan->ops = xrealloc(plan->ops, (plan->n_ops + 1) * sizeof *plan->ops);
	plan->ops[plan->n_ops++] = op;
}

/* Creates the missing components of path on the host (0700), recording them. */
static unsigned long long identity(const struct stat *st)
{
	return ((unsigned long long)st->st_dev << 32) ^ (unsigned long long)st->st_ino;
}

/* Holds a shared lock on a placeholder for this session's lifetime. */
static void lock_placeholder(struct jail_plan *plan, const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	flock(fd, LOCK_SH);
	plan->locks = xrealloc(plan->locks, (plan->n_locks + 1) * sizeof *plan->locks);
	plan->locks[plan->n_locks++] = fd;
}

static bool in_list(const struct strlist *l, const char *canon_path)
{
	for (size_t i = 0; l && i < l->len; i++) {
		bool exists;
		cleanup_free char *c = canonical(l->items[i], &exists);
		if (strcmp(c, canon_path) == 0)
			return true;
	}
	return false;
}

static int make_placeholder(struct jail_plan *plan, const char *path, char *err, size_t errlen)
{
	cleanup_free char *p = xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		struct stat st;
		if (mkdir(p, 0700) == 0 && lstat(p, &st) == 0) {
			plan->placeholder_ids = xrealloc(plan->placeholder_ids,
			                                 (plan->placeholders.len + 1) *
			                                         sizeof *plan->placeholder_ids);
			plan->placeholder_ids[plan->placeholders.len] = identity(&st);
			strlist_push(&plan->placeholders, p);
		} else if (errno != EEXIST) {
			snprintf(err, errlen,
			         "cannot create a placeholder for the missing denied path %s: %s", p,
			         strerror(errno));
			return -1;
		}
		*s = c;
		if (!c)
			break;
	}
	return 0;
}

int jail_plan_build(const struct policy *pol, const char *cwd, const struct strlist *explicit_deny,
                    const struct strlist *pins, struct jail_plan *plan, char *err, size_t errlen)
{
	(void)cwd;
	struct entries es = {0};
	bool read_all = pol->allow_all || pol->allow_read.len == 0;
	bool write_all = pol->allow_all || pol->allow_write_all;
	bool root_read = false, root_write = false;

	add_list(&es, &pol->system_read, E_READ, NULL, false);
	add_list(&es, &pol->allow_read, E_READ, &root_read, true);
	add_list(&es, &pol->allow_write, E_WRITE, &root_write, true);
	if (root_read)
		read_all = true;
	if (root_write)
		write_all = true;
	if (read_all)
		add_host_top_level(&es, E_READ);
	if (write_all) {
		for (size_t i = 0; i < es.n; i++)
			if (es.v[i].kind == E_READ) {
				es.v[i].kind = E_WRITE;
				es.v[i].from_all = true;
			}
		/* "Write everywhere" includes the host's /tmp (bound over the
		 * private one); /run stays private. */
		size_t before = es.n;
		add_path(&es, "/tmp", E_WRITE, false);
		for (size_t i = before; i < es.n; i++)
			es.v[i].from_all = true;
	}
	if (pins)
		add_list(&es, pins, E_PIN, NULL, false);
	add_list(&es, &pol->deny_write, E_DENY_W, NULL, false);
	add_list(&es, &pol->deny_read, E_DENY_R, NULL, false);
	add(&es, (struct entry){.path = xstrdup("/proc"), .kind = E_SPECIAL, .special = MK_PROC});
	add(&es, (struct entry){.path = xstrdup("/dev"), .kind = E_SPECIAL, .special = MK_DEV});
	add(&es, (struct entry){.path = xstrdup("/tmp"), .kind = E_SPECIAL, .special = MK_TMPFS,
	                        .mode = 01777});
	add(&es, (struct entry){.path = xstrdup("/run"), .kind = E_SPECIAL, .special = MK_TMPFS,
	                        .mode = 0755});
	qsort(es.v, es.n, sizeof *es.v, cmp_entry);

	/* Ancestor stack: indexes of entries that contain the current one. */
	size_t *stack = xcalloc(es.n + 1, sizeof *stack);
	enum access *acc = xcalloc(es.n + 1, sizeof *acc);
	bool *denied_w = xcalloc(es.n + 1, sizeof *denied_w);
	bool *named_rw = xcalloc(es.n + 1, sizeof *named_rw); /* rw by a named allow_write */
	size_t depth = 0;
	int rc = 0;

	for (size_t i = 0; i < es.n; i++) {
		struct entry *e = &es.v[i];
		/* Same path as the next entry: the later (stronger) one decides,
		 * except that a symlink and a bind never share a path. */
		if (i + 1 < es.n && strcmp(e->path, es.v[i + 1].path) == 0 && e->kind != E_SPECIAL &&
		    es.v[i + 1].kind != E_SPECIAL)
			continue;
		while (depth > 0 && !path_under(e->path, es.v[stack[depth - 1]].path))
			depth--;
		enum access inherited = depth ? acc[depth - 1] : A_NONE;
		bool under_deny_w = depth ? denied_w[depth - 1] : false;
		bool inherited_named_rw = depth ? named_rw[depth - 1] : false;
		enum access mine = inherited;
		bool mine_denied_w = under_deny_w;
		bool mine_named_rw = inherited_named_rw;
		bool create = inherited == A_NONE || inherited == A_OWN;

		if (inherited == A_MASKED)
			goto push; /* hidden below a mask: nothing to do */
		if (e->kind == E_SPECIAL) {
			push_op(plan, (struct mount_op){.kind = e->special, .dst = xstrdup(e->path),
			                                .is_dir = true, .create = true, .mode = e->mode});
			mine = A_OWN;
			mine_denied_w = false;
			goto push;
		}
		if (inherited == A_OWN && e->kind != E_READ && e->kind != E_WRITE)
			goto push; /* a deny inside a private tmpfs concerns no host file */
		switch (e->kind) {
		case E_PIN:
			if (inherited == A_RW && !under_deny_w)
				push_op(plan, (struct mount_op){.kind = MK_BIND_RW, .dst = xstrdup(e->path),
				                                .src = xstrdup(e->path), .is_dir = true});
			goto push;
		case E_SYMLINK:
			if (create)
				push_op(plan, (struct mount_op){.kind = MK_SYMLINK, .dst = xstrdup(e->path),
				                                .src = xstrdup(e->link_target),
				                                .create = true});
			continue; /* a symlink contains nothing */
		case E_DENY_R:
		case E_DENY_W:
			mine = e->kind == E_DENY_R ? A_MASKED : A_RO;
			mine_denied_w = true;
			if (inherited == A_NONE)
				goto push; /* not in the tree at all: nothing to hide */
			if (!e->exists) {
				if (inherited != A_RW)
					goto push; /* uncreatable already: read-only or not there */
				/* A placeholder is created on the host: only for paths the
				 * user named, or under a directory the user made writable
				 * by name — never in system directories just because
				 * -A made everything writable. */
				if (!in_list(explicit_deny, e->path) && !inherited_named_rw)
					goto push;
				if (make_placeholder(plan, e->path, err, errlen) < 0) {
					rc = -1;
					goto out;
				}
				e->exists = e->is_dir = true;
			}
			if (e->is_dir && inherited == A_RW)
				lock_placeholder(plan, e->path); /* maybe a session's placeholder */
			if (e->kind == E_DENY_R)
				push_op(plan, (struct mount_op){.kind = MK_MASK, .dst = xstrdup(e->path),
				                                .is_dir = e->is_dir, .create = create});
			else if (inherited != A_RO)
				push_op(plan, (struct mount_op){.kind = MK_BIND_RO, .dst = xstrdup(e->path),
				                                .src = xstrdup(e->path), .is_dir = e->is_dir,
				                                .create = create});
			goto push;
		case E_WRITE:
			if (!e->from_all && !under_deny_w)
				mine_named_rw = true;
			if (under_deny_w || inherited == A_RW)
				goto push; /* deny wins / already writable */
			mine = A_RW;
			mine_named_rw = !e->from_all;
			push_op(plan, (struct mount_op){.kind = MK_BIND_RW, .dst = xstrdup(e->path),
			                                .src = xstrdup(e->path), .is_dir = e->is_dir,
			                                .create = create});
			goto push;
		case E_READ:
			if (inherited == A_RO || inherited == A_RW)
				goto push; /* already visible */
			mine = A_RO;
			push_op(plan, (struct mount_op){.kind = MK_BIND_RO, .dst = xstrdup(e->path),
			                                .src = xstrdup(e->path), .is_dir = e->is_dir,
			                                .create = create});
			goto push;
		case E_SPECIAL:
			break;
		}
	push:
		stack[depth] = i;
		acc[depth] = mine;
		denied_w[depth] = mine_denied_w;
		named_rw[depth] = mine_named_rw;
		depth++;
	}
out:
	free(stack);
	free(acc);
	free(denied_w);
	free(named_rw);
	for (size_t i = 0; i < es.n; i++)
		free_entry(&es.v[i]);
	free(es.v);
	return rc;
}

/* Removes what we created — found again without following any symlink (the
 * sandbox may have replaced a parent by a link) and only if it is still the
 * directory we made. Runs after the sandbox is gone. */
static void remove_placeholders(const struct strlist *dirs, const unsigned long long *ids)
{
	for (size_t i = dirs->len; i-- > 0;) {
		const char *p = dirs->items[i];
		int fd = sys_openat2(AT_FDCWD, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		                     RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		struct stat st;
		if (fd < 0)
			continue;
		/* Another session masking the same path holds a shared lock:
		 * removing the directory would drop its mask. */
		if (fstat(fd, &st) == 0 && identity(&st) == ids[i] && flock(fd, LOCK_EX | LOCK_NB) == 0)
			rmdir(p);
		close(fd);
	}
}

/* Waits up to five seconds for the process behind a pidfd to be gone. */
static void wait_pidfd(int pidfd)
{
	struct pollfd pf = {.fd = pidfd, .events = POLLIN};
	if (pidfd >= 0)
		while (poll(&pf, 1, 5000) < 0 && errno == EINTR)
			;
}

/* The janitor removes placeholders even when glassbox is SIGKILLed: a
 * detached process that waits for the supervisor's end of a pipe to close,
 * then for the supervisor and the sandbox's init to be gone, then cleans
 * up. The pipe closing is not enough: a dying process releases its files
 * one by one (last opened first), so the pipe can close while the shared
 * lock on a placeholder is still held; the supervisor's pidfd turns
 * readable only after all of its threads have let go of their files. */
void jail_plan_watch(struct jail_plan *plan, pid_t sandbox_pid)
{
	if (plan->placeholders.len == 0)
		return;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	int init_pidfd = sandbox_pid > 0 ? sys_pidfd_open(sandbox_pid, 0) : -1;
	int self_pidfd = sys_pidfd_open(getpid(), 0);
	pid_t pid = fork();
	if (pid == 0) {
		if (fork() != 0)
			_exit(0);
		setsid();
		prctl(PR_SET_NAME, "gb-janitor");
		static const int ignored[] = {SIGINT, SIGHUP, SIGTERM, SIGQUIT, SIGPIPE, SIGTSTP};
		for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
			signal(ignored[i], SIG_IGN);
		/* Keep only the pipe and the two pidfds (moved above the low
		 * numbers first so no dup2 overwrites another): inherited
		 * lock fds would keep our own shared locks alive. */
		int keep[3] = {p[0], self_pidfd, init_pidfd};
		for (int k = 0; k < 3; k++)
			keep[k] = keep[k] >= 0 ? fcntl(keep[k], F_DUPFD_CLOEXEC, 100) : -1;
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int fd = 0; fd < 3 && devnull >= 0; fd++)
			dup2(devnull, fd);
		for (int k = 0; k < 3; k++)
			if (keep[k] >= 0 && dup2(keep[k], 3 + k) < 0)
				_exit(1);
		close_range(6, ~0U, 0);
		char c;
		while (read(3, &c, 1) != 0 && errno == EINTR)
			;
		wait_pidfd(keep[1] >= 0 ? 4 : -1);
		wait_pidfd(keep[2] >= 0 ? 5 : -1);
		remove_placeholders(&plan->placeholders, plan->placeholder_ids);
		_exit(0);
	}
	if (init_pidfd >= 0)
		close(init_pidfd);
	if (self_pidfd >= 0)
		close(self_pidfd);
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return;
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	plan->janitor_fd = p[1];
}

void jail_plan_remove_placeholders(struct jail_plan *plan)
{
	for (size_t i = 0; i < plan->n_locks; i++)
		close(plan->locks[i]);
	free(plan->locks);
	plan->locks = NULL;
	plan->n_locks = 0;
	remove_placeholders(&plan->placeholders, plan->placeholder_ids);
	strlist_clear(&plan->placeholders);
	free(plan->placeholder_ids);
	plan->placeholder_ids = NULL;
	if (plan->janitor_fd > 0) {
		close(plan->janitor_fd); /* the janitor finds nothing left and exits */
		plan->janitor_fd = 0;
	}
}

void jail_plan_free(struct jail_plan *plan)
{
	for (size_t i = 0; i < plan->n_ops; i++) {
		free(plan->ops[i].dst);
		free(plan->ops[i].src);
	}
	free(plan->ops);
	plan->ops = NULL;
	plan->n_ops = 0;
	jail_plan_remove_placeholders(plan);
}

cJSON *jail_plan_to_json(const struct jail_plan *plan)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < plan->n_ops; i++) {
		const struct mount_op *op = &plan->ops[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "op", mount_kind_name(op->kind));
		cJSON_AddStringToObject(o, "dst", op->dst);
		if (op->src)
			cJSON_AddStringToObject(o, "src", op->src);
		cJSON_AddBoolToObject(o, "dir", op->is_dir);
		cJSON_AddBoolToObject(o, "create", op->create);
		if (op->kind == MK_TMPFS)
			cJSON_AddNumberToObject(o, "mode", op->mode);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}
