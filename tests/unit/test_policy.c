/* Unit tests for core/policy.c: lexical normalisation, resolving command-line
 * paths (relative, ~, existence of allowed paths), and merging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

static char base[256];
static char saved_home[512];
static bool had_home;

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof base, "/tmp/glassbox-test-policy-XXXXXX");
	if (!mkdtemp(base))
		return -1;
	char sub[300];
	snprintf(sub, sizeof sub, "%s/sub", base);
	if (mkdir(sub, 0700) < 0)
		return -1;
	const char *h = getenv("HOME");
	had_home = h != NULL;
	if (h)
		snprintf(saved_home, sizeof saved_home, "%s", h);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char sub[300];
	snprintf(sub, sizeof sub, "%s/sub", base);
	rmdir(sub);
	rmdir(base);
	if (had_home)
		setenv("HOME", saved_home, 1);
	else
		unsetenv("HOME");
	return 0;
}

static void check_norm(const char *in, const char *want)
{
	char *got = policy_normalize_path(in);
	if (strcmp(got, want) != 0)
		fail_msg("normalize(%s) = %s, want %s", in, got, want);
	free(got);
}

static void test_normalize(void **state)
{
	(void)state;
	check_norm("/", "/");
	check_norm("//", "/");
	check_norm("/a/b/", "/a/b");
	check_norm("/a//b///c", "/a/b/c");
	check_norm("/a/./b/.", "/a/b");
	check_norm("/a/b/../c", "/a/c");
	check_norm("/a/b/../../..", "/");
	check_norm("/../x", "/x");
	check_norm("/a/..b/.c", "/a/..b/.c");
	check_norm("/a/b/..", "/a");
}

static void test_expand_home(void **state)
{
	(void)state;
	char *s = policy_expand_home("~", "/h");
	assert_string_equal(s, "/h");
	free(s);
	s = policy_expand_home("~/x", "/h");
	assert_string_equal(s, "/h/x");
	free(s);
	s = policy_expand_home("~user/x", "/h");
	assert_string_equal(s, "~user/x");
	free(s);
	s = policy_expand_home("a/~", "/h");
	assert_string_equal(s, "a/~");
	free(s);
	assert_null(policy_expand_home("~/x", NULL));
	assert_null(policy_expand_home("~/x", "relative"));
}

static void test_resolve_relative_and_home(void **state)
{
	(void)state;
	char err[512] = "";
	char want[512];
	struct policy p = { 0 };
	setenv("HOME", base, 1);
	strlist_push(&p.allow_read, "sub");
	strlist_push(&p.allow_read, "./sub/../sub/");
	strlist_push(&p.allow_write, "~");
	strlist_push(&p.allow_write, "~/sub");
	strlist_push(&p.allow_write, "/");
	strlist_push(&p.deny_write, "sub/.git");
	strlist_push(&p.system_read, "relative-untouched");
	assert_int_equal(policy_resolve_cli_paths(&p, base, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s/sub", base);
	assert_string_equal(p.allow_read.items[0], want);
	assert_string_equal(p.allow_read.items[1], want);
	assert_string_equal(p.allow_write.items[0], base);
	assert_string_equal(p.allow_write.items[1], want);
	assert_string_equal(p.allow_write.items[2], "/");
	snprintf(want, sizeof want, "%s/sub/.git", base);
	assert_string_equal(p.deny_write.items[0], want);
	assert_string_equal(p.system_read.items[0], "relative-untouched");
	policy_free(&p);
}

static void test_resolve_missing_allow_is_error(void **state)
{
	(void)state;
	char err[512] = "";
	char want[600];
	struct policy p = { 0 };
	strlist_push(&p.allow_write, "sub");
	strlist_push(&p.allow_write, "nope/x/..");
	assert_int_equal(policy_resolve_cli_paths(&p, base, err, sizeof err), -1);
	snprintf(want, sizeof want, "--allow-write: %s/nope: No such file or directory", base);
	assert_string_equal(err, want);
	policy_free(&p);

	strlist_push(&p.allow_read, "/definitely/not/here");
	assert_int_equal(policy_resolve_cli_paths(&p, base, err, sizeof err), -1);
	assert_string_equal(err, "--allow-read: /definitely/not/here: No such file or directory");
	policy_free(&p);

	/* a file where a directory is expected */
	strlist_push(&p.allow_read, "/dev/null/x");
	assert_int_equal(policy_resolve_cli_paths(&p, base, err, sizeof err), -1);
	assert_string_equal(err, "--allow-read: /dev/null/x: Not a directory");
	policy_free(&p);
}

