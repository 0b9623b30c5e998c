/* pane_shell: the shell pane. Draws pty/term.h's screen model (only the rows
 * it marks dirty, unless a full redraw is due) with the cells' attributes and
 * colours, and turns ncurses keys and mouse events into what the program in
 * the shell asked for (term_key/term_key_char/term_mouse). */
#include "tui.h"
#include "sanitize.h"
#include "term.h"

#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <wchar.h>

static void draw_row(struct tui *t, const struct rect *r, int row)
{
	int cols = t->term_cols < r->w ? t->term_cols : r->w;
	attrset(A_NORMAL); /* wadd_wch merges the window's attributes into each cell */
	int col = 0;
	struct term_cell c;
	struct term_color last_fg, last_bg;
	bool have_pair = false;
	int pair = 0;
	while (col < cols) {
		term_get_cell(t->term, row, col, &c);
		if (c.width == 0) { /* right half of a wide character drawn before */
			col++;
			continue;
		}
		wchar_t ws[CCHARW_MAX + 1];
		int n = 0;
		for (int i = 0; i < TERM_MAX_CHARS && c.chars[i] && n < CCHARW_MAX; i++)
			ws[n++] = (wchar_t)c.chars[i];
		if (n == 0 || wcwidth(ws[0]) < 0)
			ws[0] = n == 0 ? L' ' : L'?', n = 1;
		ws[n] = 0;
		if (c.width == 2 && col + 1 >= cols) /* a wide char cut by the pane edge */
			ws[0] = L' ', ws[1] = 0;
		attr_t a = A_NORMAL;
		if (c.attrs & TERM_ATTR_BOLD)
			a |= A_BOLD;
		if (c.attrs & TERM_ATTR_ITALIC)
			a |= A_ITALIC;
		if (c.attrs & TERM_ATTR_UNDERLINE)
			a |= A_UNDERLINE;
		if (c.attrs & TERM_ATTR_REVERSE)
			a |= A_REVERSE;
		if (c.attrs & TERM_ATTR_BLINK)
			a |= A_BLINK;
		if (c.attrs & TERM_ATTR_CONCEAL)
			a |= A_INVIS;
		/* runs of one colour are the rule: look the pair up once per run */
		if (!have_pair || memcmp(&c.fg, &last_fg, sizeof last_fg) != 0 ||
		    memcmp(&c.bg, &last_bg, sizeof last_bg) != 0) {
			pair = theme_cell_pair(c.fg.kind, c.fg.index, c.fg.r, c.fg.g, c.fg.b, c.bg.kind,
			                       c.bg.index, c.bg.r, c.bg.g, c.bg.b);
			last_fg = c.fg;
			last_bg = c.bg;
			have_pair = true;
		}
		cchar_t cc;
		setcchar(&cc, ws, a, 0, &pair);
		mvadd_wch(r->y + row, r->x + col, &cc);
		col += c.width == 2 ? 2 : 1;
	}
	attrset(A_NORMAL);
	if (cols < r->w)
		mvhline(r->y + row, r->x + cols, ' ', r->w - cols);
}

static void shell_draw(struct pane *p, struct tui *t, const struct rect *r, bool full)
{
	int rows = t->term_rows < r->h ? t->term_rows : r->h;
	for (int row = 0; row < rows; row++)
		if (full || term_row_dirty(t->term, row))
			draw_row(t, r, row);
	term_clear_dirty(t->term);
}

void shell_place_cursor(struct tui *t)
{
	struct pane *p = &t->panes[PANE_SHELL];
	int row, col;
	bool vis;
	term_cursor(t->term, &row, &col, &vis);
	if (!vis || !p->visible || t->focus != PANE_SHELL || t->view || t->filtering ||
	    row >= p->inner.h || col >= p->inner.w) {
		curs_set(0);
		return;
	}
	move(p->inner.y + row, p->inner.x + col);
	curs_set(1);
}

