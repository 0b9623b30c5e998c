/* util: small helpers shared by every part of glassbox — aborting allocators,
 * cleanup attributes in the bubblewrap style, whole-fd I/O and time. */
#ifndef GLASSBOX_UTIL_H
#define GLASSBOX_UTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void cleanup_freep(void *p) { free(*(void **)p); }
static inline void cleanup_closep(int *fd) { if (*fd >= 0) close(*fd); }
#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_fd __attribute__((cleanup(cleanup_closep)))
static inline void *steal_pointer_impl(void **pp) { void *p = *pp; *pp = NULL; return p; }
#define steal_pointer(pp) steal_pointer_impl((void **)(pp))
static inline int steal_fd(int *fd) { int f = *fd; *fd = -1; return f; }

/* Full writes/reads over short counts and EINTR. Return 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
/* Reads a whole file (at most max bytes) into a NUL-terminated buffer. */
int read_file(const char *path, size_t max, char **out, size_t *out_len);
/* Formats one error line into err and returns -1, for `return error_set(...)`. */
int error_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Monotonic and wall-clock time in nanoseconds. */
uint64_t now_mono_ns(void);
uint64_t now_real_ns(void);
/* Writes a whole short file (procfs knobs like uid_map). Returns 0 or -errno. */
int write_file_str(const char *path, const char *s);
/* Is path dir itself or below it (both absolute and normalised; "/" holds
 * everything)? */
bool path_under(const char *path, const char *dir);

#endif