static void test_resolve_missing_deny_ok(void **state)
{
	(void)state;
	char err[512] = "";
	char want[600];
	struct policy p = { 0 };
	strlist_push(&p.deny_read, "missing/secret");
	strlist_push(&p.deny_write, "/no/such//dir/");
	assert_int_equal(policy_resolve_cli_paths(&p, base, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s/missing/secret", base);
	assert_string_equal(p.deny_read.items[0], want);
	assert_string_equal(p.deny_write.items[0], "/no/such/dir");
	policy_free(&p);
}

static void test_resolve_home_unset(void **state)
{
	(void)state;
	char err[512] = "";
	struct policy p = { 0 };
	unsetenv("HOME");
	strlist_push(&p.deny_read, "~/.ssh");
	assert_int_equal(policy_resolve_cli_paths(&p, base, err, sizeof err), -1);
	assert_string_equal(err, "--deny-read: ~/.ssh: $HOME is not set to an absolute path");
	policy_free(&p);
}

static void test_resolve_error_is_sanitized(void **state)
{
	(void)state;
	char err[512] = "";
	struct policy p = { 0 };
	strlist_push(&p.allow_read, "/nope/\x1b[2J");
	assert_int_equal(policy_resolve_cli_paths(&p, base, err, sizeof err), -1);
	assert_null(strchr(err, '\x1b'));
	assert_non_null(strstr(err, "--allow-read: /nope/"));
	policy_free(&p);
}

static void test_merge(void **state)
{
	(void)state;
	struct policy a = { 0 }, b = { 0 };
	strlist_push(&a.system_read, "/usr");
	strlist_push(&a.deny_read, "/h/.ssh");
	strlist_push(&a.env, "A=1");
	strlist_push(&a.env, "B=1");
	strlist_push(&b.system_read, "/etc");
	strlist_push(&b.system_read, "/usr");
	strlist_push(&b.allow_write, "/w");
	strlist_push(&b.allow_env, "X*");
	strlist_push(&b.deny_env, "Y");
	strlist_push(&b.env, "A=2");
	strlist_push(&b.env, "C=3");
	b.allow_write_all = true;
	b.strict_sandbox = true;
	policy_merge(&a, &b);
	assert_int_equal(a.system_read.len, 2);
	assert_string_equal(a.system_read.items[0], "/usr");
	assert_string_equal(a.system_read.items[1], "/etc");
	assert_string_equal(a.allow_write.items[0], "/w");
	assert_string_equal(a.allow_env.items[0], "X*");
	assert_string_equal(a.deny_env.items[0], "Y");
	assert_int_equal(a.env.len, 3);
	assert_string_equal(a.env.items[0], "A=2");
	assert_string_equal(a.env.items[1], "B=1");
	assert_string_equal(a.env.items[2], "C=3");
	assert_true(a.allow_write_all);
	assert_true(a.strict_sandbox);
	assert_false(a.allow_env_all);
	assert_false(a.no_sandbox);
	/* OR: a true flag is never cleared by a later false one */
	struct policy c = { 0 };
	policy_merge(&a, &c);
	assert_true(a.allow_write_all);
	policy_free(&a);
	policy_free(&b);
	assert_null(a.system_read.items);
	assert_false(a.allow_write_all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_expand_home),
		cmocka_unit_test(test_resolve_relative_and_home),
		cmocka_unit_test(test_resolve_missing_allow_is_error),
		cmocka_unit_test(test_resolve_missing_deny_ok),
		cmocka_unit_test(test_resolve_home_unset),
		cmocka_unit_test(test_resolve_error_is_sanitized),
		cmocka_unit_test(test_merge),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
