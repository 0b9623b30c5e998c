/* Unit tests for tui/keymap.c: lookups per context, key names both ways,
 * and that the help is generated from the table (every documented binding
 * appears, aliases next to it, the prefix named). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"

static void test_lookup(void **state)
{
	(void)state;
	assert_int_equal(keymap_lookup(KM_ALWAYS, KM_FUNC | KEY_F(1)), ACT_HELP);
	assert_int_equal(keymap_lookup(KM_ALWAYS, KM_FUNC | KEY_F(10)), ACT_QUIT);
	assert_int_equal(keymap_lookup(KM_ALWAYS, KM_ALT | '3'), ACT_FOCUS_DENIED);
	assert_int_equal(keymap_lookup(KM_LIST, '/'), ACT_FILTER);
	assert_int_equal(keymap_lookup(KM_LIST, '\r'), ACT_OPEN);
	assert_int_equal(keymap_lookup(KM_PREFIX, 'z'), ACT_ZOOM);
	/* the shell keeps its keys: Tab, '/', letters are not UI keys there */
	assert_int_equal(keymap_lookup(KM_SHELL, '\t'), ACT_NONE);
	assert_int_equal(keymap_lookup(KM_SHELL, '/'), ACT_NONE);
	assert_int_equal(keymap_lookup(KM_ALWAYS, 'q'), ACT_NONE);
	assert_int_equal(keymap_lookup(KM_ALWAYS, '\t'), ACT_NONE);
	assert_int_equal(keymap_key_for(KM_LIST, ACT_FILTER), '/');
	assert_int_equal(keymap_key_for(KM_SHELL, ACT_QUIT), -1);
	/* live permissions and ask mode */
	assert_int_equal(keymap_lookup(KM_PERMS, 't'), ACT_PERM_TOGGLE);
	assert_int_equal(keymap_lookup(KM_PERMS, 'a'), ACT_PERM_ADD);
	assert_int_equal(keymap_lookup(KM_PERMS, 'x'), ACT_PERM_REMOVE);
	assert_int_equal(keymap_lookup(KM_VIEW, 'a'), ACT_ALLOW_NOW);
	assert_int_equal(keymap_lookup(KM_LIST, 'o'), ACT_ASK_ONCE);
	assert_int_equal(keymap_lookup(KM_LIST, 's'), ACT_ASK_SESSION);
	assert_int_equal(keymap_lookup(KM_LIST, 'd'), ACT_ASK_DENY);
}

/* No key is bound twice in one context (the first would silently win). */
static void test_no_duplicates(void **state)
{
	(void)state;
	for (size_t i = 0; i < keymap_len; i++)
		for (size_t j = i + 1; j < keymap_len; j++)
			if (keymap[i].ctx == keymap[j].ctx && keymap[i].key == keymap[j].key)
				fail_msg("key %d bound twice in context %d", keymap[i].key, keymap[i].ctx);
}

static void test_names(void **state)
{
	(void)state;
	char b[32];
	keymap_key_name(KM_FUNC | KEY_F(10), b, sizeof b);
	assert_string_equal(b, "F10");
	keymap_key_name(KM_CTRL('g'), b, sizeof b);
	assert_string_equal(b, "C-g");
	keymap_key_name(KM_ALT | '2', b, sizeof b);
	assert_string_equal(b, "M-2");
	keymap_key_name('\t', b, sizeof b);
	assert_string_equal(b, "Tab");
	keymap_key_name(KM_FUNC | KEY_BTAB, b, sizeof b);
	assert_string_equal(b, "S-Tab");
	keymap_key_name(KM_FUNC | KEY_SPREVIOUS, b, sizeof b);
	assert_string_equal(b, "S-PgUp");
	keymap_key_name(0x00e9, b, sizeof b);
	assert_string_equal(b, "\xc3\xa9");
	keymap_key_name(KM_CTRL(']'), b, sizeof b);
	assert_string_equal(b, "C-]");

	assert_int_equal(keymap_parse_key("C-g"), 7);
	assert_int_equal(keymap_parse_key("C-a"), 1);
	assert_int_equal(keymap_parse_key("C-]"), 29);
	assert_int_equal(keymap_parse_key("x"), 'x');
	assert_int_equal(keymap_parse_key("C-"), -1);
	assert_int_equal(keymap_parse_key("C-gg"), -1);
	assert_int_equal(keymap_parse_key(""), -1);
	assert_int_equal(keymap_parse_key(NULL), -1);
	/* round trip for every control key the config accepts */
	for (int c = 1; c < 32; c++) {
		if (c == '\t' || c == '\r' || c == '\n' || c == 27)
			continue;
		keymap_key_name(c, b, sizeof b);
		assert_int_equal(keymap_parse_key(b), c);
	}
}

static bool help_has(char **lines, size_t n, const char *needle)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(lines[i], needle))
			return true;
	return false;
}

static void test_help_from_table(void **state)
{
	(void)state;
	size_t n;
	char **lines = keymap_help(KM_CTRL('a'), &n);
	assert_true(n > 10);
	/* every binding with a help text is listed with its key name */
	for (size_t i = 0; i < keymap_len; i++) {
		if (!keymap[i].help)
			continue;
		char name[32];
		if (keymap[i].key == -2)
			strcpy(name, "C-a");
		else
			keymap_key_name(keymap[i].key, name, sizeof name);
		char want[256];
		snprintf(want, sizeof want, "%s", keymap[i].help);
		bool found = false;
		for (size_t j = 0; j < n && !found; j++)
			found = strstr(lines[j], want) && strstr(lines[j], name);
		if (!found)
			fail_msg("help lacks '%s' for %s", keymap[i].help, name);
	}
	assert_true(help_has(lines, n, "After the prefix key C-a"));
	assert_true(help_has(lines, n, "Up k"));   /* alias next to its key */
	assert_true(help_has(lines, n, "In the Permissions dialog"));
	assert_true(help_has(lines, n, "allow it now"));
	assert_false(help_has(lines, n, "C-g"));   /* the configured prefix, not the default */
	keymap_help_free(lines, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_no_duplicates),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_help_from_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
