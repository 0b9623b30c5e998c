/* gb-probe: one escape attempt per subcommand, for the security tests.
 *
 *   gb-probe ATTEMPT [ARGS...]
 *
 * Prints one line, "BLOCKED <attempt>: <how>" or "ESCAPED <attempt>: <how>",
 * and exits 0 when the attempt was refused, 1 when it succeeded, 2 on a usage
 * error. The same attempt is run outside the sandbox too (positive control):
 * there it must print ESCAPED, which proves the probe can see success.
 * Plain libc and raw syscalls only, so it runs in any jail. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <termios.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>
#include <linux/vm_sockets.h>

static const char *attempt;

static int blocked(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int escaped(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#include <stdarg.h>
#define ENOIOCTLCMD_FALLBACK ENOTTY
static int blocked(const char *fmt, ...)
{
	va_list ap;
	printf("BLOCKED %s: ", attempt);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return 0;
}

static int escaped(const char *fmt, ...)
{
	va_list ap;
	printf("ESCAPED %s: ", attempt);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return 1;
}

/* Result of a syscall that returns -1/errno on refusal. */
static int verdict(long rc, const char *what)
{
	if (rc < 0)
		return blocked("%s: %s (errno %d)", what, strerror(errno), errno);
	return escaped("%s returned %ld", what, rc);
}

static int need(int argc, int n)
{
	if (argc < n) {
		fprintf(stderr, "gb-probe %s: missing argument\n", attempt);
		exit(2);
	}
	return 0;
}

/* Forks a child that stops itself; returns its pid (stopped with SIGSTOP
 * unless traceme). */
static pid_t sleeper(void)
{
	pid_t p = fork();
	if (p == 0) {
		for (;;)
			pause();
	}
	return p;
}

static void reap(pid_t p)
{
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
}

static int do_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return blocked("open(%s, O_WRONLY|O_CREAT): %s (errno %d)", path, strerror(errno), errno);
	if (write(fd, "gb-probe\n", 9) != 9) {
		int e = errno;
		close(fd);
		return blocked("write(%s): %s (errno %d)", path, strerror(e), e);
	}
	close(fd);
	return escaped("wrote %s", path);
}

static int do_append(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0)
		return blocked("open(%s, O_WRONLY|O_APPEND): %s (errno %d)", path, strerror(errno), errno);
	if (write(fd, "gb-probe\n", 9) != 9) {
		int e = errno;
		close(fd);
		return blocked("write(%s): %s (errno %d)", path, strerror(e), e);
	}
	close(fd);
	return escaped("appended to %s", path);
}

/* read PATH: escaped when the file opens and has content (a masked file is
 * absent, unreadable or empty). */
static int do_read(const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return blocked("open(%s): %s (errno %d)", path, strerror(errno), errno);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return blocked("read(%s): %s (errno %d)", path, strerror(e), e);
	if (n == 0)
		return blocked("%s is empty", path);
	buf[n] = 0;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\n' || buf[i] < ' ')
			buf[i] = ' ';
	return escaped("read %zd bytes of %s: %.60s", n, path, buf);
}

static int do_mkdir(const char *path)
{
	return verdict(mkdir(path, 0755), "mkdir");
}

static int do_link(const char *from, const char *to)
{
	return verdict(link(from, to), "link");
}

static int do_rename(const char *from, const char *to)
{
	return verdict(rename(from, to), "rename");
}

static int do_mount(const char *dir)
{
	return verdict(mount("gbprobe", dir, "tmpfs", 0, "size=1m"), "mount(tmpfs)");
}

static int do_fsopen(void)
{
	return verdict(syscall(SYS_fsopen, "tmpfs", 0), "fsopen(tmpfs)");
}

static int do_open_tree(void)
{
	return verdict(syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* OPEN_TREE_CLONE */ | AT_RECURSIVE), "open_tree(/, CLONE)");
}

static int do_unshare(int flags, const char *what)
{
	return verdict(unshare(flags), what);
}

static int do_clone_user(void)
{
	long rc = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
	if (rc == 0)
		_exit(0);
	if (rc > 0)
		waitpid((pid_t)rc, NULL, 0);
	return verdict(rc, "clone(CLONE_NEWUSER)");
}

