/* seccomp_filter: what the sandbox may not ask the kernel.
 *
 * Default allow, with refusals for everything that reaches outside the jail
 * or attacks the kernel's less-travelled paths: namespaces and mounts (the
 * mount layout is the file policy, so it must be immutable), tracing other
 * processes, keyrings, bpf, perf, userfaultfd, io_uring, kernel modules and
 * kexec, terminal input injection (TIOCSTI/TIOCLINUX), personality changes,
 * vsock (not network-namespaced) and every foreign syscall ABI (i386 via
 * int 0x80, x32). clone3 gets ENOSYS so libcs fall back to clone, whose flags
 * the filter can inspect. */
#include "seccomp_filter.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

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

static int fail(char *err, size_t errlen, const char *what, int rc)
{
	snprintf(err, errlen, "seccomp: %s: %s", what, strerror(-rc));
	return -1;
}

int seccomp_filter_load(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return fail(err, errlen, "init", -ENOMEM);
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS));
	if (rc < 0)
		goto out_fail_attr;

	for (int i = 0; seccomp_blocked_syscalls[i]; i++) {
		int nr = seccomp_syscall_resolve_name(seccomp_blocked_syscalls[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not a syscall on this architecture */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (rc < 0 && rc != -EDOM) {
			seccomp_release(ctx);
			return fail(err, errlen, seccomp_blocked_syscalls[i], rc);
		}
	}
	for (size_t i = 0; i < sizeof blocked_by_number / sizeof *blocked_by_number; i++) {
		if (blocked_by_number[i] > 0)
			seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), blocked_by_number[i], 0);
	}

	/* clone: refuse any namespace flag (one rule per bit: MASKED_EQ tests
	 * (arg & mask) == datum). */
	static const unsigned long ns_flags[] = {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID,
	                                         CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS,
	                                         CLONE_NEWCGROUP};
	for (size_t i = 0; i < sizeof ns_flags / sizeof *ns_flags; i++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
		                      SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
		if (rc < 0) {
			seccomp_release(ctx);
			return fail(err, errlen, "clone", rc);
		}
	}
	/* clone3 keeps its flags in a struct the filter cannot read. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc < 0 && rc != -EDOM) {
		seccomp_release(ctx);
		return fail(err, errlen, "clone3", rc);
	}

	/* Terminal injection. The command is 32 bits: compare only those, so
	 * high garbage bits cannot slip past (CVE-2019-10063). */
	static const unsigned long bad_ioctls[] = {TIOCSTI, TIOCLINUX};
	for (size_t i = 0; i < 2; i++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
		                      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, bad_ioctls[i]));
		if (rc < 0) {
			seccomp_release(ctx);
			return fail(err, errlen, "ioctl", rc);
		}
	}

	/* personality: only the query (0xffffffff) and PER_LINUX / PER_LINUX32. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 3,
	                      SCMP_A0(SCMP_CMP_NE, 0), SCMP_A0(SCMP_CMP_NE, 8),
	                      SCMP_A0(SCMP_CMP_NE, 0xffffffffu));
	if (rc < 0) {
		/* Older libseccomp cannot AND comparisons of one argument: keep
		 * only PER_LINUX. */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
		                      SCMP_A0(SCMP_CMP_NE, 0));
		if (rc < 0) {
			seccomp_release(ctx);
			return fail(err, errlen, "personality", rc);
		}
	}

	/* vsock reaches the hypervisor host and ignores network namespaces. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
	                      SCMP_A0(SCMP_CMP_EQ, AF_VSOCK));
	if (rc < 0) {
		seccomp_release(ctx);
		return fail(err, errlen, "socket", rc);
	}

	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		return fail(err, errlen, "load", rc);
	return 0;

out_fail_attr:
	seccomp_release(ctx);
	return fail(err, errlen, "attribute", rc);
}
