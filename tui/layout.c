/* layout: where each pane goes for the terminal's size, and the frames
 * (borders, titles, tab bar) around them.
 *
 *   wide (>= 100 columns)              narrow (< 100 columns): tabs
 *   +-- Shell ------+-- Network --+    [1 Shell] 2 Network 3 Denied 4 Changes
 *   |               +-- Denied ---+    +-- Shell --------------------------+
 *   |               +-- Changes --+    |                                   |
 *   status line                        status line
 *   F-key bar                          F-key bar
 *
 * A zoomed pane takes the whole area above the status line. The shell pane's
 * size is the terminal size the sandboxed shell sees. */
#include "tui.h"

#include <string.h>
#include <wchar.h>

#define NARROW_COLS 100

static void set_outer(struct pane *p, int y, int x, int h, int w)
{
	p->outer = (struct rect){ y, x, h, w };
	p->inner = (struct rect){ y + 1, x + 1, h - 2 > 0 ? h - 2 : 0, w - 2 > 0 ? w - 2 : 0 };
	p->visible = h >= 3 && w >= 4;
}

void layout_compute(struct tui *t)
{
	getmaxyx(stdscr, t->rows, t->cols);
	t->narrow = t->cols < NARROW_COLS;
	int body_h = t->rows - 2;
	t->status_r = (struct rect){ t->rows - 2, 0, 1, t->cols };
	t->fkeys_r = (struct rect){ t->rows - 1, 0, 1, t->cols };
	t->tabs_r = (struct rect){ 0, 0, 0, 0 };
	for (int i = 0; i < PANE__COUNT; i++)
		t->panes[i].visible = false, t->panes[i].outer = t->panes[i].inner = (struct rect){ 0 };
	if (body_h < 3)
		body_h = 3;

	if (t->zoom >= 0) {
		set_outer(&t->panes[t->zoom], 0, 0, body_h, t->cols);
	} else if (t->narrow) {
		t->tabs_r = (struct rect){ 0, 0, 1, t->cols };
		set_outer(&t->panes[t->focus], 1, 0, body_h - 1, t->cols);
		if (t->focus != PANE_SHELL) /* the shell keeps its size while hidden */
			set_outer(&t->panes[PANE_SHELL], 1, 0, body_h - 1, t->cols),
				t->panes[PANE_SHELL].visible = false;
	} else {
		int shell_w = t->cols * 62 / 100;
		set_outer(&t->panes[PANE_SHELL], 0, 0, body_h, shell_w);
		int side_w = t->cols - shell_w;
		int h = body_h / 3;
		set_outer(&t->panes[PANE_NETWORK], 0, shell_w, h, side_w);
		set_outer(&t->panes[PANE_DENIED], h, shell_w, h, side_w);
		set_outer(&t->panes[PANE_CHANGES], 2 * h, shell_w, body_h - 2 * h, side_w);
	}
	/* The shell's size when it is zoomed away from: its wide/narrow place. */
	if (t->zoom >= 0 && t->zoom != PANE_SHELL) {
		struct pane *sh = &t->panes[PANE_SHELL];
		if (t->narrow)
			set_outer(sh, 1, 0, body_h - 1, t->cols);
		else
			set_outer(sh, 0, 0, body_h, t->cols * 62 / 100);
		sh->visible = false;
	}
	t->full_redraw = true;
}

int layout_pane_at(const struct tui *t, int y, int x)
{
	for (int i = 0; i < PANE__COUNT; i++)
		if (t->panes[i].visible && rect_has(&t->panes[i].outer, y, x))
			return i;
	return -1;
}

/* Column ranges of the tabs, the same computation for drawing and clicks. */
static int tab_label(int i, const struct tui *t, char *buf, size_t len)
{
	return snprintf(buf, len, " %d %s ", i + 1, t->panes[i].name);
}

int layout_tab_at(const struct tui *t, int y, int x)
{
	if (!rect_has(&t->tabs_r, y, x))
		return -1;
	int col = 0;
	for (int i = 0; i < PANE__COUNT; i++) {
		char buf[64];
		int w = tab_label(i, t, buf, sizeof buf);
		if (x >= col && x < col + w)
			return i;
		col += w + 1;
	}
	return -1;
}

void draw_fill(int y, int x, int w, attr_t attr)
{
	attrset(attr);
	mvhline(y, x, ' ', w);
}

/* Writes already-sanitised UTF-8 clipped to w columns. */
void draw_text(int y, int x, int w, const char *s, attr_t attr)
{
	attrset(attr);
	move(y, x);
	int used = 0;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t len = strlen(s);
	while (len > 0 && used < w) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, len, &st);
		if (n == (size_t)-1 || n == (size_t)-2) {
			wc = L'?';
			n = 1;
			memset(&st, 0, sizeof st);
		} else if (n == 0) {
			break;
		}
		int cw = wcwidth(wc);
		if (cw < 0)
			cw = 1, wc = L'?';
		if (used + cw > w)
			break;
		cchar_t cc;
		wchar_t ws[2] = { wc, 0 };
		setcchar(&cc, ws, attr, 0, NULL);
		add_wch(&cc);
		used += cw;
		s += n;
		len -= n;
	}
}

void draw_box_frame(const struct rect *r, attr_t border, const char *title, attr_t title_attr)
{
	attrset(border);
	mvhline(r->y, r->x + 1, ACS_HLINE, r->w - 2);
	mvhline(r->y + r->h - 1, r->x + 1, ACS_HLINE, r->w - 2);
	mvvline(r->y + 1, r->x, ACS_VLINE, r->h - 2);
	mvvline(r->y + 1, r->x + r->w - 1, ACS_VLINE, r->h - 2);
	mvaddch(r->y, r->x, ACS_ULCORNER);
	mvaddch(r->y, r->x + r->w - 1, ACS_URCORNER);
	mvaddch(r->y + r->h - 1, r->x, ACS_LLCORNER);
	mvaddch(r->y + r->h - 1, r->x + r->w - 1, ACS_LRCORNER);
	char buf[160];
	snprintf(buf, sizeof buf, " %s ", title);
	draw_text(r->y, r->x + 2, r->w - 4, buf, title_attr);
}

static void draw_box(const struct pane *p, bool focused, const char *title)
{
	draw_box_frame(&p->outer, theme_attr(focused ? ROLE_BORDER_FOCUS : ROLE_BORDER), title,
	           theme_attr(focused ? ROLE_TITLE_FOCUS : ROLE_TITLE));
}

void layout_draw_frames(struct tui *t)
{
	if (t->tabs_r.h > 0) {
		draw_fill(0, 0, t->cols, theme_attr(ROLE_TAB));
		int col = 0;
		for (int i = 0; i < PANE__COUNT; i++) {
			char buf[64];
			int w = tab_label(i, t, buf, sizeof buf);
			if (col + w > t->cols)
				break;
			draw_text(0, col, w, buf, theme_attr(i == (int)t->focus ? ROLE_TAB_ACTIVE : ROLE_TAB));
			col += w + 1;
		}
	}
	for (int i = 0; i < PANE__COUNT; i++) {
		struct pane *p = &t->panes[i];
		if (!p->visible)
			continue;
		char title[128];
		p->ops->title(p, t, title, sizeof title);
		if (t->zoom == i) {
			size_t l = strlen(title);
			snprintf(title + l, sizeof title - l, " [zoomed]");
		}
		draw_box(p, (int)t->focus == i, title);
	}
}