static int do_setns(const char *nspath)
{
	int fd = open(nspath, O_RDONLY);
	if (fd < 0)
		return blocked("open(%s): %s (errno %d)", nspath, strerror(errno), errno);
	return verdict(setns(fd, 0), "setns");
}

static int do_pivot_root(void)
{
	if (chdir("/") < 0)
		return blocked("chdir: %s", strerror(errno));
	long rc = syscall(SYS_pivot_root, ".", ".");
	if (rc < 0 && (errno == EINVAL || errno == EBUSY))
		return escaped("pivot_root reached the kernel's checks (%s)", strerror(errno));
	return verdict(rc, "pivot_root(., .)");
}

static int do_chroot(void)
{
	return verdict(chroot("/"), "chroot(/)");
}

static int do_ptrace_attach(void)
{
	pid_t p = sleeper();
	if (p < 0)
		return blocked("fork: %s", strerror(errno));
	long rc = ptrace(PTRACE_ATTACH, p, NULL, NULL);
	int e = errno;
	reap(p);
	errno = e;
	return verdict(rc, "ptrace(PTRACE_ATTACH, child)");
}

/* The child asks to be traced; the parent then tries to read its memory. */
static int do_ptrace_traceme(void)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		return blocked("pipe");
	pid_t p = fork();
	if (p == 0) {
		long rc = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		int e = errno;
		char r = rc == 0 ? 'y' : (char)e;
		(void)!write(pfd[1], &r, 1);
		if (rc == 0)
			raise(SIGSTOP);
		_exit(0);
	}
	char r = 0;
	(void)!read(pfd[0], &r, 1);
	if (r != 'y') {
		waitpid(p, NULL, 0);
		return blocked("PTRACE_TRACEME in child: %s (errno %d)", strerror(r), r);
	}
	int st;
	waitpid(p, &st, WUNTRACED);
	errno = 0;
	long word = ptrace(PTRACE_PEEKDATA, p, (void *)&attempt, NULL);
	int e = errno;
	reap(p);
	if (e)
		return blocked("TRACEME ok but PEEKDATA: %s (errno %d)", strerror(e), e);
	return escaped("traced child, PEEKDATA gave %lx", word);
}

static int do_process_vm_readv(void)
{
	static char secret[16] = "gb-probe-secret";
	pid_t p = sleeper();
	char buf[16] = {0};
	struct iovec local = {buf, sizeof buf}, remote = {secret, sizeof secret};
	ssize_t rc = process_vm_readv(p, &local, 1, &remote, 1, 0);
	int e = errno;
	reap(p);
	errno = e;
	return verdict(rc, "process_vm_readv(child)");
}

static int do_proc_mem(const char *pidstr)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%s/mem", pidstr);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return blocked("open(%s): %s (errno %d)", path, strerror(errno), errno);
	close(fd);
	return escaped("opened %s", path);
}

static int do_keyctl(void)
{
	/* KEYCTL_GET_KEYRING_ID (0), KEY_SPEC_SESSION_KEYRING (-3), create */
	return verdict(syscall(SYS_keyctl, 0, -3, 1), "keyctl(GET_KEYRING_ID)");
}

static int do_add_key(void)
{
	/* KEY_SPEC_PROCESS_KEYRING = -2 */
	return verdict(syscall(SYS_add_key, "user", "gb-probe", "x", 1, -2), "add_key(user)");
}

static int do_request_key(void)
{
	long rc = syscall(SYS_request_key, "user", "gb-probe-none", NULL, 0);
	if (rc < 0 && errno == ENOKEY)
		return escaped("request_key reached the keyring (ENOKEY)");
	return verdict(rc, "request_key");
}

static int do_bpf(void)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	return verdict(syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof a), "bpf(BPF_MAP_CREATE)");
}

static int do_perf(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof a;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	return verdict(syscall(SYS_perf_event_open, &a, 0, -1, -1, 0), "perf_event_open(self)");
}

