/* glassbox-init: pid 1 of the sandbox.
 *
 * The supervisor clones us into new user (uid 0 there = the real user), mount,
 * pid, net, ipc and uts namespaces and execs this program with an empty
 * environment, so /proc/1/environ and /proc/1/cmdline show nothing of the
 * host. fd 3 is a socket to the supervisor carrying one JSON line: the plan.
 *
 *   1. capture every host source as a detached mount (open_tree) before
 *      anything is mounted over the old tree;
 *   2. build the new root on a tmpfs: binds (read-only unless allowed), masks,
 *      private /tmp and /run, fresh /proc, a minimal /dev; every target is
 *      resolved inside the new root without following symlinks;
 *   3. pivot_root into it, bring up loopback, set the hostname, chdir;
 *   4. enter a nested user namespace mapping the real uid (so ids look as on
 *      the host and the workload has no capability over the mounts), drop all
 *      capabilities, add the Landlock fence, set no_new_privs and load the
 *      seccomp filter (compiled by the supervisor meanwhile, passed as a memfd
 *      of BPF); then the observation filter, whose listener fd goes back to
 *      the supervisor (core/observer.c);
 *   5. fork the command into its own session, then reap, forward signals and
 *      report its exit; on request start more commands on their own ptys
 *      (the TUI's extra shells) and live until the last one has exited.
 * Everything reported back is one JSON line per message on fd 3.
 *
 * Staging: before step 1 init makes a private copy of the mount namespace
 * (still the host's tree), hands an fd of it to the supervisor and moves on
 * to a fresh copy for the root; nothing inside the sandbox can reach it. It is where the live
 * helper finds a host path the sandbox was never shown (see live_mount.c).
 *
 * Live changes: the mounts built here stay changeable by the supervisor's
 * helper (core/live_mount.c joins the outer user namespace, which owns this
 * mount namespace). So Landlock fences only what mounts cannot — files
 * reached along host paths (fds passed in) — and grants everything within
 * the sandbox's own tree, where the mounts decide; a ruleset mirroring the
 * start-time mounts would keep refusing a write granted live, and a Landlock
 * domain can never be loosened (see apply_landlock). */
#include "jail.h"
#include "jail_internal.h"
#include "sanitize.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#ifndef SECBIT_NOROOT
#define SECBIT_NOROOT (1 << 0)
#define SECBIT_NOROOT_LOCKED (1 << 1)
#define SECBIT_NO_SETUID_FIXUP (1 << 2)
#define SECBIT_NO_SETUID_FIXUP_LOCKED (1 << 3)
#define SECBIT_KEEP_CAPS_LOCKED (1 << 5)
#define SECBIT_NO_CAP_AMBIENT_RAISE (1 << 6)
#define SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED (1 << 7)
#endif

#define SCRATCH "/tmp"
#define NEWROOT SCRATCH "/root"
#define EMPTY_FILE SCRATCH "/empty"

static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom", "tty", NULL};

static bool strict;

/* ---- reporting ---------------------------------------------------------- */

static void send_obj(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	if (s) {
		size_t n = strlen(s);
		s[n] = '\n'; /* replaces the NUL; write n+1 bytes */
		write_all(JAIL_CONTROL_FD, s, n + 1);
		cJSON_free(s);
	}
	cJSON_Delete(o);
}

static _Noreturn void die(const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static _Noreturn void die(const char *hint, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", msg);
	if (hint)
		cJSON_AddStringToObject(o, "hint", hint);
	send_obj(o);
	_exit(125);
}

/* An optional step failed: a warning, or fatal under --strict-sandbox. */
static void weaker(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void weaker(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (strict)
		die("it is optional: run without --strict-sandbox to continue without it", "%s", msg);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "warning", msg);
	send_obj(o);
}

/* ---- plan --------------------------------------------------------------- */

struct plan {
	struct mount_op *ops;
	int *src_fds;
	size_t n_ops;
	uid_t uid;
	gid_t gid;
	char *cwd;
	struct strlist argv, env;
	bool tty;
	bool listener;
	bool tty_fds[3];
	unsigned short rows, cols;
	cJSON *ca_files; /* name -> PEM text, for JAIL_CA_DIR */
};

/* Messages from the supervisor: JSON lines, some carrying an fd. Read with
 * recvmsg so an fd riding on a later message is never dropped. */
static struct {
	char *buf;
	size_t len, cap;
	int fds[4];
	int n_fds;
} rx;

static char *rx_line(void)
{
	for (;;) {
		char *nl = rx.len ? memchr(rx.buf, '\n', rx.len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - rx.buf);
			char *line = xmalloc(n + 1);
			memcpy(line, rx.buf, n);
			line[n] = '\0';
			memmove(rx.buf, nl + 1, rx.len - n - 1);
			rx.len -= n + 1;
			return line;
		}
		if (rx.len + 4096 > rx.cap)
			rx.buf = xrealloc(rx.buf, rx.cap = rx.cap ? rx.cap * 2 : 65536);
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = {.iov_base = rx.buf + rx.len, .iov_len = rx.cap - rx.len};
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
		                     .msg_controllen = sizeof cbuf};
		ssize_t n = recvmsg(JAIL_CONTROL_FD, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(125); /* supervisor gone */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			int fd;
			memcpy(&fd, CMSG_DATA(c), sizeof fd);
			if (rx.n_fds < 4)
				rx.fds[rx.n_fds++] = fd;
			else
				close(fd);
		}
		rx.len += (size_t)n;
	}
}

