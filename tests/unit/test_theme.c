/* Unit tests for tui/theme.c: every shipped theme parses and sets every role
 * sensibly; each kind of bad line gives one "FILE:LINE: problem" error; the
 * loader finds themes by name (in its search order) and by path, and an
 * unknown name lists the available ones. */
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

#include "theme.h"
#include "theme_builtin.h"
#include "util.h"

static const char *const shipped[] = { "dark", "light", "high-contrast", "mono" };

static char *read_shipped(const char *name)
{
	char *path = xasprintf("%s/%s.theme", THEMES_DIR, name), *text = NULL;
	size_t len;
	assert_int_equal(read_file(path, 1 << 20, &text, &len), 0);
	free(path);
	return text;
}

static void test_role_names(void **state)
{
	(void)state;
	assert_string_equal(theme_role_name(ROLE_TEXT), "text");
	assert_string_equal(theme_role_name(ROLE_BORDER_FOCUS), "border-focus");
	assert_string_equal(theme_role_name(ROLE_ASK), "ask");
	assert_null(theme_role_name(ROLE__COUNT));
	for (int r = 0; r < ROLE__COUNT; r++) {
		assert_non_null(theme_role_name(r));
		assert_int_equal(theme_role_from_name(theme_role_name(r)), r);
	}
	assert_int_equal(theme_role_from_name("nope"), -1);
}

static void test_shipped_themes_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof shipped / sizeof *shipped; i++) {
		char *text = read_shipped(shipped[i]), err[512] = "";
		struct theme t;
		char *file = xasprintf("%s.theme", shipped[i]);
		int r = theme_parse(text, file, &t, err, sizeof err);
		if (r != 0)
			fail_msg("%s", err);
		assert_string_equal(t.name, shipped[i]);
		for (int role = 0; role < ROLE__COUNT; role++) {
			const struct theme_style *s = &t.role[role];
			assert_in_range(s->fg16 + 1, 0, 16);
			assert_in_range(s->bg16 + 1, 0, 16);
			/* never invisible: same colour on same colour */
			if (s->fg16 >= 0)
				assert_int_not_equal(s->fg16, s->bg16);
			if (s->fg256 >= 0)
				assert_int_not_equal(s->fg256, s->bg256);
			/* nothing relies on grey being visible: no bright black text */
			assert_int_not_equal(s->fg16, 8);
			assert_true(s->attrs <= (THEME_BOLD | THEME_UNDERLINE | THEME_REVERSE));
		}
		/* each role line is required: without it the theme is refused */
		for (int role = 0; role < ROLE__COUNT; role++) {
			char *copy = xstrdup(text), *line = copy;
			size_t rlen = strlen(theme_role_name(role));
			for (;;) {
				line = strstr(line, theme_role_name(role));
				assert_non_null(line);
				if ((line == copy || line[-1] == '\n') && (line[rlen] == ' ' || line[rlen] == '='))
					break;
				line++;
			}
			line[0] = '#';
			struct theme t2;
			assert_int_equal(theme_parse(copy, file, &t2, err, sizeof err), -1);
			char *want = xasprintf("missing role '%s'", theme_role_name(role));
			assert_non_null(strstr(err, want));
			assert_int_equal(strncmp(err, file, strlen(file)), 0);
			free(want);
			free(copy);
		}
		free(file);
		free(text);
	}
}

/* The compiled-in copies (the loader's last resort) are the shipped files. */
static void test_builtins_match_files(void **state)
{
	(void)state;
	size_t n = 0;
	for (const struct theme_builtin *b = theme_builtins; b->name; b++, n++) {
		char *text = read_shipped(b->name), err[512];
		assert_string_equal(b->text, text);
		struct theme t;
		assert_int_equal(theme_parse(b->text, "x.theme", &t, err, sizeof err), 0);
		free(text);
	}
	assert_int_equal(n, sizeof shipped / sizeof *shipped);
}

