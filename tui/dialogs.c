/* dialogs: F3 Snapshots (checkpoints of this session: select one, record
 * one, list what changed since it, restore it after a confirmation that
 * lists what changes) and the quit confirmation when the shell
 * changed tracked files, views (view.c) filled from the session; the loop
 * routes their keys here. F2 Permissions is perms.c. */
#include "tui.h"
#include "session.h"
#include "snapshot.h"
#include "util.h"

#include <string.h>

/* Restores checkpoint n (paths, or everything when NULL) and has the
 * Changes pane rescanned. A failure becomes the status message ("restore
 * failed" + note + why). */
static bool restore_to(struct tui *t, size_t n, const struct strlist *paths, const char *note,
                       struct snap_restore_stats *st)
{
	rescan_wait(t);
	struct snap_session *sn = session_snapshot(t->s);
	char err[512] = "snapshots are off";
	memset(st, 0, sizeof *st);
	bool ok = sn && snap_restore(sn, n, paths, st, err, sizeof err) == 0;
	if (!ok)
		snprintf(t->message, sizeof t->message, "restore failed%s: %.200s", note, err);
	t->status_dirty = true;
	t->rescan_due = true;
	t->rescan_at_ns = 0;
	return ok;
}

/* What restoring checkpoint n does, one line per path (at most max). */
static void add_restore_preview(struct view *v, struct snap_session *sn, size_t n, size_t max)
{
	struct snap_changes c;
	char err[512];
	if (snap_diff(sn, n, SNAP_NOW, NULL, &c, err, sizeof err) < 0) {
		view_addf(v, ROLE_WARN, "  cannot compare with now: %s", err);
		return;
	}
	if (!c.n)
		view_add(v, ROLE_MUTED, "  nothing differs from it: nothing would change");
	for (size_t i = 0; i < c.n && i < max; i++) {
		const struct snap_change *x = &c.v[i];
		const char *what = x->kind == 'A' ? "removed (created since)" :
		                   x->kind == 'D' ? "brought back (deleted since)" :
		                                    "overwritten";
		view_addf(v, x->kind == 'A' ? ROLE_DELETED : x->kind == 'D' ? ROLE_ADDED : ROLE_MODIFIED,
		          "  %c %s: %s", x->kind, x->path, what);
	}
	if (c.n > max)
		view_addf(v, ROLE_MUTED, "  ... and %zu more", c.n - max);
	snap_changes_free(&c);
}

struct view *dialog_snaps(struct tui *t)
{
	struct view *v = view_new(VIEW_SNAPS, "Snapshots");
	rescan_wait(t);
	struct snap_session *sn = session_snapshot(t->s);
	if (!sn) {
		view_add(v, ROLE_MUTED, "Snapshots are off for this session.");
		view_add(v, ROLE_MUTED, "Start glassbox with --snapshot (or --restore) to record the");
		view_add(v, ROLE_MUTED, "working directory and see, diff and undo what the shell changes.");
		return v;
	}
	size_t n = snap_session_checkpoints(sn);
	if (t->snap_sel >= n)
		t->snap_sel = n ? n - 1 : 0;
	view_addf(v, ROLE_TEXT, "Session %s, %zu checkpoint(s):", snap_session_id(sn), n);
	for (size_t i = 0; i < n; i++) {
		view_addf(v, ROLE_TEXT, "  %zu  %s", i, snap_session_checkpoint_name(sn, i));
		v->lines[v->n - 1].item = (int)i;
	}
	v->sel_item = (int)t->snap_sel;
	view_add(v, ROLE_TEXT, "");
	view_addf(v, ROLE_TEXT, "Changes since the start: %zu (the Changes pane; Enter there shows a diff)",
	          t->lists[PANE_CHANGES].n);
	view_add(v, ROLE_TEXT, "");
	if (t->confirm_restore) {
		view_addf(v, ROLE_ASK, "Restore every tracked path to checkpoint %zu (%s)? This changes:",
		          t->snap_sel, snap_session_checkpoint_name(sn, t->snap_sel));
		add_restore_preview(v, sn, t->snap_sel, 12);
		view_add(v, ROLE_ASK, "Press y to restore, any other key cancels.");
	} else if (t->snap_naming) {
		view_addf(v, ROLE_ASK, "Name of the new checkpoint: %s_", t->snap_name);
		view_add(v, ROLE_MUTED, "Enter records it, Escape cancels.");
	} else {
		view_add(v, ROLE_TEXT, "Up/Down  select a checkpoint");
		view_add(v, ROLE_TEXT, "c  record a checkpoint now");
		view_add(v, ROLE_TEXT, "n  record a named checkpoint");
		view_add(v, ROLE_TEXT, "d  what changed since the selected checkpoint");
		view_add(v, ROLE_TEXT, "r  restore the selected checkpoint (shows what changes, asks first)");
	}
	return v;
}

