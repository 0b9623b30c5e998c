/* ask_queue: ask mode in the TUI. Pending questions (EV_DECISION, state
 * pending) queue up, oldest first, at the top of the Denied pane with the
 * seconds left; the keys of the Denied pane answer the top one through
 * session_decision_answer(). A question closed anywhere (answered here or
 * over the control socket, timed out, its client gone) leaves the queue; a
 * write's outcome stays as a Denied row (a network attempt's shows in
 * Network, where the proxy reports it).
 *
 * The countdown mirrors the core's clock: while the user interacts with the
 * UI (a dialog or filter open, the prefix pending, or a key for the UI in
 * the last INTERACT_NS) the TUI calls session_ask_pause() and neither clock
 * runs. Text from the sandbox is sanitised before it is drawn. */
#include "tui.h"
#include "sanitize.h"
#include "session.h"
#include "util.h"

#include <string.h>
#include <time.h>

#define INTERACT_NS 3000000000ull
#define SEC 1000000000ull

static bool ask_mode(const struct tui *t)
{
	return t->o && (t->o->ask_net || t->o->ask_write);
}

static uint64_t clock_now(const struct tui *t)
{
	return t->asks.paused ? t->asks.paused_at : now_mono_ns();
}

static const char *str_field(const cJSON *d, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static struct ask_item *find(struct tui *t, const char *id)
{
	for (size_t i = 0; i < t->asks.n; i++)
		if (strcmp(t->asks.v[i].id, id) == 0)
			return &t->asks.v[i];
	return NULL;
}

static void changed(struct tui *t)
{
	t->lists[PANE_DENIED].changed = true;
	t->status_dirty = true;
}

static void add_question(struct tui *t, const char *id, const cJSON *d)
{
	struct ask_queue *q = &t->asks;
	if (find(t, id))
		return;
	if (q->n == q->cap)
		q->v = xrealloc(q->v, (q->cap = q->cap ? q->cap * 2 : 8) * sizeof *q->v);
	struct ask_item *a = &q->v[q->n++];
	memset(a, 0, sizeof *a);
	snprintf(a->id, sizeof a->id, "%s", id);
	const char *cat = str_field(d, "category");
	a->write = cat && strcmp(cat, "write") == 0;
	a->once = !a->write;
	const cJSON *answers = cJSON_GetObjectItemCaseSensitive(d, "answers"), *ans;
	cJSON_ArrayForEach(ans, answers)
		if (cJSON_IsString(ans) && strcmp(ans->valuestring, "once") == 0)
			a->once = true;
	const char *what = str_field(d, "what"), *target = str_field(d, "target");
	const char *method = str_field(d, "method");
	if (a->write)
		a->what = xasprintf("%s %s", what ? what : "write", target ? target : "?");
	else
		a->what = xasprintf("%s %s", method && method[0] ? method : what ? what : "connect",
		                    target ? target : "?");
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(d, "timeout_s");
	uint64_t timeout = cJSON_IsNumber(to) && to->valuedouble > 0 ? (uint64_t)to->valuedouble : 30;
	a->deadline_ns = clock_now(t) + timeout * SEC;
	cleanup_free char *safe = sanitize_str(a->what);
	char k[16];
	keymap_key_name(keymap_key_for(KM_ALWAYS, ACT_FOCUS_DENIED), k, sizeof k);
	snprintf(t->message, sizeof t->message, "asked: %s (answer in Denied: %s)", safe, k);
	changed(t);
}

static void remove_at(struct tui *t, size_t i)
{
	free(t->asks.v[i].what);
	memmove(&t->asks.v[i], &t->asks.v[i + 1], (t->asks.n - i - 1) * sizeof *t->asks.v);
	t->asks.n--;
	changed(t);
}

void ask_queue_event(struct tui *t, const char *message, const cJSON *data)
{
	const char *id = str_field(data, "id"), *state = str_field(data, "state");
	if (!id || !state)
		return;
	if (strcmp(state, "pending") == 0) {
		add_question(t, id, data);
		return;
	}
	struct ask_item *a = find(t, id);
	if (!a)
		return;
	if (a->write) { /* the outcome, as a row of the Denied pane */
		const char *answer = str_field(data, "answer");
		bool allowed = answer && strcmp(answer, "deny") != 0;
		char clock[16];
		time_t sec = time(NULL);
		struct tm tm;
		strftime(clock, sizeof clock, "%H:%M:%S", localtime_r(&sec, &tm));
		/* the outcome first: a long path is cut at the pane's edge */
		cleanup_free char *raw = xasprintf(
		        "%s %s %s", clock,
		        allowed                          ? "allowed (asked)"
		        : strcmp(state, "timeout") == 0 ? "denied (asked, no answer)"
		                                         : "denied (asked)",
		        a->what);
		list_add(&t->lists[PANE_DENIED], sanitize_str(raw), allowed ? ROLE_ALLOW : ROLE_DENY,
		         data ? cJSON_Duplicate(data, true) : NULL, 0);
	}
	(void)message;
	remove_at(t, (size_t)(a - t->asks.v));
}

void ask_queue_answer(struct tui *t, const char *answer)
{
	if (!t->asks.n) {
		snprintf(t->message, sizeof t->message, "no question is waiting");
		t->status_dirty = true;
		return;
	}
	struct ask_item *a = &t->asks.v[0];
	if (!a->once && strcmp(answer, "once") == 0) {
		snprintf(t->message, sizeof t->message,
		         "allow once is possible for opens only: allow it for the session or deny it");
		t->status_dirty = true;
		return;
	}
	char id[sizeof a->id], err[512];
	snprintf(id, sizeof id, "%s", a->id);
	if (session_decision_answer(t->s, id, answer, err, sizeof err) < 0) {
		cleanup_free char *safe = sanitize_str(err);
		snprintf(t->message, sizeof t->message, "%s", safe);
		t->status_dirty = true;
		a = find(t, id); /* closed meanwhile: it leaves the queue */
		if (a && strstr(err, "no pending question"))
			remove_at(t, (size_t)(a - t->asks.v));
	}
}

static bool interacting(const struct tui *t, uint64_t now)
{
	return t->view || t->filtering || t->prefix_pending || t->perms.editing ||
	       (t->asks.interact_ns && now < t->asks.interact_ns + INTERACT_NS);
}

void ask_queue_update_pause(struct tui *t)
{
	if (!ask_mode(t))
		return;
	struct ask_queue *q = &t->asks;
	uint64_t now = now_mono_ns();
	bool pause = interacting(t, now);
	if (pause == q->paused)
		return;
	if (!pause)
		for (size_t i = 0; i < q->n; i++)
			q->v[i].deadline_ns += now - q->paused_at;
	q->paused = pause;
	q->paused_at = now;
	if (t->s)
		session_ask_pause(t->s, pause);
	changed(t);
}

uint64_t ask_queue_next_tick(const struct tui *t)
{
	const struct ask_queue *q = &t->asks;
	uint64_t now = now_mono_ns(), when = UINT64_MAX;
	if (q->paused && q->interact_ns && !t->view && !t->filtering)
		when = q->interact_ns + INTERACT_NS; /* the pause ends */
	if (!q->paused && q->n) {
		/* when the seconds shown change */
		uint64_t left = q->v[0].deadline_ns > now ? q->v[0].deadline_ns - now : 0;
		for (size_t i = 1; i < q->n; i++)
			if (q->v[i].deadline_ns > now && q->v[i].deadline_ns - now < left)
				left = q->v[i].deadline_ns - now;
		uint64_t next = now + (left % SEC ? left % SEC : SEC);
		if (next < when)
			when = next;
	}
	return when;
}

void ask_queue_poll(struct tui *t)
{
	ask_queue_update_pause(t);
	if (t->asks.n && now_mono_ns() >= t->asks.redraw_due) /* the seconds shown changed */
		changed(t);
	t->asks.redraw_due = ask_queue_next_tick(t);
}

int ask_queue_draw(struct tui *t, const struct rect *r)
{
	struct ask_queue *q = &t->asks;
	if (!q->n || r->h < 2)
		return 0;
	char ko[16], ks[16], kd[16];
	keymap_key_name(keymap_key_for(KM_LIST, ACT_ASK_ONCE), ko, sizeof ko);
	keymap_key_name(keymap_key_for(KM_LIST, ACT_ASK_SESSION), ks, sizeof ks);
	keymap_key_name(keymap_key_for(KM_LIST, ACT_ASK_DENY), kd, sizeof kd);
	char head[256];
	snprintf(head, sizeof head, "Asking %zu%s: %s once, %s session, %s deny (the top one)", q->n,
	         q->paused ? " (paused)" : "", ko, ks, kd);
	draw_text(r->y, r->x, r->w, head, theme_attr(ROLE_ASK) | A_BOLD);
	int rows = 1, max = r->h / 2 > 1 ? r->h / 2 : 1; /* half the pane at most */
	uint64_t now = clock_now(t);
	for (size_t i = 0; i < q->n && rows <= max; i++, rows++) {
		const struct ask_item *a = &q->v[i];
		uint64_t left = a->deadline_ns > now ? (a->deadline_ns - now + SEC - 1) / SEC : 0;
		cleanup_free char *raw = xasprintf("%s %3llus %s%s", i == 0 ? ">" : " ",
		                                   (unsigned long long)left, a->write ? "" : "net ",
		                                   a->what);
		cleanup_free char *safe = sanitize_str(raw);
		attr_t attr = theme_attr(ROLE_ASK);
		if (i == 0 && t->focus == PANE_DENIED) {
			attr = theme_attr(ROLE_SELECTED);
			draw_fill(r->y + rows, r->x, r->w, attr);
		}
		draw_text(r->y + rows, r->x, r->w, safe, attr);
	}
	return rows;
}

void ask_queue_free(struct tui *t)
{
	for (size_t i = 0; i < t->asks.n; i++)
		free(t->asks.v[i].what);
	free(t->asks.v);
	t->asks.v = NULL;
	t->asks.n = t->asks.cap = 0;
}
