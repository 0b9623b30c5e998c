/* pane_kinds: what each live pane shows. Events from the session (network
 * attempts, denied accesses) become one-line entries keeping their fields for
 * the details view; the Changes pane is the snapshot's current change list
 * (rescan.c), and Enter on a change shows its unified diff.
 * Every string here comes from the sandbox or the network: sanitised. */
#include "tui.h"
#include "event.h"
#include "sanitize.h"
#include "session.h"
#include "snapshot.h"
#include "util.h"

#include <string.h>
#include <time.h>

static void clock_text(uint64_t time_ns, char *buf, size_t len)
{
	time_t sec = (time_t)(time_ns / 1000000000ull);
	struct tm tm;
	if (!time_ns || !localtime_r(&sec, &tm))
		snprintf(buf, len, "--:--:--");
	else
		strftime(buf, len, "%H:%M:%S", &tm);
}

static const char *str_field(const cJSON *d, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num_field(const cJSON *d, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, key);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static void human_bytes(double b, char *buf, size_t len)
{
	if (b < 1024)
		snprintf(buf, len, "%.0fB", b);
	else if (b < 1024 * 1024)
		snprintf(buf, len, "%.1fK", b / 1024);
	else
		snprintf(buf, len, "%.1fM", b / (1024 * 1024));
}

static void network_entry(struct tui *t, uint64_t time_ns, const cJSON *data)
{
	struct list_pane *l = &t->lists[PANE_NETWORK];
	const char *verdict = str_field(data, "verdict");
	bool deny = !verdict || strcmp(verdict, "allow") != 0;
	const char *method = str_field(data, "method");
	const char *host = str_field(data, "host");
	char clock[16], up[16], down[16], status[16] = "";
	clock_text(time_ns, clock, sizeof clock);
	human_bytes(num_field(data, "bytes_up", 0), up, sizeof up);
	human_bytes(num_field(data, "bytes_down", 0), down, sizeof down);
	double st = num_field(data, "status", 0);
	if (st > 0)
		snprintf(status, sizeof status, " %.0f", st);
	cleanup_free char *raw = NULL;
	if (deny)
		raw = xasprintf("%s deny  %s %s:%.0f", clock, method ? method : "?", host ? host : "?",
		                num_field(data, "port", 0));
	else
		raw = xasprintf("%s allow %s %s:%.0f%s %s up %s down%s", clock, method ? method : "?",
		                host ? host : "?", num_field(data, "port", 0), status, up, down,
		                str_field(data, "error") ? " error" : "");
	if (deny)
		l->denied++;
	list_add(l, sanitize_str(raw), deny ? ROLE_DENY : ROLE_ALLOW, cJSON_Duplicate(data, true), 0);
}

static void denied_entry(struct tui *t, uint64_t time_ns, const char *message, const cJSON *data)
{
	struct list_pane *l = &t->lists[PANE_DENIED];
	char clock[16];
	clock_text(time_ns, clock, sizeof clock);
	const char *comm = str_field(data, "comm"), *op = str_field(data, "op");
	const char *target = str_field(data, "target");
	cleanup_free char *raw = NULL;
	if (op || target)
		raw = xasprintf("%s %s %s %s", clock, comm ? comm : "?", op ? op : "?",
		                target ? target : "");
	else
		raw = xasprintf("%s %s", clock, message ? message : "denied");
	list_add(l, sanitize_str(raw), ROLE_DENY, data ? cJSON_Duplicate(data, true) : NULL, 0);
}

void kinds_event(struct tui *t, int kind, uint64_t time_ns, const char *message, const cJSON *data)
{
	switch (kind) {
	case EV_NETWORK:
		if (data)
			network_entry(t, time_ns, data);
		break;
	case EV_DENIED:
		denied_entry(t, time_ns, message, data);
		break;
	case EV_DECISION:
		ask_queue_event(t, message, data);
		break;
	case EV_WARNING:
	case EV_SETUP_ERROR:
		if (message) {
			cleanup_free char *safe = sanitize_str(message);
			snprintf(t->message, sizeof t->message, "%s", safe);
			t->status_dirty = true;
		}
		break;
	default:
		break;
	}
}

static const char *relative(const char *path, const char *base)
{
	size_t bl = base ? strlen(base) : 0;
	if (bl > 1 && strncmp(path, base, bl) == 0 && path[bl] == '/')
		return path + bl + 1;
	return path;
}

void kinds_set_changes(struct tui *t, void *changes)
{
	struct snap_changes *c = changes;
	struct list_pane *l = &t->lists[PANE_CHANGES];
	size_t sel = l->sel;
	bool follow = l->follow;
	list_clear(l);
	if (t->changes) {
		snap_changes_free(t->changes);
		free(t->changes);
	}
	t->changes = c;
	const char *cwd = session_cwd(t->s);
	for (size_t i = 0; i < c->n; i++) {
		const struct snap_change *ch = &c->v[i];
		enum theme_role role = ch->kind == SNAP_ADDED      ? ROLE_ADDED
		                       : ch->kind == SNAP_DELETED ? ROLE_DELETED
		                                                  : ROLE_MODIFIED;
		cleanup_free char *raw = xasprintf("%c %s%s (%+lld)", ch->kind, relative(ch->path, cwd),
		                                   ch->type == 'd' ? "/" : "", (long long)ch->size_delta);
		list_add(l, sanitize_str(raw), role, NULL, i);
	}
	l->follow = follow;
	if (!follow && sel < l->nshown)
		l->sel = sel;
}

static void add_fields(struct view *v, const cJSON *data)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, data)
	{
		if (cJSON_IsString(it))
			view_addf(v, ROLE_TEXT, "%-12s %s", it->string, it->valuestring);
		else if (cJSON_IsNumber(it))
			view_addf(v, ROLE_TEXT, "%-12s %g", it->string, it->valuedouble);
		else if (cJSON_IsBool(it))
			view_addf(v, ROLE_TEXT, "%-12s %s", it->string, cJSON_IsTrue(it) ? "true" : "false");
	}
}

