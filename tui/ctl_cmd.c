/* ctl_cmd: a client of the control socket (ctl_server.h). One connection per
 * command: send one JSON request line, print the reply. `events` keeps
 * reading event lines until the session ends. `ls` asks every socket in the
 * control directory for session.info and removes the sockets of sessions
 * that died without cleaning up (nothing accepts on them any more).
 *
 * Paths are made absolute against our cwd and normalised lexically, never
 * resolved through symlinks here: the sandbox may have planted one, and the
 * session refuses paths with a symlink on them. */
#include "ctl_cmd.h"
#include "ctl_dir.h"
#include "headless.h"
#include "net_policy.h"
#include "policy.h"
#include "sanitize.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
        "usage: glassbox ctl SESSION policy|info|events | allow-write|deny-write|revoke-write PATH "
        "| allow-read|deny-read PATH | allow-net|deny-net|revoke-net HOST[:PORT] "
        "| secret-host NAME=HOST | remove LIST VALUE | answer ID once|session|deny";

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	headless_error(msg);
	return 2;
}

/* Connects to socket path; -errno on failure. */
static int connect_path(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof a.sun_path)
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	struct timeval tv = { .tv_sec = 15 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

static int send_request(int fd, cJSON *req)
{
	char *txt = cJSON_PrintUnformatted(req);
	size_t n = strlen(txt);
	int r = write_all(fd, txt, n);
	if (r == 0)
		r = write_all(fd, "\n", 1);
	cJSON_free(txt);
	return r;
}

/* Reads one line (NULL at EOF or error). Caller frees. */
static char *read_line(int fd, char **buf, size_t *len)
{
	for (;;) {
		char *nl = *len ? memchr(*buf, '\n', *len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - *buf);
			char *line = xmalloc(n + 1);
			memcpy(line, *buf, n);
			line[n] = '\0';
			memmove(*buf, nl + 1, *len - n - 1);
			*len -= n + 1;
			return line;
		}
		*buf = xrealloc(*buf, *len + 4096);
		ssize_t r = read(fd, *buf + *len, 4096);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return NULL;
		*len += (size_t)r;
	}
}

/* Sends req and returns the reply object (NULL: the connection failed). */
static cJSON *call(int fd, cJSON *req)
{
	if (send_request(fd, req) < 0)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	cJSON *reply = NULL;
	char *line;
	while (!reply && (line = read_line(fd, &buf, &len))) {
		cJSON *o = cJSON_Parse(line);
		free(line);
		if (o && cJSON_GetObjectItemCaseSensitive(o, "ok"))
			reply = o;
		else
			cJSON_Delete(o);
	}
	free(buf);
	return reply;
}

/* Opens the session's socket, or explains (exit 2). */
static int open_session(const char *id, int *fd)
{
	if (!ctl_session_id_ok(id)) {
		cleanup_free char *s = sanitize_str(id);
		return bad("no running session '%s' (see glassbox ls)", s);
	}
	char dir[PATH_MAX], err[512];
	if (ctl_dir_get(dir, sizeof dir, false, err, sizeof err) < 0)
		return bad("no running session '%s' (%s)", id, err);
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/%s.sock", dir, id);
	*fd = connect_path(path);
	if (*fd == -ECONNREFUSED)
		unlink(path); /* its session died without removing it */
	if (*fd < 0)
		return bad("no running session '%s' (see glassbox ls)", id);
	return 0;
}

static const char *reply_error(const cJSON *r)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
	return cJSON_IsString(e) ? e->valuestring : "failed";
}

/* JSON text escapes every control character inside strings. */
static void print_json(const cJSON *o)
{
	char *txt = cJSON_Print(o);
	puts(txt);
	cJSON_free(txt);
}

