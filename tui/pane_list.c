/* pane_list: the Network, Denied and Changes panes — a list of one-line
 * entries with a selection, scrolling, a substring filter and, while empty,
 * a line saying so (a pane with no source yet stays visibly empty). What the
 * entries say and what Enter opens is pane_kinds.c's business. */
#include "tui.h"
#include "util.h"

#include <string.h>

void list_init(struct list_pane *l, enum pane_id id, const char *empty_text)
{
	memset(l, 0, sizeof *l);
	l->id = id;
	l->empty_text = empty_text;
	l->follow = true;
}

void list_clear(struct list_pane *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].line);
		cJSON_Delete(l->v[i].data);
	}
	l->n = 0;
	l->nshown = 0;
	l->denied = 0;
	l->dropped = 0;
	l->changed = true;
}

void list_free(struct list_pane *l)
{
	list_clear(l);
	free(l->v);
	free(l->shown);
	l->v = NULL;
	l->shown = NULL;
	l->cap = 0;
}

static bool matches(const struct list_pane *l, const struct list_entry *e)
{
	return !l->filter[0] || strcasestr(e->line, l->filter);
}

/* shown[] has the capacity of v[] (list_add grows both). */
static void push_shown(struct list_pane *l, size_t i)
{
	l->shown[l->nshown++] = i;
}

/* Drops the oldest entries (a flood of connections must not grow memory
 * without bound); the filtered view is rebuilt. */
static void drop_oldest(struct list_pane *l, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		free(l->v[i].line);
		cJSON_Delete(l->v[i].data);
	}
	memmove(l->v, l->v + k, (l->n - k) * sizeof *l->v);
	l->n -= k;
	l->dropped += k;
	size_t sel_abs = l->nshown ? l->shown[l->sel < l->nshown ? l->sel : l->nshown - 1] : 0;
	l->nshown = 0;
	size_t new_sel = 0;
	for (size_t i = 0; i < l->n; i++)
		if (matches(l, &l->v[i])) {
			if (i + k <= sel_abs)
				new_sel = l->nshown;
			push_shown(l, i);
		}
	l->sel = new_sel;
}

void list_add(struct list_pane *l, char *line, enum theme_role role, cJSON *data, size_t change)
{
	if (l->n == LIST_MAX)
		drop_oldest(l, LIST_MAX / 10);
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
		l->shown = xrealloc(l->shown, l->cap * sizeof *l->shown);
	}
	l->v[l->n] = (struct list_entry){ line, role, data, change };
	if (matches(l, &l->v[l->n])) {
		l->shown[l->nshown++] = l->n;
		if (l->follow)
			l->sel = l->nshown - 1;
	}
	l->n++;
	l->changed = true;
}

void list_set_filter(struct list_pane *l, const char *filter)
{
	snprintf(l->filter, sizeof l->filter, "%s", filter);
	l->nshown = 0;
	for (size_t i = 0; i < l->n; i++)
		if (matches(l, &l->v[i]))
			push_shown(l, i);
	l->sel = l->nshown ? l->nshown - 1 : 0;
	l->follow = true;
	l->top = 0;
	l->changed = true;
}

struct list_entry *list_selected(struct list_pane *l)
{
	if (l->nshown == 0)
		return NULL;
	if (l->sel >= l->nshown)
		l->sel = l->nshown - 1;
	return &l->v[l->shown[l->sel]];
}