/* d in F3: every change since the selected checkpoint. */
struct view *dialog_snaps_diff(struct tui *t)
{
	struct snap_session *sn = session_snapshot(t->s);
	char title[96];
	snprintf(title, sizeof title, "Changes since checkpoint %zu", t->snap_sel);
	struct view *v = view_new(VIEW_DETAILS, title);
	if (!sn)
		return v;
	struct snap_changes c;
	char err[512];
	if (snap_diff(sn, t->snap_sel, SNAP_NOW, NULL, &c, err, sizeof err) < 0) {
		view_addf(v, ROLE_WARN, "cannot compare: %s", err);
		return v;
	}
	view_addf(v, ROLE_TEXT, "Since checkpoint %zu (%s): %zu created, %zu modified, %zu deleted",
	          t->snap_sel, snap_session_checkpoint_name(sn, t->snap_sel), c.added, c.modified,
	          c.deleted);
	for (size_t i = 0; i < c.n; i++)
		view_addf(v, c.v[i].kind == 'A' ? ROLE_ADDED : c.v[i].kind == 'D' ? ROLE_DELETED :
		                                                                   ROLE_MODIFIED,
		          "  %c %s%s", c.v[i].kind, c.v[i].path, c.v[i].type == 'd' ? "/" : "");
	snap_changes_free(&c);
	return v;
}

static void reopen(struct tui *t)
{
	view_free(t->view);
	t->view = dialog_snaps(t);
	t->full_redraw = true;
}

/* u in a Changes diff: restore that one file to the start, after asking. */
void dialog_undo_ask(struct tui *t)
{
	if (!t->view || !t->view->change_path || !session_snapshot(t->s))
		return;
	char *path = xstrdup(t->view->change_path);
	char kind = t->view->change_kind;
	view_free(t->view);
	struct view *v = view_new(VIEW_CONFIRM, "Restore a file");
	v->change_path = path;
	v->change_kind = kind;
	view_addf(v, ROLE_ASK, "Restore %s to the start?", path);
	view_add(v, ROLE_TEXT, kind == 'A' ? "It was created since: it is removed." :
	                       kind == 'D' ? "It was deleted since: it comes back." :
	                                     "Its current content is overwritten.");
	view_add(v, ROLE_ASK, "Press y to restore it, any other key cancels.");
	t->view = v;
	t->confirm_undo = true;
	t->full_redraw = true;
}

void dialog_undo_key(struct tui *t, int key)
{
	t->confirm_undo = false;
	if ((key != 'y' && key != 'Y') || !t->view || !t->view->change_path)
		return;
	struct strlist paths = { 0 };
	strlist_push(&paths, t->view->change_path);
	struct snap_restore_stats st;
	if (restore_to(t, 0, &paths, "", &st))
		snprintf(t->message, sizeof t->message,
		         "restored one file to the start: %zu written, %zu removed", st.written,
		         st.removed);
	strlist_clear(&paths);
}

