/* event: the one record of everything the core observes. Every face renders
 * the same stream: --debug as readable lines on stderr, --log FILE as JSON
 * lines, later the TUI's panes. Schema: docs/events.schema.json.
 *
 * Producers fill a struct event and call event_emit(); kind-specific fields
 * live in `data` (a cJSON object owned by the event) so new kinds need no new
 * struct. Sinks are callbacks registered on the bus. */
#ifndef GLASSBOX_EVENT_H
#define GLASSBOX_EVENT_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

enum event_kind {
	EV_SESSION_START,
	EV_JAIL_READY,
	EV_EXEC,
	EV_EXIT,
	EV_SETUP_ERROR,
	EV_WARNING,
	/* later issues: */
	EV_NETWORK,
	EV_DENIED,
	EV_CHANGE,
	EV_POLICY_CHANGE,
	EV_DECISION,
	EV_ACCESS,   /* --trace: an access that was allowed (core/observer.h) */
	EV__COUNT
};

struct event {
	enum event_kind kind;
	uint64_t time_ns;   /* wall clock, filled by event_emit when 0 */
	pid_t pid;          /* process inside the sandbox, 0 when none */
	const char *message; /* one human line, or NULL */
	cJSON *data;        /* kind-specific fields (object), may be NULL */
};

typedef void (*event_sink_fn)(const struct event *ev, void *arg);

const char *event_kind_name(enum event_kind k);
/* Session id stamped on every event (set once at start). */
void event_set_session(const char *id);
const char *event_session(void);
int event_add_sink(event_sink_fn fn, void *arg);
void event_remove_sink(event_sink_fn fn, void *arg);
void event_clear_sinks(void);
/* Delivers ev to every sink, then frees ev->data. */
void event_emit(struct event *ev);
/* Convenience: emit a kind with a printf message and optional data. */
void event_emitf(enum event_kind kind, cJSON *data, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The JSON object of an event (caller deletes). */
cJSON *event_to_json(const struct event *ev);
/* Ready-made sinks: JSON lines to a FILE*, readable lines to a FILE*. */
void event_sink_jsonl(const struct event *ev, void *fp);
void event_sink_debug(const struct event *ev, void *fp);

#endif