/* ncurses' names for modified keys in xterm-like terminfo: kUP5 = Ctrl-Up. */
static bool modified_key(int code, enum term_key *k, int *mods)
{
	const char *name = keyname(code);
	if (!name || name[0] != 'k')
		return false;
	static const struct {
		const char *prefix;
		enum term_key key;
	} names[] = {
		{ "kUP", TERM_KEY_UP }, { "kDN", TERM_KEY_DOWN }, { "kLFT", TERM_KEY_LEFT },
		{ "kRIT", TERM_KEY_RIGHT }, { "kHOM", TERM_KEY_HOME }, { "kEND", TERM_KEY_END },
		{ "kDC", TERM_KEY_DEL }, { "kIC", TERM_KEY_INS }, { "kPRV", TERM_KEY_PAGEUP },
		{ "kNXT", TERM_KEY_PAGEDOWN },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t l = strlen(names[i].prefix);
		if (strncmp(name, names[i].prefix, l) == 0 && name[l] >= '2' && name[l] <= '8' &&
		    !name[l + 1]) {
			int m = name[l] - '1'; /* xterm: 1 + (shift 1 | alt 2 | ctrl 4) */
			*k = names[i].key;
			*mods = (m & 1 ? TERM_MOD_SHIFT : 0) | (m & 2 ? TERM_MOD_ALT : 0) |
			        (m & 4 ? TERM_MOD_CTRL : 0);
			return true;
		}
	}
	return false;
}

void shell_send_key(struct tui *t, int key)
{
	int mods = key & KM_ALT ? TERM_MOD_ALT : 0;
	int k = key & ~KM_ALT;
	if (!(k & KM_FUNC)) {
		switch (k) {
		case '\r': case '\n': term_key(t->term, TERM_KEY_ENTER, mods); return;
		case '\t': term_key(t->term, TERM_KEY_TAB, mods); return;
		case 127: case 8: term_key(t->term, TERM_KEY_BACKSPACE, mods); return;
		case 27: term_key(t->term, TERM_KEY_ESCAPE, mods); return;
		}
		term_key_char(t->term, (uint32_t)k, mods);
		return;
	}
	k &= ~KM_FUNC;
	enum term_key tk = 0;
	switch (k) {
	case KEY_UP: tk = TERM_KEY_UP; break;
	case KEY_DOWN: tk = TERM_KEY_DOWN; break;
	case KEY_LEFT: tk = TERM_KEY_LEFT; break;
	case KEY_RIGHT: tk = TERM_KEY_RIGHT; break;
	case KEY_SR: tk = TERM_KEY_UP, mods |= TERM_MOD_SHIFT; break;
	case KEY_SF: tk = TERM_KEY_DOWN, mods |= TERM_MOD_SHIFT; break;
	case KEY_SLEFT: tk = TERM_KEY_LEFT, mods |= TERM_MOD_SHIFT; break;
	case KEY_SRIGHT: tk = TERM_KEY_RIGHT, mods |= TERM_MOD_SHIFT; break;
	case KEY_HOME: tk = TERM_KEY_HOME; break;
	case KEY_END: tk = TERM_KEY_END; break;
	case KEY_SHOME: tk = TERM_KEY_HOME, mods |= TERM_MOD_SHIFT; break;
	case KEY_SEND: tk = TERM_KEY_END, mods |= TERM_MOD_SHIFT; break;
	case KEY_PPAGE: tk = TERM_KEY_PAGEUP; break;
	case KEY_NPAGE: tk = TERM_KEY_PAGEDOWN; break;
	case KEY_IC: tk = TERM_KEY_INS; break;
	case KEY_DC: tk = TERM_KEY_DEL; break;
	case KEY_BACKSPACE: tk = TERM_KEY_BACKSPACE; break;
	case KEY_ENTER: tk = TERM_KEY_ENTER; break;
	case KEY_BTAB: tk = TERM_KEY_TAB, mods |= TERM_MOD_SHIFT; break;
	default:
		if (k >= KEY_F(1) && k <= KEY_F(48)) {
			int n = k - KEY_F0 - 1; /* xterm: F13-24 shift, F25-36 ctrl, F37-48 ctrl-shift */
			tk = TERM_KEY_F1 + n % 12;
			mods |= (n / 12 & 1 ? TERM_MOD_SHIFT : 0) | (n / 12 & 2 ? TERM_MOD_CTRL : 0);
		} else if (!modified_key(k, &tk, &mods)) {
			return;
		}
	}
	term_key(t->term, tk, mods);
}

