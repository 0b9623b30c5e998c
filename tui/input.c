/* input: what keys, the mouse and pastes do. A key goes, in order, to a
 * pending prefix, an open view, the filter being typed, the bindings that
 * work everywhere, then the focused pane with its keymap context; the
 * actions (tui_action) are the one place where the UI changes state. */
#include "tui.h"
#include "session.h"
#include "term.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

static void open_view(struct tui *t, struct view *v)
{
	view_free(t->view);
	t->view = v;
	t->confirm_restore = false;
	t->confirm_quit = false;
	t->confirm_undo = false;
	t->snap_naming = false;
	t->full_redraw = true;
}

static void close_view(struct tui *t)
{
	view_free(t->view);
	t->view = NULL;
	t->confirm_restore = false;
	t->confirm_quit = false;
	t->confirm_undo = false;
	t->snap_naming = false;
	t->full_redraw = true;
}

void tui_focus(struct tui *t, enum pane_id id)
{
	if (t->focus == id)
		return;
	t->focus = id;
	t->filtering = false;
	if (id == PANE_CHANGES && session_snapshot(t->s)) { /* fresh as it is looked at */
		t->rescan_due = true;
		t->rescan_at_ns = 0;
	}
	if (t->zoom >= 0)
		t->zoom = id;
	if (t->narrow || t->zoom >= 0)
		tui_relayout(t);
	t->full_redraw = true;
}

void tui_request_quit(struct tui *t)
{
	if (t->quitting)
		return;
	t->quitting = true;
	t->quit_ns = now_mono_ns();
	session_signal(t->s, SIGHUP);
	snprintf(t->message, sizeof t->message, "ending the shell...");
	t->status_dirty = true;
}

void tui_action(struct tui *t, enum tui_action a)
{
	struct pane *p = &t->panes[t->focus];
	switch (a) {
	case ACT_HELP: open_view(t, view_help(t)); break;
	case ACT_PERMS: open_view(t, dialog_perms(t)); break;
	case ACT_SNAPS: open_view(t, dialog_snaps(t)); break;
	case ACT_ZOOM:
		t->zoom = t->zoom >= 0 ? -1 : (int)t->focus;
		tui_relayout(t);
		break;
	case ACT_QUIT:
		if (!t->quitting && dialog_quit_needed(t)) {
			open_view(t, dialog_quit(t));
			t->confirm_quit = true;
		} else {
			tui_request_quit(t);
		}
		break;
	case ACT_FOCUS_NEXT: tui_focus(t, (t->focus + 1) % PANE__COUNT); break;
	case ACT_FOCUS_PREV: tui_focus(t, (t->focus + PANE__COUNT - 1) % PANE__COUNT); break;
	case ACT_FOCUS_SHELL: tui_focus(t, PANE_SHELL); break;
	case ACT_FOCUS_NETWORK: tui_focus(t, PANE_NETWORK); break;
	case ACT_FOCUS_DENIED: tui_focus(t, PANE_DENIED); break;
	case ACT_FOCUS_CHANGES: tui_focus(t, PANE_CHANGES); break;
	case ACT_SEND_PREFIX: shell_send_key(t, t->prefix_key); break;
	case ACT_NEW_SHELL: new_shell(t); break;
	case ACT_NEXT_SHELL:
	case ACT_PREV_SHELL:
		if (t->nshells > 1)
			show_shell(t, (t->active + (a == ACT_NEXT_SHELL ? 1 : t->nshells - 1)) % t->nshells);
		tui_focus(t, PANE_SHELL);
		break;
	case ACT_SCROLL_BACK:
	case ACT_SCROLL_FORWARD:
		if (t->panes[PANE_SHELL].ops->key(&t->panes[PANE_SHELL], t, a, 0) == PANE_REDRAW)
			t->full_redraw = true;
		break;
	case ACT_OPEN:
		if (p->list) {
			struct list_entry *e = list_selected(p->list);
			struct view *v = e ? kinds_details(t, p, e) : NULL;
			if (v)
				open_view(t, v);
		}
		break;
	case ACT_ALLOW_NOW: perms_allow_now(t); break;
	case ACT_ASK_ONCE: ask_queue_answer(t, "once"); break;
	case ACT_ASK_SESSION: ask_queue_answer(t, "session"); break;
	case ACT_ASK_DENY: ask_queue_answer(t, "deny"); break;
	case ACT_FILTER:
		if (p->list) {
			t->filtering = true;
			snprintf(t->filter_edit, sizeof t->filter_edit, "%s", p->list->filter);
			p->list->changed = true;
		}
		break;
	case ACT_CLOSE:
		if (t->view)
			close_view(t);
		else
			tui_focus(t, PANE_SHELL);
		break;
	default:
		break;
	}
}