static void test_mono_and_high_contrast(void **state)
{
	(void)state;
	struct theme mono, builtin, hc;
	char err[512] = "", *text = read_shipped("mono");
	assert_int_equal(theme_parse(text, "mono.theme", &mono, err, sizeof err), 0);
	free(text);
	theme_mono(&builtin);
	assert_memory_equal(&mono, &builtin, sizeof mono);
	for (int r = 0; r < ROLE__COUNT; r++) {
		assert_int_equal(mono.role[r].fg16, -1);
		assert_int_equal(mono.role[r].bg16, -1);
		assert_int_equal(mono.role[r].fg256, THEME_NONE);
		assert_int_equal(mono.role[r].fg_rgb, THEME_NONE);
	}
	/* high-contrast: every role has an explicit background and pinned colours */
	text = read_shipped("high-contrast");
	assert_int_equal(theme_parse(text, "high-contrast.theme", &hc, err, sizeof err), 0);
	free(text);
	for (int r = 0; r < ROLE__COUNT; r++) {
		assert_true(hc.role[r].fg16 >= 0 && hc.role[r].bg16 >= 0);
		assert_true(hc.role[r].fg256 >= 0 && hc.role[r].bg256 >= 0);
		assert_true(hc.role[r].fg_rgb >= 0 && hc.role[r].bg_rgb >= 0);
		/* no grey ramp */
		assert_true(hc.role[r].fg256 < 232 && hc.role[r].bg256 < 232);
	}
}

static const char *full_theme =
	"name = t\n"
	"text = default default\nmuted = white default\nborder = white default\n"
	"border-focus = brightcyan default bold 256: 51 - rgb: #00ffff default\n"
	"title = white default\ntitle-focus = black cyan bold\nstatus = brightwhite blue\n"
	"fkey-num = brightwhite default bold\nfkey-label = black cyan\nselected = black cyan\n"
	"tab = white default\ntab-active = black white bold\nallow = green default\n"
	"deny = red default bold\nwarn = yellow default underline reverse\nadded = green default\n"
	"modified = yellow default\ndeleted = red default\ndiff-add = green default\n"
	"diff-del = red default\ndiff-hunk = cyan default\ndialog = brightwhite blue\n"
	"dialog-border = brightcyan blue\ninput = black white\nask = black yellow 256: default 220\n";

static void test_parse_values(void **state)
{
	(void)state;
	struct theme t;
	char err[512] = "";
	int r = theme_parse(full_theme, "t.theme", &t, err, sizeof err);
	if (r)
		fail_msg("%s", err);
	const struct theme_style *s = &t.role[ROLE_BORDER_FOCUS];
	assert_int_equal(s->fg16, 14);
	assert_int_equal(s->bg16, -1);
	assert_int_equal(s->fg256, 51);
	assert_int_equal(s->bg256, THEME_NONE);
	assert_int_equal(s->fg_rgb, 0x00ffff);
	assert_int_equal(s->bg_rgb, THEME_DEFAULT);
	assert_int_equal(s->attrs, THEME_BOLD);
	assert_int_equal(t.role[ROLE_WARN].attrs, THEME_UNDERLINE | THEME_REVERSE);
	assert_int_equal(t.role[ROLE_ASK].fg256, THEME_DEFAULT);
	assert_int_equal(t.role[ROLE_ASK].bg256, 220);
	assert_int_equal(t.role[ROLE_ASK].fg_rgb, THEME_NONE);
	assert_int_equal(t.role[ROLE_STATUS].fg16, 15);
	assert_int_equal(t.role[ROLE_STATUS].bg16, 4);

	/* CRLF line ends, comments, blank lines, no name: the file name gives it */
	const char *body = strchr(full_theme, '\n') + 1;
	char *crlf = xmalloc(2 * strlen(body) + 16), *o = crlf;
	o += sprintf(o, "# c\r\n\r\n");
	for (const char *c = body; *c; c++) {
		if (*c == '\n')
			*o++ = '\r';
		*o++ = *c;
	}
	*o = 0;
	assert_int_equal(theme_parse(crlf, "/x/y/other.theme", &t, err, sizeof err), 0);
	assert_string_equal(t.name, "other");
	free(crlf);
}

