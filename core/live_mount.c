/* live_mount: the helper that changes mounts inside a running sandbox.
 *
 * Which namespaces: the sandbox's mount namespace is owned by its outer user
 * namespace (the one the supervisor cloned); glassbox-init's own user
 * namespace is a nested one with no power over those mounts. So the helper
 * opens /proc/<init>/ns/mnt, asks it for its owner (NS_GET_USERNS), joins
 * that user namespace first (full capabilities there, as its creator's uid)
 * and then the mount namespace, which sets its root and cwd to the
 * sandbox's root.
 *
 * Why this is allowed and stays safe: the sandbox's mounts were made by init
 * in that same namespace, so none is locked; a clone of one can have its
 * read-only flag cleared. The workload runs in the nested user namespace
 * without capabilities and under seccomp, so it cannot do the same. The
 * helper is single-threaded (setns of a user namespace requires it),
 * non-dumpable, dies with the supervisor, and keeps no fd but the two
 * namespace fds and its result pipe. Paths are resolved inside with
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS): a
 * symlink planted by the sandbox cannot redirect a change.
 *
 * Data flow: live_mount_apply() forks, the child does one change and writes
 * one struct reply to a pipe, the parent reaps it. */
#include "live_mount.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U /* >= 6.8: never reused */
#endif

struct reply {
	int rc; /* 0 or -errno */
	int how;
	uint64_t mnt_id;
	char msg[400];
};

static const unsigned long long RESOLVE_INSIDE = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                                 RESOLVE_NO_MAGICLINKS;

static int fail(struct reply *r, int e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct reply *r, int e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof r->msg, fmt, ap);
	va_end(ap);
	r->rc = -e;
	return -e;
}

static uint64_t mount_id_of(int fd)
{
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID_UNIQUE, &stx) < 0 ||
	    !(stx.stx_mask & (STATX_MNT_ID_UNIQUE | STATX_MNT_ID)))
		return 0;
	return stx.stx_mnt_id;
}

static uint64_t stx_attributes_of(int fd)
{
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, 0, &stx) < 0)
		return 0;
	return stx.stx_attributes & stx.stx_attributes_mask;
}

/* An empty read-only file or directory, as a detached mount. */
static int make_mask(bool dir)
{
	int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "mode", dir ? "0755" : "0700", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		close(fs);
		return -1;
	}
	int mnt = fsmount(fs, FSMOUNT_CLOEXEC,
	                  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
	                          (dir ? MOUNT_ATTR_RDONLY : 0));
	close(fs);
	if (mnt < 0 || dir)
		return mnt;
	int f = openat(mnt, "empty", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0444);
	if (f < 0) {
		close(mnt);
		return -1;
	}
	close(f);
	int file =
	        open_tree(mnt, "empty", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
	close(mnt);
	if (file < 0)
		return -1;
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	if (mount_setattr(file, "", AT_EMPTY_PATH, &ro, sizeof ro) < 0) {
		close(file);
		return -1;
	}
	return file;
}

/* Deny wins: every path of ro_paths strictly below path (under base, an fd
 * of / in this namespace) gets a read-only bind of itself, so a writable
 * clone of path taken afterwards (recursive; only its top made writable)
 * keeps them read-only. Missing ones are skipped (nothing is created). */
static int keep_read_only(int base, const char *path, const struct strlist *ro_paths,
                          unsigned long long resolve, struct reply *r)
{
	for (size_t i = 0; ro_paths && i < ro_paths->len; i++) {
		const char *m = ro_paths->items[i];
		if (!path_under(m, path) || strcmp(m, path) == 0)
			continue;
		cleanup_fd int t = sys_openat2(base, m + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC, resolve);
		if (t < 0 && (errno == ENOENT || errno == ENOTDIR))
			continue;
		struct stat st;
		if (t < 0 || fstat(t, &st) < 0)
			return fail(r, errno, "cannot keep %s read-only inside %s: %s", m, path,
			            strerror(errno));
		if (S_ISLNK(st.st_mode))
			continue; /* a symlink is not written through; its target is canonical */
		struct statvfs sv;
		if (fstatvfs(t, &sv) == 0 && (sv.f_flag & ST_RDONLY) &&
		    (stx_attributes_of(t) & STATX_ATTR_MOUNT_ROOT))
			continue; /* already a read-only mount of its own */
		int ro = open_tree(t, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
		                                  AT_RECURSIVE);
		struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
		                                    MOUNT_ATTR_NODEV };
		int rc = ro < 0 ? -1 : mount_setattr(ro, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a);
		if (rc == 0)
			rc = move_mount(ro, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
		int e = errno;
		if (ro >= 0)
			close(ro);
		if (rc < 0)
			return fail(r, e, "cannot keep %s read-only inside %s: %s", m, path,
			            strerror(e));
	}
	return 0;
}