/* ---- keys ------------------------------------------------------------------ */

static void paste_add(struct tui *t, int key)
{
	char u[8];
	size_t n = 0;
	if (key & KM_FUNC) {
		if ((key & ~KM_FUNC) != KEY_ENTER)
			return;
		key = '\r';
	}
	unsigned c = (unsigned)key;
	if (c < 0x80) {
		u[n++] = (char)c;
	} else if (c < 0x800) {
		u[n++] = (char)(0xc0 | c >> 6), u[n++] = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		u[n++] = (char)(0xe0 | c >> 12), u[n++] = (char)(0x80 | (c >> 6 & 0x3f));
		u[n++] = (char)(0x80 | (c & 0x3f));
	} else {
		u[n++] = (char)(0xf0 | c >> 18), u[n++] = (char)(0x80 | (c >> 12 & 0x3f));
		u[n++] = (char)(0x80 | (c >> 6 & 0x3f)), u[n++] = (char)(0x80 | (c & 0x3f));
	}
	if (t->paste_len + n > t->paste_cap) {
		t->paste_cap = (t->paste_len + n) * 2 + 256;
		t->paste = xrealloc(t->paste, t->paste_cap);
	}
	memcpy(t->paste + t->paste_len, u, n);
	t->paste_len += n;
}

static void paste_end(struct tui *t)
{
	t->pasting = false;
	if (t->focus == PANE_SHELL && !t->view)
		term_paste(t->term, t->paste, t->paste_len);
	t->paste_len = 0;
}

static void filter_key(struct tui *t, int key)
{
	struct list_pane *l = t->panes[t->focus].list;
	char before[sizeof t->filter_edit];
	memcpy(before, t->filter_edit, sizeof before);
	enum input_result r = input_line_key(t->filter_edit, sizeof t->filter_edit, key);
	if (r == INPUT_CANCEL) {
		t->filtering = false;
		list_set_filter(l, "");
	} else if (r == INPUT_DONE) {
		t->filtering = false;
	} else if (strcmp(before, t->filter_edit) != 0) {
		list_set_filter(l, t->filter_edit);
	}
	l->changed = true;
	t->full_redraw = true;
}

static bool is_fkey(int key)
{
	return (key & KM_FUNC) && (key & ~(KM_FUNC | KM_ALT)) >= KEY_F(1) &&
	       (key & ~(KM_FUNC | KM_ALT)) <= KEY_F(63);
}

static void view_key(struct tui *t, int key)
{
	if (t->confirm_quit) {
		close_view(t);
		dialog_quit_key(t, key);
		return;
	}
	if (t->confirm_undo) {
		dialog_undo_key(t, key);
		close_view(t);
		return;
	}
	if (t->confirm_restore) {
		if (key == 'y' || key == 'Y')
			dialog_snaps_action(t, ACT_RESTORE);
		else {
			t->confirm_restore = false;
			open_view(t, dialog_snaps(t));
		}
		return;
	}
	if (t->view->kind == VIEW_PERMS && perms_key(t, key))
		return;
	if (t->view->kind == VIEW_SNAPS && t->snap_naming) {
		dialog_snaps_name_key(t, key);
		return;
	}
	enum tui_action a = keymap_lookup(KM_ALWAYS, key);
	if (a != ACT_NONE && a != ACT_FOCUS_SHELL && a != ACT_FOCUS_NETWORK &&
	    a != ACT_FOCUS_DENIED && a != ACT_FOCUS_CHANGES) {
		if ((a == ACT_HELP && t->view->kind == VIEW_HELP) ||
		    (a == ACT_PERMS && t->view->kind == VIEW_PERMS) ||
		    (a == ACT_SNAPS && t->view->kind == VIEW_SNAPS))
			close_view(t); /* the same key closes what it opened */
		else
			tui_action(t, a);
		return;
	}
	a = keymap_lookup(KM_VIEW, key);
	if (a == ACT_CLOSE)
		close_view(t);
	else if ((a == ACT_CHECKPOINT || a == ACT_RESTORE || a == ACT_SNAP_NAMED) &&
	         t->view->kind == VIEW_SNAPS)
		dialog_snaps_action(t, a);
	else if ((a == ACT_UP || a == ACT_DOWN) && t->view->kind == VIEW_SNAPS &&
	         session_snapshot(t->s))
		dialog_snaps_select(t, a == ACT_UP ? -1 : 1);
	else if (a == ACT_UNDO_FILE && t->view->kind == VIEW_DIFF)
		dialog_undo_ask(t);
	else if (a == ACT_SNAP_DIFF && t->view->kind == VIEW_SNAPS && session_snapshot(t->s))
		open_view(t, dialog_snaps_diff(t));
	else if (a == ACT_ALLOW_NOW && t->view->kind == VIEW_DETAILS)
		perms_allow_now(t);
	else if (view_scroll(t->view, a))
		t->full_redraw = true;
}