/* One request, its reply printed; returns the exit status. */
static int run_call(int fd, cJSON *req, const char *what)
{
	cJSON *r = call(fd, req);
	if (!r) {
		headless_error("the session closed the control connection");
		return 1;
	}
	int rc = 0;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"))) {
		headless_error(reply_error(r));
		rc = 1;
	} else if (strcmp(what, "policy") == 0) {
		print_json(cJSON_GetObjectItemCaseSensitive(r, "policy"));
	} else if (strcmp(what, "info") == 0) {
		cJSON_DeleteItemFromObject(r, "ok");
		cJSON_DeleteItemFromObject(r, "id");
		print_json(r);
	} else if (strcmp(what, "answer") == 0) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(req, "decision");
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(req, "answer");
		cleanup_free char *line =
		        xasprintf("answered %s: %s", d->valuestring, a->valuestring);
		cleanup_free char *safe = sanitize_str(line);
		puts(safe);
	} else if (strcmp(what, "patch") == 0) {
		const cJSON *a;
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(r, "applied")) {
			const cJSON *act = cJSON_GetObjectItemCaseSensitive(a, "action");
			const cJSON *l = cJSON_GetObjectItemCaseSensitive(a, "list");
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, "value");
			const cJSON *e = cJSON_GetObjectItemCaseSensitive(a, "effect");
			cleanup_free char *line = xasprintf(
			        "%s %s %s: %s", cJSON_IsString(act) ? act->valuestring : "?",
			        cJSON_IsString(l) ? l->valuestring : "?",
			        cJSON_IsString(v) ? v->valuestring : "?",
			        cJSON_IsString(e) ? e->valuestring : "applied");
			cleanup_free char *safe = sanitize_str(line);
			puts(safe);
		}
	}
	cJSON_Delete(r);
	return rc;
}

static int follow_events(int fd)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "events.subscribe");
	int r = send_request(fd, req);
	cJSON_Delete(req);
	if (r < 0)
		return 1;
	struct timeval tv = { 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	char *buf = NULL;
	size_t len = 0;
	char *line;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((line = read_line(fd, &buf, &len))) {
		cJSON *o = cJSON_Parse(line);
		if (o && cJSON_GetObjectItemCaseSensitive(o, "kind")) {
			cleanup_free char *safe = sanitize_str(line);
			puts(safe);
		}
		cJSON_Delete(o);
		free(line);
	}
	free(buf);
	return 0;
}

/* PATH against our cwd, normalised lexically. */
static char *abs_path(const char *p)
{
	cleanup_free char *cwd = getcwd(NULL, 0);
	cleanup_free char *joined = p[0] == '/' ? xstrdup(p) :
	                                          xasprintf("%s/%s", cwd ? cwd : "/", p);
	return policy_normalize_path(joined);
}

static cJSON *patch_request(const char *action, const char *list, const char *value)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "policy.patch");
	cJSON *sec = cJSON_AddObjectToObject(req, action);
	cJSON *arr = cJSON_AddArrayToObject(sec, list);
	cJSON_AddItemToArray(arr, cJSON_CreateString(value));
	return req;
}

static bool is_net_list(const char *l)
{
	return strstr(l, "-net") != NULL;
}

static int known_list(const char *l)
{
	static const char *const lists[] = { "allow-write", "deny-write", "allow-read",
		                             "deny-read",   "allow-net",  "deny-net",
		                             "secret-host", NULL };
	for (int i = 0; lists[i]; i++)
		if (strcmp(l, lists[i]) == 0)
			return 1;
	return 0;
}

