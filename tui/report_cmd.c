/* report_cmd: summarises one --log file (JSON lines, docs/events.schema.json).
 *
 * Reads every event, then prints sections: programs run (exec events and
 * traced execs), files read (traced reads), files written (traced changes and
 * snapshot changes), hosts contacted (proxy network events and traced
 * connects) and denials (denied events and refused network requests). Each
 * item is listed once, in the order first seen, with a count. Everything
 * printed comes from the log, i.e. from the sandbox: sanitised. */
#include "report_cmd.h"
#include "sanitize.h"
#include "strlist.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct tally {
	struct strlist items;
	size_t *counts;
	size_t cap;
};

static void tally_add(struct tally *t, const char *item)
{
	for (size_t i = 0; i < t->items.len; i++)
		if (strcmp(t->items.items[i], item) == 0) {
			t->counts[i]++;
			return;
		}
	if (t->items.len == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->counts = xrealloc(t->counts, t->cap * sizeof *t->counts);
	}
	t->counts[t->items.len] = 1;
	strlist_push(&t->items, item);
}

static void tally_print(const char *title, const struct tally *t)
{
	printf("%s (%zu):\n", title, t->items.len);
	if (t->items.len == 0)
		printf("  (none)\n");
	for (size_t i = 0; i < t->items.len; i++) {
		cleanup_free char *safe = sanitize_str(t->items.items[i]);
		if (t->counts[i] > 1)
			printf("  %s  (x%zu)\n", safe, t->counts[i]);
		else
			printf("  %s\n", safe);
	}
}

static void tally_free(struct tally *t)
{
	strlist_clear(&t->items);
	free(t->counts);
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

struct report {
	struct tally run, read, written, hosts, denied;
	char *session;
	char *command;
	int exit_code;
	bool have_exit;
};

static bool is_change_op(const char *op)
{
	static const char *const ops[] = { "write", "create", "delete", "rename", "mkdir",
		                           "chmod", "chown",  "touch",  NULL };
	for (int i = 0; ops[i]; i++)
		if (strcmp(op, ops[i]) == 0)
			return true;
	return false;
}

static void add_event(struct report *r, const cJSON *o)
{
	const char *kind = str(o, "kind");
	const char *op = str(o, "op"), *target = str(o, "target");
	if (!kind)
		return;
	if (strcmp(kind, "session_start") == 0) {
		free(r->session);
		r->session = xstrdup(str(o, "session") ? str(o, "session") : "-");
		const cJSON *argv = cJSON_GetObjectItemCaseSensitive(o, "argv");
		struct strlist words = { 0 };
		const cJSON *w;
		cJSON_ArrayForEach(w, argv) {
			if (cJSON_IsString(w))
				strlist_push(&words, w->valuestring);
		}
		size_t len = 1;
		for (size_t i = 0; i < words.len; i++)
			len += strlen(words.items[i]) + 1;
		free(r->command);
		r->command = xcalloc(1, len);
		for (size_t i = 0; i < words.len; i++) {
			if (i)
				strcat(r->command, " ");
			strcat(r->command, words.items[i]);
		}
		strlist_clear(&words);
	} else if (strcmp(kind, "exec") == 0) {
		const cJSON *argv0 =
		        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "argv"), 0);
		if (cJSON_IsString(argv0))
			tally_add(&r->run, argv0->valuestring);
	} else if (strcmp(kind, "exit") == 0) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "code");
		r->have_exit = cJSON_IsNumber(c);
		r->exit_code = r->have_exit ? (int)c->valuedouble : 0;
	} else if (strcmp(kind, "access") == 0 && op && target) {
		if (strcmp(op, "read") == 0)
			tally_add(&r->read, target);
		else if (strcmp(op, "exec") == 0)
			tally_add(&r->run, target);
		else if (strcmp(op, "connect") == 0 && !strstr(target, " (proxy)"))
			tally_add(&r->hosts,
			          target); /* through the proxy: its network events say where */
		else if (is_change_op(op)) {
			cleanup_free char *item = xasprintf("%s %s", op, target);
			tally_add(&r->written, item);
		}
	} else if (strcmp(kind, "change") == 0 && str(o, "path")) {
		cleanup_free char *item = xasprintf(
		        "%s %s", str(o, "change") ? str(o, "change") : "changed", str(o, "path"));
		tally_add(&r->written, item);
	} else if (strcmp(kind, "network") == 0 && str(o, "host")) {
		const cJSON *port = cJSON_GetObjectItemCaseSensitive(o, "port");
		const char *verdict = str(o, "verdict") ? str(o, "verdict") : "?";
		cleanup_free char *item =
		        xasprintf("%s:%d %s", str(o, "host"),
		                  cJSON_IsNumber(port) ? (int)port->valuedouble : 0, verdict);
		tally_add(&r->hosts, item);
		if (strcmp(verdict, "allow") != 0) {
			cleanup_free char *d =
			        xasprintf("network %s:%d (%s)", str(o, "host"),
			                  cJSON_IsNumber(port) ? (int)port->valuedouble : 0,
			                  str(o, "reason") ? str(o, "reason") :
			                  str(o, "rule")   ? str(o, "rule") :
			                                     verdict);
			tally_add(&r->denied, d);
		}
	} else if (strcmp(kind, "denied") == 0 && op && target) {
		const char *rule = str(o, "rule"), *flag = str(o, "flag");
		cleanup_free char *d =
		        flag ? xasprintf("%s %s (rule: %s; allow with %s)", op, target,
		                         rule ? rule : "?", flag) :
		               xasprintf("%s %s (rule: %s)", op, target, rule ? rule : "?");
		tally_add(&r->denied, d);
	}
}

static int bad(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cleanup_free char *safe = sanitize_str(path);
	fprintf(stderr, "glassbox: report: %s: %s\n", safe, msg);
	return 2;
}

int report_command(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return bad(path, "%s", strerror(errno));
	struct report r = { 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	size_t lineno = 0, events = 0;
	int rc = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (n == 0 || strspn(line, " \t\r\n") == (size_t)n)
			continue;
		cJSON *o = cJSON_Parse(line);
		if (!cJSON_IsObject(o) || !str(o, "kind")) {
			cJSON_Delete(o);
			rc = bad(path,
			         "line %zu is not a glassbox event (a JSON object with \"kind\")",
			         lineno);
			break;
		}
		add_event(&r, o);
		events++;
		cJSON_Delete(o);
	}
	if (rc == 0 && ferror(f))
		rc = bad(path, "%s", strerror(errno));
	if (rc == 0 && events == 0)
		rc = bad(path, "no events in the file");
	free(line);
	fclose(f);
	if (rc == 0) {
		cleanup_free char *safe_cmd = sanitize_str(r.command ? r.command : "?");
		printf("session %s: %s", r.session ? r.session : "-", safe_cmd);
		if (r.have_exit)
			printf(" (exit %d)", r.exit_code);
		printf("\n");
		tally_print("Programs run", &r.run);
		tally_print("Files read", &r.read);
		tally_print("Files written", &r.written);
		tally_print("Hosts contacted", &r.hosts);
		tally_print("Denied", &r.denied);
	}
	tally_free(&r.run);
	tally_free(&r.read);
	tally_free(&r.written);
	tally_free(&r.hosts);
	tally_free(&r.denied);
	free(r.session);
	free(r.command);
	return rc;
}
