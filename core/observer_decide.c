/* observer_decide: what one seccomp notification means and how to answer it.
 *
 * The arguments are read from the sandboxed process (process_vm_readv; its
 * cwd and dirfds through /proc/PID), then the target is looked up in the
 * sandbox's own view of the file system: openat2(RESOLVE_IN_ROOT) beneath
 * /proc/PID/root, so symlinks resolve exactly as inside. The answer copies
 * the kernel: a target on a read-only mount gets EROFS, a mount point being
 * removed EBUSY, a direct connection ENETUNREACH or ECONNREFUSED, a program
 * outside the readable set ENOENT — and those become denied records with the
 * rule and the flag that would allow them. Everything else is CONTINUE, so
 * the kernel decides again on its own (a path swapped after the check gains
 * nothing: the mounts still say no). The notification id is re-validated
 * after every read of the process, before the caller answers. */
#include "observer_internal.h"
#include "sys.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>

#define PROXY_PORT 3128 /* JAIL_PROXY_PORT, without pulling in jail.h */

/* ---- reading the process ------------------------------------------------ */

static int read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

/* A NUL-terminated string of at most PATH_MAX bytes, read page by page so a
 * string ending just before an unmapped page is still read. */
static char *read_str(pid_t pid, uint64_t addr)
{
	if (!addr)
		return NULL;
	char *buf = xmalloc(PATH_MAX + 1);
	size_t have = 0;
	while (have < PATH_MAX) {
		uint64_t at = addr + have;
		size_t chunk = 4096 - (size_t)(at % 4096);
		if (chunk > PATH_MAX - have)
			chunk = PATH_MAX - have;
		if (read_mem(pid, at, buf + have, chunk) < 0)
			break;
		char *nul = memchr(buf + have, '\0', chunk);
		if (nul)
			return buf;
		have += chunk;
	}
	free(buf);
	return NULL;
}

static char *read_link(const char *path)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof buf - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* Where a path relative to dirfd starts, as the process sees it. */
static char *base_dir(pid_t pid, int dirfd)
{
	char link[64];
	if (dirfd == AT_FDCWD)
		snprintf(link, sizeof link, "/proc/%d/cwd", pid);
	else
		snprintf(link, sizeof link, "/proc/%d/fd/%d", pid, dirfd);
	char *p = read_link(link);
	if (p && p[0] != '/') {
		free(p);
		return NULL;
	}
	return p;
}

/* The absolute path (in the sandbox) of path relative to dirfd, not
 * normalised (the kernel's ".." walks symlinks; openat2 repeats that). */
static char *absolute(pid_t pid, int dirfd, const char *path)
{
	if (!path || !path[0])
		return NULL;
	if (path[0] == '/')
		return xstrdup(path);
	cleanup_free char *base = base_dir(pid, dirfd);
	return base ? xasprintf("%s/%s", base, path) : NULL;
}

static bool still_valid(const struct obs_ctx *c, uint64_t id)
{
	return ioctl(c->notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* ---- the sandbox's view of the file system ------------------------------- */

/* O_PATH fd of abs inside the sandbox, or -1 (errno set). */
static int probe(const struct obs_ctx *c, const char *abs, bool follow)
{
	const char *rel = abs + strspn(abs, "/");
	return sys_openat2(c->root_fd, rel[0] ? rel : ".",
	                   O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
	                   RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

/* Splits abs into its parent (returned, owned) and last component (*leaf
 * points into abs); NULL for "/", "." and ".." leaves. */
static char *split_parent(char *abs, const char **leaf)
{
	size_t n = strlen(abs);
	while (n > 1 && abs[n - 1] == '/')
		abs[--n] = '\0';
	char *slash = strrchr(abs, '/');
	if (!slash || !slash[1] || strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0)
		return NULL;
	*leaf = slash + 1;
	return slash == abs ? xstrdup("/") : strndup(abs, (size_t)(slash - abs));
}

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000U
#endif

/* The type of fd and whether its mount is read-only, in one statx: a
 * mount's read-only flag is remembered by its unique id (the layout has a
 * few dozen mounts; tar x asks about the same one thousands of times). A
 * live change clears the cache (obs_forget_mounts); what the cache answers
 * only explains, the kernel decides. -1 when fd cannot be examined. */
static int fd_kind(const struct obs_ctx *c, int fd, mode_t *mode, bool *ro, uint64_t *mnt)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MNT_ID_UNIQUE,
	          &sx) < 0)
		return -1;
	*mode = sx.stx_mode;
	bool unique = sx.stx_mask & STATX_MNT_ID_UNIQUE;
	*mnt = unique ? sx.stx_mnt_id : 0; /* 0: unknown (before 6.8) */
	struct obs_mount_cache *mc = c->mounts;
	bool known = mc && unique;
	for (size_t i = 0; known && i < mc->n; i++)
		if (mc->id[i] == sx.stx_mnt_id) {
			*ro = mc->ro[i];
			return 0;
		}
	struct statvfs sv;
	*ro = fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
	if (known) {
		size_t at = mc->n < OBS_MOUNT_CACHE ? mc->n++ : mc->next++ % OBS_MOUNT_CACHE;
		mc->id[at] = sx.stx_mnt_id;
		mc->ro[at] = *ro;
	}
	return 0;
}

static bool on_readonly_mount(const struct obs_ctx *c, int fd, uint64_t *mnt)
{
	mode_t mode;
	bool ro;
	return fd_kind(c, fd, &mode, &ro, mnt) == 0 && ro;
}

void obs_forget_mounts(struct obs_ctx *c)
{
	if (c->mounts)
		c->mounts->n = 0;
	c->mounts_changed = true;
}

static uint64_t mount_id(int fd)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) < 0 ||
	    !(sx.stx_mask & STATX_MNT_ID))
		return 0;
	return sx.stx_mnt_id;
}

