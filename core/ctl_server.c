/* ctl_server: the control socket's listener, clients and framing.
 *
 * One epoll set holds the listener and every client. A client's bytes are
 * split into lines (at most CTL_LINE_MAX each: a longer one gets an error and
 * the connection closes); each line is parsed with cJSON and answered at once
 * into the client's output buffer, which drains as the socket allows. Event
 * subscribers get every event appended the same way; one that does not read
 * and lets CTL_OUT_MAX pile up is dropped rather than holding the
 * supervisor's memory. Nothing here blocks. */
#include "ctl_server.h"
#include "ctl_dir.h"
#include "event.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_LINE_MAX (64 * 1024)
#define CTL_OUT_MAX (4 * 1024 * 1024)
#define CTL_MAX_CLIENTS 64

struct ctl_client {
	int fd;
	char *in;
	size_t in_len;
	char *out;
	size_t out_len, out_cap;
	bool subscribed;
	bool refused; /* another uid: told so, its input is discarded */
	bool closing; /* close once out is drained */
	bool dead;
	uint32_t mask;
	struct ctl_client *next;
};

struct ctl_server {
	int epfd;
	int listen_fd;
	char path[PATH_MAX];
	ctl_handler_fn fn;
	void *arg;
	struct ctl_client *clients;
	int n_clients;
	bool sink_added;
};

static void client_arm(struct ctl_server *s, struct ctl_client *c)
{
	uint32_t m = (c->closing ? 0 : EPOLLIN) | (c->out_len ? EPOLLOUT : 0);
	if (m == c->mask)
		return;
	struct epoll_event ev = { .events = m, .data.ptr = c };
	epoll_ctl(s->epfd, c->mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev);
	c->mask = m;
}

static void client_kill(struct ctl_server *s, struct ctl_client *c)
{
	if (c->dead)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->dead = true;
	s->n_clients--;
}

static void client_put(struct ctl_client *c, const char *p, size_t n)
{
	if (c->dead)
		return;
	if (c->out_len + n > CTL_OUT_MAX) {
		c->closing = true; /* a subscriber that stopped reading: drop it */
		c->out_len = 0;
		return;
	}
	if (c->out_len + n > c->out_cap) {
		c->out_cap = (c->out_len + n) * 2;
		c->out = xrealloc(c->out, c->out_cap);
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
}

static void client_put_json(struct ctl_client *c, cJSON *o)
{
	char *txt = cJSON_PrintUnformatted(o);
	if (txt) {
		client_put(c, txt, strlen(txt));
		client_put(c, "\n", 1);
		cJSON_free(txt);
	}
}

static void client_flush(struct ctl_server *s, struct ctl_client *c)
{
	while (c->out_len && !c->dead) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				client_kill(s, c);
			break;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	if (c->dead)
		return;
	if (c->closing && !c->out_len)
		client_kill(s, c);
	if (!c->dead)
		client_arm(s, c);
}

static void reply_error(struct ctl_client *c, const cJSON *id, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	if (id)
		cJSON_AddItemToObject(o, "id", cJSON_Duplicate(id, true));
	cJSON_AddBoolToObject(o, "ok", false);
	cJSON_AddStringToObject(o, "error", msg);
	client_put_json(c, o);
	cJSON_Delete(o);
}

static void handle_line(struct ctl_server *s, struct ctl_client *c, const char *line)
{
	cJSON *req = cJSON_Parse(line);
	if (!req || !cJSON_IsObject(req)) {
		reply_error(c, NULL, "malformed request: expected one JSON object per line");
		cJSON_Delete(req);
		return;
	}
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd");
	if (!cJSON_IsString(cmd)) {
		reply_error(c, id, "malformed request: \"cmd\" must be a string");
		cJSON_Delete(req);
		return;
	}
	cJSON *res;
	char err[512] = "";
	if (strcmp(cmd->valuestring, "events.subscribe") == 0) {
		c->subscribed = true;
		res = cJSON_CreateObject();
	} else {
		res = s->fn(s->arg, cmd->valuestring, req, err, sizeof err);
	}
	if (!res) {
		reply_error(c, id, err[0] ? err : "failed");
	} else {
		cJSON *o = cJSON_CreateObject();
		if (id)
			cJSON_AddItemToObject(o, "id", cJSON_Duplicate(id, true));
		cJSON_AddBoolToObject(o, "ok", true);
		cJSON *it;
		while ((it = res->child)) {
			cJSON_DetachItemViaPointer(res, it);
			if (cJSON_HasObjectItem(o, it->string))
				cJSON_Delete(it);
			else
				cJSON_AddItemToObject(o, it->string, it);
		}
		cJSON_Delete(res);
		client_put_json(c, o);
		cJSON_Delete(o);
	}
	cJSON_Delete(req);
}

static void client_read(struct ctl_server *s, struct ctl_client *c)
{
	char buf[8192];
	ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			client_kill(s, c);
		return;
	}
	if (n == 0) {
		c->closing = true; /* answer what came, then close */
		return;
	}
	if (c->refused)
		return; /* read and dropped: closing with unread input would reset it */
	for (ssize_t i = 0; i < n && !c->closing; i++) {
		if (buf[i] == '\n') {
			c->in = xrealloc(c->in, c->in_len + 1);
			c->in[c->in_len] = '\0';
			if (c->in_len && !(c->in_len == 1 && c->in[0] == '\r'))
				handle_line(s, c, c->in);
			c->in_len = 0;
			continue;
		}
		if (c->in_len == CTL_LINE_MAX) {
			reply_error(c, NULL, "request line too long");
			c->closing = true;
			break;
		}
		if (!c->in || (c->in_len & 4095) == 0)
			c->in = xrealloc(c->in, c->in_len + 4096 + 1);
		c->in[c->in_len++] = buf[i];
	}
}