/* Replaces the line of full_theme that starts with `role` by `line`, parses,
 * and checks the error is exactly "bad.theme:N: <want...>". */
static void expect_error(const char *role, const char *line, int want_line, const char *want)
{
	char *text = xstrdup(full_theme);
	char *at = strstr(text, role);
	assert_non_null(at);
	char *end = strchr(at, '\n');
	char *fixed = xasprintf("%.*s%s%s", (int)(at - text), text, line, end);
	struct theme t;
	char err[512] = "";
	assert_int_equal(theme_parse(fixed, "bad.theme", &t, err, sizeof err), -1);
	char *prefix = xasprintf("bad.theme:%d: %s", want_line, want);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("got \"%s\", want \"%s...\"", err, prefix);
	assert_null(strchr(err, '\n'));
	free(prefix);
	free(fixed);
	free(text);
}

static void test_parse_errors(void **state)
{
	(void)state;
	/* line 3 of full_theme is "muted = ..." */
	expect_error("muted =", "mutd = white default", 3, "unknown role 'mutd'");
	expect_error("muted =", "muted = purple default", 3, "unknown colour 'purple'");
	expect_error("muted =", "muted = white grey", 3, "unknown colour 'grey'");
	expect_error("muted =", "muted = white default 256: 256 -", 3, "bad 256-colour index '256'");
	expect_error("muted =", "muted = white default 256: -1 -", 3, "bad 256-colour index '-1'");
	expect_error("muted =", "muted = white default 256: 1x -", 3, "bad 256-colour index '1x'");
	expect_error("muted =", "muted = white default 256: 12", 3, "'256:' needs two colours");
	expect_error("muted =", "muted = white default rgb: #12345 -", 3, "bad RGB colour '#12345'");
	expect_error("muted =", "muted = white default rgb: #gg0000 -", 3, "bad RGB colour '#gg0000'");
	expect_error("muted =", "muted = white default rgb: 00ff00 -", 3, "bad RGB colour '00ff00'");
	expect_error("muted =", "muted = white default rgb: #00ff00", 3, "'rgb:' needs two colours");
	expect_error("muted =", "muted = white default blink", 3, "attribute 'blink' is not supported");
	expect_error("muted =", "muted = white default dim", 3, "attribute 'dim' is not supported");
	expect_error("muted =", "muted = white default shiny", 3, "unexpected 'shiny'");
	expect_error("muted =", "muted = white", 3, "expected a foreground and a background");
	expect_error("muted =", "muted white default", 3, "expected 'ROLE = FG BG");
	expect_error("muted =", "text = white default", 3, "duplicate role 'text' (first set on line 2)");
	expect_error("name =", "name = two words", 1, "bad theme name 'two'");
	/* a missing role is reported at the end of the file */
	expect_error("ask =", "", 26, "missing role 'ask'");
	/* untrusted words are sanitised: no escape byte reaches the terminal */
	char *text = xasprintf("%s\x1b[2Jevil = red default\n", full_theme);
	struct theme t;
	char err[512] = "";
	assert_int_equal(theme_parse(text, "bad.theme", &t, err, sizeof err), -1);
	assert_null(strchr(err, '\x1b'));
	assert_non_null(strstr(err, "bad.theme:27: unknown role"));
	free(text);
	/* an empty file: the first missing role */
	assert_int_equal(theme_parse("", "empty.theme", &t, err, sizeof err), -1);
	assert_string_equal(err, "empty.theme:1: missing role 'text' (every role needs a line "
	                         "'ROLE = FG BG'; see themes/dark.theme)");
}

static char tmpdir[64];

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup_dirs(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/gb-theme-test.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	unsetenv("GLASSBOX_THEME_DIR");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", tmpdir, 1); /* no ~/.config/glassbox/themes of the user's */
	return 0;
}