static struct view *change_diff(struct tui *t, struct list_entry *e)
{
	rescan_wait(t); /* the snapshot session is ours again */
	struct snap_changes *c = t->changes;
	struct snap_session *sn = session_snapshot(t->s);
	if (!c || !sn || e->change >= c->n)
		return NULL;
	const struct snap_change *ch = &c->v[e->change];
	struct view *v = view_new(VIEW_DIFF, "");
	cleanup_free char *title = sanitize_str(relative(ch->path, session_cwd(t->s)));
	snprintf(v->title, sizeof v->title, "Diff: %s", title);
	v->change_path = xstrdup(ch->path);
	v->change_kind = ch->kind;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char err[512] = "";
	int rc = f ? snap_change_patch(sn, ch, session_cwd(t->s), f, err, sizeof err) : -1;
	if (f)
		fclose(f);
	if (rc < 0)
		view_addf(v, ROLE_WARN, "no diff: %s", err[0] ? err : "out of memory");
	char *line = buf, *save = NULL;
	for (char *s = buf ? strtok_r(line, "\n", &save) : NULL; s; s = strtok_r(NULL, "\n", &save)) {
		enum theme_role role = ROLE_TEXT;
		if (!strncmp(s, "+++", 3) || !strncmp(s, "---", 3))
			role = ROLE_TITLE;
		else if (s[0] == '+')
			role = ROLE_DIFF_ADD;
		else if (s[0] == '-')
			role = ROLE_DIFF_DEL;
		else if (!strncmp(s, "@@", 2))
			role = ROLE_DIFF_HUNK;
		view_add(v, role, s);
	}
	if (rc == 0 && len == 0)
		view_add(v, ROLE_MUTED, ch->type == 'd' ? "(a directory: no content to compare)"
		                                        : "(no content difference)");
	free(buf);
	return v;
}

struct view *kinds_details(struct tui *t, struct pane *p, struct list_entry *e)
{
	if (p->id == PANE_CHANGES)
		return change_diff(t, e);
	struct view *v = view_new(VIEW_DETAILS, p->id == PANE_NETWORK ? "Network attempt" : "Denied access");
	view_add(v, e->role, e->line);
	view_add(v, ROLE_TEXT, "");
	if (!e->data) {
		view_add(v, ROLE_MUTED, "(no details)");
		return v;
	}
	add_fields(v, e->data);
	view_add(v, ROLE_TEXT, "");
	const char *rule = str_field(e->data, "rule");
	const char *hint = str_field(e->data, p->id == PANE_NETWORK ? "hint" : "flag");
	if (rule)
		view_addf(v, ROLE_TEXT, "Decided by rule: %s", rule);
	if (hint) {
		view_addf(v, ROLE_ASK, "To allow it: %s", hint);
		snprintf(v->allow_flag, sizeof v->allow_flag, "%s", hint);
		char key[16];
		keymap_key_name(keymap_key_for(KM_VIEW, ACT_ALLOW_NOW), key, sizeof key);
		view_addf(v, ROLE_ASK, "Press %s to allow it now, for this session.", key);
	} else if (p->id == PANE_DENIED || e->role == ROLE_DENY)
		view_add(v, ROLE_MUTED, "No flag allows it.");
	return v;
}