/* The path of an fd opened beneath the sandbox's root, as seen inside. */
static char *fd_path(int fd)
{
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	char *p = read_link(link);
	if (p && p[0] != '/') {
		free(p);
		return NULL;
	}
	return p;
}

/* ---- explaining a denial -------------------------------------------------- */


/* The mount of the plan that decides about path: the deepest one above it. */
static const struct mount_op *covering(const struct jail_plan *plan, const char *path)
{
	const struct mount_op *best = NULL;
	for (size_t i = 0; i < plan->n_ops; i++) {
		const struct mount_op *op = &plan->ops[i];
		if (op->kind == MK_SYMLINK || !path_under(path, op->dst))
			continue;
		if (!best || strlen(op->dst) >= strlen(best->dst))
			best = op;
	}
	return best;
}

static const char *under_list(const struct strlist *l, const char *path)
{
	for (size_t i = 0; i < l->len; i++)
		if (l->items[i][0] == '/' && path_under(path, l->items[i]))
			return l->items[i];
	return NULL;
}

/* A write to shown was refused by the layout: which rule, which flag.
 * allow_at is the path --allow-write would have to name. */
static void explain_write(const struct obs_ctx *c, struct obs_record *r, const char *allow_at)
{
	/* The directory whose mount refused (the file itself for writes). */
	const struct mount_op *op = covering(c->plan, allow_at);
	const char *d;
	if (op && op->kind == MK_MASK) {
		r->rule = xasprintf("deny-read=%s", op->dst);
		r->hint = xstrdup("the path is hidden inside the sandbox; deny wins over allow");
	} else if (op && (op->kind == MK_PROC || op->kind == MK_DEV)) {
		r->rule = xasprintf("system path %s is read-only inside", op->dst);
	} else if ((d = under_list(&c->policy->deny_write, allow_at))) {
		r->rule = xasprintf("deny-write=%s", d);
		r->hint = xstrdup("deny wins over --allow-write");
	} else {
		r->rule = xstrdup("not in allow-write");
		r->flag = xasprintf("--allow-write=%s", allow_at);
	}
}

static struct obs_record *new_record(const struct seccomp_notif *n, const char *op,
                                     const char *syscall, bool denied, int err, char *target)
{
	struct obs_record *r = xcalloc(1, sizeof *r);
	r->time_ns = now_real_ns();
	r->pid = (pid_t)n->pid;
	r->op = op;
	r->syscall = syscall;
	r->denied = denied;
	r->err = err;
	r->target = target;
	/* Events name processes as the sandbox sees them: the last NSpid. */
	char path[64];
	snprintf(path, sizeof path, "/proc/%u/status", n->pid);
	char *status = NULL;
	if (read_file(path, 1 << 14, &status, NULL) == 0) {
		const char *name = strstr(status, "Name:\t");
		if (name) {
			name += 6;
			snprintf(r->comm, sizeof r->comm, "%.*s", (int)strcspn(name, "\n"), name);
		}
		const char *ns = strstr(status, "NSpid:");
		if (ns) {
			ns += 6;
			const char *end = ns + strcspn(ns, "\n");
			const char *last = end;
			while (last > ns && last[-1] != '\t' && last[-1] != ' ')
				last--;
			r->pid = (pid_t)atoi(last);
		}
	}
	free(status);
	return r;
}

/* ---- file operations ------------------------------------------------------ */

enum change {
	CH_WRITE,
	CH_CREATE,
	CH_REMOVE,
	CH_ATTR
};

struct fs_verdict {
	int err;        /* errno to answer, 0 = CONTINUE */
	char *shown;    /* resolved path inside (denied: always; allowed: when cheap) */
	char *allow_at; /* what --allow-write must name */
	bool created;   /* CH_WRITE: the file does not exist yet */
};

static char *join(const char *dir, const char *leaf)
{
	return strcmp(dir, "/") == 0 ? xasprintf("/%s", leaf) : xasprintf("%s/%s", dir, leaf);
}

