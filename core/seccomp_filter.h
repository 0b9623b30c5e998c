/* seccomp_filter: the syscall filter every process in the sandbox runs under
 * (built with libseccomp, loaded by glassbox-init before the command). */
#ifndef GLASSBOX_SECCOMP_FILTER_H
#define GLASSBOX_SECCOMP_FILTER_H
#include <stddef.h>

/* Names of the syscalls answered EPERM, NULL-terminated (for events/docs). */
extern const char *const seccomp_blocked_syscalls[];

/* Builds and loads the filter into the calling thread (sets no_new_privs).
 * Returns 0, or -1 with one line in err. */
int seccomp_filter_load(char *err, size_t errlen);
/* Builds the filter and returns a memfd (O_CLOEXEC) holding its BPF program,
 * for a process that loads it itself; -1 with one line in err. */
int seccomp_filter_export(char *err, size_t errlen);

#endif
