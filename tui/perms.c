/* perms: the F2 Permissions dialog, live. It lists the rules in force (read
 * from the session's policy each time it is drawn): paths with their state
 * (write, read-only, read, deny) and hosts (allow, deny), then the
 * environment (fixed) and the secrets (names and hosts only, never
 * values; a secret's hosts can be added and removed live). Keys (KM_PERMS) add a path or host typed on an input
 * line, toggle or remove the selected rule; each becomes a patch
 * (perms_patch.c) for session_policy_patch(), and what it did — or why it
 * failed — shows in the dialog. "Allow now" in a Network or Denied entry's
 * details goes through the same path. */
#include "tui.h"
#include "perms_patch.h"
#include "sanitize.h"
#include "session.h"
#include "util.h"

#include <string.h>

enum { K_PATH, K_HOST, K_SECRET_HOST };

static int kind_of(const char *item)
{
	return perms_is_path(item) ? K_PATH : perms_is_secret_host(item) ? K_SECRET_HOST : K_HOST;
}

static void collect(struct tui *t)
{
	const struct policy *p = session_policy(t->s);
	struct strlist *items = &t->perms.items;
	strlist_clear(items);
	const struct strlist *lists[] = { &p->allow_write, &p->deny_write, &p->deny_read,
		                          &p->allow_read,   &p->allow_net,  &p->deny_net,
		                          &p->secret_hosts };
	for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++)
		for (size_t i = 0; i < lists[l]->len; i++)
			if (!strlist_contains(items, lists[l]->items[i]))
				strlist_push(items, lists[l]->items[i]);
	/* as drawn: paths, hosts, secrets' hosts, each in the order they came */
	struct strlist sorted = { 0 };
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < items->len; i++)
			if (kind_of(items->items[i]) == pass)
				strlist_push(&sorted, items->items[i]);
	strlist_clear(items);
	*items = sorted;
	for (size_t i = 0; t->perms.select[0] && i < items->len; i++)
		if (strcmp(items->items[i], t->perms.select) == 0)
			t->perms.sel = i;
	t->perms.select[0] = 0;
	if (t->perms.sel >= items->len)
		t->perms.sel = items->len ? items->len - 1 : 0;
}

static void item_rows(struct tui *t, struct view *v, int kind, const char *none)
{
	const struct policy *p = session_policy(t->s);
	bool any = false;
	for (size_t i = 0; i < t->perms.items.len; i++) {
		const char *it = t->perms.items.items[i];
		if (kind_of(it) != kind)
			continue;
		view_addf(v, ROLE_TEXT, "  %-10s %s", perms_state_name(perms_state(p, it)), it);
		v->lines[v->n - 1].item = (int)i;
		any = true;
	}
	if (!any && none)
		view_addf(v, ROLE_MUTED, "  %s", none);
}

static void env_and_secrets(struct tui *t, const struct policy *p, struct view *v)
{
	view_add(v, ROLE_TITLE_FOCUS, "Environment (fixed for this session)");
	if (p->allow_env_all)
		view_add(v, ROLE_WARN, "  inherit    everything");
	else
		for (size_t i = 0; i < p->allow_env.len || i == 0; i++)
			view_addf(v, ROLE_TEXT, "  %-10s %s", i == 0 ? "inherit" : "",
			          p->allow_env.len ? p->allow_env.items[i]
			                           : "PATH HOME USER SHELL TERM LANG only");
	for (size_t i = 0; i < p->deny_env.len; i++)
		view_addf(v, ROLE_TEXT, "  %-10s %s", i == 0 ? "drop" : "", p->deny_env.items[i]);
	if (p->env.len)
		view_addf(v, ROLE_TEXT, "  %-10s %zu variable(s) set with --env (values not shown)", "set",
		          p->env.len);
	view_add(v, ROLE_TEXT, "");
	view_add(v, ROLE_TITLE_FOCUS,
	         "Secrets (the sandbox sees a placeholder, the proxy substitutes; add NAME=HOST)");
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
		view_addf(v, ROLE_TEXT, "  %-10.*s sent only to %s", nlen, p->secrets.items[i],
		          hosts[0] ? hosts : "(no host)");
	}
	item_rows(t, v, K_SECRET_HOST, NULL);
}

struct view *dialog_perms(struct tui *t)
{
	const struct policy *p = session_policy(t->s);
	struct view *v = view_new(VIEW_PERMS, "Permissions");
	if (p->no_sandbox) {
		view_add(v, ROLE_DENY, "--no-sandbox: nothing is enforced.");
		return v;
	}
	collect(t);
	char ka[16], kt[16], kx[16];
	keymap_key_name(keymap_key_for(KM_PERMS, ACT_PERM_ADD), ka, sizeof ka);
	keymap_key_name(keymap_key_for(KM_PERMS, ACT_PERM_TOGGLE), kt, sizeof kt);
	keymap_key_name(keymap_key_for(KM_PERMS, ACT_PERM_REMOVE), kx, sizeof kx);
	view_addf(v, ROLE_TEXT, "Changes apply to the running shell at once.  %s add  %s toggle  %s remove",
	          ka, kt, kx);
	if (t->perms.editing)
		view_addf(v, ROLE_INPUT, "Add (/path: writable, host: allowed, NAME=HOST: a secret's host): %s_",
		          t->perms.input);
	for (size_t i = 0; i < t->perms.results.len; i++)
		view_add(v, t->perms.failed && i + 1 == t->perms.results.len ? ROLE_DENY : ROLE_ALLOW,
		         t->perms.results.items[i]);
	view_add(v, ROLE_TEXT, "");
	view_add(v, ROLE_TITLE_FOCUS, p->allow_read.len
	                                      ? "Files (read: the system set and the paths listed)"
	                                      : "Files (read: every host path except those denied)");
	if (p->allow_all || p->allow_write_all)
		view_add(v, ROLE_WARN, "  write      everywhere (--allow-write / -A)");
	item_rows(t, v, K_PATH, "no rules: nothing writable (add a /path)");
	view_add(v, ROLE_TEXT, "");
	view_add(v, ROLE_TITLE_FOCUS, "Network (through glassbox's proxy)");
	if (p->allow_all || p->allow_net_all)
		view_add(v, ROLE_WARN, "  allow      every public host");
	item_rows(t, v, K_HOST, "no rules: nothing allowed (add a host)");
	view_add(v, ROLE_TEXT, "");
	env_and_secrets(t, p, v);
	if (t->perms.items.len)
		v->sel_item = (int)t->perms.sel;
	return v;
}

