/* dialogs: F2 Permissions (the rules in force, read from the session's
 * policy; secrets by name and host, never their values) and F3 Snapshots (checkpoints of this session: record one, restore
 * the start with confirmation). Both are views (view.c) filled from the
 * session; the loop routes their keys here. */
#include "tui.h"
#include "session.h"
#include "snapshot.h"
#include "util.h"

#include <string.h>

static void add_list(struct view *v, const char *label, const struct strlist *l, const char *none)
{
	if (l->len == 0) {
		view_addf(v, ROLE_MUTED, "  %-14s %s", label, none);
		return;
	}
	for (size_t i = 0; i < l->len; i++)
		view_addf(v, ROLE_TEXT, "  %-14s %s", i == 0 ? label : "", l->items[i]);
}

struct view *dialog_perms(struct tui *t)
{
	const struct policy *p = session_policy(t->s);
	struct view *v = view_new(VIEW_PERMS, "Permissions");
	view_add(v, ROLE_WARN, "These rules are fixed for this session: change them with flags or");
	view_add(v, ROLE_WARN, "profiles for the next one (live changes are not available yet).");
	view_add(v, ROLE_TEXT, "");
	if (p->no_sandbox) {
		view_add(v, ROLE_DENY, "--no-sandbox: nothing is enforced.");
		return v;
	}
	view_add(v, ROLE_TITLE_FOCUS, "Files");
	add_list(v, "read", &p->allow_read, "all host paths except those denied");
	add_list(v, "deny read", &p->deny_read, "-");
	if (p->allow_all || p->allow_write_all)
		view_add(v, ROLE_WARN, "  write          everywhere (--allow-write / -A)");
	else
		add_list(v, "write", &p->allow_write, "nowhere (add --allow-write=PATH)");
	add_list(v, "deny write", &p->deny_write, "-");
	view_add(v, ROLE_TEXT, "");
	view_add(v, ROLE_TITLE_FOCUS, "Network (through glassbox's proxy)");
	if (p->allow_all || p->allow_net_all)
		view_add(v, ROLE_WARN, "  allow          every public host");
	else
		add_list(v, "allow", &p->allow_net, "nothing (add --allow-net=HOST)");
	add_list(v, "deny", &p->deny_net, "-");
	view_add(v, ROLE_TEXT, "");
	view_add(v, ROLE_TITLE_FOCUS, "Environment (PATH HOME USER SHELL TERM LANG always)");
	if (p->allow_env_all)
		view_add(v, ROLE_WARN, "  inherit        everything");
	else
		add_list(v, "inherit", &p->allow_env, "only those");
	add_list(v, "drop", &p->deny_env, "-");
	size_t nset = p->env.len;
	if (nset)
		view_addf(v, ROLE_TEXT, "  %-14s %zu variable(s) set with --env (values not shown)", "set", nset);
	view_add(v, ROLE_TEXT, "");
	view_add(v, ROLE_TITLE_FOCUS, "Secrets (the sandbox sees a placeholder; the proxy substitutes)");
	if (!p->secrets.len)
		view_add(v, ROLE_MUTED, "  none");
	for (size_t i = 0; i < p->secrets.len; i++) {
		/* NAME only: the value never reaches the screen */
		const char *eq = strchr(p->secrets.items[i], '=');
		int nlen = eq ? (int)(eq - p->secrets.items[i]) : (int)strlen(p->secrets.items[i]);
		char hosts[256] = "";
		for (size_t j = 0; j < p->secret_hosts.len; j++) {
			const char *h = p->secret_hosts.items[j];
			if (strncmp(h, p->secrets.items[i], (size_t)nlen) == 0 && h[nlen] == '=') {
				size_t hl = strlen(hosts);
				snprintf(hosts + hl, sizeof hosts - hl, "%s%s", hl ? ", " : "", h + nlen + 1);
			}
		}
		view_addf(v, ROLE_TEXT, "  %-14.*s sent only to %s", nlen, p->secrets.items[i],
		          hosts[0] ? hosts : "(no host)");
	}
	return v;
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