/* The seccomp filter is compiled by the supervisor while we build the root
 * (libseccomp's compile is the slowest step of start-up) and arrives as a
 * memfd holding the BPF program. */
static void load_filter(void)
{
	char *line = rx_line();
	cJSON *o = cJSON_Parse(line);
	free(line);
	bool ok = o && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "filter")) && rx.n_fds == 1;
	cJSON_Delete(o);
	if (!ok)
		die(NULL, "bad filter message from supervisor");
	int fd = rx.fds[--rx.n_fds];
	char *bpf = NULL;
	size_t len = 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	int r = read_file(path, 1 << 20, &bpf, &len);
	close(fd);
	if (r < 0 || len == 0 || len % sizeof(struct sock_filter))
		die(NULL, "cannot read the seccomp filter: %s", strerror(r < 0 ? -r : EINVAL));
	struct sock_fprog prog = {.len = (unsigned short)(len / sizeof(struct sock_filter)),
	                          .filter = (struct sock_filter *)bpf};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		die(NULL, "cannot load the seccomp filter: %s", strerror(errno));
	free(bpf);
}

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

static void observe_warning(const char *why)
{
	cJSON *o = cJSON_CreateObject();
	char msg[256];
	snprintf(msg, sizeof msg,
	         "denied accesses are not reported: cannot set up seccomp notification (%s); "
	         "the sandbox is enforced as usual",
	         why);
	cJSON_AddStringToObject(o, "warning", msg);
	send_obj(o);
}

/* The observation filter: the second BPF program, answered by the
 * supervisor's observer thread through the listener fd it creates. Loaded
 * last, just before the command is forked, because from here on every
 * trapped syscall of ours would wait for the supervisor: the listener goes
 * to the supervisor first and is closed here before the fork. Observation is
 * not isolation: any failure is a warning, never fatal (even when strict). */
static void load_observer(void)
{
	char *line = rx_line();
	cJSON *o = cJSON_Parse(line);
	free(line);
	bool wanted = o && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "observe"));
	cJSON_Delete(o);
	if (!wanted || rx.n_fds != 1) {
		while (rx.n_fds)
			close(rx.fds[--rx.n_fds]);
		return;
	}
	int fd = rx.fds[--rx.n_fds];
	char *bpf = NULL;
	size_t len = 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	int r = read_file(path, 1 << 20, &bpf, &len);
	close(fd);
	if (r < 0 || len == 0 || len % sizeof(struct sock_filter)) {
		free(bpf);
		observe_warning("bad filter from the supervisor");
		return;
	}
	struct sock_fprog prog = {.len = (unsigned short)(len / sizeof(struct sock_filter)),
	                          .filter = (struct sock_filter *)bpf};
	/* WAIT_KILLABLE_RECV (5.19+): once the supervisor holds a notification,
	 * only a fatal signal interrupts it, so a restarted syscall is not
	 * reported twice. */
	int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	                            SECCOMP_FILTER_FLAG_NEW_LISTENER |
	                                    SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
	                            &prog);
	if (listener < 0 && errno == EINVAL)
		listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		                        SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	int e = errno;
	free(bpf);
	if (listener < 0) {
		observe_warning(strerror(e));
		return;
	}
	if (jail_send_fd(JAIL_CONTROL_FD, "{\"observer\":true}\n", listener) < 0)
		_exit(125);
	close(listener);
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void jlist(const cJSON *o, const char *k, struct strlist *out)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, k)) {
		if (cJSON_IsString(it))
			strlist_push(out, it->valuestring);
	}
}

static enum mount_kind kind_from_name(const char *s)
{
	for (int k = MK_BIND_RO; k <= MK_SYMLINK; k++)
		if (strcmp(mount_kind_name((enum mount_kind)k), s) == 0)
			return (enum mount_kind)k;
	die(NULL, "bad plan: unknown mount kind %s", s);
}