static void reopen(struct tui *t)
{
	size_t top = t->view ? t->view->top : 0;
	view_free(t->view);
	t->view = dialog_perms(t);
	t->view->top = top;
	t->full_redraw = true;
}

/* Applies patch (owned; NULL: why is in err) and records what happened in
 * results. Returns true when it applied. */
static bool apply(struct tui *t, cJSON *patch, const char *why, struct strlist *results)
{
	char err[512];
	snprintf(err, sizeof err, "%s", why ? why : "");
	cJSON *reply = patch ? session_policy_patch(t->s, patch, err, sizeof err) : NULL;
	cJSON_Delete(patch);
	strlist_clear(results);
	const cJSON *applied = cJSON_GetObjectItemCaseSensitive(reply, "applied"), *it;
	cJSON_ArrayForEach(it, applied) {
		const cJSON *value = cJSON_GetObjectItemCaseSensitive(it, "value");
		if (cJSON_IsString(value)) /* the rule just changed stays selected */
			snprintf(t->perms.select, sizeof t->perms.select, "%s", value->valuestring);
		char line[1024];
		perms_applied_text(it, line, sizeof line);
		strlist_push(results, line);
	}
	cJSON_Delete(reply);
	if (!reply) {
		cleanup_free char *line = xasprintf("error: %s", err);
		strlist_push(results, line);
	}
	if (results->len) {
		cleanup_free char *safe = sanitize_str(results->items[results->len - 1]);
		snprintf(t->message, sizeof t->message, "%s", safe);
	}
	t->status_dirty = true;
	return reply != NULL;
}

static void run(struct tui *t, cJSON *patch, const char *err)
{
	t->perms.failed = !apply(t, patch, err, &t->perms.results);
	reopen(t);
}

static const char *selected(struct tui *t)
{
	return t->perms.sel < t->perms.items.len ? t->perms.items.items[t->perms.sel] : NULL;
}

static void edit_key(struct tui *t, int key)
{
	struct perms_dialog *d = &t->perms;
	enum input_result r = input_line_key(d->input, sizeof d->input, key);
	if (r == INPUT_CANCEL) {
		d->editing = false;
	} else if (r == INPUT_DONE) {
		char err[256] = "";
		cJSON *patch = perms_patch_add(d->input, err, sizeof err);
		d->editing = false;
		d->input[0] = 0;
		run(t, patch, err);
		return;
	}
	reopen(t);
}

bool perms_key(struct tui *t, int key)
{
	struct perms_dialog *d = &t->perms;
	if (d->editing) {
		bool fkey = (key & KM_FUNC) && (key & ~(KM_FUNC | KM_ALT)) >= KEY_F(1) &&
		            (key & ~(KM_FUNC | KM_ALT)) <= KEY_F(63);
		if (fkey)
			return false;
		edit_key(t, key);
		return true;
	}
	char err[512] = "";
	switch (keymap_lookup(KM_PERMS, key)) {
	case ACT_UP:
		if (d->sel > 0)
			d->sel--;
		break;
	case ACT_DOWN:
		if (d->sel + 1 < d->items.len)
			d->sel++;
		break;
	case ACT_PERM_ADD:
		d->editing = true;
		d->input[0] = 0;
		break;
	case ACT_PERM_TOGGLE:
		if (!selected(t))
			return true;
		run(t, perms_patch_toggle(session_policy(t->s), selected(t), err, sizeof err), err);
		return true;
	case ACT_PERM_REMOVE:
		if (!selected(t))
			return true;
		run(t, perms_patch_remove(session_policy(t->s), selected(t), err, sizeof err), err);
		return true;
	default:
		return false;
	}
	reopen(t);
	return true;
}

void perms_allow_now(struct tui *t)
{
	struct view *v = t->view;
	if (!v || v->kind != VIEW_DETAILS || !v->allow_flag[0])
		return;
	char err[512] = "";
	cJSON *patch = perms_patch_from_flag(v->allow_flag, err, sizeof err);
	struct strlist results = { 0 };
	bool ok = apply(t, patch, err, &results);
	view_add(v, ROLE_TEXT, "");
	for (size_t i = 0; i < results.len; i++)
		view_add(v, ok ? ROLE_ALLOW : ROLE_DENY, results.items[i]);
	strlist_clear(&results);
	if (ok)
		v->allow_flag[0] = 0; /* done: not twice */
	v->top = v->n;
	t->full_redraw = true;
}

void perms_free(struct tui *t)
{
	strlist_clear(&t->perms.items);
	strlist_clear(&t->perms.results);
}
