/* dialogs: F3 Snapshots (checkpoints of this session: record one, restore
 * the start with confirmation), a view (view.c) filled from the session;
 * the loop routes its keys here. F2 Permissions is perms.c. */
#include "tui.h"
#include "session.h"
#include "snapshot.h"
#include "util.h"

#include <string.h>

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
	view_addf(v, ROLE_TEXT, "Session %s, %zu checkpoint(s):", snap_session_id(sn),
	          snap_session_checkpoints(sn));
	for (size_t i = 0; i < snap_session_checkpoints(sn); i++)
		view_addf(v, ROLE_TEXT, "  %zu  %s", i, snap_session_checkpoint_name(sn, i));
	view_add(v, ROLE_TEXT, "");
	view_addf(v, ROLE_TEXT, "Changes since the start: %zu (the Changes pane; Enter there shows a diff)",
	          t->lists[PANE_CHANGES].n);
	view_add(v, ROLE_TEXT, "");
	if (t->confirm_restore) {
		view_add(v, ROLE_ASK, "Restore every tracked path to checkpoint 0 (the start)?");
		view_add(v, ROLE_ASK, "Files the shell created are removed. Press y to restore, any other key cancels.");
	} else {
		view_add(v, ROLE_TEXT, "c  record a checkpoint now");
		view_add(v, ROLE_TEXT, "r  restore the start (asks first)");
	}
	return v;
}

static void reopen(struct tui *t)
{
	view_free(t->view);
	t->view = dialog_snaps(t);
	t->full_redraw = true;
}

void dialog_snaps_action(struct tui *t, enum tui_action a)
{
	rescan_wait(t);
	struct snap_session *sn = session_snapshot(t->s);
	char err[512] = "";
	if (!sn)
		return;
	if (a == ACT_CHECKPOINT) {
		size_t n = 0;
		if (snap_checkpoint(sn, NULL, &n, err, sizeof err) < 0)
			snprintf(t->message, sizeof t->message, "checkpoint failed: %.200s", err);
		else
			snprintf(t->message, sizeof t->message, "checkpoint %zu recorded", n);
	} else if (a == ACT_RESTORE) {
		if (!t->confirm_restore) {
			t->confirm_restore = true;
			reopen(t);
			return;
		}
		t->confirm_restore = false;
		struct snap_restore_stats st = { 0 };
		if (snap_restore(sn, 0, NULL, &st, err, sizeof err) < 0)
			snprintf(t->message, sizeof t->message, "restore failed: %.200s", err);
		else
			snprintf(t->message, sizeof t->message,
			         "restored the start: %zu written, %zu removed", st.written, st.removed);
		t->rescan_due = true;
		t->rescan_at_ns = 0;
	}
	t->status_dirty = true;
	reopen(t);
}