/* A key while the new checkpoint's name is typed. */
void dialog_snaps_name_key(struct tui *t, int key)
{
	enum input_result r = input_line_key(t->snap_name, sizeof t->snap_name, key);
	if (r == INPUT_DONE) {
		dialog_snaps_action(t, ACT_CHECKPOINT);
		return;
	}
	if (r == INPUT_CANCEL)
		t->snap_naming = false;
	reopen(t);
}

void dialog_snaps_select(struct tui *t, int delta)
{
	struct snap_session *sn = session_snapshot(t->s);
	size_t n = sn ? snap_session_checkpoints(sn) : 0;
	if (delta < 0 && t->snap_sel > 0)
		t->snap_sel--;
	else if (delta > 0 && t->snap_sel + 1 < n)
		t->snap_sel++;
	reopen(t);
}

void dialog_snaps_action(struct tui *t, enum tui_action a)
{
	rescan_wait(t);
	struct snap_session *sn = session_snapshot(t->s);
	char err[512] = "";
	if (!sn)
		return;
	if (a == ACT_SNAP_NAMED) {
		t->snap_naming = true;
		t->snap_name[0] = 0;
		reopen(t);
		return;
	}
	if (a == ACT_CHECKPOINT) {
		size_t n = 0;
		const char *name = t->snap_naming && t->snap_name[0] ? t->snap_name : NULL;
		t->snap_naming = false;
		if (snap_checkpoint(sn, name, &n, err, sizeof err) < 0)
			snprintf(t->message, sizeof t->message, "checkpoint failed: %.200s", err);
		else
			snprintf(t->message, sizeof t->message, "checkpoint %zu recorded", n);
		t->snap_sel = n;
	} else if (a == ACT_RESTORE) {
		if (!t->confirm_restore) {
			t->confirm_restore = true;
			reopen(t);
			return;
		}
		t->confirm_restore = false;
		struct snap_restore_stats st;
		if (restore_to(t, t->snap_sel, NULL, "", &st)) {
			if (t->snap_sel == 0)
				snprintf(t->message, sizeof t->message,
				         "restored the start: %zu written, %zu removed", st.written,
				         st.removed);
			else
				snprintf(t->message, sizeof t->message,
				         "restored checkpoint %zu: %zu written, %zu removed",
				         t->snap_sel, st.written, st.removed);
		}
	}
	t->status_dirty = true;
	reopen(t);
}

/* Quitting with --snapshot while tracked files differ from the start: say
 * what changed and offer to keep it, restore the start, or stay. */
bool dialog_quit_needed(struct tui *t)
{
	if (!session_snapshot(t->s))
		return false;
	rescan_wait(t);
	return t->lists[PANE_CHANGES].n > 0;
}

struct view *dialog_quit(struct tui *t)
{
	struct view *v = view_new(VIEW_CONFIRM, "Quit");
	const struct snap_changes *c = t->changes;
	size_t n = c ? c->n : 0;
	view_addf(v, ROLE_ASK, "The shell changed %zu tracked path(s) since the start:", n);
	for (size_t i = 0; i < n && i < 8; i++)
		view_addf(v, ROLE_TEXT, "  %c %s", c->v[i].kind, c->v[i].path);
	if (n > 8)
		view_addf(v, ROLE_MUTED, "  ... and %zu more (the Changes pane lists them all)", n - 8);
	view_add(v, ROLE_TEXT, "");
	view_add(v, ROLE_TEXT, "q  quit and keep the changes (glassbox snapshot restore can undo them later)");
	view_add(v, ROLE_TEXT, "r  restore the start (created files are removed), then quit");
	view_add(v, ROLE_TEXT, "any other key: stay");
	return v;
}

void dialog_quit_key(struct tui *t, int key)
{
	t->confirm_quit = false;
	struct snap_restore_stats st;
	if ((key == 'r' || key == 'R') && !restore_to(t, 0, NULL, ", not quitting", &st))
		return;
	if (key == 'q' || key == 'Q' || key == 'r' || key == 'R' ||
	    keymap_lookup(KM_ALWAYS, key) == ACT_QUIT) /* F10 twice quits, as in htop */
		tui_request_quit(t);
}
