/* Unit tests for tui/theme_curses.c, with curses running headless (newterm on
 * /dev/null) for real terminal types: monochrome attributes keep the roles
 * that must be told apart distinct; colour pairs get the colours each kind of
 * terminal (8, 16, 256, direct) should show; shell cells get pairs from
 * alloc_pair without ever taking a role's pair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "colour.h"
#include "term.h"
#include "theme.h"

static SCREEN *screen;
static FILE *out, *in;

/* A curses screen for terminal type `type` writing to /dev/null; NULL when
 * this machine lacks the terminfo entry. */
static SCREEN *open_screen(const char *type)
{
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	assert_non_null(out);
	assert_non_null(in);
	screen = newterm(type, out, in);
	if (screen && has_colors())
		start_color();
	return screen;
}

static void close_screen(void)
{
	if (screen) {
		endwin();
		delscreen(screen);
		screen = NULL;
	}
	fclose(out);
	fclose(in);
}

static struct theme load(const char *name)
{
	struct theme t;
	char err[512];
	setenv("GLASSBOX_THEME_DIR", THEMES_DIR, 1);
	if (theme_load(name, &t, err, sizeof err) != 0)
		fail_msg("%s", err);
	return t;
}

static void assert_pair_colours(int pair, int want_fg, int want_bg)
{
	int fg, bg;
	assert_int_equal(extended_pair_content(pair, &fg, &bg), OK);
	assert_int_equal(fg, want_fg);
	assert_int_equal(bg, want_bg);
}

/* The roles a user must tell apart differ in their attributes alone. */
static void assert_mono_distinct(void)
{
	assert_true(theme_curses_mono());
	for (int r = 0; r < ROLE__COUNT; r++) {
		assert_int_equal(theme_attr(r) & A_COLOR, 0);
		assert_int_equal(theme_pair(r), 0);
		/* no dim, no colour: only bold, underline, reverse */
		assert_int_equal(theme_attr(r) & ~(A_BOLD | A_UNDERLINE | A_REVERSE), 0);
	}
	assert_int_not_equal(theme_attr(ROLE_ALLOW), theme_attr(ROLE_DENY));
	assert_int_not_equal(theme_attr(ROLE_ALLOW), theme_attr(ROLE_WARN));
	assert_int_not_equal(theme_attr(ROLE_DENY), theme_attr(ROLE_WARN));
	assert_int_not_equal(theme_attr(ROLE_ALLOW), theme_attr(ROLE_TEXT));
	assert_int_not_equal(theme_attr(ROLE_SELECTED), theme_attr(ROLE_TEXT));
	assert_int_not_equal(theme_attr(ROLE_BORDER_FOCUS), theme_attr(ROLE_BORDER));
	assert_int_not_equal(theme_attr(ROLE_TITLE_FOCUS), theme_attr(ROLE_TITLE));
	assert_int_not_equal(theme_attr(ROLE_TAB_ACTIVE), theme_attr(ROLE_TAB));
	assert_int_not_equal(theme_attr(ROLE_ASK), theme_attr(ROLE_TEXT));
	assert_int_not_equal(theme_attr(ROLE_DIFF_ADD), theme_attr(ROLE_DIFF_DEL));
	assert_int_equal(
	        theme_cell_pair(TERM_COLOR_RGB, 0, 255, 0, 0, TERM_COLOR_INDEXED, 4, 0, 0, 0), 0);
}

static void test_no_color_uses_mono_attrs(void **state)
{
	(void)state;
	struct theme dark = load("dark");
	assert_non_null(open_screen("xterm-256color"));
	assert_true(has_colors());
	theme_curses_init(&dark, true); /* NO_COLOR with the dark theme */
	assert_mono_distinct();
	/* switching to colour on the same screen, then back */
	theme_curses_init(&dark, false);
	assert_false(theme_curses_mono());
	assert_int_not_equal(theme_pair(ROLE_DENY), 0);
	theme_curses_init(&dark, true);
	assert_mono_distinct();
	close_screen();
}

static void test_terminal_without_colours(void **state)
{
	(void)state;
	struct theme dark = load("dark");
	assert_non_null(open_screen("vt100"));
	assert_false(has_colors());
	theme_curses_init(&dark, false); /* colour asked for, none available */
	assert_mono_distinct();
	close_screen();
}

static void test_256_colours(void **state)
{
	(void)state;
	struct theme dark = load("dark");
	assert_non_null(open_screen("xterm-256color"));
	assert_int_equal(COLORS, 256);
	theme_curses_init(&dark, false);
	assert_false(theme_curses_mono());
	for (int r = 0; r < ROLE__COUNT; r++) {
		assert_int_equal(theme_pair(r), r + 1);
		assert_int_equal(PAIR_NUMBER(theme_attr(r)), r + 1);
	}
	assert_pair_colours(theme_pair(ROLE_TEXT), -1, -1);
	assert_pair_colours(theme_pair(ROLE_DENY), 203, -1);    /* the 256: override */
	assert_pair_colours(theme_pair(ROLE_FKEY_NUM), 15, -1); /* no override: brightwhite */
	assert_pair_colours(theme_pair(ROLE_STATUS), 231, 24);
	assert_true(theme_attr(ROLE_DENY) & A_BOLD);
	assert_false(theme_attr(ROLE_TEXT) & A_BOLD);

	/* shell cells: quantised to 256 and shared */
	int p = theme_cell_pair(TERM_COLOR_RGB, 0, 255, 0, 0, TERM_COLOR_DEFAULT, 0, 0, 0, 0);
	assert_true(p > ROLE__COUNT);
	assert_pair_colours(p, 196, -1);
	assert_int_equal(
	        theme_cell_pair(TERM_COLOR_RGB, 0, 250, 5, 5, TERM_COLOR_DEFAULT, 0, 0, 0, 0), p);
	int q = theme_cell_pair(TERM_COLOR_INDEXED, 9, 0, 0, 0, TERM_COLOR_INDEXED, 236, 0, 0, 0);
	assert_int_not_equal(q, p);
	assert_pair_colours(q, 9, 236);
	assert_int_equal(
	        theme_cell_pair(TERM_COLOR_DEFAULT, 0, 0, 0, 0, TERM_COLOR_DEFAULT, 0, 0, 0, 0), 0);
	close_screen();
}

