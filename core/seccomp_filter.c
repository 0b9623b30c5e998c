/* seccomp_filter: what the sandbox may not ask the kernel.
 *
 * Default allow, with refusals for everything that reaches outside the jail
 * or attacks the kernel's less-travelled paths: namespaces and mounts (the
 * mount layout is the file policy, so it must be immutable), tracing other
 * processes, keyrings, bpf, perf, userfaultfd, io_uring, kernel modules and
 * kexec, terminal input injection (TIOCSTI/TIOCLINUX), personality changes,
 * vsock (not network-namespaced), every foreign syscall ABI (i386 via
 * int 0x80, x32) and setuid/setgid mode bits. clone3 gets ENOSYS so libcs
 * fall back to clone, whose flags the filter can inspect. */
#include "seccomp_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const seccomp_blocked_syscalls[] = {
	"unshare", "setns", "mount", "umount", "umount2", "pivot_root", "chroot",
	"open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
	"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
	"keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"acct", "swapon", "swapoff", "reboot", "syslog", "quotactl", "quotactl_fd",
	"open_by_handle_at", "name_to_handle_at", "lookup_dcookie", "nfsservctl", "uselib",
	"vhangup", "iopl", "ioperm", "fanotify_init", "settimeofday", "clock_settime",
	"stime", NULL,
};

/* Newer than libseccomp 2.5.4's tables: refused by number on x86_64. */
#if defined(__x86_64__)
static const int blocked_by_number[] = {467 /* open_tree_attr */};
#else
static const int blocked_by_number[] = {0};
#endif

/* Adds one rule; on failure records the first error in *rc. libseccomp
 * answers -EDOM for a syscall this architecture does not have: not an error. */
static void rule(scmp_filter_ctx ctx, int *rc, const char **what, const char *name, uint32_t action,
                 int nr, unsigned n_args, const struct scmp_arg_cmp *args)
{
	if (*rc < 0)
		return;
	int r = seccomp_rule_add_array(ctx, action, nr, n_args, args);
	if (r < 0 && r != -EDOM) {
		*rc = r;
		*what = name;
	}
}