static int place(int target, int mnt, struct reply *r, const char *path)
{
	if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return fail(r, errno, "cannot mount over %s inside the sandbox: %s", path,
		            strerror(errno));
	r->mnt_id = mount_id_of(mnt);
	return 0;
}

/* target is closed here: an fd of our own on the mount would make it busy. */
static int take_off(int parent, const char *leaf, int *target, uint64_t expect, struct reply *r,
                    const char *path)
{
	if (expect && mount_id_of(*target) != expect)
		return fail(r, ESTALE, "%s is no longer the mount glassbox placed there", path);
	close(steal_fd(target));
	if (fchdir(parent) < 0)
		return fail(r, errno, "cannot enter the parent of %s: %s", path, strerror(errno));
	if (umount2(leaf, UMOUNT_NOFOLLOW) == 0) {
		r->how = LIVE_UNMOUNTED;
		return 0;
	}
	if (errno != EBUSY)
		return fail(r, errno, "cannot unmount %s inside the sandbox: %s", path,
		            strerror(errno));
	/* In use: a read-only flag still ends every write through it. */
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	if (mount_setattr(parent, leaf, AT_SYMLINK_NOFOLLOW | AT_RECURSIVE, &ro, sizeof ro) == 0) {
		r->how = LIVE_MADE_READONLY;
		return 0;
	}
	if (errno != EBUSY)
		return fail(r, errno, "cannot make %s read-only inside the sandbox: %s", path,
		            strerror(errno));
	/* Files are open for writing on it: detach it so that new opens see
	 * the mount beneath; the open writers keep their descriptors. */
	if (umount2(leaf, UMOUNT_NOFOLLOW | MNT_DETACH) < 0)
		return fail(r, errno, "cannot detach %s inside the sandbox: %s", path,
		            strerror(errno));
	r->how = LIVE_DETACHED;
	return 0;
}

