/* view: a scrollable text overlay drawn over the panes — help, details,
 * diffs and the dialogs. Lines are sanitised (and tabs expanded) when added,
 * so drawing writes them as they are. */
#include "tui.h"
#include "sanitize.h"
#include "util.h"

#include <stdarg.h>
#include <wchar.h>
#include <string.h>

struct view *view_new(enum view_kind kind, const char *title)
{
	struct view *v = xcalloc(1, sizeof *v);
	v->kind = kind;
	v->sel_item = -1;
	snprintf(v->title, sizeof v->title, "%s", title);
	return v;
}

void view_add(struct view *v, enum theme_role role, const char *text)
{
	/* expand tabs first: sanitize would show them as \t */
	size_t n = 0;
	for (const char *s = text; *s; s++)
		n += *s == '\t' ? 8 : 1;
	char *exp = xmalloc(n + 1), *o = exp;
	size_t col = 0;
	for (const char *s = text; *s; s++) {
		if (*s == '\t') {
			do
				*o++ = ' ', col++;
			while (col % 8);
		} else {
			*o++ = *s;
			if (((unsigned char)*s & 0xc0) != 0x80)
				col++;
		}
	}
	*o = 0;
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->lines = xrealloc(v->lines, v->cap * sizeof *v->lines);
	}
	v->lines[v->n++] = (struct view_line){ sanitize_str(exp), role, -1 };
	free(exp);
}

void view_addf(struct view *v, enum theme_role role, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	view_add(v, role, s ? s : "");
	free(s);
}

void view_free(struct view *v)
{
	if (!v)
		return;
	free(v->change_path);
	for (size_t i = 0; i < v->n; i++)
		free(v->lines[i].text);
	free(v->lines);
	free(v);
}

static int view_rows(const struct view *v)
{
	return v->r.h > 2 ? v->r.h - 2 : 1;
}

bool view_scroll(struct view *v, enum tui_action a)
{
	size_t page = (size_t)view_rows(v);
	size_t max = v->n > page ? v->n - page : 0;
	size_t old = v->top;
	switch (a) {
	case ACT_UP: v->top = v->top ? v->top - 1 : 0; break;
	case ACT_DOWN: v->top = v->top < max ? v->top + 1 : max; break;
	case ACT_PAGE_UP: v->top = v->top > page ? v->top - page : 0; break;
	case ACT_PAGE_DOWN: v->top = v->top + page < max ? v->top + page : max; break;
	case ACT_TOP: v->top = 0; break;
	case ACT_BOTTOM: v->top = max; break;
	default: return false;
	}
	return v->top != old;
}

void view_draw(struct tui *t, struct view *v)
{
	int body = t->rows - 2;
	int h = body - 2, w = t->cols - 4;
	if (v->kind == VIEW_DETAILS || v->kind == VIEW_CONFIRM) {
		int want = (int)v->n + 2;
		if (want < h)
			h = want < 6 ? 6 : want;
	}
	if (h < 3)
		h = body;
	if (w < 10)
		w = t->cols;
	v->r = (struct rect){ (body - h) / 2, (t->cols - w) / 2, h, w };
	const struct rect *r = &v->r;
	attr_t border = theme_attr(ROLE_DIALOG_BORDER);
	for (int y = 0; y < r->h; y++)
		draw_fill(r->y + y, r->x, r->w, theme_attr(ROLE_DIALOG));
	draw_box_frame(r, border, v->title, theme_attr(ROLE_TITLE_FOCUS));
	int rows = view_rows(v);
	size_t page = (size_t)rows;
	if (v->top > 0 && v->top + page > v->n)
		v->top = v->n > page ? v->n - page : 0;
	for (size_t i = 0; v->sel_item >= 0 && i < v->n; i++)
		if (v->lines[i].item == v->sel_item) { /* keep the selection in sight */
			if (i < v->top)
				v->top = i;
			else if (i >= v->top + page)
				v->top = i - page + 1;
		}
	for (int y = 0; y < rows && v->top + (size_t)y < v->n; y++) {
		const struct view_line *l = &v->lines[v->top + (size_t)y];
		attr_t a = l->role == ROLE_TEXT ? theme_attr(ROLE_DIALOG) : theme_attr(l->role);
		if (v->sel_item >= 0 && l->item == v->sel_item) {
			a = theme_attr(ROLE_SELECTED);
			draw_fill(r->y + 1 + y, r->x + 1, r->w - 2, a);
		}
		draw_text(r->y + 1 + y, r->x + 2, r->w - 4, l->text, a);
	}
	char foot[64];
	if (v->n > page)
		snprintf(foot, sizeof foot, " %zu-%zu of %zu, q closes ", v->top + 1,
		         v->top + page < v->n ? v->top + page : v->n, v->n);
	else
		snprintf(foot, sizeof foot, " q closes ");
	int fl = (int)strlen(foot);
	if (fl < r->w - 4)
		draw_text(r->y + r->h - 1, r->x + r->w - 2 - fl, fl, foot, theme_attr(ROLE_DIALOG_BORDER));
}

struct view *view_help(struct tui *t)
{
	struct view *v = view_new(VIEW_HELP, "Help");
	size_t n;
	char **lines = keymap_help(t->prefix_key, &n);
	for (size_t i = 0; i < n; i++)
		view_add(v, lines[i][0] && lines[i][0] != ' ' ? ROLE_TITLE_FOCUS : ROLE_TEXT, lines[i]);
	keymap_help_free(lines, n);
	return v;
}

enum input_result input_line_key(char *buf, size_t cap, int key)
{
	size_t len = strlen(buf);
	if (key == 27)
		return INPUT_CANCEL;
	if (key == '\r' || key == '\n' || key == (KM_FUNC | KEY_ENTER))
		return INPUT_DONE;
	if (key == 127 || key == 8 || key == (KM_FUNC | KEY_BACKSPACE)) {
		while (len > 0 && ((unsigned char)buf[len - 1] & 0xc0) == 0x80)
			len--; /* a whole UTF-8 character */
		if (len > 0)
			buf[len - 1] = 0;
	} else if (!(key & (KM_FUNC | KM_ALT)) && key >= ' ' && len + 5 < cap) {
		char mb[8];
		mbstate_t st;
		memset(&st, 0, sizeof st);
		size_t n = wcrtomb(mb, (wchar_t)key, &st);
		if (n != (size_t)-1) {
			memcpy(buf + len, mb, n);
			buf[len + n] = 0;
		}
	}
	return INPUT_EDITED;
}