static scmp_filter_ctx build(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		snprintf(err, errlen, "seccomp: cannot initialise libseccomp");
		return NULL;
	}
	const char *what = "attribute";
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS));

	for (int i = 0; seccomp_blocked_syscalls[i]; i++) {
		int nr = seccomp_syscall_resolve_name(seccomp_blocked_syscalls[i]);
		if (nr != __NR_SCMP_ERROR)
			rule(ctx, &rc, &what, seccomp_blocked_syscalls[i], SCMP_ACT_ERRNO(EPERM), nr, 0,
			     NULL);
	}
	for (size_t i = 0; i < sizeof blocked_by_number / sizeof *blocked_by_number; i++)
		if (blocked_by_number[i] > 0)
			rule(ctx, &rc, &what, "by number", SCMP_ACT_ERRNO(EPERM), blocked_by_number[i],
			     0, NULL);

	/* clone: refuse any namespace flag (one rule per bit: MASKED_EQ tests
	 * (arg & mask) == datum). */
	static const unsigned long ns_flags[] = {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID,
	                                         CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS,
	                                         CLONE_NEWCGROUP};
	for (size_t i = 0; i < sizeof ns_flags / sizeof *ns_flags; i++) {
		struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]);
		rule(ctx, &rc, &what, "clone", SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, &a);
	}
	/* clone3 keeps its flags in a struct the filter cannot read. */
	rule(ctx, &rc, &what, "clone3", SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0, NULL);

	/* Terminal injection. The command is 32 bits: compare only those, so
	 * high garbage bits cannot slip past (CVE-2019-10063). */
	static const unsigned long bad_ioctls[] = {TIOCSTI, TIOCLINUX};
	for (size_t i = 0; i < 2; i++) {
		struct scmp_arg_cmp a = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, bad_ioctls[i]);
		rule(ctx, &rc, &what, "ioctl", SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1, &a);
	}

	/* personality: only PER_LINUX, as flatpak does (libseccomp 2.5 cannot
	 * AND two comparisons of one argument, so the 0xffffffff query is
	 * refused too; nothing common depends on it). */
	struct scmp_arg_cmp pers = SCMP_A0(SCMP_CMP_NE, 0);
	rule(ctx, &rc, &what, "personality", SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1, &pers);

	/* No setuid/setgid files: one written into a writable host directory
	 * would keep its bits on the host, where nosuid does not apply. One
	 * rule per bit, on every call that sets a mode. */
	static const struct {
		const char *name;
		int nr;
		unsigned arg;
	} mode_calls[] = {
		{"chmod", SCMP_SYS(chmod), 1},   {"fchmod", SCMP_SYS(fchmod), 1},
		{"fchmodat", SCMP_SYS(fchmodat), 2}, {"creat", SCMP_SYS(creat), 1},
		{"open", SCMP_SYS(open), 2},     {"openat", SCMP_SYS(openat), 3},
#if defined(__x86_64__)
		{"fchmodat2", 452, 2},
#endif
	};
	static const unsigned long setid_bits[] = {S_ISUID, S_ISGID};
	for (size_t i = 0; i < sizeof mode_calls / sizeof *mode_calls; i++)
		for (size_t b = 0; b < 2; b++) {
			struct scmp_arg_cmp a = {.arg = mode_calls[i].arg, .op = SCMP_CMP_MASKED_EQ,
			                         .datum_a = setid_bits[b], .datum_b = setid_bits[b]};
			rule(ctx, &rc, &what, mode_calls[i].name, SCMP_ACT_ERRNO(EPERM),
			     mode_calls[i].nr, 1, &a);
		}

	/* vsock reaches the hypervisor host and ignores network namespaces. */
	struct scmp_arg_cmp vsock = SCMP_A0(SCMP_CMP_EQ, AF_VSOCK);
	rule(ctx, &rc, &what, "socket", SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1, &vsock);

	if (rc < 0) {
		snprintf(err, errlen, "seccomp: %s: %s", what, strerror(-rc));
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

int seccomp_filter_load(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = build(err, errlen);
	if (!ctx)
		return -1;
	int rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		snprintf(err, errlen, "seccomp: load: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

static int export_ctx(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	int fd = memfd_create("glassbox-seccomp", MFD_CLOEXEC);
	int rc = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (rc < 0) {
		snprintf(err, errlen, "seccomp: export: %s", strerror(-rc));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int seccomp_filter_compile(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = build(err, errlen);
	return ctx ? export_ctx(ctx, err, errlen) : -1;
}

/* Path syscalls that always change something (their path is read in the
 * supervisor: the filter cannot see strings). */
static const char *const observed_always[] = {
	"creat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat",
	"rmdir", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmodat", "chown",
	"lchown", "fchownat", "truncate", "utime", "utimes", "futimesat", "mknod", "mknodat", "openat2", "connect", "execve", "execveat", NULL,
};

int seccomp_observe_compile(bool trace, char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		snprintf(err, errlen, "seccomp: cannot initialise libseccomp");
		return -1;
	}
	const char *what = "attribute";
	/* Foreign ABIs are refused by the deny filter already. */
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	for (int i = 0; observed_always[i]; i++) {
		int nr = seccomp_syscall_resolve_name(observed_always[i]);
		if (nr != __NR_SCMP_ERROR)
			rule(ctx, &rc, &what, observed_always[i], SCMP_ACT_NOTIFY, nr, 0, NULL);
	}
#if defined(__x86_64__)
	rule(ctx, &rc, &what, "fchmodat2", SCMP_ACT_NOTIFY, 452, 0, NULL);
#endif
	/* Calls on an open fd (fchmod, fchown, futimens = utimensat with no
	 * path) are not trapped: the fd was opened, and checked, before; they
	 * are frequent (tar x sets the time of every file) and rarely denied. */
	struct scmp_arg_cmp has_path = SCMP_A1(SCMP_CMP_NE, 0);
	rule(ctx, &rc, &what, "utimensat", SCMP_ACT_NOTIFY, SCMP_SYS(utimensat), 1, &has_path);
	if (trace) {
		rule(ctx, &rc, &what, "open", SCMP_ACT_NOTIFY, SCMP_SYS(open), 0, NULL);
		rule(ctx, &rc, &what, "openat", SCMP_ACT_NOTIFY, SCMP_SYS(openat), 0, NULL);
		rule(ctx, &rc, &what, "bind", SCMP_ACT_NOTIFY, SCMP_SYS(bind), 0, NULL);
	} else {
		/* Plain reads never trap: one rule per bit of "opened to change". */
		static const unsigned long write_bits[] = {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC};
		for (size_t b = 0; b < sizeof write_bits / sizeof *write_bits; b++) {
			struct scmp_arg_cmp a1 = SCMP_A1(SCMP_CMP_MASKED_EQ, write_bits[b], write_bits[b]);
			struct scmp_arg_cmp a2 = SCMP_A2(SCMP_CMP_MASKED_EQ, write_bits[b], write_bits[b]);
			rule(ctx, &rc, &what, "open", SCMP_ACT_NOTIFY, SCMP_SYS(open), 1, &a1);
			rule(ctx, &rc, &what, "openat", SCMP_ACT_NOTIFY, SCMP_SYS(openat), 1, &a2);
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "seccomp: %s: %s", what, strerror(-rc));
		seccomp_release(ctx);
		return -1;
	}
	return export_ctx(ctx, err, errlen);
}
