/* theme: the TUI's colour themes. A theme gives every semantic role (text,
 * focused border, denied verdict, diff line, ...) a mandatory 16-colour value
 * plus optional 256-colour and truecolour overrides and bold/underline/reverse.
 * This half is pure (no curses): role names, the theme file parser and the
 * loader that finds a theme by name or path. tui/theme_curses.c turns a theme
 * into curses attributes for the running terminal.
 *
 * File syntax (documented in full at the top of themes/dark.theme):
 *   # comment                     (whole lines only: '#' also starts #RRGGBB)
 *   name = dark                   (optional; defaults to the file name)
 *   ROLE = FG BG [bold] [underline] [reverse] [256: FG BG] [rgb: FG BG]
 * FG/BG: black red green yellow blue magenta cyan white, bright<colour>, or
 * default; after "256:" an index 0..255; after "rgb:" #RRGGBB; in both
 * overrides "default" is the terminal's default colour and "-" means no
 * override (use the 16-colour value). Every role must be set exactly once. */
#ifndef GLASSBOX_THEME_H
#define GLASSBOX_THEME_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curses.h> /* attr_t, for the curses half at the end */

enum theme_role {
	ROLE_TEXT, ROLE_MUTED, ROLE_BORDER, ROLE_BORDER_FOCUS, ROLE_TITLE, ROLE_TITLE_FOCUS,
	ROLE_STATUS, ROLE_FKEY_NUM, ROLE_FKEY_LABEL, ROLE_SELECTED, ROLE_TAB, ROLE_TAB_ACTIVE,
	ROLE_ALLOW, ROLE_DENY, ROLE_WARN, ROLE_ADDED, ROLE_MODIFIED, ROLE_DELETED,
	ROLE_DIFF_ADD, ROLE_DIFF_DEL, ROLE_DIFF_HUNK, ROLE_DIALOG, ROLE_DIALOG_BORDER, ROLE_INPUT, ROLE_ASK,
	ROLE__COUNT
};

#define THEME_BOLD 1u
#define THEME_UNDERLINE 2u
#define THEME_REVERSE 4u

/* Override values: THEME_NONE = no override (use the 16-colour value),
 * THEME_DEFAULT = the terminal's default colour. */
#define THEME_NONE (-1)
#define THEME_DEFAULT (-2)

struct theme_style {
	short fg16, bg16;       /* -1 = terminal default, else 0..15 (set for every role) */
	short fg256, bg256;     /* optional override 0..255, THEME_NONE or THEME_DEFAULT */
	int32_t fg_rgb, bg_rgb; /* optional truecolour override 0xRRGGBB, THEME_NONE or THEME_DEFAULT */
	unsigned attrs;         /* THEME_* bits */
};

struct theme {
	char name[64];
	struct theme_style role[ROLE__COUNT];
};

/* "text", "border-focus", ... as written in theme files; NULL when out of range. */
const char *theme_role_name(enum theme_role r);
/* The role with that file name, or -1. */
int theme_role_from_name(const char *name);

/* Parses theme file text; filename names the file in messages and gives the
 * default theme name. On error returns -1 with one line "FILE:LINE: problem"
 * in err (untrusted words in it are sanitised); 0 on success. */
int theme_parse(const char *text, const char *filename, struct theme *out, char *err, size_t errlen);

/* NAME or a path containing '/'. A NAME ([A-Za-z0-9._-], no ".theme") is
 * looked up as NAME.theme in, first to last: $GLASSBOX_THEME_DIR,
 * ~/.config/glassbox/themes ($XDG_CONFIG_HOME honoured), the directory
 * GLASSBOX_THEME_DIR_DEFAULT compiled in (the source tree's themes/), the
 * installed data directory, and finally the copies of the shipped themes
 * compiled into the program (so "dark" and "mono" always load).
 * Unknown name: -1, err lists the available names. Parse errors: -1, err as
 * theme_parse. */
int theme_load(const char *name_or_path, struct theme *out, char *err, size_t errlen);

/* Every available theme name (directories and built-in copies), sorted, no
 * duplicates, written "a, b, c" into buf. */
void theme_list_names(char *buf, size_t buflen);

/* The built-in monochrome attributes (the same as themes/mono.theme): what
 * theme_curses uses whenever colour is off, whatever theme was chosen. */
void theme_mono(struct theme *out);

/* ---- tui/theme_curses.c (links ncursesw) ---- */

/* After initscr()/newterm() and start_color(): sets up a colour pair for every
 * role for this terminal (COLORS: 8, 16, 88, 256 or direct), or monochrome
 * attributes only (theme_mono) when no_color (NO_COLOR set, --theme mono, or
 * has_colors() false; has_colors() is also checked here). Nothing depends on
 * grey or dim being visible: in mono every role that must be told apart
 * (allow/deny/warn, selected/text, focused/unfocused border) differs by
 * bold/underline/reverse. May be called again to switch themes. */
void theme_curses_init(const struct theme *t, bool no_color);
/* True when theme_curses_init chose monochrome. */
bool theme_curses_mono(void);
/* A_* | COLOR_PAIR(pair) for wattr_set/wattron/wbkgdset. */
attr_t theme_attr(enum theme_role r);
/* The role's pair (0 in mono mode). */
short theme_pair(enum theme_role r);
/* A curses colour pair (ncurses alloc_pair, extended pairs: use it through
 * setcchar's/wattr_set's `opts` as an int*, since it can exceed 255) for a
 * shell-pane cell's colours, quantised for this terminal by
 * colour_for_terminal; kinds as in pty/term.h. 0 in no-colour mode, and 0
 * (the default pair) when both colours are the default. Pairs 1..ROLE__COUNT
 * belong to the roles; every other pair must come from here (a cache in front
 * of alloc_pair relies on it). About 20 ns a call when cached. */
int theme_cell_pair(int fg_kind, int fg_index, uint8_t fr, uint8_t fg, uint8_t fb,
                    int bg_kind, int bg_index, uint8_t br, uint8_t bgc, uint8_t bb);

#endif