static void parse_plan(const char *text, struct plan *p)
{
	cJSON *o = cJSON_Parse(text);
	if (!o)
		die(NULL, "bad plan from supervisor");
	strict = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "strict"));
	p->uid = (uid_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "uid"));
	p->gid = (gid_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "gid"));
	p->tty = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "tty"));
	p->listener = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "listener"));
	const cJSON *tf = cJSON_GetObjectItemCaseSensitive(o, "tty_fds");
	for (int i = 0; i < 3; i++)
		p->tty_fds[i] = cJSON_IsTrue(cJSON_GetArrayItem(tf, i));
	p->rows = (unsigned short)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "rows"));
	p->cols = (unsigned short)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "cols"));
	const char *cwd = jstr(o, "cwd");
	p->cwd = xstrdup(cwd ? cwd : "/");
	jlist(o, "argv", &p->argv);
	jlist(o, "env", &p->env);
	p->ca_files = cJSON_DetachItemFromObjectCaseSensitive(o, "ca_files");
	if (p->argv.len == 0)
		die(NULL, "bad plan: no command");
	const cJSON *mounts = cJSON_GetObjectItemCaseSensitive(o, "mounts");
	p->n_ops = (size_t)cJSON_GetArraySize(mounts);
	p->ops = xcalloc(p->n_ops, sizeof *p->ops);
	p->src_fds = xcalloc(p->n_ops, sizeof *p->src_fds);
	size_t i = 0;
	const cJSON *m;
	cJSON_ArrayForEach(m, mounts) {
		struct mount_op *op = &p->ops[i];
		const char *kind = jstr(m, "op"), *dst = jstr(m, "dst"), *src = jstr(m, "src");
		if (!kind || !dst || dst[0] != '/')
			die(NULL, "bad plan: mount %zu", i);
		op->kind = kind_from_name(kind);
		op->dst = xstrdup(dst);
		op->src = src ? xstrdup(src) : NULL;
		op->is_dir = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "dir"));
		op->create = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "create"));
		op->mode = (unsigned)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(m, "mode"));
		p->src_fds[i] = -1;
		i++;
	}
	cJSON_Delete(o);
}

/* ---- mounting ----------------------------------------------------------- */

static int clone_tree(const char *src)
{
	return open_tree(AT_FDCWD, src,
	                 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW);
}

static void set_attr(int fd, const char *what, uint64_t set)
{
	struct mount_attr attr = {.attr_set = set};
	if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
		die(NULL, "cannot restrict the mount of %s: %s", what, strerror(errno));
}

/* A new mount of fstype (tmpfs, proc, devpts) as a detached mount fd. */
static int new_fs(const char *fstype, const char *const *opts, uint64_t attrs)
{
	int fs = fsopen(fstype, FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	for (int i = 0; opts && opts[i]; i += 2) {
		if (fsconfig(fs, FSCONFIG_SET_STRING, opts[i], opts[i + 1], 0) < 0) {
			int e = errno;
			close(fs);
			errno = e;
			return -1;
		}
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int e = errno;
		close(fs);
		errno = e;
		return -1;
	}
	int mnt = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned)attrs);
	int e = errno;
	close(fs);
	errno = e;
	return mnt;
}

static const unsigned long long RESOLVE_STRICT =
	RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

/* Opens (creating when allowed) the mountpoint dst inside the new root,
 * never following a symlink. */
