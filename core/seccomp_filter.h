/* seccomp_filter: the syscall filter every process in the sandbox runs under
 * (built with libseccomp, loaded by glassbox-init before the command). */
#ifndef GLASSBOX_SECCOMP_FILTER_H
#define GLASSBOX_SECCOMP_FILTER_H
#include <stdbool.h>
#include <stddef.h>

/* Names of the syscalls answered EPERM, NULL-terminated (for events/docs). */
extern const char *const seccomp_blocked_syscalls[];

/* Builds and loads the filter into the calling thread (sets no_new_privs).
 * Returns 0, or -1 with one line in err. */
int seccomp_filter_load(char *err, size_t errlen);
/* A memfd (O_CLOEXEC) holding the filter's BPF program, for a process that
 * loads it itself; -1 with one line in err. The program was compiled with
 * libseccomp at build time (seccomp_gen.c -> builtin_seccomp.c, see
 * seccomp_builtin.c): compiling it at every start was a quarter of the
 * supervisor's instructions. */
int seccomp_filter_export(char *err, size_t errlen);
/* The observation filter (core/observer.c): SECCOMP_RET_USER_NOTIF for the
 * syscalls that signal intent (opening for write, create, delete, rename,
 * mkdir, chmod/chown, truncate, utimes, mknod, connect, execve; not the
 * calls on an already open fd); with trace
 * also every open and bind. Loaded after the deny filter, whose ERRNO
 * answers win (the kernel takes the most severe action of all filters).
 * Returns a memfd of BPF as seccomp_filter_export does. */
int seccomp_observe_export(bool trace, char *err, size_t errlen);

/* The same two programs compiled now with libseccomp, in a memfd: used by
 * the build-time generator and by the test that checks the compiled-in
 * programs are what this source and libseccomp produce. */
int seccomp_filter_compile(char *err, size_t errlen);
int seccomp_observe_compile(bool trace, char *err, size_t errlen);

#endif