static void list_draw(struct pane *p, struct tui *t, const struct rect *whole, bool full)
{
	struct list_pane *l = p->list;
	for (int y = 0; y < whole->h; y++)
		draw_fill(whole->y + y, whole->x, whole->w, theme_attr(ROLE_TEXT));
	l->changed = false;
	/* Denied: ask mode's questions come first */
	int asked = p->id == PANE_DENIED ? ask_queue_draw(t, whole) : 0;
	struct rect below = { whole->y + asked, whole->x, whole->h - asked, whole->w };
	const struct rect *r = &below;
	int rows = r->h;
	bool show_filter = l->filter[0] || (t->filtering && t->focus == p->id);
	if (show_filter && rows > 1) {
		rows--;
		char buf[160];
		snprintf(buf, sizeof buf, "/%s%s", t->filtering && t->focus == p->id ? t->filter_edit : l->filter,
		         t->filtering && t->focus == p->id ? "_" : "");
		draw_text(r->y + rows, r->x, r->w, buf, theme_attr(ROLE_INPUT));
	}
	if (l->nshown == 0) {
		const char *msg = l->n ? "nothing matches the filter" : l->empty_text;
		draw_text(r->y, r->x + 1, r->w - 1, msg, theme_attr(ROLE_MUTED));
		return;
	}
	if (l->sel >= l->nshown)
		l->sel = l->nshown - 1;
	if (l->sel < l->top)
		l->top = l->sel;
	if (rows > 0 && l->sel >= l->top + (size_t)rows)
		l->top = l->sel - (size_t)rows + 1;
	bool focused = t->focus == p->id;
	for (int y = 0; y < rows && l->top + (size_t)y < l->nshown; y++) {
		size_t idx = l->top + (size_t)y;
		const struct list_entry *e = &l->v[l->shown[idx]];
		attr_t a = theme_attr(e->role);
		if (idx == l->sel && focused) {
			a = theme_attr(ROLE_SELECTED);
			draw_fill(r->y + y, r->x, r->w, a);
		}
		draw_text(r->y + y, r->x, r->w, e->line, a);
	}
}

static enum pane_result list_key(struct pane *p, struct tui *t, enum tui_action a, int key)
{
	struct list_pane *l = p->list;
	size_t page = p->inner.h > 2 ? (size_t)p->inner.h - 1 : 1;
	size_t last = l->nshown ? l->nshown - 1 : 0;
	switch (a) {
	case ACT_UP:
		if (l->sel > 0)
			l->sel--;
		break;
	case ACT_DOWN:
		if (l->sel < last)
			l->sel++;
		break;
	case ACT_PAGE_UP:
		l->sel = l->sel > page ? l->sel - page : 0;
		break;
	case ACT_PAGE_DOWN:
		l->sel = l->sel + page < last ? l->sel + page : last;
		break;
	case ACT_TOP:
		l->sel = 0;
		break;
	case ACT_BOTTOM:
		l->sel = last;
		break;
	default:
		return PANE_IGNORED;
	}
	l->follow = l->sel == last;
	l->changed = true;
	return PANE_REDRAW;
}

static enum pane_result list_mouse(struct pane *p, struct tui *t, const MEVENT *ev, int y, int x)
{
	struct list_pane *l = p->list;
	if (ev->bstate & BUTTON4_PRESSED)
		return list_key(p, t, ACT_UP, 0);
	if (ev->bstate & BUTTON5_PRESSED)
		return list_key(p, t, ACT_DOWN, 0);
	if (ev->bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) {
		size_t idx = l->top + (size_t)y;
		if (idx < l->nshown) {
			l->sel = idx;
			l->follow = idx + 1 == l->nshown;
			l->changed = true;
		}
		return PANE_REDRAW;
	}
	return PANE_IGNORED;
}

static void list_title(struct pane *p, struct tui *t, char *buf, size_t len)
{
	struct list_pane *l = p->list;
	int n = snprintf(buf, len, "%d %s", (int)p->id + 1, p->name);
	if (n < 0 || (size_t)n >= len)
		return;
	if (l->n)
		n += snprintf(buf + n, len - (size_t)n, " %zu", l->n + l->dropped);
	if (p->id == PANE_NETWORK && l->denied && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " (%zu denied)", l->denied);
	if (p->id == PANE_DENIED && t->asks.n && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " (%zu asking)", t->asks.n);
	if (l->filter[0] && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " [%zu shown]", l->nshown);
}

static bool list_dirty(struct pane *p, struct tui *t)
{
	return p->list->changed;
}

const struct pane_ops pane_list_ops = {
	.draw = list_draw,
	.key = list_key,
	.mouse = list_mouse,
	.title = list_title,
	.keymap = KM_LIST,
	.dirty = list_dirty,
};
