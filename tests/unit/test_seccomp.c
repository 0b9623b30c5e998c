/* Unit tests for core/seccomp_builtin.c: the BPF programs compiled into the
 * binary at build time are byte for byte what seccomp_filter.c and the
 * installed libseccomp compile now, so the build-time step cannot ship a
 * stale or different filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seccomp_filter.h"

/* The whole content of a memfd; closes it. */
static unsigned char *slurp(int fd, size_t *len)
{
	assert_true(fd >= 0);
	struct stat sb;
	assert_int_equal(fstat(fd, &sb), 0);
	*len = (size_t)sb.st_size;
	unsigned char *buf = malloc(*len + 1);
	assert_int_equal(pread(fd, buf, *len, 0), (ssize_t)*len);
	close(fd);
	return buf;
}

static void same_program(int builtin_fd, int compiled_fd)
{
	size_t a_len, b_len;
	unsigned char *a = slurp(builtin_fd, &a_len);
	unsigned char *b = slurp(compiled_fd, &b_len);
	assert_true(a_len > 0 && a_len % 8 == 0); /* whole sock_filter instructions */
	assert_int_equal(a_len, b_len);
	assert_memory_equal(a, b, a_len);
	free(a);
	free(b);
}

static void test_deny_filter_matches_fresh_compile(void **state)
{
	(void)state;
	char err[256];
	same_program(seccomp_filter_export(err, sizeof err), seccomp_filter_compile(err, sizeof err));
}

static void test_observe_filters_match_fresh_compile(void **state)
{
	(void)state;
	char err[256];
	same_program(seccomp_observe_export(false, err, sizeof err),
	             seccomp_observe_compile(false, err, sizeof err));
	same_program(seccomp_observe_export(true, err, sizeof err),
	             seccomp_observe_compile(true, err, sizeof err));
}

static void test_trace_and_plain_observe_differ(void **state)
{
	(void)state;
	char err[256];
	size_t a_len, b_len;
	unsigned char *a = slurp(seccomp_observe_export(false, err, sizeof err), &a_len);
	unsigned char *b = slurp(seccomp_observe_export(true, err, sizeof err), &b_len);
	assert_true(a_len != b_len || memcmp(a, b, a_len) != 0);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deny_filter_matches_fresh_compile),
		cmocka_unit_test(test_observe_filters_match_fresh_compile),
		cmocka_unit_test(test_trace_and_plain_observe_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