/* The parent of abs inside; fills *leaf_out. -1 when there is none. */
static int probe_parent(const struct obs_ctx *c, const char *abs, char **leaf_out)
{
	cleanup_free char *copy = xstrdup(abs);
	const char *leaf;
	cleanup_free char *parent = split_parent(copy, &leaf);
	if (!parent)
		return -1;
	int fd = probe(c, parent, true);
	if (fd >= 0)
		*leaf_out = xstrdup(leaf);
	return fd;
}

/* Would the kernel refuse this change because of the layout? */
static void check_fs(const struct obs_ctx *c, const char *abs, enum change ch, bool follow,
                     int open_flags, struct fs_verdict *v)
{
	memset(v, 0, sizeof *v);
	/* O_CREAT|O_EXCL (tar x, mktemp, compilers) never opens an existing
	 * file: only the parent's mount matters, so skip the first lookup. */
	bool exclusive = ch == CH_WRITE && (open_flags & O_CREAT) && (open_flags & O_EXCL);
	int fd = exclusive ? (errno = ENOENT, -1) : probe(c, abs, follow);
	mode_t mode = 0;
	bool ro = false;
	uint64_t mnt = 0;
	if (fd >= 0 && fd_kind(c, fd, &mode, &ro, &mnt) < 0) {
		close(fd);
		return;
	}
	if (fd < 0 && errno != ENOENT)
		return; /* ELOOP, ENOTDIR, EACCES...: the kernel has its own answer */
	if (ch == CH_WRITE && fd >= 0) {
		if (!S_ISREG(mode)) {
			close(fd);
			return; /* devices, fifos: writable on read-only mounts; dirs: EISDIR */
		}
		if ((open_flags & O_CREAT) && (open_flags & O_EXCL)) {
			close(fd);
			return; /* EEXIST */
		}
		if (ro) {
			v->err = EROFS;
			v->shown = fd_path(fd);
			v->allow_at = v->shown ? xstrdup(v->shown) : NULL;
		}
		close(fd);
		return;
	}
	if (ch == CH_ATTR) {
		if (fd >= 0 && ro) {
			v->err = EROFS;
			v->shown = fd_path(fd);
			v->allow_at = v->shown ? xstrdup(v->shown) : NULL;
		}
		if (fd >= 0)
			close(fd);
		return;
	}
	if ((ch == CH_WRITE || ch == CH_CREATE) && fd >= 0) {
		close(fd);
		return; /* CH_CREATE of an existing name: EEXIST */
	}
	if (ch == CH_REMOVE && fd < 0)
		return; /* ENOENT */
	if (ch == CH_WRITE && !(open_flags & O_CREAT))
		return; /* ENOENT */
	/* Creating or removing a name: the parent's mount decides. */
	char *leaf = NULL;
	int pfd = probe_parent(c, abs, &leaf);
	if (pfd < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	uint64_t pmnt = 0;
	if (on_readonly_mount(c, pfd, &pmnt)) {
		/* An exclusive create of an existing name is EEXIST first. */
		int efd = exclusive ? probe(c, abs, false) : -1;
		if (efd >= 0)
			close(efd);
		else
			v->err = EROFS;
	} else if (ch == CH_REMOVE && (mnt && pmnt ? mnt != pmnt : mount_id(fd) != mount_id(pfd))) {
		v->err = EBUSY; /* a mount point (a mask, a pinned directory) */
	}
	v->created = ch == CH_WRITE;
	char *parent_path = v->err ? fd_path(pfd) : NULL;
	if (parent_path) {
		v->shown = join(parent_path, leaf);
		v->allow_at = xstrdup(parent_path);
	}
	close(pfd);
	if (fd >= 0)
		close(fd);
	free(parent_path);
	free(leaf);
}

static void verdict_free(struct fs_verdict *v)
{
	free(v->shown);
	free(v->allow_at);
}

/* One path changed by op. Returns a record for a denial (or, with trace, an
 * allowed change) and sets *err. */
static struct obs_record *fs_change(const struct obs_ctx *c, const struct seccomp_notif *n,
                                    const char *op, const char *sc, const char *abs, enum change ch,
                                    bool follow, int open_flags, int *err)
{
	struct fs_verdict v;
	check_fs(c, abs, ch, follow, open_flags, &v);
	struct obs_record *r = NULL;
	if (v.err && v.shown && v.allow_at) {
		if (ch == CH_WRITE && v.created)
			op = "create";
		r = new_record(n, op, sc, true, v.err, xstrdup(v.shown));
		if (v.err == EBUSY) {
			const struct mount_op *mop = covering(c->plan, v.shown);
			if (mop && mop->kind == MK_MASK) {
				r->rule = xasprintf("deny-read=%s", mop->dst);
				r->hint = xstrdup("the path is hidden inside the sandbox");
			} else {
				r->rule = xstrdup("mount point: glassbox keeps it in place");
			}
		} else {
			explain_write(c, r, v.allow_at);
		}
		*err = v.err;
	} else {
		*err = 0;
		/* Devices (/dev/null, the pty) are not files the command changed. */
		if (c->trace && strncmp(abs, "/dev/", 5) != 0)
			r = new_record(n, op, sc, false, 0, policy_normalize_path(abs));
	}
	verdict_free(&v);
	return r;
}

/* ---- exec ------------------------------------------------------------------- */

/* Whether path names a regular file on the host. The path is chosen by the
 * sandbox, so the walk must not let it steer the host: one component at a
 * time with O_PATH|O_NOFOLLOW, which never triggers an automount (each step
 * is a final component) and never follows a symlink (a symlink ends the
 * walk: no explanation rather than a lookup the sandbox aimed). */
static bool host_regular_file(const char *path)
{
	int dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_free char *copy = xstrdup(path);
	char *save = NULL;
	bool regular = false;
	for (char *comp = strtok_r(copy, "/", &save); comp && dir >= 0;
	     comp = strtok_r(NULL, "/", &save)) {
		int next = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		close(dir);
		dir = next;
		struct stat st;
		if (dir < 0 || fstat(dir, &st) < 0)
			break;
		regular = S_ISREG(st.st_mode);
		if (!S_ISDIR(st.st_mode)) {
			regular = regular && !strtok_r(NULL, "/", &save);
			break;
		}
	}
	if (dir >= 0)
		close(dir);
	return regular;
}

/* ---- allowing a held open: a verified open on the host ---------------- */

/* O_PATH fd of the host directory dir, walked one component at a time
 * with O_NOFOLLOW (as host_regular_file): no symlink the sandbox planted
 * is followed. -1 with errno set. */
static int host_dir(const char *dir)
{
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_free char *copy = xstrdup(dir);
	char *save = NULL;
	for (char *comp = strtok_r(copy, "/", &save); comp && fd >= 0;
	     comp = strtok_r(NULL, "/", &save)) {
		if (strcmp(comp, "..") == 0 || strcmp(comp, ".") == 0) {
			close(fd);
			errno = EINVAL;
			return -1;
		}
		int next = openat(fd, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	return fd;
}

/* What the sandbox sees at path, never through a symlink: O_PATH fd. */
static int sandbox_exact(const struct obs_ctx *c, const char *path)
{
	const char *rel = path + strspn(path, "/");
	return sys_openat2(c->root_fd, rel[0] ? rel : ".", O_PATH | O_CLOEXEC | O_NOFOLLOW,
	                   RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

static bool same_inode(int a, int b)
{
	struct stat sa, sb;
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static mode_t umask_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	cleanup_free char *status = NULL;
	mode_t mask = 022;
	if (read_file(path, 1 << 14, &status, NULL) == 0) {
		const char *u = strstr(status, "Umask:");
		if (u)
			mask = (mode_t)strtoul(u + 6, NULL, 8) & 0777;
	}
	return mask;
}

/* The held open of process pid for target, done by the supervisor on the
 * host. A sandbox path of a host bind is the host path, but the sandbox may
 * have swapped components of it, so: the parent is walked on the host with
 * O_NOFOLLOW per component and must be the very directory the sandbox sees
 * at target's parent (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS beneath
 * /proc/PID/root: same device and inode) before anything is opened in it;
 * the leaf is opened with O_NOFOLLOW, must be a regular file, and must again
 * be what the sandbox sees at target before O_TRUNC truncates it. The flags are the process's (never
 * widened: O_CREAT only if it asked, O_EXCL kept); a file created here gets
 * the process's mode and umask and is removed again when a check fails. */
int obs_open_verified(const struct obs_ctx *c, uint64_t notif_id, pid_t pid, const char *target,
                      int flags, unsigned mode, bool *created_out, char *err, size_t errlen)
{
	*created_out = false;
	if (c->root_fd < 0 || target[0] != '/')
		return error_set(err, errlen, "%s: not a path inside the sandbox", target);
	if ((flags & O_PATH) || (flags & __O_TMPFILE) == __O_TMPFILE)
		return error_set(err, errlen, "%s: not an open of a file", target);
	cleanup_free char *copy = xstrdup(target);
	const char *leaf;
	cleanup_free char *parent = split_parent(copy, &leaf);
	if (!parent)
		return error_set(err, errlen, "%s: no file name", target);
	mode_t mask = umask_of(pid);
	if (!still_valid(c, notif_id)) /* the pid may be another process's now */
		return error_set(err, errlen, "the process that asked is gone");
	cleanup_fd int hdir = host_dir(parent);
	if (hdir < 0)
		return error_set(err, errlen, "%s: cannot open on the host: %s", parent,
		                 strerror(errno));
	cleanup_fd int sdir = sandbox_exact(c, parent);
	if (sdir < 0 || !same_inode(hdir, sdir))
		return error_set(err, errlen,
		                 "%s is not the same directory inside the sandbox and on the host",
		                 parent);
	/* Whether this open creates the file decides whether it is removed on a
	 * failed check: without O_EXCL, try the existing file first. */
	int base = (flags & ~(O_CREAT | O_EXCL | O_CLOEXEC | O_NONBLOCK | O_TRUNC)) | O_NOFOLLOW |
	           O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
	bool created = false;
	int fd = -1;
	for (int tries = 0; fd < 0 && tries < 3; tries++) {
		if (!(flags & O_EXCL)) {
			fd = openat(hdir, leaf, base);
			if (fd >= 0 || errno != ENOENT || !(flags & O_CREAT))
				break;
		}
		fd = openat(hdir, leaf, base | O_CREAT | O_EXCL, (mode_t)(mode & 07777 & ~mask));
		created = fd >= 0;
		if (fd >= 0 || errno != EEXIST || (flags & O_EXCL))
			break;
	}
	if (fd < 0)
		return error_set(err, errlen, "%s: %s", target, strerror(errno));
	struct stat st;
	cleanup_fd int seen = -1;
	const char *why = NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if ((seen = sandbox_exact(c, target)) < 0 || !same_inode(fd, seen))
		why = "not the same file inside the sandbox and on the host";
	else if (created && fchmod(fd, (mode_t)(mode & 07777 & ~mask)) < 0)
		why = "cannot set its mode";
	else if ((flags & O_TRUNC) && !created && ftruncate(fd, 0) < 0)
		why = "cannot truncate it"; /* only now that it is known to be the file */
	else if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		why = "cannot set its flags";
	if (why) {
		if (created) {
			struct stat now;
			if (fstatat(hdir, leaf, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
			    now.st_dev == st.st_dev && now.st_ino == st.st_ino)
				unlinkat(hdir, leaf, 0);
		}
		close(fd);
		return error_set(err, errlen, "%s: %s", target, why);
	}
	*created_out = created;
	return fd;
}

void obs_unlink_created(const char *target, int fd)
{
	cleanup_free char *copy = xstrdup(target);
	const char *leaf;
	cleanup_free char *parent = split_parent(copy, &leaf);
	cleanup_fd int hdir = parent ? host_dir(parent) : -1;
	struct stat was, now;
	if (hdir >= 0 && fstat(fd, &was) == 0 &&
	    fstatat(hdir, leaf, &now, AT_SYMLINK_NOFOLLOW) == 0 && was.st_dev == now.st_dev &&
	    was.st_ino == now.st_ino)
		unlinkat(hdir, leaf, 0);
}

static struct obs_record *exec_check(const struct obs_ctx *c, const struct seccomp_notif *n,
                                     const char *sc, const char *abs, int *err)
{
	*err = 0;
	int fd = probe(c, abs, true);
	int probe_err = errno;
	cleanup_free char *norm = policy_normalize_path(abs);
	const struct mount_op *op = covering(c->plan, norm);
	if (fd >= 0) {
		bool masked = op && op->kind == MK_MASK;
		close(fd);
		if (!masked)
			return c->trace ? new_record(n, "exec", sc, false, 0, xstrdup(norm)) : NULL;
		*err = EACCES; /* a masked file: empty, mode 0 */
	} else {
		/* A PATH search misses often (gcc looks for `as` in every PATH
		 * directory). Beneath a bind of the host's own directory at the
		 * same place (nothing changed live), missing inside is missing on
		 * the host: skip the walk there. */
		bool same_dir = op && (op->kind == MK_BIND_RO || op->kind == MK_BIND_RW) &&
		                op->src && strcmp(op->src, op->dst) == 0 && !c->mounts_changed;
		if (probe_err != ENOENT || same_dir || !host_regular_file(norm))
			return NULL; /* not on the host either: a PATH search miss */
		*err = ENOENT;
	}
	struct obs_record *r = new_record(n, "exec", sc, true, *err, xstrdup(norm));
	if (op && op->kind == MK_MASK) {
		r->rule = xasprintf("deny-read=%s", op->dst);
		r->hint = xstrdup("the path is hidden inside the sandbox; deny wins over allow");
	} else if (op && op->kind == MK_TMPFS) {
		r->rule = xasprintf("%s is private inside the sandbox", op->dst);
	} else {
		r->rule = xstrdup("not in allow-read");
		r->flag = xasprintf("--allow-read=%s", norm);
	}
	return r;
}

/* ---- network ---------------------------------------------------------------- */

/* Is something inside the sandbox listening on TCP port? (Its own servers
 * are reachable: that is not leaving the sandbox.) */
static bool tcp_listener(pid_t pid, unsigned port)
{
	static const char *const tables[] = { "tcp", "tcp6" };
	for (size_t t = 0; t < 2; t++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/net/%s", pid, tables[t]);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		char line[512];
		bool found = false;
		while (!found && fgets(line, sizeof line, f)) {
			char local[80];
			unsigned st;
			if (sscanf(line, " %*u: %79s %*s %x", local, &st) != 2 || st != 0x0A)
				continue;
			char *colon = strrchr(local, ':');
			found = colon && strtoul(colon + 1, NULL, 16) == port;
		}
		fclose(f);
		if (found)
			return true;
	}
	return false;
}

static int socket_type(pid_t pid, int fd)
{
	int pidfd = sys_pidfd_open(pid, 0);
	if (pidfd < 0)
		return -1;
	int s = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	if (s < 0)
		return -1;
	int type = -1;
	socklen_t len = sizeof type;
	if (getsockopt(s, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		type = -1;
	close(s);
	return type;
}

static struct obs_record *net_check(const struct obs_ctx *c, const struct seccomp_notif *n,
                                    bool is_bind, int *err)
{
	*err = 0;
	const char *sc = is_bind ? "bind" : "connect";
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	size_t len = n->data.args[2] < sizeof ss ? (size_t)n->data.args[2] : sizeof ss;
	if (len < sizeof(sa_family_t) || read_mem((pid_t)n->pid, n->data.args[1], &ss, len) < 0)
		return NULL;
	char addr[INET6_ADDRSTRLEN + 16];
	unsigned port = 0;
	bool loopback = false;
	if (ss.ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		uint32_t a = ntohl(in->sin_addr.s_addr);
		port = ntohs(in->sin_port);
		loopback = (a >> 24) == 127 || a == 0;
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
		snprintf(addr, sizeof addr, "%s:%u", ip, port);
	} else if (ss.ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		port = ntohs(in6->sin6_port);
		const struct in6_addr *a = &in6->sin6_addr;
		loopback = IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a) ||
		           (IN6_IS_ADDR_V4MAPPED(a) &&
		            (a->s6_addr[12] == 127 || !memcmp(a->s6_addr + 12, "\0\0\0\0", 4)));
		char ip[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, a, ip, sizeof ip);
		snprintf(addr, sizeof addr, "[%s]:%u", ip, port);
	} else if (ss.ss_family == AF_UNIX && c->trace && !is_bind) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;
		size_t plen = len - offsetof(struct sockaddr_un, sun_path);
		if (plen == 0)
			return NULL;
		char path[sizeof un->sun_path + 2];
		if (un->sun_path[0] == '\0')
			snprintf(path, sizeof path, "@%.*s", (int)(plen - 1), un->sun_path + 1);
		else
			snprintf(path, sizeof path, "%.*s", (int)plen, un->sun_path);
		return new_record(n, "connect", sc, false, 0, xasprintf("unix:%s", path));
	} else {
		return NULL; /* AF_UNSPEC (disconnect), unix sockets, netlink: not leaving */
	}
	if (is_bind)
		return c->trace ? new_record(n, "bind", sc, false, 0, xstrdup(addr)) : NULL;
	bool proxy = loopback && port == PROXY_PORT;
	if (proxy || (loopback && tcp_listener((pid_t)n->pid, port)))
		return c->trace ? new_record(n, "connect", sc, false, 0,
		                             xasprintf("%s%s", addr, proxy ? " (proxy)" : "")) :
		                  NULL;
	if (loopback) {
		/* Nothing listens inside: TCP is refused, UDP "connects" fine. */
		if (socket_type((pid_t)n->pid, (int)n->data.args[0]) != SOCK_STREAM)
			return NULL;
		*err = ECONNREFUSED;
	} else {
		*err = ENETUNREACH; /* the sandbox's network has only loopback */
	}
	struct obs_record *r = new_record(n, "connect", sc, true, *err, xstrdup(addr));
	r->rule = xstrdup("no direct network: only the proxy at 127.0.0.1:3128");
	r->flag = xasprintf("--allow-net=%s", addr);
	r->hint = xstrdup("and connect through the proxy (HTTP_PROXY, HTTPS_PROXY and ALL_PROXY "
	                  "point to it)");
	return r;
}

/* ---- dispatch by syscall ------------------------------------------------- */

struct call {
	const char *name;
	int dirfd;     /* for the first path */
	uint64_t path; /* address of the first path, 0 = fd-only */
	int fd;        /* fd-only calls (fchmod): the file */
};

static char *fd_target(pid_t pid, int fd)
{
	char link[64];
	snprintf(link, sizeof link, "/proc/%d/fd/%d", pid, fd);
	char *p = read_link(link);
	if (p && p[0] != '/') {
		free(p);
		return NULL;
	}
	return p;
}

static bool root_known(struct obs_ctx *c, const struct seccomp_notif *n)
{
	if (c->root_fd >= 0)
		return true;
	/* Every process of the sandbox shares one root (chroot, setns and the
	 * mount API are refused), so the first one's serves for all. */
	char path[64];
	snprintf(path, sizeof path, "/proc/%u/root", n->pid);
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (!still_valid(c, n->id)) { /* the pid may name another process now */
		close(fd);
		return false;
	}
	c->root_fd = fd;
	return true;
}

static int flags_of_open(const struct seccomp_notif *n, long nr, bool *known, unsigned *mode)
{
	*known = true;
#ifdef SYS_open
	if (nr == SYS_open) {
		*mode = (unsigned)n->data.args[2];
		return (int)n->data.args[1];
	}
#endif
#ifdef SYS_creat
	if (nr == SYS_creat) {
		*mode = (unsigned)n->data.args[1];
		return O_CREAT | O_WRONLY | O_TRUNC;
	}
#endif
	if (nr == SYS_openat) {
		*mode = (unsigned)n->data.args[3];
		return (int)n->data.args[2];
	}
	struct open_how how;
	memset(&how, 0, sizeof how);
	if (n->data.args[3] < sizeof how ||
	    read_mem((pid_t)n->pid, n->data.args[2], &how, sizeof how) < 0 ||
	    (how.resolve & (RESOLVE_IN_ROOT | RESOLVE_BENEATH)))
		*known = false; /* resolved beneath its dirfd: leave it to the kernel */
	*mode = (unsigned)how.mode;
	return (int)how.flags;
}

int obs_decide(struct obs_ctx *c, const struct seccomp_notif *n, struct seccomp_notif_resp *resp,
               struct obs_record **rec)
{
	resp->id = n->id;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	resp->error = 0;
	resp->val = 0;
	*rec = NULL;
	if (!root_known(c, n))
		return still_valid(c, n->id) ? 0 : -1;
	pid_t pid = (pid_t)n->pid;
	const __u64 *a = n->data.args;
	long nr = n->data.nr;
	int err = 0;
	struct obs_record *r = NULL;
	cleanup_free char *p1 = NULL;
	cleanup_free char *p2 = NULL;
	cleanup_free char *abs1 = NULL;
	cleanup_free char *abs2 = NULL;

#define PATH1(dfd, addr) (p1 = read_str(pid, (addr)), abs1 = absolute(pid, (dfd), p1))
#define PATH2(dfd, addr) (p2 = read_str(pid, (addr)), abs2 = absolute(pid, (dfd), p2))
	if (
#ifdef SYS_open
	        nr == SYS_open ||
#endif
#ifdef SYS_creat
	        nr == SYS_creat ||
#endif
	        nr == SYS_openat || nr == SYS_openat2) {
		bool known;
		unsigned mode = 0;
		int flags = flags_of_open(n, nr, &known, &mode);
		bool at = nr == SYS_openat || nr == SYS_openat2;
		const char *sc = nr == SYS_openat  ? "openat" :
		                 nr == SYS_openat2 ? "openat2"
#ifdef SYS_creat
		                 :
		                 nr == SYS_creat ? "creat"
#endif
		                                   :
		                                   "open";
		if (known && (at ? PATH1((int)a[0], a[1]) : PATH1(AT_FDCWD, a[0]))) {
			int acc = flags & O_ACCMODE;
			bool change = acc != O_RDONLY || (flags & (O_TRUNC | O_CREAT));
			if (change) {
				bool follow = !(flags & O_NOFOLLOW) &&
				              !((flags & O_CREAT) && (flags & O_EXCL));
				r = fs_change(c, n, "write", sc, abs1, CH_WRITE, follow, flags,
				              &err);
				if (r && r->denied) {
					r->is_open = true;
					r->open_flags = flags;
					r->open_mode = mode & 07777;
				}
			} else if (c->trace) {
				int fd = probe(c, abs1, !(flags & O_NOFOLLOW));
				struct stat st;
				if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
					r = new_record(n, "read", sc, false, 0,
					               policy_normalize_path(abs1));
				if (fd >= 0)
					close(fd);
			}
		}
	}
#ifdef SYS_unlink
	else if (nr == SYS_unlink && PATH1(AT_FDCWD, a[0]))
		r = fs_change(c, n, "delete", "unlink", abs1, CH_REMOVE, false, 0, &err);
	else if (nr == SYS_rmdir && PATH1(AT_FDCWD, a[0]))
		r = fs_change(c, n, "delete", "rmdir", abs1, CH_REMOVE, false, 0, &err);
	else if (nr == SYS_mkdir && PATH1(AT_FDCWD, a[0]))
		r = fs_change(c, n, "mkdir", "mkdir", abs1, CH_CREATE, false, 0, &err);
	else if (nr == SYS_mknod && PATH1(AT_FDCWD, a[0]))
		r = fs_change(c, n, "create", "mknod", abs1, CH_CREATE, false, 0, &err);
	else if (nr == SYS_symlink && PATH1(AT_FDCWD, a[1]))
		r = fs_change(c, n, "create", "symlink", abs1, CH_CREATE, false, 0, &err);
	else if (nr == SYS_link && PATH1(AT_FDCWD, a[1]))
		r = fs_change(c, n, "create", "link", abs1, CH_CREATE, false, 0, &err);
	else if (nr == SYS_chmod && PATH1(AT_FDCWD, a[0]))
		r = fs_change(c, n, "chmod", "chmod", abs1, CH_ATTR, true, 0, &err);
	else if (nr == SYS_chown && PATH1(AT_FDCWD, a[0]))
		r = fs_change(c, n, "chown", "chown", abs1, CH_ATTR, true, 0, &err);
	else if (nr == SYS_lchown && PATH1(AT_FDCWD, a[0]))
		r = fs_change(c, n, "chown", "lchown", abs1, CH_ATTR, false, 0, &err);
	else if ((nr == SYS_utime || nr == SYS_utimes) && PATH1(AT_FDCWD, a[0]))
		r = fs_change(c, n, "touch", nr == SYS_utime ? "utime" : "utimes", abs1, CH_ATTR,
		              true, 0, &err);
	else if (nr == SYS_futimesat && PATH1((int)a[0], a[1]))
		r = fs_change(c, n, "touch", "futimesat", abs1, CH_ATTR, true, 0, &err);
	else if (nr == SYS_rename && PATH1(AT_FDCWD, a[0]) && PATH2(AT_FDCWD, a[1])) {
		r = fs_change(c, n, "rename", "rename", abs1, CH_REMOVE, false, 0, &err);
		if (!err) {
			obs_record_free(r);
			r = fs_change(c, n, "rename", "rename", abs2, CH_CREATE, false, 0, &err);
		}
	}
#endif
	else if (nr == SYS_truncate && PATH1(AT_FDCWD, a[0]))
		r = fs_change(c, n, "write", "truncate", abs1, CH_ATTR, true, 0, &err);
	else if (nr == SYS_unlinkat && PATH1((int)a[0], a[1]))
		r = fs_change(c, n, "delete", "unlinkat", abs1, CH_REMOVE, false, 0, &err);
	else if (nr == SYS_mkdirat && PATH1((int)a[0], a[1]))
		r = fs_change(c, n, "mkdir", "mkdirat", abs1, CH_CREATE, false, 0, &err);
	else if (nr == SYS_mknodat && PATH1((int)a[0], a[1]))
		r = fs_change(c, n, "create", "mknodat", abs1, CH_CREATE, false, 0, &err);
	else if (nr == SYS_symlinkat && PATH1((int)a[1], a[2]))
		r = fs_change(c, n, "create", "symlinkat", abs1, CH_CREATE, false, 0, &err);
	else if (nr == SYS_linkat && PATH1((int)a[2], a[3]))
		r = fs_change(c, n, "create", "linkat", abs1, CH_CREATE, false, 0, &err);
	else if ((nr == SYS_renameat || nr == SYS_renameat2) && PATH1((int)a[0], a[1]) &&
	         PATH2((int)a[2], a[3])) {
		const char *sc = nr == SYS_renameat ? "renameat" : "renameat2";
		r = fs_change(c, n, "rename", sc, abs1, CH_REMOVE, false, 0, &err);
		if (!err) {
			obs_record_free(r);
			r = fs_change(c, n, "rename", sc, abs2, CH_CREATE, false, 0, &err);
		}
	} else if ((nr == SYS_fchmodat
#if defined(__x86_64__)
	            || nr == 452
#endif
	            ) &&
	           PATH1((int)a[0], a[1])) {
		bool nofollow = nr != SYS_fchmodat && (a[3] & AT_SYMLINK_NOFOLLOW);
		r = fs_change(c, n, "chmod", nr == SYS_fchmodat ? "fchmodat" : "fchmodat2", abs1,
		              CH_ATTR, !nofollow, 0, &err);
	} else if (nr == SYS_fchownat &&
	           (PATH1((int)a[0], a[1]) ||
	            ((a[4] & AT_EMPTY_PATH) && (abs1 = fd_target(pid, (int)a[0]))))) {
		r = fs_change(c, n, "chown", "fchownat", abs1, CH_ATTR,
		              !(a[4] & AT_SYMLINK_NOFOLLOW), 0, &err);
	} else if (nr == SYS_utimensat && (a[1] ? PATH1((int)a[0], a[1]) != NULL :
	                                          (abs1 = fd_target(pid, (int)a[0])) != NULL)) {
		r = fs_change(c, n, "touch", "utimensat", abs1, CH_ATTR,
		              !(a[3] & AT_SYMLINK_NOFOLLOW), 0, &err);
	} else if (nr == SYS_connect || nr == SYS_bind) {
		r = net_check(c, n, nr == SYS_bind, &err);
	} else if (nr == SYS_execve && PATH1(AT_FDCWD, a[0])) {
		r = exec_check(c, n, "execve", abs1, &err);
	} else if (nr == SYS_execveat &&
	           (PATH1((int)a[0], a[1]) ||
	            ((a[4] & AT_EMPTY_PATH) && (abs1 = fd_target(pid, (int)a[0]))))) {
		r = exec_check(c, n, "execveat", abs1, &err);
	}
#undef PATH1
#undef PATH2
	/* Everything above read the process: is it still the one that asked? */
	if (!still_valid(c, n->id)) {
		obs_record_free(r);
		return -1;
	}
	if (err) {
		resp->flags = 0;
		resp->error = -err;
	}
	*rec = r;
	return 0;
}