static int teardown_dirs(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static void test_load_by_name_and_path(void **state)
{
	(void)state;
	struct theme t;
	char err[1024] = "";
	for (size_t i = 0; i < sizeof shipped / sizeof *shipped; i++) {
		if (theme_load(shipped[i], &t, err, sizeof err) != 0)
			fail_msg("%s", err);
		assert_string_equal(t.name, shipped[i]);
	}
	/* by path */
	char *path = xasprintf("%s/mine.theme", tmpdir);
	write_text(path, full_theme);
	assert_int_equal(theme_load(path, &t, err, sizeof err), 0);
	assert_string_equal(t.name, "t");
	/* a parse error through the loader names the path and line */
	char *bad = xasprintf("%s/bad.theme", tmpdir);
	write_text(bad, "text = white nope\n");
	assert_int_equal(theme_load(bad, &t, err, sizeof err), -1);
	char *want = xasprintf("%s:1: unknown colour 'nope'", bad);
	assert_int_equal(strncmp(err, want, strlen(want)), 0);
	free(want);
	/* a missing path */
	char *missing = xasprintf("%s/none.theme", tmpdir);
	assert_int_equal(theme_load(missing, &t, err, sizeof err), -1);
	assert_non_null(strstr(err, "No such file or directory"));
	free(missing);
	free(bad);
	free(path);
	/* names are names: no spaces or control bytes */
	assert_int_equal(theme_load("da rk", &t, err, sizeof err), -1);
	assert_non_null(strstr(err, "bad theme name"));
}

static void test_unknown_name_lists_available(void **state)
{
	(void)state;
	struct theme t;
	char err[1024] = "";
	assert_int_equal(theme_load("solarized", &t, err, sizeof err), -1);
	assert_string_equal(err, "unknown theme 'solarized' (available: dark, high-contrast, light, mono)");
	/* a theme in $GLASSBOX_THEME_DIR is listed, found, and wins over a shipped one */
	char *dir = xasprintf("%s/envdir", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	char *p1 = xasprintf("%s/zzz.theme", dir), *p2 = xasprintf("%s/dark.theme", dir);
	write_text(p1, full_theme);
	write_text(p2, strstr(full_theme, "\n") + 1); /* no name line: named after the file */
	setenv("GLASSBOX_THEME_DIR", dir, 1);
	assert_int_equal(theme_load("solarized", &t, err, sizeof err), -1);
	assert_non_null(strstr(err, "(available: dark, high-contrast, light, mono, zzz)"));
	assert_int_equal(theme_load("zzz", &t, err, sizeof err), 0);
	assert_string_equal(t.name, "t");
	assert_int_equal(theme_load("dark", &t, err, sizeof err), 0);
	assert_int_equal(t.role[ROLE_DENY].fg16, 1); /* the test file's red, not the shipped brightred */
	unsetenv("GLASSBOX_THEME_DIR");
	assert_int_equal(theme_load("dark", &t, err, sizeof err), 0);
	assert_int_equal(t.role[ROLE_DENY].fg16, 9);
	/* ~/.config/glassbox/themes is searched too */
	char *cfg = xasprintf("%s/.config/glassbox/themes", tmpdir);
	char *cmd = xasprintf("mkdir -p '%s'", cfg);
	assert_int_equal(system(cmd), 0);
	char *p3 = xasprintf("%s/mine.theme", cfg);
	write_text(p3, full_theme);
	assert_int_equal(theme_load("mine", &t, err, sizeof err), 0);
	char names[512];
	theme_list_names(names, sizeof names);
	assert_string_equal(names, "dark, high-contrast, light, mine, mono");
	free(p3);
	free(cmd);
	free(cfg);
	free(p2);
	free(p1);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_names),
		cmocka_unit_test(test_shipped_themes_parse),
		cmocka_unit_test(test_builtins_match_files),
		cmocka_unit_test(test_mono_and_high_contrast),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test_setup_teardown(test_load_by_name_and_path, setup_dirs, teardown_dirs),
		cmocka_unit_test_setup_teardown(test_unknown_name_lists_available, setup_dirs, teardown_dirs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
