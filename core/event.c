/* event: the event bus. Producers emit; sinks render. The JSON shape is flat:
 * common keys (v, time, session, kind, pid, message) plus the kind's own keys
 * from ev->data; docs/events.schema.json describes it. */
#include "event.h"
#include "sanitize.h"
#include "util.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

#define MAX_SINKS 8

static struct {
	event_sink_fn fn;
	void *arg;
} sinks[MAX_SINKS];
static int n_sinks;
static char session_id[64] = "-";

static const char *const kind_names[EV__COUNT] = {
	[EV_SESSION_START] = "session_start", [EV_JAIL_READY] = "jail_ready",
	[EV_EXEC] = "exec", [EV_EXIT] = "exit", [EV_SETUP_ERROR] = "setup_error",
	[EV_WARNING] = "warning", [EV_NETWORK] = "network", [EV_DENIED] = "denied",
	[EV_CHANGE] = "change", [EV_POLICY_CHANGE] = "policy_change",
	[EV_DECISION] = "decision", [EV_ACCESS] = "access",
};

const char *event_kind_name(enum event_kind k)
{
	return (unsigned)k < EV__COUNT ? kind_names[k] : "unknown";
}

void event_set_session(const char *id)
{
	snprintf(session_id, sizeof session_id, "%s", id);
}

const char *event_session(void) { return session_id; }

int event_add_sink(event_sink_fn fn, void *arg)
{
	if (n_sinks == MAX_SINKS)
		return -1;
	sinks[n_sinks].fn = fn;
	sinks[n_sinks].arg = arg;
	n_sinks++;
	return 0;
}

void event_remove_sink(event_sink_fn fn, void *arg)
{
	for (int i = 0; i < n_sinks; i++) {
		if (sinks[i].fn == fn && sinks[i].arg == arg) {
			memmove(&sinks[i], &sinks[i + 1], (size_t)(n_sinks - i - 1) * sizeof *sinks);
			n_sinks--;
			return;
		}
	}
}

void event_clear_sinks(void) { n_sinks = 0; }

void event_emit(struct event *ev)
{
	if (!ev->time_ns)
		ev->time_ns = now_real_ns();
	for (int i = 0; i < n_sinks; i++)
		sinks[i].fn(ev, sinks[i].arg);
	cJSON_Delete(ev->data);
	ev->data = NULL;
}

void event_emitf(enum event_kind kind, cJSON *data, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct event ev = {.kind = kind, .message = msg, .data = data};
	event_emit(&ev);
}

static void format_time(uint64_t ns, char *buf, size_t len, bool date)
{
	time_t secs = (time_t)(ns / 1000000000ull);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char base[24];
	size_t n = strftime(base, sizeof base, date ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &tm);
	base[n < sizeof base ? n : 0] = '\0';
	unsigned frac = date ? (unsigned)(ns % 1000000000ull / 1000) % 1000000u
	                     : (unsigned)(ns % 1000000000ull / 1000000) % 1000u;
	snprintf(buf, len, date ? "%.20s.%06uZ" : "%.20s.%03u", base, frac);
}

cJSON *event_to_json(const struct event *ev)
{
	cJSON *o = cJSON_CreateObject();
	char t[48];
	format_time(ev->time_ns, t, sizeof t, true);
	cJSON_AddNumberToObject(o, "v", 1);
	cJSON_AddStringToObject(o, "time", t);
	cJSON_AddStringToObject(o, "session", session_id);
	cJSON_AddStringToObject(o, "kind", event_kind_name(ev->kind));
	if (ev->pid)
		cJSON_AddNumberToObject(o, "pid", ev->pid);
	if (ev->message)
		cJSON_AddStringToObject(o, "message", ev->message);
	if (ev->data) {
		const cJSON *it;
		cJSON_ArrayForEach(it, ev->data) {
			if (!cJSON_HasObjectItem(o, it->string))
				cJSON_AddItemToObject(o, it->string, cJSON_Duplicate(it, true));
		}
	}
	return o;
}

void event_sink_jsonl(const struct event *ev, void *arg)
{
	FILE *fp = arg;
	cJSON *o = event_to_json(ev);
	char *s = cJSON_PrintUnformatted(o);
	if (s) {
		fputs(s, fp);
		fputc('\n', fp);
		fflush(fp);
		cJSON_free(s);
	}
	cJSON_Delete(o);
}

/* "glassbox: 20:38:28.123 exec  bash -l (pid 2)" — the message is produced by
 * glassbox but may quote untrusted names, so it is sanitised as a whole. */
void event_sink_debug(const struct event *ev, void *arg)
{
	FILE *fp = arg;
	char t[32];
	format_time(ev->time_ns, t, sizeof t, false);
	char *msg = sanitize_str(ev->message ? ev->message : "");
	if (ev->kind == EV_DENIED) /* reads as a sentence: "denied write /x (rule: ...)" */
		fprintf(fp, "glassbox: %s denied %s\n", t, msg);
	else
		fprintf(fp, "glassbox: %s %-11s %s\n", t, event_kind_name(ev->kind), msg);
	free(msg);
	fflush(fp);
}