/* Sandboxed processes run with the owner's uid, so the uid alone does not
 * tell the owner from the code under watch: a sandbox that can see another
 * session's socket (host /tmp visible, a different XDG_RUNTIME_DIR) could
 * otherwise loosen that session's policy. Every sandbox lives in a user
 * namespace of its own; a client must be in ours. A peer whose namespace
 * cannot be read is refused. */
static bool same_user_namespace(pid_t pid)
{
	char path[64];
	struct stat mine, theirs;
	snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
	return pid > 0 && stat("/proc/self/ns/user", &mine) == 0 && stat(path, &theirs) == 0 &&
	       mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev;
}

static void accept_clients(struct ctl_server *s)
{
	for (;;) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct ucred cred;
		socklen_t len = sizeof cred;
		bool refused = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		               cred.uid != getuid() || !same_user_namespace(cred.pid);
		if (s->n_clients >= CTL_MAX_CLIENTS) {
			close(fd);
			continue;
		}
		struct ctl_client *c = xcalloc(1, sizeof *c);
		c->fd = fd;
		c->next = s->clients;
		s->clients = c;
		s->n_clients++;
		if (refused) {
			static const char no[] = "{\"ok\":false,\"error\":\"refused: only the "
			                         "session's owner may control it\"}\n";
			c->refused = true;
			client_put(c, no, sizeof no - 1);
		}
		client_arm(s, c);
	}
}

static void event_to_clients(const struct event *ev, void *arg)
{
	struct ctl_server *s = arg;
	cJSON *o = NULL;
	for (struct ctl_client *c = s->clients; c; c = c->next) {
		if (c->dead || !c->subscribed || c->closing)
			continue;
		if (!o)
			o = event_to_json(ev);
		client_put_json(c, o);
		client_arm(s, c);
	}
	cJSON_Delete(o);
}

struct ctl_server *ctl_server_open(const char *session_id, ctl_handler_fn fn, void *arg, char *err,
                                   size_t errlen)
{
	if (!ctl_session_id_ok(session_id)) {
		error_set(err, errlen, "bad session id for the control socket");
		return NULL;
	}
	char dir[PATH_MAX];
	if (ctl_dir_get(dir, sizeof dir, true, err, errlen) < 0)
		return NULL;
	struct ctl_server *s = xcalloc(1, sizeof *s);
	s->fn = fn;
	s->arg = arg;
	s->listen_fd = -1;
	s->epfd = -1;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if ((size_t)snprintf(s->path, sizeof s->path, "%s/%s.sock", dir, session_id) >=
	            sizeof s->path ||
	    strlen(s->path) >= sizeof a.sun_path) {
		error_set(err, errlen, "control socket path %s is too long", s->path);
		goto fail;
	}
	memcpy(a.sun_path, s->path, strlen(s->path) + 1);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->epfd < 0 || s->listen_fd < 0) {
		error_set(err, errlen, "control socket: %s", strerror(errno));
		goto fail;
	}
	unlink(s->path); /* a dead session's with a colliding id */
	mode_t old = umask(077);
	int r = bind(s->listen_fd, (struct sockaddr *)&a, sizeof a);
	umask(old);
	if (r < 0 || chmod(s->path, 0600) < 0 || listen(s->listen_fd, 16) < 0) {
		error_set(err, errlen, "cannot listen on %s: %s", s->path, strerror(errno));
		goto fail;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fd, &ev);
	if (event_add_sink(event_to_clients, s) < 0) {
		error_set(err, errlen, "too many event sinks for the control socket");
		goto fail;
	}
	s->sink_added = true;
	return s;
fail:
	ctl_server_free(s);
	return NULL;
}

int ctl_server_fd(const struct ctl_server *s)
{
	return s->epfd;
}
const char *ctl_server_path(const struct ctl_server *s)
{
	return s->path;
}

void ctl_server_dispatch(struct ctl_server *s)
{
	struct epoll_event evs[32];
	int n = epoll_wait(s->epfd, evs, 32, 0);
	for (int i = 0; i < n; i++) {
		struct ctl_client *c = evs[i].data.ptr;
		if (!c) {
			accept_clients(s);
			continue;
		}
		if (c->dead)
			continue;
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			client_read(s, c);
		client_flush(s, c);
	}
	/* Replies and events may have been queued for any client. */
	for (struct ctl_client *c = s->clients; c; c = c->next)
		if (!c->dead)
			client_flush(s, c);
	for (struct ctl_client **pp = &s->clients; *pp;) {
		struct ctl_client *c = *pp;
		if (c->dead) {
			*pp = c->next;
			free(c->in);
			free(c->out);
			free(c);
		} else {
			pp = &c->next;
		}
	}
}

void ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return;
	if (s->sink_added)
		event_remove_sink(event_to_clients, s);
	while (s->clients) {
		struct ctl_client *c = s->clients;
		s->clients = c->next;
		if (!c->dead) {
			if (c->out_len &&
			    send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
				/* best effort: the session is ending */
			}
			close(c->fd);
		}
		free(c->in);
		free(c->out);
		free(c);
	}
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		unlink(s->path);
	}
	if (s->epfd >= 0)
		close(s->epfd);
	free(s);
}