static int open_target(int root, const char *dst, bool create, bool is_dir)
{
	const char *rel = dst[1] ? dst + 1 : ".";
	int fd = sys_openat2(root, rel, O_PATH | O_CLOEXEC | O_NOFOLLOW, RESOLVE_STRICT);
	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	/* Walk down, creating missing directories (and the leaf). */
	cleanup_free char *path = xstrdup(rel);
	int dir = dup(root);
	char *save = NULL;
	char *part = strtok_r(path, "/", &save);
	while (part) {
		char *next = strtok_r(NULL, "/", &save);
		bool leaf = next == NULL;
		int r;
		if (!leaf || is_dir)
			r = mkdirat(dir, part, 0755);
		else {
			r = openat(dir, part, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
			if (r >= 0)
				close(r), r = 0;
		}
		if (r < 0 && errno != EEXIST) {
			close(dir);
			return -1;
		}
		int nfd = sys_openat2(dir, part, O_PATH | O_CLOEXEC | O_NOFOLLOW,
		                      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		close(dir);
		if (nfd < 0)
			return -1;
		dir = nfd;
		part = next;
	}
	return dir;
}

static void attach(int mnt, int root, const struct mount_op *op, const char *what)
{
	cleanup_fd int target = open_target(root, op->dst, op->create, op->is_dir);
	if (target < 0)
		die("the path may have changed while the sandbox started; try again",
		    "cannot prepare mountpoint %s for %s: %s", op->dst, what, strerror(errno));
	if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		die(NULL, "cannot mount %s on %s: %s", what, op->dst, strerror(errno));
}

static void do_symlink(int root, const struct mount_op *op)
{
	cleanup_free char *parent = xstrdup(op->dst);
	char *slash = strrchr(parent, '/');
	const char *leaf = slash + 1;
	*slash = '\0';
	struct mount_op pop = {.dst = parent[0] ? parent : "/", .create = true, .is_dir = true};
	cleanup_fd int dir = open_target(root, pop.dst, true, true);
	if (dir < 0)
		die(NULL, "cannot create %s: %s", pop.dst, strerror(errno));
	/* O_PATH dirs can't be used with symlinkat: reopen as a directory. */
	cleanup_fd int real = sys_openat2(dir, ".", O_DIRECTORY | O_CLOEXEC, RESOLVE_BENEATH);
	if (real < 0 || (symlinkat(op->src, real, leaf) < 0 && errno != EEXIST))
		die(NULL, "cannot create symlink %s: %s", op->dst, strerror(errno));
}

static void build_dev(int root, const struct mount_op *op, int *dev_fds)
{
	static const char *const tmpfs_opts[] = {"mode", "0755", "size", "64k", NULL};
	int mnt = new_fs("tmpfs", tmpfs_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		die(NULL, "cannot create /dev: %s", strerror(errno));
	attach(mnt, root, op, "/dev");
	close(mnt);
	cleanup_fd int dev = sys_openat2(root, "dev", O_DIRECTORY | O_CLOEXEC, RESOLVE_STRICT);
	if (dev < 0)
		die(NULL, "cannot open /dev: %s", strerror(errno));
	for (int i = 0; dev_nodes[i]; i++) {
		if (dev_fds[i] < 0)
			continue;
		int f = openat(dev, dev_nodes[i], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
		if (f < 0)
			die(NULL, "cannot create /dev/%s: %s", dev_nodes[i], strerror(errno));
		close(f);
		set_attr(dev_fds[i], dev_nodes[i], MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
		if (move_mount(dev_fds[i], "", dev, dev_nodes[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
			die(NULL, "cannot bind /dev/%s: %s", dev_nodes[i], strerror(errno));
	}
	static const char *const links[][2] = {
		{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
		{"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"}, {"core", "/proc/kcore"},
	};
	for (size_t i = 0; i < sizeof links / sizeof *links; i++)
		if (strcmp(links[i][0], "core") && symlinkat(links[i][1], dev, links[i][0]) < 0)
			die(NULL, "cannot create /dev/%s: %s", links[i][0], strerror(errno));
	if (mkdirat(dev, "pts", 0755) < 0 || mkdirat(dev, "shm", 01777) < 0 ||
	    fchmodat(dev, "shm", 01777, 0) < 0)
		die(NULL, "cannot populate /dev: %s", strerror(errno));

	int pts = -1;
	int fs = fsopen("devpts", FSOPEN_CLOEXEC);
	if (fs >= 0 && fsconfig(fs, FSCONFIG_SET_FLAG, "newinstance", NULL, 0) >= 0 &&
	    fsconfig(fs, FSCONFIG_SET_STRING, "ptmxmode", "0666", 0) >= 0 &&
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0620", 0) >= 0 &&
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) >= 0)
		pts = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	if (fs >= 0)
		close(fs);
	if (pts < 0 || move_mount(pts, "", dev, "pts", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		weaker("cannot mount /dev/pts (%s): no pseudo-terminals inside", strerror(errno));
	if (pts >= 0)
		close(pts);
	static const char *const shm_opts[] = {"mode", "01777", NULL};
	int shm = new_fs("tmpfs", shm_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (shm < 0 || move_mount(shm, "", dev, "shm", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		weaker("cannot mount /dev/shm: %s", strerror(errno));
	if (shm >= 0)
		close(shm);
	/* Nothing else may appear in /dev. */
	cleanup_fd int devm = sys_openat2(root, "dev", O_PATH | O_CLOEXEC, RESOLVE_STRICT);
	struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
	if (devm < 0 || mount_setattr(devm, "", AT_EMPTY_PATH, &ro, sizeof ro) < 0)
		die(NULL, "cannot make /dev read-only: %s", strerror(errno));
}

/* The kernel guards many /proc knobs only by uid, and uid 0 inside is the
 * real root when glassbox runs as root: /proc/sys becomes read-only and the
 * entries that talk to the host kernel are masked (the list Docker uses). */
static void harden_proc(int root)
{
	cleanup_fd int proc = sys_openat2(root, "proc", O_PATH | O_DIRECTORY | O_CLOEXEC,
	                                  RESOLVE_STRICT);
	if (proc < 0)
		die(NULL, "cannot open /proc: %s", strerror(errno));
	static const char *const ro[] = {"sys", "fs", "sysrq-trigger", "irq", "bus", NULL};
	for (int i = 0; ro[i]; i++) {
		int m = open_tree(proc, ro[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (m < 0) {
			if (errno == ENOENT)
				continue;
			die(NULL, "cannot protect /proc/%s: %s", ro[i], strerror(errno));
		}
		set_attr(m, ro[i], MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
		                           MOUNT_ATTR_NOEXEC);
		if (move_mount(m, "", proc, ro[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
			die(NULL, "cannot protect /proc/%s: %s", ro[i], strerror(errno));
		close(m);
	}
	static const char *const masked[] = {"kcore", "keys", "latency_stats", "timer_list",
	                                     "sched_debug", "acpi", "scsi", "asound", NULL};
	for (int i = 0; masked[i]; i++) {
		struct stat st;
		if (fstatat(proc, masked[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		int m;
		if (S_ISDIR(st.st_mode)) {
			static const char *const o[] = {"mode", "0555", "size", "4k", NULL};
			m = new_fs("tmpfs", o, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			                           MOUNT_ATTR_NOEXEC);
		} else {
			m = clone_tree(EMPTY_FILE);
			if (m >= 0)
				set_attr(m, "mask", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				                            MOUNT_ATTR_NOEXEC);
		}
		if (m < 0 || move_mount(m, "", proc, masked[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
			die(NULL, "cannot mask /proc/%s: %s", masked[i], strerror(errno));
		close(m);
	}
}

/* JAIL_CA_DIR: the proxy's CA certificate and the trust bundle, on a
 * tmpfs of their own that is read-only before it is attached. */
static void build_ca_dir(int root, const cJSON *files)
{
	static const char *const o[] = {"mode", "0755", "size", "4m", NULL};
	cleanup_fd int mnt = new_fs("tmpfs", o, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
	                                                MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		die(NULL, "cannot mount tmpfs on %s: %s", JAIL_CA_DIR, strerror(errno));
	const cJSON *f;
	cJSON_ArrayForEach(f, files) {
		if (!cJSON_IsString(f) || !f->string || strchr(f->string, '/') || f->string[0] == '.')
			die(NULL, "bad plan: CA file");
		int fd = openat(mnt, f->string, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
		                0444);
		if (fd < 0 || write_all(fd, f->valuestring, strlen(f->valuestring)) < 0)
			die(NULL, "cannot write %s/%s: %s", JAIL_CA_DIR, f->string, strerror(errno));
		close(fd);
	}
	set_attr(mnt, JAIL_CA_DIR, MOUNT_ATTR_RDONLY);
	struct mount_op op = {.kind = MK_TMPFS, .dst = (char *)JAIL_CA_DIR, .is_dir = true,
	                      .create = true};
	attach(mnt, root, &op, "the CA certificates");
}

/* The staging mount namespace (see the top of the file): init steps into a
 * fresh copy of its namespace, takes an fd of it and steps back (no child:
 * the command stays pid 2). The fd is the only thing that keeps the copy
 * alive; without it, live changes cannot bring in paths the sandbox never
 * saw, and nothing else is lost. */
static void send_staging(void)
{
	int here = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	int staging = -1;
	if (here >= 0 && unshare(CLONE_NEWNS) == 0) {
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
			staging = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
		if (setns(here, CLONE_NEWNS) < 0)
			die(NULL, "cannot return to the sandbox's mount namespace: %s",
			    strerror(errno));
	}
	if (here >= 0)
		close(here);
	if (staging < 0 || jail_send_fd(JAIL_CONTROL_FD, "{\"staging\":true}\n", staging) < 0)
		weaker("no staging mount namespace: paths the sandbox was not started with "
		       "cannot be brought in live");
	if (staging >= 0)
		close(staging);
}

static void build_root(struct plan *p)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die(NULL, "cannot make mounts private: %s", strerror(errno));

	/* 1. Capture every source before anything is mounted over it. */
	int dev_fds[8];
	for (int i = 0; dev_nodes[i]; i++) {
		char path[64];
		snprintf(path, sizeof path, "/dev/%s", dev_nodes[i]);
		dev_fds[i] = clone_tree(path);
	}
	for (size_t i = 0; i < p->n_ops; i++) {
		struct mount_op *op = &p->ops[i];
		if (op->kind != MK_BIND_RO && op->kind != MK_BIND_RW)
			continue;
		p->src_fds[i] = clone_tree(op->src);
		if (p->src_fds[i] < 0)
			die("check that the path exists and is readable",
			    "cannot bind %s: %s", op->src, strerror(errno));
	}

	/* 2. Scratch space and the new root. */
	if (mount("tmpfs", SCRATCH, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700,size=64k") < 0)
		die(NULL, "cannot mount scratch tmpfs: %s", strerror(errno));
	if (mkdir(NEWROOT, 0755) < 0)
		die(NULL, "cannot create new root: %s", strerror(errno));
	int empty = open(EMPTY_FILE, O_CREAT | O_WRONLY | O_CLOEXEC, 0);
	if (empty < 0)
		die(NULL, "cannot create mask file: %s", strerror(errno));
	close(empty);
	if (mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		die(NULL, "cannot mount the new root: %s", strerror(errno));
	cleanup_fd int root = open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		die(NULL, "cannot open the new root: %s", strerror(errno));

	for (size_t i = 0; i < p->n_ops; i++) {
		struct mount_op *op = &p->ops[i];
		int mnt = -1;
		switch (op->kind) {
		case MK_BIND_RO:
		case MK_BIND_RW:
			mnt = p->src_fds[i];
			set_attr(mnt, op->src,
			         MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			                 (op->kind == MK_BIND_RO ? MOUNT_ATTR_RDONLY : 0));
			attach(mnt, root, op, op->src);
			break;
		case MK_MASK:
			if (op->is_dir) {
				static const char *const o[] = {"mode", "0755", "size", "4k", NULL};
				mnt = new_fs("tmpfs", o,
				             MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				                     MOUNT_ATTR_NOEXEC);
			} else {
				mnt = clone_tree(EMPTY_FILE);
				if (mnt >= 0)
					set_attr(mnt, "mask", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					                              MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
			}
			if (mnt < 0)
				die(NULL, "cannot create a mask for %s: %s", op->dst, strerror(errno));
			attach(mnt, root, op, "mask");
			break;
		case MK_TMPFS: {
			char mode[16];
			snprintf(mode, sizeof mode, "%o", op->mode);
			const char *const o[] = {"mode", mode, NULL};
			mnt = new_fs("tmpfs", o, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
			if (mnt < 0)
				die(NULL, "cannot mount tmpfs on %s: %s", op->dst, strerror(errno));
			attach(mnt, root, op, "tmpfs");
			break;
		}
		case MK_PROC:
			mnt = new_fs("proc", NULL,
			             MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
			if (mnt < 0)
				die("the host hides parts of /proc (inside a container?); run glassbox "
				    "on the host or with --no-sandbox",
				    "cannot mount a fresh /proc: %s", strerror(errno));
			attach(mnt, root, op, "proc");
			harden_proc(root);
			break;
		case MK_DEV:
			build_dev(root, op, dev_fds);
			break;
		case MK_SYMLINK:
			do_symlink(root, op);
			break;
		}
		if (mnt >= 0)
			close(mnt);
		if (op->kind == MK_BIND_RO || op->kind == MK_BIND_RW)
			p->src_fds[i] = -1;
	}
	for (int i = 0; dev_nodes[i]; i++)
		if (dev_fds[i] >= 0)
			close(dev_fds[i]);
	if (p->ca_files)
		build_ca_dir(root, p->ca_files);

	/* 3. The root itself is read-only; pivot into it and drop the old tree. */
	struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
	if (mount_setattr(root, "", AT_EMPTY_PATH, &ro, sizeof ro) < 0)
		die(NULL, "cannot make the new root read-only: %s", strerror(errno));
	if (fchdir(root) < 0 || sys_pivot_root(".", ".") < 0)
		die(NULL, "pivot_root failed: %s", strerror(errno));
	if (umount2(".", MNT_DETACH) < 0)
		die(NULL, "cannot detach the old root: %s", strerror(errno));
	if (chdir("/") < 0)
		die(NULL, "chdir /: %s", strerror(errno));
}

/* ---- identity and privileges -------------------------------------------- */

static void loopback_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP | IFF_RUNNING, ioctl(s, SIOCSIFFLAGS, &ifr) < 0))
		weaker("cannot bring up loopback: %s", strerror(errno));
	if (s >= 0)
		close(s);
}

static void map_ids(uid_t uid, gid_t gid)
{
	/* Nested user namespace: inside it the real uid/gid map to our uid 0,
	 * which the outer namespace maps to the real user. The mounts built above
	 * become locked to this less privileged namespace. */
	if (unshare(CLONE_NEWUSER) < 0)
		die(NULL, "cannot create the inner user namespace: %s", strerror(errno));
	char map[64];
	if (write_file_str("/proc/self/setgroups", "deny") < 0)
		die(NULL, "cannot write setgroups: %s", strerror(errno));
	snprintf(map, sizeof map, "%u 0 1\n", (unsigned)uid);
	if (write_file_str("/proc/self/uid_map", map) < 0)
		die(NULL, "cannot write uid_map: %s", strerror(errno));
	snprintf(map, sizeof map, "%u 0 1\n", (unsigned)gid);
	if (write_file_str("/proc/self/gid_map", map) < 0)
		die(NULL, "cannot write gid_map: %s", strerror(errno));
}

static void drop_capabilities(void)
{
	int last = 40;
	char *txt = NULL;
	if (read_file("/proc/sys/kernel/cap_last_cap", 64, &txt, NULL) == 0) {
		last = atoi(txt);
		free(txt);
	}
	for (int c = 0; c <= last; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			die(NULL, "cannot drop capability %d: %s", c, strerror(errno));
	if (prctl(PR_SET_SECUREBITS,
	          SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
	                  SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
	                  SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
	          0, 0, 0) < 0)
		die(NULL, "cannot lock securebits: %s", strerror(errno));
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {{0}};
	if (syscall(SYS_capset, &hdr, data) < 0)
		die(NULL, "cannot drop capabilities: %s", strerror(errno));
}

/* ---- Landlock ------------------------------------------------------------ */

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

#define LL_READ (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_FILE_RIGHTS                                                                         \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |                           \
	 LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)

static void ll_rule(int ruleset, const char *path, uint64_t access, uint64_t handled)
{
	int fd = open(path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (!S_ISDIR(st.st_mode))
		access &= LL_FILE_RIGHTS;
	struct landlock_path_beneath_attr attr = {.allowed_access = access & handled,
	                                          .parent_fd = fd};
	if (attr.allowed_access &&
	    syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) < 0)
		weaker("Landlock rule for %s: %s", path, strerror(errno));
	close(fd);
}

/* A second, path-based fence for what mounts cannot do. An fd passed in from
 * the host (a file given as stdin) lives on the host's mount, and reopening
 * it through /proc/self/fd/N for writing would bypass a read-only bind.
 *
 * Landlock rules attach to inodes and are checked along the path the file is
 * reached by. Everything reached through the sandbox's own tree passes
 * through the root of the new tmpfs — an inode that no host path has — so
 * one rule there grants every right and leaves the decision inside the tree
 * to the mounts (which glassbox can change live: `glassbox ctl` binds a
 * writable clone over a read-only path; a ruleset mirroring the mounts at
 * start would keep refusing it, and a Landlock domain can never be
 * loosened). A passed-in host file is reached along host paths only, where
 * the rules grant reading beneath the readable binds and writing beneath the
 * writable ones, as the mounts did at start. /dev is a read-only mount (see
 * build_dev), so the root rule opens nothing there. */
static void apply_landlock(const struct plan *p)
{
	int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		weaker("Landlock is not available (%s): files passed as stdin/stdout could be "
		       "reopened for writing",
		       strerror(errno));
		return;
	}
	uint64_t handled = LL_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
	                   LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
	                   LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
	                   LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
	                   LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
	if (abi >= 2)
		handled |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		handled |= LANDLOCK_ACCESS_FS_TRUNCATE;
	struct landlock_ruleset_attr ra = {.handled_access_fs = handled};
	int rs = (int)syscall(SYS_landlock_create_ruleset, &ra, sizeof ra, 0);
	if (rs < 0) {
		weaker("cannot create a Landlock ruleset: %s", strerror(errno));
		return;
	}
	ll_rule(rs, "/", handled, handled);
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct mount_op *op = &p->ops[i];
		switch (op->kind) {
		case MK_BIND_RO:
			ll_rule(rs, op->dst, LL_READ, handled);
			break;
		case MK_BIND_RW:
			ll_rule(rs, op->dst, handled, handled);
			break;
		case MK_TMPFS:
		case MK_PROC:
		case MK_DEV:
		case MK_MASK:
		case MK_SYMLINK:
			break; /* no host path reaches these */
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, rs, 0) < 0)
		weaker("cannot enforce the Landlock ruleset: %s", strerror(errno));
	close(rs);
}

/* ---- the way out -------------------------------------------------------- */

/* The only route out of the sandbox: a listener on its loopback, handed to
 * the supervisor, which accepts here and dials out from the host. */
static void open_listener(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(JAIL_PROXY_PORT),
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 1024) < 0)
		die(NULL, "cannot listen on 127.0.0.1:%d inside the sandbox: %s", JAIL_PROXY_PORT,
		    strerror(errno));
	if (jail_send_fd(JAIL_CONTROL_FD, "{\"listener\":true}\n", s) < 0)
		_exit(125);
	close(s);
}

/* ---- the terminal ------------------------------------------------------- */

/* Allocates a pty from the sandbox's own devpts (so ttyname() inside finds
 * /dev/pts/N), sends the master to the supervisor tagged with the shell it
 * belongs to, and returns the slave. */
static int open_pty(unsigned shell, unsigned short rows, unsigned short cols)
{
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	char name[64];
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof name) != 0)
		die("run with stdin redirected from a file or pipe to use pipe mode",
		    "cannot allocate a pseudo-terminal inside the sandbox: %s", strerror(errno));
	int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		die(NULL, "cannot open %s: %s", name, strerror(errno));
	struct winsize ws = {.ws_row = rows, .ws_col = cols};
	if (ws.ws_row && ws.ws_col)
		ioctl(m, TIOCSWINSZ, &ws);
	char line[64];
	snprintf(line, sizeof line, "{\"pty\":true,\"shell\":%u}\n", shell);
	if (jail_send_fd(JAIL_CONTROL_FD, line, m) < 0)
		_exit(125);
	close(m);
	return slave;
}

/* ---- the command -------------------------------------------------------- */

/* "glassbox: CMD: reason" — CMD comes from the user and may hold escapes. */
static void write_err(const char *cmd, const char *reason)
{
	cleanup_free char *safe = sanitize_str(cmd);
	cleanup_free char *line = xasprintf("glassbox: %s: %s\n", safe, reason);
	write_all(2, line, strlen(line));
}

/* Runs argv in its own session; with a pty slave, on the fds marked in
 * tty_fds and as the controlling terminal. */
static _Noreturn void exec_command(const struct plan *p, char **argv, int slave,
                                   const bool tty_fds[3])
{
	/* The supervisor blocks signals it forwards; the command starts clean. */
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (setsid() < 0)
		_exit(125);
	if (slave >= 0) {
		for (int i = 0; i < 3; i++)
			if (tty_fds[i] && dup2(slave, i) < 0)
				_exit(125);
		if (ioctl(slave, TIOCSCTTY, 0) < 0)
			_exit(125);
	}
	close_range(3, ~0U, 0);
	extern char **environ;
	environ = p->env.items ? p->env.items : (char *[]){NULL};
	execvp(argv[0], argv);
	int e = errno;
	write_err(argv[0], e == ENOENT ? "command not found" : strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
                                SIGCONT, SIGALRM};

/* The commands running: shell 0 is the session's command; the supervisor
 * may ask for more (the TUI's extra shells), each on its own pty. The
 * sandbox lives until the last one has exited. */
#define MAX_SHELLS 64
static struct {
	pid_t pid;    /* 0: slot unused or exited */
} shells[MAX_SHELLS];
static int first_status = -1; /* shell 0's exit status, once known */

static void start_shell(const struct plan *p, unsigned id, char **argv, int slave,
                        const bool tty_fds[3])
{
	pid_t child = fork();
	if (child < 0) {
		if (id == 0)
			die(NULL, "cannot start the command: %s", strerror(errno));
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "exit", 126);
		cJSON_AddNumberToObject(o, "signal", 0);
		cJSON_AddNumberToObject(o, "shell", id);
		send_obj(o);
		return;
	}
	if (child == 0)
		exec_command(p, argv, slave, tty_fds);
	if (slave >= 0)
		close(slave);
	shells[id].pid = child;
	cJSON *started = cJSON_CreateObject();
	cJSON_AddNumberToObject(started, "started", child);
	cJSON_AddNumberToObject(started, "shell", id);
	send_obj(started);
}

/* {"spawn":N,"argv":[...],"rows":R,"cols":C}: another command on a new pty. */
static void handle_request(const struct plan *p, const char *line)
{
	cJSON *o = cJSON_Parse(line);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "spawn");
	struct strlist argv = {0};
	jlist(o, "argv", &argv);
	if (cJSON_IsNumber(id) && id->valuedouble >= 1 && id->valuedouble < MAX_SHELLS &&
	    !shells[(int)id->valuedouble].pid && argv.len) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "rows");
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "cols");
		unsigned n = (unsigned)id->valuedouble;
		int slave = open_pty(n, cJSON_IsNumber(r) ? (unsigned short)r->valuedouble : 0,
		                     cJSON_IsNumber(c) ? (unsigned short)c->valuedouble : 0);
		static const bool all[3] = {true, true, true};
		start_shell(p, n, argv.items, slave, all);
	}
	strlist_clear(&argv);
	cJSON_Delete(o);
}

static bool any_shell_running(void)
{
	for (int i = 0; i < MAX_SHELLS; i++)
		if (shells[i].pid)
			return true;
	return false;
}

static void reap(void)
{
	int status;
	pid_t w;
	while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < MAX_SHELLS; i++) {
			if (shells[i].pid != w)
				continue;
			shells[i].pid = 0;
			int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "exit", code);
			cJSON_AddNumberToObject(o, "signal", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
			cJSON_AddNumberToObject(o, "shell", i);
			send_obj(o);
			if (i == 0)
				first_status = code;
		}
	}
}

static _Noreturn void supervise(const struct plan *p, int sfd)
{
	while (any_shell_running()) {
		struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN},
		                        {.fd = JAIL_CONTROL_FD, .events = POLLIN}};
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(125);
		}
		if (fds[1].revents) {
			char *line = rx_line();
			handle_request(p, line);
			free(line);
		}
		struct signalfd_siginfo si;
		if (!(fds[0].revents & POLLIN) || read(sfd, &si, sizeof si) != sizeof si)
			continue;
		if (si.ssi_signo == SIGCHLD) {
			reap();
			continue;
		}
		for (int i = 0; i < MAX_SHELLS; i++)
			if (shells[i].pid && kill(-shells[i].pid, (int)si.ssi_signo) < 0)
				kill(shells[i].pid, (int)si.ssi_signo);
	}
	/* Leaving kills whatever the commands left behind. */
	_exit(first_status >= 0 ? first_status : 125);
}

int main(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	struct plan p = {0};
	char *line = rx_line();
	parse_plan(line, &p);
	free(line);

	send_staging();
	build_root(&p);
	if (sethostname(JAIL_HOSTNAME, strlen(JAIL_HOSTNAME)) < 0)
		weaker("cannot set the hostname: %s", strerror(errno));
	loopback_up();
	if (p.listener)
		open_listener();
	if (chdir(p.cwd) < 0) {
		char hint[600];
		snprintf(hint, sizeof hint, "allow it with --allow-read=%s or choose another -C", p.cwd);
		die(hint, "the working directory %s is not visible inside the sandbox: %s", p.cwd,
		    strerror(errno));
	}
	map_ids(p.uid, p.gid);
	drop_capabilities();
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		die(NULL, "cannot make init non-dumpable: %s", strerror(errno));
	apply_landlock(&p);
	load_filter();

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
		sigaddset(&mask, forwarded[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		die(NULL, "signalfd: %s", strerror(errno));

	int slave = p.tty ? open_pty(0, p.rows, p.cols) : -1;
	load_observer();
	cJSON *ready = cJSON_CreateObject();
	cJSON_AddBoolToObject(ready, "ready", true);
	send_obj(ready);

	start_shell(&p, 0, p.argv.items, slave, p.tty_fds);
	supervise(&p, sfd);
}
