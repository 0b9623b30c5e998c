/* gb-theme-preview: draws a still of the glassbox layout (tabs, a shell pane
 * with program colours, Network/Denied/Changes panes, a diff, an ask dialog,
 * status and F-key bars) in every role of a theme, so a theme can be judged,
 * and photographed by screenshots/make.sh, without a sandbox running.
 * Usage: gb-theme-preview [THEME|PATH]   (NO_COLOR honoured; any key quits) */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"
#include "theme.h"

static void put(int y, int x, enum theme_role role, const char *text)
{
	attrset(theme_attr(role));
	mvaddstr(y, x, text);
	attrset(A_NORMAL);
}

static void fill(int y, int x, int w, enum theme_role role)
{
	attrset(theme_attr(role));
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

/* A bordered pane with its title; the focused one stands out. */
static void pane(int y, int x, int h, int w, const char *title, bool focused)
{
	attrset(theme_attr(focused ? ROLE_BORDER_FOCUS : ROLE_BORDER));
	WINDOW *box_win = derwin(stdscr, h, w, y, x);
	wattrset(box_win, theme_attr(focused ? ROLE_BORDER_FOCUS : ROLE_BORDER));
	box(box_win, 0, 0);
	wnoutrefresh(box_win);
	delwin(box_win);
	attrset(A_NORMAL);
	char t[64];
	snprintf(t, sizeof t, " %s ", title);
	put(y, x + 2, focused ? ROLE_TITLE_FOCUS : ROLE_TITLE, t);
}

/* Shell-pane cells the way the TUI draws them: a pair per cell colour. */
static void shell_cell_text(int y, int x, const char *text, int kind, int index, int r, int g,
                            int b)
{
	int pair = theme_cell_pair(kind, index, (uint8_t)r, (uint8_t)g, (uint8_t)b,
	                           TERM_COLOR_DEFAULT, 0, 0, 0, 0);
	attr_set(A_NORMAL, (short)0, &pair);
	mvaddstr(y, x, text);
	attrset(A_NORMAL);
}

static void draw(const struct theme *t)
{
	int rows = LINES, cols = COLS;
	int left = cols * 11 / 20, right = cols - left;
	erase();
	bkgdset(theme_attr(ROLE_TEXT) | ' ');
	for (int y = 0; y < rows; y++)
		fill(y, 0, cols, ROLE_TEXT);

	/* tabs */
	fill(0, 0, cols, ROLE_TAB);
	put(0, 1, ROLE_TAB_ACTIVE, " 1 Shell ");
	put(0, 11, ROLE_TAB, " 2 Network ");
	put(0, 23, ROLE_TAB, " 3 Denied ");
	put(0, 34, ROLE_TAB, " 4 Changes ");
	char name[96];
	snprintf(name, sizeof name, "theme: %s%s ", t->name, theme_curses_mono() ? " (mono)" : "");
	put(0, cols - (int)strlen(name) - 1, ROLE_MUTED, name);

	/* shell */
	int sh = rows - 3;
	pane(1, 0, sh, left, "Shell: bash", true);
	put(2, 2, ROLE_TEXT, "$ ls --color");
	shell_cell_text(3, 2, "src/", TERM_COLOR_INDEXED, 12, 0, 0, 0);
	shell_cell_text(3, 8, "build.sh", TERM_COLOR_INDEXED, 10, 0, 0, 0);
	shell_cell_text(3, 18, "notes.md", TERM_COLOR_DEFAULT, 0, 0, 0, 0);
	shell_cell_text(3, 28, "old.tar", TERM_COLOR_INDEXED, 9, 0, 0, 0);
	put(4, 2, ROLE_TEXT, "$ ./colours  # 256 and truecolour cells");
	for (int i = 0; i < 24 && i * 2 + 2 < left - 2; i++)
		shell_cell_text(5, 2 + i * 2, "\u2588\u2588", TERM_COLOR_INDEXED, 16 + i * 9, 0, 0,
		                0);
	for (int i = 0; i < 24 && i * 2 + 2 < left - 2; i++)
		shell_cell_text(6, 2 + i * 2, "\u2588\u2588", TERM_COLOR_RGB, 0, 255 - i * 10,
		                i * 10, 128);
	put(7, 2, ROLE_TEXT, "$ echo hi > /etc/motd");
	put(8, 2, ROLE_TEXT, "bash: /etc/motd: Read-only file system");
	put(9, 2, ROLE_TEXT, "$ curl -sI https://example.com | head -1");
	put(10, 2, ROLE_TEXT, "HTTP/1.1 200 OK");
	put(11, 2, ROLE_TEXT, "$ git diff --stat");

	/* diff view inside the shell area */
	int dy = 13;
	if (dy + 7 < sh) {
		pane(dy, 2, 8, left - 4, "diff: src/main.c", false);
		put(dy + 1, 4, ROLE_DIFF_HUNK, "@@ -10,3 +10,4 @@ int main(void)");
		put(dy + 2, 4, ROLE_TEXT, "   int n = 0;");
		put(dy + 3, 4, ROLE_DIFF_DEL, "-  puts(\"hello\");");
		put(dy + 4, 4, ROLE_DIFF_ADD, "+  puts(\"hello, sandbox\");");
		put(dy + 5, 4, ROLE_DIFF_ADD, "+  return n;");
		put(dy + 6, 4, ROLE_MUTED, "Esc close  j/k scroll");
	}

	/* right column: Network, Denied, Changes */
	int ph = sh / 3;
	pane(1, left, ph, right, "Network", false);
	put(2, left + 2, ROLE_TEXT, "12:00:01 GET  example.com:443");
	put(2, cols - 9, ROLE_ALLOW, "allow");
	fill(3, left + 1, right - 2, ROLE_SELECTED);
	put(3, left + 2, ROLE_SELECTED, "12:00:02 POST api.evil.test:443");
	put(4, left + 2, ROLE_TEXT, "12:00:03 GET  10.0.0.1:80");
	put(4, cols - 9, ROLE_DENY, "deny");
	put(5, left + 2, ROLE_TEXT, "12:00:04 GET  pypi.org:443");
	put(5, cols - 9, ROLE_WARN, "held");

	pane(1 + ph, left, ph, right, "Denied", false);
	put(2 + ph, left + 2, ROLE_DENY, "write");
	put(2 + ph, left + 8, ROLE_TEXT, "/etc/motd  bash");
	put(3 + ph, left + 2, ROLE_MUTED, "  rule: not writable");
	put(4 + ph, left + 2, ROLE_MUTED, "  allow: --allow-write=/etc/motd");
	put(5 + ph, left + 2, ROLE_WARN, "secret");
	put(5 + ph, left + 9, ROLE_TEXT, "GH_TOKEN to api.evil.test");

	pane(1 + 2 * ph, left, sh - 2 * ph, right, "Changes", false);
	put(2 + 2 * ph, left + 2, ROLE_ADDED, "A  src/new.c");
	put(3 + 2 * ph, left + 2, ROLE_MODIFIED, "M  src/main.c");
	put(4 + 2 * ph, left + 2, ROLE_DELETED, "D  old.tar");

	/* an ask-mode dialog */
	int dw = 46, dh = 7, dx = (cols - dw) / 2, dyy = rows / 2 - 2;
	for (int y = 0; y < dh; y++)
		fill(dyy + y, dx, dw, ROLE_DIALOG);
	WINDOW *d = derwin(stdscr, dh, dw, dyy, dx);
	wattrset(d, theme_attr(ROLE_DIALOG_BORDER));
	box(d, 0, 0);
	wnoutrefresh(d);
	delwin(d);
	put(dyy, dx + 2, ROLE_DIALOG_BORDER, " Held request ");
	put(dyy + 1, dx + 2, ROLE_ASK, " CONNECT pypi.org:443 ");
	put(dyy + 2, dx + 2, ROLE_DIALOG, "a allow once  s this session  d deny");
	put(dyy + 3, dx + 2, ROLE_DIALOG, "deny in 9 s  ");
	put(dyy + 4, dx + 2, ROLE_DIALOG, "Filter:");
	fill(dyy + 4, dx + 10, 20, ROLE_INPUT);
	put(dyy + 4, dx + 10, ROLE_INPUT, "pypi");

	/* status and F-key bars */
	fill(rows - 2, 0, cols, ROLE_STATUS);
	put(rows - 2, 1, ROLE_STATUS,
	    "glassbox  ~/project  net: ask  write: ./  3 denied  2 changes");
	fill(rows - 1, 0, cols, ROLE_TEXT);
	static const char *const keys[] = { "Help", "Perms", "Snaps", "", "Zoom",
		                            "",     "",      "",      "", "Quit" };
	int x = 0;
	for (int i = 0; i < 10 && x < cols - 10; i++) {
		if (!keys[i][0])
			continue;
		char num[8];
		snprintf(num, sizeof num, "F%d", i + 1);
		put(rows - 1, x, ROLE_FKEY_NUM, num);
		x += (int)strlen(num);
		char label[16];
		snprintf(label, sizeof label, "%-6s", keys[i]);
		put(rows - 1, x, ROLE_FKEY_LABEL, label);
		x += (int)strlen(label) + 1;
	}
	refresh();
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	const char *name = argc > 1 ? argv[1] : "dark";
	struct theme t;
	char err[1024];
	if (theme_load(name, &t, err, sizeof err) < 0) {
		fprintf(stderr, "gb-theme-preview: %s\n", err);
		return 2;
	}
	const char *nc = getenv("NO_COLOR");
	initscr();
	if (has_colors())
		start_color();
	noecho();
	cbreak();
	curs_set(0);
	theme_curses_init(&t, (nc && nc[0]) || strcmp(t.name, "mono") == 0);
	draw(&t);
	getch();
	endwin();
	return 0;
}
