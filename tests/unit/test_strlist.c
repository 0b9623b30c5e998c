/* Unit tests for core/strlist.c: growth, NULL termination, removal, copying
 * and the comma-list splitter used by every list flag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "strlist.h"

static void test_push_grows_and_terminates(void **state)
{
	(void)state;
	struct strlist l = { 0 };
	char buf[16];
	for (int i = 0; i < 100; i++) {
		snprintf(buf, sizeof buf, "item%d", i);
		strlist_push(&l, buf);
	}
	assert_int_equal(l.len, 100);
	assert_string_equal(l.items[0], "item0");
	assert_string_equal(l.items[99], "item99");
	assert_null(l.items[100]);
	/* push copies: changing the source does not change the item */
	snprintf(buf, sizeof buf, "changed");
	assert_string_equal(l.items[99], "item99");
	strlist_clear(&l);
	assert_null(l.items);
	assert_int_equal(l.len, 0);
}

static void test_contains_remove(void **state)
{
	(void)state;
	struct strlist l = { 0 };
	strlist_push(&l, "a");
	strlist_push(&l, "b");
	strlist_push(&l, "a");
	strlist_push(&l, "c");
	assert_true(strlist_contains(&l, "b"));
	assert_false(strlist_contains(&l, "d"));
	strlist_remove(&l, "a");
	assert_int_equal(l.len, 2);
	assert_string_equal(l.items[0], "b");
	assert_string_equal(l.items[1], "c");
	assert_null(l.items[2]);
	assert_false(strlist_contains(&l, "a"));
	strlist_clear(&l);
}

static void test_extend_copy_self(void **state)
{
	(void)state;
	struct strlist a = { 0 }, b = { 0 };
	strlist_push(&a, "x");
	strlist_push(&a, "y");
	strlist_extend(&a, &a);
	assert_int_equal(a.len, 4);
	assert_string_equal(a.items[2], "x");
	assert_string_equal(a.items[3], "y");
	strlist_push(&b, "old");
	strlist_copy(&b, &a);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.items[0], "x");
	assert_false(strlist_contains(&b, "old"));
	assert_ptr_not_equal(a.items[0], b.items[0]);
	strlist_clear(&a);
	strlist_clear(&b);
}

static void test_split_good(void **state)
{
	(void)state;
	struct strlist l = { 0 };
	strlist_push(&l, "first");
	assert_true(strlist_split_append(&l, "a,b c,/d/e"));
	assert_int_equal(l.len, 4);
	assert_string_equal(l.items[1], "a");
	assert_string_equal(l.items[2], "b c");
	assert_string_equal(l.items[3], "/d/e");
	assert_null(l.items[4]);
	assert_true(strlist_split_append(&l, "single"));
	assert_int_equal(l.len, 5);
	assert_string_equal(l.items[4], "single");
	strlist_clear(&l);
}

static void test_split_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "a,,b", "a,", ",a", ",", ",,", NULL };
	for (int i = 0; bad[i]; i++) {
		struct strlist l = { 0 };
		strlist_push(&l, "keep");
		assert_false(strlist_split_append(&l, bad[i]));
		/* nothing appended, even the good items before the bad one */
		assert_int_equal(l.len, 1);
		strlist_clear(&l);
	}
	struct strlist l = { 0 };
	assert_false(strlist_split_append(&l, NULL));
	assert_int_equal(l.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_grows_and_terminates),
		cmocka_unit_test(test_contains_remove),
		cmocka_unit_test(test_extend_copy_self),
		cmocka_unit_test(test_split_good),
		cmocka_unit_test(test_split_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