static void handle_key(struct tui *t, int key)
{
	/* a key for the UI, not the shell: ask mode's countdown waits */
	if (t->focus != PANE_SHELL || t->view || t->prefix_pending || t->filtering ||
	    key == t->prefix_key)
		t->asks.interact_ns = now_mono_ns();
	if (t->message[0] && !t->quitting) { /* a message stays until the next key */
		t->message[0] = 0;
		t->status_dirty = true;
	}
	if (t->pasting) {
		if (key == (KM_FUNC | KEY_PASTE_END))
			paste_end(t);
		else
			paste_add(t, key);
		return;
	}
	if (key == (KM_FUNC | KEY_PASTE_BEGIN)) {
		t->pasting = true;
		t->paste_len = 0;
		return;
	}
	if (key == (KM_FUNC | KEY_PASTE_END))
		return;
	if (t->prefix_pending) {
		t->prefix_pending = false;
		t->status_dirty = true;
		if (key == t->prefix_key)
			tui_action(t, ACT_SEND_PREFIX);
		else
			tui_action(t, keymap_lookup(KM_PREFIX, key));
		return;
	}
	if (key == t->prefix_key && !t->filtering) {
		t->prefix_pending = true;
		t->status_dirty = true;
		return;
	}
	if (t->view) {
		view_key(t, key);
		return;
	}
	if (t->filtering) {
		filter_key(t, key);
		return;
	}
	struct pane *p = &t->panes[t->focus];
	enum tui_action a = keymap_lookup(KM_ALWAYS, key);
	/* full-screen programs (mc, htop, vim) get their F-keys */
	bool shell_wants = t->focus == PANE_SHELL && is_fkey(key) && term_altscreen(t->term);
	if (a != ACT_NONE && !shell_wants) {
		tui_action(t, a);
		return;
	}
	/* the pane first (the shell takes every key it does not bind), then
	 * the actions of its keymap the loop carries out (open, filter, focus) */
	a = keymap_lookup(p->ops->keymap, key);
	enum pane_result r = p->ops->key(p, t, a, key);
	if (r == PANE_IGNORED && a != ACT_NONE)
		tui_action(t, a);
	else if (r == PANE_REDRAW)
		t->full_redraw = true;
}

static void handle_mouse(struct tui *t)
{
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return;
	bool press = ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED);
	if (t->view) {
		if (ev.bstate & BUTTON4_PRESSED)
			view_scroll(t->view, ACT_UP);
		else if (ev.bstate & BUTTON5_PRESSED)
			view_scroll(t->view, ACT_DOWN);
		else if (press && !rect_has(&t->view->r, ev.y, ev.x))
			close_view(t);
		t->full_redraw = true;
		return;
	}
	if (press && rect_has(&t->fkeys_r, ev.y, ev.x)) {
		tui_action(t, fkeys_action_at(t, ev.x));
		return;
	}
	int tab = press ? layout_tab_at(t, ev.y, ev.x) : -1;
	if (tab >= 0) {
		tui_focus(t, (enum pane_id)tab);
		return;
	}
	int id = layout_pane_at(t, ev.y, ev.x);
	if (id < 0)
		return;
	struct pane *p = &t->panes[id];
	bool wants = id == PANE_SHELL && term_wants_mouse(t->term);
	if (press && id != (int)t->focus)
		tui_focus(t, (enum pane_id)id);
	else if (press && !wants && t->filtering)
		t->filtering = false;
	if (rect_has(&p->inner, ev.y, ev.x) &&
	    p->ops->mouse(p, t, &ev, ev.y - p->inner.y, ev.x - p->inner.x) == PANE_REDRAW)
		t->full_redraw = true;
}

static int read_key(int *key)
{
	wint_t wc;
	int r = get_wch(&wc);
	if (r == ERR)
		return ERR;
	*key = r == KEY_CODE_YES ? (int)(KM_FUNC | (int)wc) : (int)wc;
	return OK;
}

void input_on_stdin(struct tui *t)
{
	int key;
	while (read_key(&key) == OK) {
		if (key == (KM_FUNC | KEY_MOUSE)) {
			handle_mouse(t);
			continue;
		}
		if (key == (KM_FUNC | KEY_RESIZE))
			continue; /* SIGWINCH comes through the signalfd */
		if (key == 27 && !t->pasting) {
			int next;
			if (read_key(&next) == OK) {
				if (next == 27 || next == (KM_FUNC | KEY_MOUSE)) {
					handle_key(t, 27);
					if (next == 27)
						handle_key(t, 27);
					else
						handle_mouse(t);
					continue;
				}
				key = next | KM_ALT;
			}
		}
		handle_key(t, key);
	}
}

