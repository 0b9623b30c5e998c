/* seccomp_builtin: hands out the BPF programs of seccomp_filter.c as they
 * were compiled at build time (builtin_seccomp.c, written by seccomp_gen.c
 * with the same libseccomp), so a start pays for a memfd and one write, not
 * for libseccomp's name resolution and tree compilation. unit_seccomp checks
 * the compiled-in programs against a fresh compile. */
#include "seccomp_filter.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

extern const unsigned char seccomp_builtin_deny[], seccomp_builtin_observe[],
        seccomp_builtin_observe_trace[];
extern const size_t seccomp_builtin_deny_len, seccomp_builtin_observe_len,
        seccomp_builtin_observe_trace_len;

static int memfd_of(const unsigned char *prog, size_t len, char *err, size_t errlen)
{
	int fd = memfd_create("glassbox-seccomp", MFD_CLOEXEC);
	int rc = fd < 0 ? -errno : write_all(fd, prog, len);
	if (rc < 0) {
		if (fd >= 0)
			close(fd);
		return error_set(err, errlen, "seccomp: export: %s", strerror(-rc));
	}
	return fd;
}

int seccomp_filter_export(char *err, size_t errlen)
{
	return memfd_of(seccomp_builtin_deny, seccomp_builtin_deny_len, err, errlen);
}

int seccomp_observe_export(bool trace, char *err, size_t errlen)
{
	if (trace)
		return memfd_of(seccomp_builtin_observe_trace, seccomp_builtin_observe_trace_len, err,
		                errlen);
	return memfd_of(seccomp_builtin_observe, seccomp_builtin_observe_len, err, errlen);
}
