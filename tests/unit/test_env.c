/* Unit tests for core/env.c: which parent variables are inherited, how deny
 * and explicit --env entries override, and that no key appears twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "env.h"

static char *const parent[] = {
	"PATH=/usr/bin", "HOME=/home/t", "USER=t",      "SHELL=/bin/sh",
	"TERM=xterm",    "LANG=C.UTF-8", "FOO=1",       "FOO_BAR=2",
	"FOOD=3",        "SECRET=s",     "AWS_KEY=k",   "NOEQUALS",
	"=weird",        "PATH=/second", "LANGUAGE=en", NULL,
};

static struct policy pol;
static struct strlist out;

static int teardown(void **state)
{
	(void)state;
	policy_free(&pol);
	strlist_clear(&out);
	return 0;
}

static void build(void)
{
	strlist_clear(&out);
	env_build(&pol, parent, &out);
	/* never two entries for one key */
	for (size_t i = 0; i < out.len; i++) {
		size_t ki = strcspn(out.items[i], "=");
		for (size_t j = i + 1; j < out.len; j++) {
			size_t kj = strcspn(out.items[j], "=");
			if (ki == kj && memcmp(out.items[i], out.items[j], ki) == 0)
				fail_msg("duplicate key in %s / %s", out.items[i], out.items[j]);
		}
	}
	assert_null(out.items ? out.items[out.len] : NULL);
}

static void assert_env(const char *const *want)
{
	size_t n = 0;
	while (want[n])
		n++;
	if (out.len != n) {
		for (size_t i = 0; i < out.len; i++)
			print_message("  got %s\n", out.items[i]);
	}
	assert_int_equal(out.len, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(out.items[i], want[i]);
}
#define ASSERT_ENV(...) assert_env((const char *const[]){ __VA_ARGS__, NULL })

static void test_essentials_only(void **state)
{
	(void)state;
	build();
	ASSERT_ENV("PATH=/usr/bin", "HOME=/home/t", "USER=t", "SHELL=/bin/sh", "TERM=xterm",
	           "LANG=C.UTF-8");
}

static void test_allow_exact(void **state)
{
	(void)state;
	strlist_push(&pol.allow_env, "FOO");
	build();
	assert_int_equal(out.len, 7);
	assert_string_equal(out.items[6], "FOO=1");
	assert_false(strlist_contains(&out, "FOO_BAR=2"));
	assert_false(strlist_contains(&out, "FOOD=3"));
}

static void test_allow_prefix(void **state)
{
	(void)state;
	strlist_push(&pol.allow_env, "FOO_*");
	strlist_push(&pol.allow_env, "AWS*");
	build();
	assert_true(strlist_contains(&out, "FOO_BAR=2"));
	assert_true(strlist_contains(&out, "AWS_KEY=k"));
	assert_false(strlist_contains(&out, "FOO=1"));
	assert_false(strlist_contains(&out, "FOOD=3"));
	assert_int_equal(out.len, 8);
}

static void test_allow_all(void **state)
{
	(void)state;
	pol.allow_env_all = true;
	build();
	/* everything well-formed, first PATH only */
	ASSERT_ENV("PATH=/usr/bin", "HOME=/home/t", "USER=t", "SHELL=/bin/sh", "TERM=xterm",
	           "LANG=C.UTF-8", "FOO=1", "FOO_BAR=2", "FOOD=3", "SECRET=s", "AWS_KEY=k",
	           "LANGUAGE=en");
}

static void test_deny_wins(void **state)
{
	(void)state;
	pol.allow_env_all = true;
	strlist_push(&pol.allow_env, "SECRET");
	strlist_push(&pol.deny_env, "HOME");
	strlist_push(&pol.deny_env, "SECRET");
	strlist_push(&pol.deny_env, "FOO*");
	build();
	ASSERT_ENV("PATH=/usr/bin", "USER=t", "SHELL=/bin/sh", "TERM=xterm", "LANG=C.UTF-8",
	           "AWS_KEY=k", "LANGUAGE=en");
}

static void test_explicit_env_wins(void **state)
{
	(void)state;
	strlist_push(&pol.deny_env, "PATH");
	strlist_push(&pol.deny_env, "FOO");
	strlist_push(&pol.env, "FOO=set");
	strlist_push(&pol.env, "HOME=/elsewhere");
	strlist_push(&pol.env, "NEW=a=b");
	strlist_push(&pol.env, "NEW=last");
	build();
	/* HOME replaced in place; FOO set despite deny; NEW once, last value */
	ASSERT_ENV("HOME=/elsewhere", "USER=t", "SHELL=/bin/sh", "TERM=xterm", "LANG=C.UTF-8",
	           "FOO=set", "NEW=last");
}

static void test_name_matches(void **state)
{
	(void)state;
	struct strlist pats = { 0 };
	strlist_push(&pats, "A");
	strlist_push(&pats, "B_*");
	assert_true(env_name_matches(&pats, "A=1", 1));
	assert_false(env_name_matches(&pats, "AB", 2));
	assert_true(env_name_matches(&pats, "B_", 2));
	assert_true(env_name_matches(&pats, "B_X", 3));
	assert_false(env_name_matches(&pats, "B", 1));
	/* only name_len bytes are the name (env_build passes "KEY=VALUE") */
	assert_false(env_name_matches(&pats, "B_X=1", 1));
	assert_true(env_name_matches(&pats, "A=1", 1));
	strlist_push(&pats, "*");
	assert_true(env_name_matches(&pats, "anything", 8));
	strlist_clear(&pats);
	assert_false(env_name_matches(&pats, "A", 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_essentials_only, teardown),
		cmocka_unit_test_teardown(test_allow_exact, teardown),
		cmocka_unit_test_teardown(test_allow_prefix, teardown),
		cmocka_unit_test_teardown(test_allow_all, teardown),
		cmocka_unit_test_teardown(test_deny_wins, teardown),
		cmocka_unit_test_teardown(test_explicit_env_wins, teardown),
		cmocka_unit_test_teardown(test_name_matches, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