static int do_userfaultfd(void)
{
	return verdict(syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY), "userfaultfd");
}

static int do_io_uring(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	return verdict(syscall(SYS_io_uring_setup, 4, &p), "io_uring_setup");
}

static int do_kexec(void)
{
	/* nr_segments 0 with KEXEC_ON_CRASH|... would unload; use an invalid
	 * flag so even a success path changes nothing. */
	long rc = syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0xdead0000UL);
	if (rc < 0 && errno == EINVAL)
		return escaped("kexec_load reached argument checks (EINVAL)");
	return verdict(rc, "kexec_load");
}

static int do_init_module(void)
{
	long rc = syscall(SYS_init_module, NULL, 0UL, "");
	if (rc < 0 && (errno == EFAULT || errno == EINVAL || errno == ENOEXEC))
		return escaped("init_module reached argument checks (%s)", strerror(errno));
	return verdict(rc, "init_module");
}

static int do_finit_module(void)
{
	long rc = syscall(SYS_finit_module, -1, "", 0);
	if (rc < 0 && (errno == EBADF || errno == EINVAL))
		return escaped("finit_module reached argument checks (%s)", strerror(errno));
	return verdict(rc, "finit_module");
}

static int do_personality(void)
{
	int cur = personality(0xffffffff);
	int rc = personality((unsigned long)cur | ADDR_NO_RANDOMIZE);
	if (rc < 0)
		return blocked("personality(ADDR_NO_RANDOMIZE): %s (errno %d)", strerror(errno), errno);
	int now = personality(0xffffffff);
	if (now & ADDR_NO_RANDOMIZE)
		return escaped("personality now %#x", now);
	return blocked("personality unchanged (%#x)", now);
}

static int do_tiocsti(const char *fdstr)
{
	int fd = atoi(fdstr);
	if (!isatty(fd))
		return blocked("fd %d is not a terminal (nothing to inject into)", fd);
	char c = '#';
	return verdict(ioctl(fd, TIOCSTI, &c), "ioctl(TIOCSTI)");
}

static int do_tiocsti_devtty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return blocked("open(/dev/tty): %s", strerror(errno));
	char c = '#';
	return verdict(ioctl(fd, TIOCSTI, &c), "ioctl(/dev/tty, TIOCSTI)");
}

/* TIOCLINUX only works on a virtual console; the seccomp filter must refuse
 * it with EPERM before the tty layer answers ENOTTY/EINVAL. */
static int do_tioclinux(const char *fdstr)
{
	int fd = atoi(fdstr);
	char sub = 6; /* TIOCL_GETFGCONSOLE... harmless query */
	long rc = ioctl(fd, TIOCLINUX, &sub);
	if (rc < 0 && (errno == ENOTTY || errno == EINVAL || errno == ENOIOCTLCMD_FALLBACK))
		return escaped("ioctl(TIOCLINUX) reached the tty layer (%s, errno %d)", strerror(errno), errno);
	return verdict(rc, "ioctl(TIOCLINUX)");
}

static int do_int80(void)
{
	pid_t p = fork();
	if (p == 0) {
		long ret;
		/* i386 getpid is 20 */
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
		printf("int80 returned %ld (getpid %d)\n", ret, (int)getpid());
		fflush(stdout);
		_exit(ret == getpid() ? 1 : 0);
	}
	int st;
	waitpid(p, &st, 0);
	if (WIFSIGNALED(st))
		return blocked("child killed by signal %d", WTERMSIG(st));
	if (WEXITSTATUS(st) == 1)
		return escaped("int $0x80 getpid returned the pid");
	return blocked("int $0x80 getpid did not return the pid");
}

/* clone3 must answer ENOSYS (so libcs fall back to clone). */
static int do_clone3(void)
{
	uint64_t args[11];
	memset(args, 0, sizeof args);
	args[4] = SIGCHLD; /* exit_signal */
	long rc = syscall(SYS_clone3, args, 88);
	if (rc == 0)
		_exit(0);
	if (rc > 0) {
		waitpid((pid_t)rc, NULL, 0);
		return escaped("clone3 created pid %ld", rc);
	}
	if (errno == ENOSYS)
		return blocked("clone3: ENOSYS");
	return escaped("clone3 failed with %s (errno %d), not ENOSYS", strerror(errno), errno);
}