static enum pane_result shell_key(struct pane *p, struct tui *t, enum tui_action a, int key)
{
	int rows = t->term_rows > 1 ? t->term_rows - 1 : 1;
	switch (a) {
	case ACT_SCROLL_BACK:
		term_scroll_view(t->term, rows);
		return PANE_REDRAW;
	case ACT_SCROLL_FORWARD:
		term_scroll_view(t->term, -rows);
		return PANE_REDRAW;
	case ACT_NONE:
		if (term_view_offset(t->term) > 0)
			term_scroll_view(t->term, -INT_MAX);
		shell_send_key(t, key);
		return PANE_HANDLED;
	default:
		return PANE_IGNORED;
	}
}

static enum pane_result shell_mouse(struct pane *p, struct tui *t, const MEVENT *ev, int y, int x)
{
	mmask_t b = ev->bstate;
	bool wheel_up = b & BUTTON4_PRESSED, wheel_down = b & BUTTON5_PRESSED;
	if (term_wants_mouse(t->term) && term_view_offset(t->term) == 0) {
		int mods = (b & BUTTON_SHIFT ? TERM_MOD_SHIFT : 0) | (b & BUTTON_ALT ? TERM_MOD_ALT : 0) |
		           (b & BUTTON_CTRL ? TERM_MOD_CTRL : 0);
		if (wheel_up || wheel_down)
			term_mouse(t->term, y, x, wheel_up ? 4 : 5, true, mods);
		static const mmask_t press[] = { BUTTON1_PRESSED, BUTTON2_PRESSED, BUTTON3_PRESSED };
		static const mmask_t release[] = { BUTTON1_RELEASED, BUTTON2_RELEASED, BUTTON3_RELEASED };
		static const mmask_t click[] = { BUTTON1_CLICKED, BUTTON2_CLICKED, BUTTON3_CLICKED };
		for (int i = 0; i < 3; i++) {
			if (b & (press[i] | click[i]))
				term_mouse(t->term, y, x, i + 1, true, mods);
			if (b & (release[i] | click[i]))
				term_mouse(t->term, y, x, i + 1, false, mods);
		}
		return PANE_HANDLED;
	}
	if (wheel_up || wheel_down) {
		term_scroll_view(t->term, wheel_up ? 3 : -3);
		return PANE_REDRAW;
	}
	return PANE_IGNORED;
}

static void shell_title(struct pane *p, struct tui *t, char *buf, size_t len)
{
	const char *title = term_title(t->term);
	int off = term_view_offset(t->term);
	char scroll[48] = "";
	if (off > 0)
		snprintf(scroll, sizeof scroll, " [scrolled back %d/%zu]", off,
		         term_scrollback_len(t->term));
	char which[32] = "";
	if (t->nshells > 1)
		snprintf(which, sizeof which, " [%d/%d]", t->active + 1, t->nshells);
	if (title && *title) {
		char *safe = sanitize_str(title);
		snprintf(buf, len, "1 Shell%s: %s%s", which, safe, scroll);
		free(safe);
	} else {
		snprintf(buf, len, "1 Shell%s%s", which, scroll);
	}
}

static bool shell_dirty(struct pane *p, struct tui *t)
{
	return term_any_dirty(t->term);
}

const struct pane_ops pane_shell_ops = {
	.draw = shell_draw,
	.key = shell_key,
	.mouse = shell_mouse,
	.title = shell_title,
	.keymap = KM_SHELL,
	.dirty = shell_dirty,
};