static void test_16_and_8_colours(void **state)
{
	(void)state;
	struct theme dark = load("dark");
	if (open_screen("xterm-16color")) { /* from ncurses-term */
		assert_int_equal(COLORS, 16);
		theme_curses_init(&dark, false);
		assert_pair_colours(theme_pair(ROLE_DENY), 9, -1); /* the 16-colour value */
		assert_pair_colours(theme_pair(ROLE_TITLE_FOCUS), 0, 6);
		int p = theme_cell_pair(TERM_COLOR_INDEXED, 196, 0, 0, 0, TERM_COLOR_RGB, 0, 0, 0,
		                        135);
		assert_pair_colours(p, 9, 4);
		close_screen();
	} else {
		close_screen();
	}

	assert_non_null(open_screen("xterm")); /* 8 colours, 64 pairs */
	assert_int_equal(COLORS, 8);
	theme_curses_init(&dark, false);
	assert_pair_colours(theme_pair(ROLE_DENY), 1, -1);
	assert_true(theme_attr(ROLE_DENY) & A_BOLD);
	assert_pair_colours(theme_pair(ROLE_FKEY_LABEL), 0, 6);
	/* a bright foreground shows as bold on 8 colours */
	assert_pair_colours(theme_pair(ROLE_BORDER_FOCUS), 6, -1);
	assert_true(theme_attr(ROLE_BORDER_FOCUS) & A_BOLD);
	assert_false(theme_attr(ROLE_BORDER) & A_BOLD);

	/* more distinct cell colours than free pairs: alloc_pair recycles old
	 * pairs, but never takes a role's */
	int last = 0;
	for (int f = -1; f < 8; f++)
		for (int b = -1; b < 8; b++) {
			if (f == -1 && b == -1)
				continue;
			int fk = f < 0 ? TERM_COLOR_DEFAULT : TERM_COLOR_INDEXED;
			int bk = b < 0 ? TERM_COLOR_DEFAULT : TERM_COLOR_INDEXED;
			last = theme_cell_pair(fk, f < 0 ? 0 : f, 0, 0, 0, bk, b < 0 ? 0 : b, 0, 0,
			                       0);
			assert_true(last > 0);
			assert_pair_colours(last, f, b);
		}
	/* ... and a colour asked for again after its pair was recycled is right */
	for (int b = -1; b < 8; b++) {
		int bk = b < 0 ? TERM_COLOR_DEFAULT : TERM_COLOR_INDEXED;
		last = theme_cell_pair(TERM_COLOR_INDEXED, 2, 0, 0, 0, bk, b < 0 ? 0 : b, 0, 0, 0);
		assert_pair_colours(last, 2, b);
	}
	assert_pair_colours(theme_pair(ROLE_DENY), 1, -1);
	assert_pair_colours(theme_pair(ROLE_FKEY_LABEL), 0, 6);
	assert_pair_colours(theme_pair(ROLE_STATUS), 7, 4);
	assert_pair_colours(theme_pair(ROLE_TEXT), -1, -1);
	close_screen();
}

static void test_direct_colour(void **state)
{
	(void)state;
	struct theme dark = load("dark"), hc = load("high-contrast");
	if (!open_screen("xterm-direct")) {
		close_screen();
		print_message("skipped: no xterm-direct terminfo entry (Debian package ncurses-term)\n");
		skip();
	}
	assert_true(COLORS >= COLOUR_DIRECT_MIN);
	theme_curses_init(&dark, false);
	assert_pair_colours(theme_pair(ROLE_DENY), 0xff5f5f, -1); /* the rgb: override */
	assert_pair_colours(theme_pair(ROLE_DIALOG), 0xeeeeee, -1);
	assert_pair_colours(theme_pair(ROLE_STATUS), 0xffffff, 0x005f87);
	theme_curses_init(&hc, false);
	assert_pair_colours(theme_pair(ROLE_TEXT), 0xffffff, 8); /* black nudged off palette 0 */
	int p = theme_cell_pair(TERM_COLOR_RGB, 0, 1, 2, 3, TERM_COLOR_INDEXED, 4, 0, 0, 0);
	assert_pair_colours(p, 0x010203, 4);
	close_screen();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_color_uses_mono_attrs),
		cmocka_unit_test(test_terminal_without_colours),
		cmocka_unit_test(test_256_colours),
		cmocka_unit_test(test_16_and_8_colours),
		cmocka_unit_test(test_direct_colour),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