static int do_fork(void)
{
	pid_t p = fork();
	if (p < 0)
		return blocked("fork: %s", strerror(errno));
	if (p == 0)
		_exit(7);
	int st;
	waitpid(p, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 7)
		return escaped("fork works (child exited 7)");
	return blocked("fork child status %#x", st);
}

static int do_unix_connect(const char *path)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0)
		return blocked("socket(AF_UNIX): %s", strerror(errno));
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	socklen_t len = sizeof a;
	if (path[0] == '@') { /* abstract name */
		size_t n = strlen(path + 1);
		if (n > sizeof a.sun_path - 1)
			n = sizeof a.sun_path - 1;
		memcpy(a.sun_path + 1, path + 1, n);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	} else {
		snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	}
	return verdict(connect(s, (struct sockaddr *)&a, len), "connect(unix)");
}

static int do_tcp_connect(const char *host, const char *port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return blocked("socket(AF_INET): %s", strerror(errno));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
	inet_pton(AF_INET, host, &a.sin_addr);
	return verdict(connect(s, (struct sockaddr *)&a, sizeof a), "connect(tcp)");
}

static int do_vsock(void)
{
	int s = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (s < 0)
		return blocked("socket(AF_VSOCK): %s (errno %d)", strerror(errno), errno);
	struct sockaddr_vm a = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_HOST, .svm_port = 1};
	if (connect(s, (struct sockaddr *)&a, sizeof a) < 0)
		return escaped("socket(AF_VSOCK) created (connect: %s)", strerror(errno));
	return escaped("socket(AF_VSOCK) connected to the host");
}

/* fds: only 0,1,2 may be open (plus the directory stream itself). */
static int do_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return escaped("cannot list /proc/self/fd: %s", strerror(errno));
	int self = dirfd(d), extra = 0;
	char list[512] = "";
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		if (fd == self)
			continue;
		char l[32];
		snprintf(l, sizeof l, " %d", fd);
		strncat(list, l, sizeof list - strlen(list) - 1);
		if (fd > 2)
			extra++;
	}
	closedir(d);
	if (extra)
		return escaped("extra fds open:%s", list);
	return blocked("only fds:%s", list);
}

/* open_by_handle_at ("shocker"): reach a file by handle past the mount view. */
static int do_open_by_handle(const char *path)
{
	struct {
		struct file_handle h;
		unsigned char buf[128];
	} fh;
	int mnt;
	fh.h.handle_bytes = 128;
	if (name_to_handle_at(AT_FDCWD, path, &fh.h, &mnt, 0) < 0)
		return blocked("name_to_handle_at(%s): %s (errno %d)", path, strerror(errno), errno);
	int mfd = open("/", O_RDONLY | O_DIRECTORY);
	return verdict(open_by_handle_at(mfd, &fh.h, O_RDONLY), "open_by_handle_at");
}

/* Host pids visible? escaped when /proc/PID exists. */
static int do_see_pid(const char *pidstr)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%s", pidstr);
	if (stat(path, &st) < 0)
		return blocked("%s: %s", path, strerror(errno));
	return escaped("%s exists", path);
}

/* kill(PID, 0): can we signal a host process? */
static int do_kill(const char *pidstr)
{
	return verdict(kill(atoi(pidstr), 0), "kill(pid, 0)");
}

static int do_setuid0(void)
{
	if (getuid() == 0 && geteuid() == 0) {
		/* already uid 0: try something only real root can do */
		return verdict(setgroups(0, NULL), "setgroups");
	}
	return verdict(setuid(0), "setuid(0)");
}

static int do_chmod(const char *path)
{
	return verdict(chmod(path, 0777), "chmod");
}

static int do_truncate(const char *path)
{
	return verdict(truncate(path, 0), "truncate");
}

static int do_unlink(const char *path)
{
	return verdict(unlink(path), "unlink");
}

