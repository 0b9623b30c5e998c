/* ask_tty: the headless face of ask mode. Pending questions (EV_DECISION,
 * state pending) queue up in order; the oldest is shown on the terminal and
 * the next answer typed there goes to session_decision_answer(). A question
 * closed elsewhere (the control socket, its timeout, its client leaving)
 * leaves the queue with a line saying how. Text from the sandbox (host
 * names) is sanitised before it reaches the terminal. */
#include "ask_tty.h"
#include "event.h"
#include "sanitize.h"
#include "session.h"
#include "strlist.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct ask_tty {
	struct session *s;
	int fd;
	bool read_answers;
	struct strlist pending; /* question ids, oldest first */
	struct strlist no_once; /* those that cannot be allowed once */
};

static void say(struct ask_tty *a, const char *text)
{
	cleanup_free char *safe = sanitize_str(text);
	cleanup_free char *line = xasprintf("\r\nglassbox: %s", safe);
	write_all(a->fd, line, strlen(line));
}

static void prompt(struct ask_tty *a)
{
	if (!a->pending.len || !a->read_answers)
		return;
	cleanup_free char *safe = sanitize_str(a->pending.items[0]);
	bool no_once = strlist_contains(&a->no_once, a->pending.items[0]);
	cleanup_free char *q = xasprintf(" %s: allow %sfor the [s]ession, or [d]eny? ", safe,
	                                 no_once ? "" : "[o]nce, ");
	write_all(a->fd, q, strlen(q));
}

static void decision_sink(const struct event *ev, void *arg)
{
	struct ask_tty *a = arg;
	if (ev->kind != EV_DECISION)
		return;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev->data, "id");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(ev->data, "state");
	if (!cJSON_IsString(id) || !cJSON_IsString(st))
		return;
	if (strcmp(st->valuestring, "pending") == 0) {
		strlist_push(&a->pending, id->valuestring);
		/* Writes other than opens: session or deny (the "answers" list). */
		const cJSON *answers = cJSON_GetObjectItemCaseSensitive(ev->data, "answers");
		bool once = !cJSON_IsArray(answers);
		const cJSON *it;
		cJSON_ArrayForEach(it, answers)
			once = once || (cJSON_IsString(it) && strcmp(it->valuestring, "once") == 0);
		if (!once)
			strlist_push(&a->no_once, id->valuestring);
		say(a, ev->message ? ev->message : id->valuestring);
		if (!a->read_answers) {
			cleanup_free char *hint = xasprintf(
			        "answer with: glassbox ctl %s answer %s once|session|deny\r\n",
			        session_id(a->s), id->valuestring);
			say(a, hint);
		} else if (a->pending.len == 1) {
			prompt(a);
		}
		return;
	}
	if (!strlist_contains(&a->pending, id->valuestring))
		return;
	bool was_head = strcmp(a->pending.items[0], id->valuestring) == 0;
	strlist_remove(&a->pending, id->valuestring);
	strlist_remove(&a->no_once, id->valuestring);
	say(a, ev->message ? ev->message : id->valuestring);
	write_all(a->fd, "\r\n", 2);
	if (was_head)
		prompt(a);
}

struct ask_tty *ask_tty_open(struct session *s, bool read_answers)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct ask_tty *a = xcalloc(1, sizeof *a);
	a->s = s;
	a->fd = fd;
	a->read_answers = read_answers;
	if (event_add_sink(decision_sink, a) < 0) {
		close(fd);
		free(a);
		return NULL;
	}
	return a;
}

int ask_tty_fd(const struct ask_tty *a)
{
	return a && a->read_answers && a->pending.len ? a->fd : -1;
}

void ask_tty_handle(struct ask_tty *a)
{
	char buf[256];
	ssize_t n = read(a->fd, buf, sizeof buf);
	for (ssize_t i = 0; i < n && a->pending.len; i++) {
		int c = tolower((unsigned char)buf[i]);
		const char *ans = c == 'o' || c == 'y' ? "once" :
		                  c == 's'             ? "session" :
		                  c == 'd' || c == 'n' ? "deny" :
		                                         NULL;
		if (!ans)
			continue;
		if (strcmp(ans, "once") == 0 && strlist_contains(&a->no_once, a->pending.items[0]))
			continue; /* only opens can be allowed once */
		cleanup_free char *id = xstrdup(a->pending.items[0]);
		char err[512];
		if (session_decision_answer(a->s, id, ans, err, sizeof err) < 0) {
			/* Closed meanwhile: drop it and ask the next. */
			strlist_remove(&a->pending, id);
			strlist_remove(&a->no_once, id);
			say(a, err);
			write_all(a->fd, "\r\n", 2);
			prompt(a);
		}
	}
}

void ask_tty_close(struct ask_tty *a)
{
	if (!a)
		return;
	event_remove_sink(decision_sink, a);
	close(a->fd);
	strlist_clear(&a->pending);
	strlist_clear(&a->no_once);
	free(a);
}
