/* Unit tests for tui/perms_patch.c: the patches the Permissions dialog and
 * "allow now" send (state of an item, toggle cycle, remove, the input line,
 * a denial's flag). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "perms_patch.h"
#include "util.h"

static struct policy p;

static int setup(void **state)
{
	(void)state;
	memset(&p, 0, sizeof p);
	strlist_push(&p.allow_write, "/w");
	strlist_push(&p.deny_write, "/w/ro");
	strlist_push(&p.deny_read, "/secret");
	strlist_push(&p.allow_read, "/r");
	strlist_push(&p.allow_net, "good.test");
	strlist_push(&p.deny_net, "bad.test:8080");
	strlist_push(&p.secret_hosts, "TOKEN=api.test");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	policy_free(&p);
	return 0;
}

/* The patch as compact JSON, and frees it. */
static char *text(cJSON *patch)
{
	assert_non_null(patch);
	char *s = cJSON_PrintUnformatted(patch);
	cJSON_Delete(patch);
	return s;
}

static void check(cJSON *patch, const char *want)
{
	char *got = text(patch);
	assert_string_equal(got, want);
	free(got);
}

static void test_state(void **state)
{
	(void)state;
	assert_int_equal(perms_state(&p, "/w"), PERM_WRITE);
	assert_int_equal(perms_state(&p, "/w/ro"), PERM_READONLY);
	assert_int_equal(perms_state(&p, "/secret"), PERM_DENY);
	assert_int_equal(perms_state(&p, "/r"), PERM_READ);
	assert_int_equal(perms_state(&p, "/other"), PERM_NONE);
	assert_int_equal(perms_state(&p, "good.test"), PERM_NET_ALLOW);
	assert_int_equal(perms_state(&p, "bad.test:8080"), PERM_NET_DENY);
	strlist_push(&p.deny_read, "/w"); /* hidden wins over writable */
	assert_int_equal(perms_state(&p, "/w"), PERM_DENY);
	assert_string_equal(perms_state_name(PERM_READONLY), "read-only");
	assert_int_equal(perms_state(&p, "TOKEN=api.test"), PERM_SECRET_HOST);
	assert_int_equal(perms_state(&p, "TOKEN=other.test"), PERM_NONE);
}

static void test_secret_hosts(void **state)
{
	(void)state;
	char err[256] = "";
	check(perms_patch_add("TOKEN=new.test", err, sizeof err),
	      "{\"add\":{\"secret_hosts\":[\"TOKEN=new.test\"]}}");
	check(perms_patch_remove(&p, "TOKEN=api.test", err, sizeof err),
	      "{\"remove\":{\"secret_hosts\":[\"TOKEN=api.test\"]}}");
	assert_null(perms_patch_toggle(&p, "TOKEN=api.test", err, sizeof err));
	assert_non_null(strstr(err, "not toggled"));
}

static void test_toggle_cycle(void **state)
{
	(void)state;
	char err[256] = "";
	check(perms_patch_toggle(&p, "/w", err, sizeof err),
	      "{\"remove\":{\"allow_write\":[\"/w\"]},\"add\":{\"deny_write\":[\"/w\"]}}");
	check(perms_patch_toggle(&p, "/w/ro", err, sizeof err), "{\"add\":{\"deny_read\":[\"/w/ro\"]}}");
	check(perms_patch_toggle(&p, "/r", err, sizeof err), "{\"add\":{\"deny_read\":[\"/r\"]}}");
	check(perms_patch_toggle(&p, "/secret", err, sizeof err),
	      "{\"remove\":{\"deny_read\":[\"/secret\"]},\"add\":{\"allow_write\":[\"/secret\"]}}");
	check(perms_patch_toggle(&p, "good.test", err, sizeof err),
	      "{\"remove\":{\"allow_net\":[\"good.test\"]},\"add\":{\"deny_net\":[\"good.test\"]}}");
	check(perms_patch_toggle(&p, "bad.test:8080", err, sizeof err),
	      "{\"remove\":{\"deny_net\":[\"bad.test:8080\"]},\"add\":{\"allow_net\":[\"bad.test:8080\"]}}");
	/* read-only that is also hidden and writable: back to write drops both */
	strlist_push(&p.deny_read, "/w/ro");
	check(perms_patch_set(&p, "/w/ro", PERM_WRITE, err, sizeof err),
	      "{\"remove\":{\"deny_read\":[\"/w/ro\"],\"deny_write\":[\"/w/ro\"]},"
	      "\"add\":{\"allow_write\":[\"/w/ro\"]}}");
}