static int do_symlink_write(const char *dir, const char *target)
{
	char link_path[4096];
	snprintf(link_path, sizeof link_path, "%s/gb-probe-link", dir);
	unlink(link_path);
	if (symlink(target, link_path) < 0)
		return blocked("symlink in %s: %s", dir, strerror(errno));
	return do_append(link_path);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: gb-probe ATTEMPT [ARGS]\n");
		return 2;
	}
	attempt = argv[1];
	const char *a = argv[1];
#define IS(x) (strcmp(a, x) == 0)
	if (IS("write")) return need(argc, 3), do_write(argv[2]);
	if (IS("append")) return need(argc, 3), do_append(argv[2]);
	if (IS("read")) return need(argc, 3), do_read(argv[2]);
	if (IS("mkdir")) return need(argc, 3), do_mkdir(argv[2]);
	if (IS("link")) return need(argc, 4), do_link(argv[2], argv[3]);
	if (IS("rename")) return need(argc, 4), do_rename(argv[2], argv[3]);
	if (IS("symlink-write")) return need(argc, 4), do_symlink_write(argv[2], argv[3]);
	if (IS("chmod")) return need(argc, 3), do_chmod(argv[2]);
	if (IS("truncate")) return need(argc, 3), do_truncate(argv[2]);
	if (IS("unlink")) return need(argc, 3), do_unlink(argv[2]);
	if (IS("mount")) return need(argc, 3), do_mount(argv[2]);
	if (IS("fsopen")) return do_fsopen();
	if (IS("open-tree")) return do_open_tree();
	if (IS("unshare-user")) return do_unshare(CLONE_NEWUSER, "unshare(CLONE_NEWUSER)");
	if (IS("unshare-ns")) return do_unshare(CLONE_NEWNS, "unshare(CLONE_NEWNS)");
	if (IS("unshare-net")) return do_unshare(CLONE_NEWNET, "unshare(CLONE_NEWNET)");
	if (IS("clone-user")) return do_clone_user();
	if (IS("setns")) return need(argc, 3), do_setns(argv[2]);
	if (IS("pivot-root")) return do_pivot_root();
	if (IS("chroot")) return do_chroot();
	if (IS("ptrace-attach")) return do_ptrace_attach();
	if (IS("ptrace-traceme")) return do_ptrace_traceme();
	if (IS("process-vm-readv")) return do_process_vm_readv();
	if (IS("proc-mem")) return need(argc, 3), do_proc_mem(argv[2]);
	if (IS("keyctl")) return do_keyctl();
	if (IS("add-key")) return do_add_key();
	if (IS("request-key")) return do_request_key();
	if (IS("bpf")) return do_bpf();
	if (IS("perf-event-open")) return do_perf();
	if (IS("userfaultfd")) return do_userfaultfd();
	if (IS("io-uring-setup")) return do_io_uring();
	if (IS("kexec-load")) return do_kexec();
	if (IS("init-module")) return do_init_module();
	if (IS("finit-module")) return do_finit_module();
	if (IS("personality")) return do_personality();
	if (IS("tiocsti")) return need(argc, 3), do_tiocsti(argv[2]);
	if (IS("tiocsti-devtty")) return do_tiocsti_devtty();
	if (IS("tioclinux")) return need(argc, 3), do_tioclinux(argv[2]);
	if (IS("int80")) return do_int80();
	if (IS("clone3")) return do_clone3();
	if (IS("fork")) return do_fork();
	if (IS("unix-connect")) return need(argc, 3), do_unix_connect(argv[2]);
	if (IS("tcp-connect")) return need(argc, 4), do_tcp_connect(argv[2], argv[3]);
	if (IS("vsock")) return do_vsock();
	if (IS("fds")) return do_fds();
	if (IS("open-by-handle")) return need(argc, 3), do_open_by_handle(argv[2]);
	if (IS("see-pid")) return need(argc, 3), do_see_pid(argv[2]);
	if (IS("kill")) return need(argc, 3), do_kill(argv[2]);
	if (IS("setuid0")) return do_setuid0();
	fprintf(stderr, "gb-probe: unknown attempt %s\n", a);
	return 2;
}