int ctl_command(const struct cli_options *o)
{
	const struct strlist *a = &o->ctl_args;
	if (a->len < 2)
		return bad("%s", usage);
	const char *id = a->items[0], *cmd = a->items[1];
	const char *action = NULL, *list = NULL, *value = NULL;
	cJSON *req = NULL;
	const char *what = "patch";
	if (a->len == 2 && (strcmp(cmd, "policy") == 0 || strcmp(cmd, "info") == 0 ||
	                    strcmp(cmd, "events") == 0)) {
		what = cmd;
	} else if (a->len == 3 && known_list(cmd)) {
		action = "add", list = cmd, value = a->items[2];
	} else if (a->len == 3 &&
	           (strcmp(cmd, "revoke-write") == 0 || strcmp(cmd, "revoke-net") == 0)) {
		action = "remove", list = cmd[7] == 'w' ? "allow-write" : "allow-net",
		value = a->items[2];
	} else if (a->len == 4 && strcmp(cmd, "remove") == 0 && known_list(a->items[2])) {
		action = "remove", list = a->items[2], value = a->items[3];
	} else if (a->len == 4 && strcmp(cmd, "answer") == 0) {
		const char *ans = a->items[3];
		if (strcmp(ans, "once") && strcmp(ans, "session") && strcmp(ans, "deny"))
			return bad("answer: once, session or deny, not '%s'", ans);
		req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "cmd", "decision.answer");
		cJSON_AddStringToObject(req, "decision", a->items[2]);
		cJSON_AddStringToObject(req, "answer", ans);
		what = "answer";
	} else {
		cleanup_free char *s = sanitize_str(cmd);
		return bad("ctl: unknown or incomplete command '%s' (%s)", s, usage);
	}
	cleanup_free char *norm = NULL;
	if (list) {
		if (!value[0])
			return bad("ctl %s: empty value", cmd);
		if (strcmp(list, "secret-host") == 0) {
			const char *eq = strchr(value, '=');
			struct net_rule r;
			char err[512];
			if (!eq || eq == value)
				return bad("ctl secret-host: expected NAME=HOST");
			if (net_rule_parse(eq + 1, "--secret-host", &r, err, sizeof err) < 0)
				return bad("%s", err);
			if (r.kind == NET_RULE_ANY)
				return bad("ctl secret-host: name the host ('*' would send the secret "
				           "everywhere)");
			list = "secret-hosts";
		} else if (is_net_list(list)) {
			struct net_rule r;
			char err[512], flag[32];
			snprintf(flag, sizeof flag, "--%s", list);
			if (net_rule_parse(value, flag, &r, err, sizeof err) < 0)
				return bad("%s", err);
		} else {
			value = norm = abs_path(value);
		}
		req = patch_request(action, list, value);
	} else if (!req) {
		req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "cmd",
		                        strcmp(what, "policy") == 0 ? "policy.get" :
		                        strcmp(what, "info") == 0   ? "session.info" :
		                                                      "events.subscribe");
	}
	int fd = -1;
	int rc = open_session(id, &fd);
	if (rc) {
		cJSON_Delete(req);
		return rc;
	}
	if (strcmp(what, "events") == 0)
		rc = follow_events(fd);
	else
		rc = run_call(fd, req, what);
	cJSON_Delete(req);
	close(fd);
	return rc;
}

int ls_command(void)
{
	char dir[PATH_MAX], err[512];
	if (ctl_dir_get(dir, sizeof dir, false, err, sizeof err) < 0) {
		if (errno == ENOENT)
			return 0; /* no session has ever run */
		headless_error(err);
		return 1;
	}
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	bool header = false;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".sock") != 0)
			continue;
		char path[PATH_MAX + 300];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		int fd = connect_path(path);
		if (fd == -ECONNREFUSED) {
			unlink(path); /* a dead session's */
			continue;
		}
		if (fd < 0)
			continue;
		cJSON *req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "cmd", "session.info");
		cJSON *r = call(fd, req);
		cJSON_Delete(req);
		close(fd);
		if (!r || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"))) {
			cJSON_Delete(r);
			continue;
		}
		const cJSON *sid = cJSON_GetObjectItemCaseSensitive(r, "session");
		const cJSON *pid = cJSON_GetObjectItemCaseSensitive(r, "pid");
		const cJSON *cwd = cJSON_GetObjectItemCaseSensitive(r, "cwd");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(r, "started");
		char cmdline[1024] = "";
		size_t off = 0;
		const cJSON *arg;
		cJSON_ArrayForEach(arg, cJSON_GetObjectItemCaseSensitive(r, "argv")) {
			if (cJSON_IsString(arg) && off < sizeof cmdline)
				off += (size_t)snprintf(cmdline + off, sizeof cmdline - off, "%s%s",
				                        off ? " " : "", arg->valuestring);
		}
		char when[32] = "-";
		if (cJSON_IsNumber(st)) {
			time_t t = (time_t)st->valuedouble;
			struct tm tm;
			localtime_r(&t, &tm);
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		}
		if (!header) {
			printf("%-14s %-8s %-19s %-30s %s\n", "SESSION", "PID", "STARTED", "CWD",
			       "COMMAND");
			header = true;
		}
		cleanup_free char *line = xasprintf(
		        "%-14s %-8d %-19s %-30s %s", cJSON_IsString(sid) ? sid->valuestring : "?",
		        cJSON_IsNumber(pid) ? (int)pid->valuedouble : 0, when,
		        cJSON_IsString(cwd) ? cwd->valuestring : "?", cmdline);
		cleanup_free char *safe = sanitize_str(line);
		puts(safe);
		cJSON_Delete(r);
	}
	closedir(d);
	return 0;
}