static int helper_main(int userns, int mntns, enum live_mount_op op, const char *path,
                       uint64_t expect, const struct strlist *ro_paths, struct reply *r)
{
	if (setns(userns, CLONE_NEWUSER) < 0)
		return fail(r, errno, "cannot join the sandbox's user namespace: %s",
		            strerror(errno));
	if (setns(mntns, CLONE_NEWNS) < 0)
		return fail(r, errno, "cannot join the sandbox's mount namespace: %s",
		            strerror(errno));
	close(userns);
	close(mntns);
	cleanup_fd int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return fail(r, errno, "cannot open the sandbox's root: %s", strerror(errno));
	const char *rel = path + 1;
	cleanup_fd int target =
	        sys_openat2(root, rel, O_PATH | O_NOFOLLOW | O_CLOEXEC, RESOLVE_INSIDE);
	if (target < 0)
		return fail(r, errno, "%s is not visible inside the sandbox (%s)%s", path,
		            strerror(errno),
		            errno == ELOOP || errno == EXDEV ? ": a symlink is in the way" : "");
	struct stat st;
	if (fstat(target, &st) < 0)
		return fail(r, errno, "cannot stat %s inside the sandbox: %s", path,
		            strerror(errno));
	if (S_ISLNK(st.st_mode))
		return fail(r, ELOOP,
		            "%s is not visible inside the sandbox: a symlink is in the way", path);
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return fail(r, EINVAL, "%s is neither a directory nor a regular file", path);

	int mnt = -1;
	struct statfs sfs;
	switch (op) {
	case LIVE_BIND_RW:
	case LIVE_BIND_RO: {
		if (op == LIVE_BIND_RW && S_ISDIR(st.st_mode) &&
		    keep_read_only(root, path, ro_paths, RESOLVE_INSIDE, r) < 0)
			return -1;
		mnt = open_tree(target, "",
		                OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
		if (mnt < 0)
			return fail(r, errno, "cannot clone the mount at %s: %s", path,
			            strerror(errno));
		/* rw: only the top mount; masks and read-only binds beneath stay. */
		struct mount_attr a = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
		if (op == LIVE_BIND_RW)
			a.attr_clr = MOUNT_ATTR_RDONLY;
		else
			a.attr_set |= MOUNT_ATTR_RDONLY;
		if (mount_setattr(mnt, "", AT_EMPTY_PATH | (op == LIVE_BIND_RO ? AT_RECURSIVE : 0),
		                  &a, sizeof a) < 0) {
			int e = errno;
			close(mnt);
			return fail(r, e, "cannot make %s %s: %s", path,
			            op == LIVE_BIND_RW ? "writable" : "read-only",
			            e == EPERM ? "the host mount itself is read-only or locked" :
			                         strerror(e));
		}
		break;
	}
	case LIVE_MASK:
		mnt = make_mask(S_ISDIR(st.st_mode));
		if (mnt < 0)
			return fail(r, errno, "cannot create a mask for %s: %s", path,
			            strerror(errno));
		break;
	case LIVE_UNMASK:
		if (fstatfs(target, &sfs) < 0 || sfs.f_type != TMPFS_MAGIC ||
		    !(stx_attributes_of(target) & STATX_ATTR_MOUNT_ROOT))
			return fail(r, EINVAL, "%s is not masked", path);
		/* fall through */
	case LIVE_UNMOUNT: {
		cleanup_free char *parent_rel = xstrdup(rel);
		char *slash = strrchr(parent_rel, '/');
		const char *leaf = slash ? slash + 1 : parent_rel;
		if (slash)
			*slash = '\0';
		cleanup_fd int parent = sys_openat2(root, slash ? parent_rel : ".",
		                                    O_PATH | O_DIRECTORY | O_CLOEXEC,
		                                    RESOLVE_INSIDE);
		if (parent < 0)
			return fail(r, errno, "cannot open the parent of %s: %s", path,
			            strerror(errno));
		return take_off(parent, leaf, &target, expect, r, path);
	}
	}
	int rc = place(target, mnt, r, path);
	close(mnt);
	return rc;
}

/* In a throwaway copy of the staging namespace: masks over every path of
 * masks below path, then a clone of the host's path with them inside. */
static int clone_from_host(int staging, const char *path, bool writable,
                           const struct strlist *masks, const struct strlist *ro_paths,
                           bool *is_dir, int *host_root, struct reply *r)
{
	if (setns(staging, CLONE_NEWNS) < 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(r, errno, "cannot enter the staging mount namespace: %s",
		            strerror(errno));
	int hroot = *host_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (hroot < 0)
		return fail(r, errno, "cannot open the host's root: %s", strerror(errno));
	const unsigned long long host_resolve =
	        RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	cleanup_fd int src =
	        sys_openat2(hroot, path + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC, host_resolve);
	struct stat st;
	if (src < 0 || fstat(src, &st) < 0)
		return fail(r, errno, "%s cannot be brought in: %s%s", path, strerror(errno),
		            errno == ELOOP || errno == EXDEV ? " (a symlink is on the host path)" :
		                                               "");
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return fail(r, EINVAL, "%s is neither a directory nor a regular file", path);
	*is_dir = S_ISDIR(st.st_mode);
	for (size_t i = 0; masks && i < masks->len; i++) {
		const char *m = masks->items[i];
		if (!path_under(m, path))
			continue;
		cleanup_fd int t =
		        sys_openat2(hroot, m + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC, host_resolve);
		struct stat mst;
		if (t < 0 && (errno == ENOENT || errno == ENOTDIR))
			continue; /* nothing there to hide */
		if (t < 0 || fstat(t, &mst) < 0)
			return fail(r, errno, "cannot hide %s inside %s: %s", m, path,
			            strerror(errno));
		int mask = make_mask(S_ISDIR(mst.st_mode));
		if (mask < 0)
			return fail(r, errno, "cannot create a mask for %s: %s", m, strerror(errno));
		int rc = move_mount(mask, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
		int e = errno;
		close(mask);
		if (rc < 0)
			return fail(r, e, "cannot hide %s inside %s: %s", m, path, strerror(e));
	}
	if (writable && *is_dir && keep_read_only(hroot, path, ro_paths, host_resolve, r) < 0)
		return -1;
	/* Masks placed on path itself would come along: reopen after them. */
	close(steal_fd(&src));
	src = sys_openat2(hroot, path + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC, host_resolve);
	if (src < 0)
		return fail(r, errno, "%s cannot be brought in: %s", path, strerror(errno));
	int mnt = open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (mnt < 0)
		return fail(r, errno, "cannot clone the host's %s: %s", path, strerror(errno));
	/* nosuid and nodev on every mount of the clone; read-only everywhere, or
	 * writable at the top only (masks and deny-write binds stay). */
	struct mount_attr all = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
		                              (writable ? 0 : MOUNT_ATTR_RDONLY) };
	struct mount_attr top = { .attr_clr = MOUNT_ATTR_RDONLY };
	if (mount_setattr(mnt, "", AT_EMPTY_PATH | AT_RECURSIVE, &all, sizeof all) < 0 ||
	    (writable && mount_setattr(mnt, "", AT_EMPTY_PATH, &top, sizeof top) < 0)) {
		int e = errno;
		close(mnt);
		return fail(r, e, "cannot make %s %s: %s", path, writable ? "writable" : "read-only",
		            e == EPERM ? "the host mount itself is read-only or locked" :
		                         strerror(e));
	}
	return mnt;
}

/* Makes the mountpoint for path inside the sandbox: its missing directories
 * (and, for a file, an empty file), only in a tmpfs of the sandbox's own —
 * never where the host's file system shows through (same device as the
 * host's path there, seen through host_root, an fd into the staging tree),
 * so nothing is ever created on the host. The root tmpfs is read-only for
 * the workload and stays so: the mkdirs go through a writable clone of it. */
static int make_mountpoint(int root, int host_root, const char *path, bool is_dir,
                           struct reply *r)
{
	/* Components of path, split in place: comps[0..n). */
	cleanup_free char *rel = xstrdup(path + 1);
	size_t n = 0, cap = 1;
	for (const char *c = rel; *c; c++)
		cap += *c == '/';
	cleanup_free char **comps = xcalloc(cap, sizeof *comps);
	char *save = NULL;
	for (char *c = strtok_r(rel, "/", &save); c; c = strtok_r(NULL, "/", &save))
		comps[n++] = c;
	if (n == 0)
		return fail(r, EINVAL, "%s: nothing to bring in", path);
	/* cur: the deepest directory that exists inside, comps[0..have). */
	cleanup_fd int cur = fcntl(root, F_DUPFD_CLOEXEC, 3);
	size_t have = 0;
	for (; have + 1 < n; have++) {
		int fd = sys_openat2(cur, comps[have],
		                     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, RESOLVE_INSIDE);
		if (fd < 0 && errno == ENOENT)
			break;
		if (fd < 0)
			return fail(r, errno, "cannot reach %s inside the sandbox: %s", path,
			            strerror(errno));
		close(cur);
		cur = fd;
	}
	cleanup_free char *prefix = xstrdup("");
	for (size_t i = 0; i < have; i++) {
		char *p = xasprintf("%s%s%s", prefix, i ? "/" : "", comps[i]);
		free(prefix);
		prefix = p;
	}
	struct statfs sfs;
	struct stat in, host;
	cleanup_fd int hfd = have ? sys_openat2(host_root, prefix, O_PATH | O_NOFOLLOW | O_CLOEXEC,
	                                        RESOLVE_INSIDE) :
	                            fcntl(host_root, F_DUPFD_CLOEXEC, 3);
	if (hfd < 0 || fstat(hfd, &host) < 0 || fstat(cur, &in) < 0 || fstatfs(cur, &sfs) < 0)
		return fail(r, errno, "cannot compare %s with the host's: %s", path,
		            strerror(errno));
	if (sfs.f_type != TMPFS_MAGIC || in.st_dev == host.st_dev)
		return fail(r, EROFS,
		            "%s cannot be brought in live: its parent inside the sandbox is the "
		            "host's directory (restart with --allow-read=%s)",
		            path, path);
	bool ro = (sfs.f_flags & ST_RDONLY) != 0;
	if (ro && mount_id_of(cur) != mount_id_of(root))
		return fail(r, EROFS, "%s cannot be brought in live: its parent inside the sandbox "
		                      "is a read-only mount", path);
	if (ro) {
		/* Write through a private writable clone of the root mount (same
		 * tmpfs): the sandbox's root never turns writable, not even for
		 * the few mkdirs, so the workload cannot race them. */
		cleanup_fd int wroot = open_tree(root, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
		                                                   AT_EMPTY_PATH);
		struct mount_attr rw = { .attr_clr = MOUNT_ATTR_RDONLY };
		if (wroot < 0 || mount_setattr(wroot, "", AT_EMPTY_PATH, &rw, sizeof rw) < 0)
			return fail(r, errno, "cannot make a mountpoint for %s: %s", path,
			            strerror(errno));
		struct stat w;
		int fd = have ? sys_openat2(wroot, prefix, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		                                                   O_CLOEXEC,
		                            RESOLVE_INSIDE | RESOLVE_NO_XDEV) :
		                fcntl(wroot, F_DUPFD_CLOEXEC, 3);
		if (fd < 0 || fstat(fd, &w) < 0 || w.st_dev != in.st_dev || w.st_ino != in.st_ino) {
			int e = fd < 0 ? errno : ESTALE;
			if (fd >= 0)
				close(fd);
			return fail(r, e, "cannot make a mountpoint for %s: %s", path, strerror(e));
		}
		close(cur);
		cur = fd; /* its mount dies with the last fd on it */
	}
	int rc = 0;
	for (size_t i = have; i < n && rc == 0; i++) {
		bool last = i + 1 == n;
		if (!last || is_dir) {
			if (mkdirat(cur, comps[i], 0755) < 0 && errno != EEXIST)
				rc = fail(r, errno, "cannot make a mountpoint for %s: %s", path,
				          strerror(errno));
		} else {
			int f = openat(cur, comps[i],
			               O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (f < 0)
				rc = fail(r, errno, "cannot make a mountpoint for %s: %s", path,
				          strerror(errno));
			else
				close(f);
		}
		if (rc == 0 && !last) {
			int fd = sys_openat2(cur, comps[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
			                     RESOLVE_INSIDE);
			if (fd < 0)
				rc = fail(r, errno, "cannot reach %s inside the sandbox: %s", path,
				          strerror(errno));
			else {
				close(cur);
				cur = fd;
			}
		}
	}
	return rc;
}

static int bring_in_main(int userns, int mntns, int staging, const char *path, bool writable,
                         const struct strlist *masks, const struct strlist *ro_paths,
                         struct reply *r)
{
	if (setns(userns, CLONE_NEWUSER) < 0)
		return fail(r, errno, "cannot join the sandbox's user namespace: %s",
		            strerror(errno));
	bool is_dir = false;
	cleanup_fd int host_root = -1;
	cleanup_fd int mnt = clone_from_host(staging, path, writable, masks, ro_paths, &is_dir,
	                                       &host_root, r);
	if (mnt < 0)
		return -1;
	if (setns(mntns, CLONE_NEWNS) < 0)
		return fail(r, errno, "cannot join the sandbox's mount namespace: %s",
		            strerror(errno));
	cleanup_fd int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return fail(r, errno, "cannot open the sandbox's root: %s", strerror(errno));
	int seen = sys_openat2(root, path + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC, RESOLVE_INSIDE);
	if (seen >= 0) {
		close(seen);
		return fail(r, EEXIST, "%s is already visible inside the sandbox", path);
	}
	if (make_mountpoint(root, host_root, path, is_dir, r) < 0)
		return -1;
	cleanup_fd int target =
	        sys_openat2(root, path + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC, RESOLVE_INSIDE);
	if (target < 0)
		return fail(r, errno, "cannot open the mountpoint %s: %s", path, strerror(errno));
	return place(target, mnt, r, path);
}

/* Closes every fd but keep[0..n) (sorted ascending). */
static void close_all_but(const int *keep, int n)
{
	unsigned lo = 0;
	for (int i = 0; i < n; i++) {
		if ((unsigned)keep[i] > lo)
			close_range(lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	close_range(lo, ~0U, 0);
}

static void sort_fds(int *a, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (a[j] < a[i]) {
				int t = a[i];
				a[i] = a[j];
				a[j] = t;
			}
}

/* One helper run: op on path, or (staging >= 0) bringing path in. */
struct job {
	enum live_mount_op op;
	const char *path;
	uint64_t expect_mnt_id;
	int staging;
	bool writable;
	const struct strlist *masks;
	const struct strlist *ro_paths; /* deny-write: kept read-only under a write grant */
};

static int run_helper(pid_t init_pid, const struct job *job, struct live_mount_result *res,
                      char *err, size_t errlen)
{
	const char *path = job->path;
	memset(res, 0, sizeof *res);
	if (init_pid <= 0) {
		error_set(err, errlen, "the sandbox is not running");
		return -ESRCH;
	}
	if (!path || path[0] != '/' || !path[1]) {
		error_set(err, errlen, "a live change needs an absolute path below /");
		return -EINVAL;
	}
	uint64_t t0 = now_mono_ns();
	char nspath[64];
	snprintf(nspath, sizeof nspath, "/proc/%d/ns/mnt", (int)init_pid);
	cleanup_fd int mntns = open(nspath, O_RDONLY | O_CLOEXEC);
	if (mntns < 0) {
		int e = errno;
		error_set(err, errlen, "cannot open the sandbox's mount namespace: %s",
		          strerror(e));
		return -e;
	}
	cleanup_fd int userns = ioctl(mntns, NS_GET_USERNS);
	if (userns < 0) {
		int e = errno;
		error_set(err, errlen, "cannot find the owner of the sandbox's mounts: %s",
		          strerror(e));
		return -e;
	}
	fcntl(userns, F_SETFD, FD_CLOEXEC);
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		int e = errno;
		error_set(err, errlen, "pipe: %s", strerror(e));
		return -e;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		error_set(err, errlen, "cannot start the mount helper: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		int keep[4] = { userns, mntns, pfd[1], job->staging };
		int n = job->staging >= 0 ? 4 : 3;
		sort_fds(keep, n);
		close_all_but(keep, n);
		struct reply r = { 0 };
		if (job->staging >= 0)
			bring_in_main(userns, mntns, job->staging, path, job->writable, job->masks,
			              job->ro_paths, &r);
		else
			helper_main(userns, mntns, job->op, path, job->expect_mnt_id,
			            job->ro_paths, &r);
		write_all(pfd[1], &r, sizeof r);
		_exit(0);
	}
	close(pfd[1]);
	struct reply r = { 0 };
	ssize_t n = -1;
	/* Mount calls do not block for long; a helper that hangs is killed
	 * rather than freezing the supervisor (and with it the proxy). */
	struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
	int pr;
	while ((pr = poll(&pf, 1, 5000)) < 0 && errno == EINTR)
		;
	if (pr > 0)
		while ((n = read(pfd[0], &r, sizeof r)) < 0 && errno == EINTR)
			;
	else
		kill(pid, SIGKILL);
	close(pfd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	res->ms = (double)(now_mono_ns() - t0) / 1e6;
	if (n != (ssize_t)sizeof r) {
		error_set(err, errlen, "the mount helper %s (%s %d)",
		          pr > 0 ? "died" : "did not finish in 5 s and was killed",
		          WIFSIGNALED(status) ? "signal" : "status",
		          WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		return -EIO;
	}
	r.msg[sizeof r.msg - 1] = '\0';
	if (r.rc < 0) {
		error_set(err, errlen, "%s", r.msg);
		return r.rc;
	}
	res->mnt_id = r.mnt_id;
	res->how = (enum live_unmount_how)r.how;
	return 0;
}

int live_mount_apply(pid_t init_pid, enum live_mount_op op, const char *path,
                     uint64_t expect_mnt_id, const struct strlist *ro_paths,
                     struct live_mount_result *res, char *err, size_t errlen)
{
	struct job job = { .op = op, .path = path, .expect_mnt_id = expect_mnt_id, .staging = -1,
		           .ro_paths = ro_paths };
	return run_helper(init_pid, &job, res, err, errlen);
}

int live_mount_bring_in(pid_t init_pid, int staging_fd, const char *path, bool writable,
                        const struct strlist *masks, const struct strlist *ro_paths,
                        struct live_mount_result *res, char *err, size_t errlen)
{
	if (staging_fd < 0) {
		memset(res, 0, sizeof *res);
		error_set(err, errlen,
		          "%s was not visible when the sandbox started and cannot be brought in "
		          "(no staging namespace); restart with --allow-read=%s",
		          path, path);
		return -ENOTSUP;
	}
	struct job job = { .op = writable ? LIVE_BIND_RW : LIVE_BIND_RO, .path = path,
		           .staging = staging_fd, .writable = writable, .masks = masks,
		           .ro_paths = ro_paths };
	return run_helper(init_pid, &job, res, err, errlen);
}