static void test_set_refuses(void **state)
{
	(void)state;
	char err[256] = "";
	assert_null(perms_patch_set(&p, "/w", PERM_WRITE, err, sizeof err));
	assert_non_null(strstr(err, "nothing to change"));
	assert_null(perms_patch_set(&p, "/w", PERM_NET_ALLOW, err, sizeof err));
	assert_null(perms_patch_set(&p, "good.test", PERM_WRITE, err, sizeof err));
	assert_null(perms_patch_remove(&p, "/nowhere", err, sizeof err));
}

static void test_remove(void **state)
{
	(void)state;
	char err[256] = "";
	check(perms_patch_remove(&p, "/w", err, sizeof err), "{\"remove\":{\"allow_write\":[\"/w\"]}}");
	check(perms_patch_remove(&p, "bad.test:8080", err, sizeof err),
	      "{\"remove\":{\"deny_net\":[\"bad.test:8080\"]}}");
}

static void test_add_input(void **state)
{
	(void)state;
	char err[256] = "";
	check(perms_patch_add("  /tmp/x ", err, sizeof err), "{\"add\":{\"allow_write\":[\"/tmp/x\"]}}");
	check(perms_patch_add("example.test:443", err, sizeof err),
	      "{\"add\":{\"allow_net\":[\"example.test:443\"]}}");
	assert_null(perms_patch_add("   ", err, sizeof err));
	assert_null(perms_patch_add("./rel", err, sizeof err));
	assert_non_null(strstr(err, "absolute"));
	assert_null(perms_patch_add("relative/path", err, sizeof err));
	assert_non_null(strstr(err, "absolute"));
	assert_null(perms_patch_add("/a b", err, sizeof err));
	assert_null(perms_patch_add("/a\033[2J", err, sizeof err));
}

static void test_from_flag(void **state)
{
	(void)state;
	char err[256] = "";
	check(perms_patch_from_flag("--allow-write=/home/u/x", err, sizeof err),
	      "{\"add\":{\"allow_write\":[\"/home/u/x\"]}}");
	check(perms_patch_from_flag("--allow-read=/srv", err, sizeof err),
	      "{\"add\":{\"allow_read\":[\"/srv\"]}}");
	check(perms_patch_from_flag("--allow-net=127.0.0.1:8080", err, sizeof err),
	      "{\"add\":{\"allow_net\":[\"127.0.0.1:8080\"]}}");
	check(perms_patch_from_flag("remove *.bad.test", err, sizeof err),
	      "{\"remove\":{\"deny_net\":[\"*.bad.test\"]}}");
	assert_null(perms_patch_from_flag("--allow-write=", err, sizeof err));
	assert_null(perms_patch_from_flag("--no-sandbox", err, sizeof err));
	assert_null(perms_patch_from_flag(NULL, err, sizeof err));
}

static void test_applied_text(void **state)
{
	(void)state;
	cJSON *it = cJSON_Parse("{\"action\":\"add\",\"list\":\"allow_write\",\"value\":\"/x\","
	                        "\"effect\":\"writable\"}");
	char buf[128];
	perms_applied_text(it, buf, sizeof buf);
	assert_string_equal(buf, "applied: add allow-write /x: writable");
	cJSON_Delete(it);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_toggle_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_applied_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_hosts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
