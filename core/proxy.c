/* proxy: the egress proxy's loop and connection state machine.
 *
 * One epoll set (level-triggered) holds the listeners, both sockets of every
 * connection, c-ares's sockets and its timer. A connection is a client socket
 * (inside the sandbox's network namespace) and at most one upstream socket
 * (dialled from the host's), with one bounded buffer per direction:
 *
 *   client --read--> in  --write--> upstream
 *   client <--write-- out <--read-- upstream
 *
 * Only the first `lim` bytes of a buffer may be written on: for HTTP that is
 * how far the framing of the current message has been checked, so a request
 * that follows in the same buffer is never forwarded before it has been
 * parsed and decided. Tunnels (CONNECT, SOCKS5, 101 upgrades) clear
 * everything, and once a tunnel is up each direction moves through a pipe
 * with splice() (socket -> pipe -> socket inside the kernel, never copied
 * through the supervisor; bytes already buffered go first). Whatever was
 * decided and buffered is sent at once when the socket takes it; EPOLLOUT
 * is asked for only when it does not. A socket is in the epoll set only
 * while it has an interest; that keeps a hung-up socket from waking the
 * loop with nothing to do.
 *
 *   SNIFF -> HTTP_HEAD -> (RESOLVING -> CONNECTING ->) HTTP_FWD -> HTTP_HEAD ...
 *         \-> SOCKS_GREET -> SOCKS_REQ -> (RESOLVING -> CONNECTING ->) TUNNEL
 *   CONNECT from HTTP_HEAD -> ... -> TUNNEL;  refusals -> CLOSING
 *
 * Every attempt (each HTTP request, each tunnel) is decided by net_policy on
 * the name before resolving and on the address before dialling, and becomes
 * one EV_NETWORK event: at once when refused, at its end otherwise. Freed
 * connections are kept on a list until the end of the dispatch, since events
 * for them may still be in the batch. */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "event.h"
#include "proxy_internal.h"
#include "secrets.h"
#include "util.h"

#define BUF_SIZE (64 * 1024)
/* A tunnel pipe's capacity: fewer, larger splices. Its pages come out of
 * the socket buffers the kernel already holds for the connection. */
#define RELAY_PIPE_SIZE (256 * 1024)
/* Asked of each splice(); the pipe's capacity is the real cap. */
#define RELAY_CHUNK (4 * 1024 * 1024)
#define RELAY_BULK (32 * 1024)
/* Moves per direction per event before the loop serves other connections. */
#define RELAY_BUDGET 16
#define MAX_EVENTS 256
#define MAX_LISTENERS 4

/* Buffers of closed connections wait here for the next ones: allocating
 * and freeing 64 KiB per connection made malloc grow and trim the heap all
 * the time (page faults, TLB shootdowns). */
#define BUF_SPARE 16
struct buf_pool {
	char *spare[BUF_SPARE];
	int n;
};

struct buf {
	char *d;
	size_t r, w; /* data is [r, w) */
	size_t lim;  /* bytes from r cleared for sending */
	struct buf_pool *pool;
};

/* One direction of an established tunnel. It starts on its buffer and gets
 * a pipe once one read brings RELAY_BULK bytes: interactive tunnels (a
 * shell, small TLS records) never hold pipes, whose pages count against
 * the user's pipe quota (fs.pipe-user-pages-soft) shared with the sandbox.
 * Without a pipe (the fd budget is spent, or pipe2 failed) a direction
 * stays on its buffer. */
struct relay_pipe {
	int rd, wr;
	size_t len; /* bytes in the pipe */
	bool on;    /* rd and wr are open */
	bool bulk;  /* a read brought RELAY_BULK bytes: splice from now on */
	bool full;  /* the last splice in found no free slot: wait for a write */
	bool failed;
};

enum cstate {
	CS_SNIFF,
	CS_HTTP_HEAD,
	CS_SOCKS_GREET,
	CS_SOCKS_REQ,
	CS_RESOLVING,
	CS_CONNECTING,
	CS_HTTP_FWD,
	CS_TUNNEL,
	CS_MITM, /* a CONNECT to a secret's host, TLS intercepted (proxy_tls.c) */
	CS_CLOSING,
	CS_ASKING, /* held in ask mode until answered or timed out */
};

enum proto { P_HTTP, P_CONNECT, P_SOCKS5 };
static const char *const proto_names[] = { "http", "connect", "socks5" };

struct conn {
	struct proxy *px;
	struct px_handle cli, up;
	enum cstate st;
	enum proto proto;
	struct buf in, out;
	struct relay_pipe c2u, u2c; /* tunnels: client -> upstream, upstream -> client */
	bool cli_eof, up_eof, up_wshut, cli_wshut;
	bool dead;

	/* the current attempt */
	bool attempt_open;
	struct net_dest dest;
	char method[24];
	struct net_decision dec;
	char addr[INET6_ADDRSTRLEN];
	struct sockaddr_storage addrs[DNS_MAX_ADDRS];
	size_t naddr, ai;
	struct dns_query *dq;
	uint64_t t0, bytes_up, bytes_down;
	int status;
	char error[160];
	uint64_t secrets_used, secrets_withheld; /* plain HTTP: bit i = secret i */
	uint64_t secrets_masked;                 /* values echoed back, masked */
	char *sent; /* plain HTTP with secrets: the last bytes sent to the client */
	size_t sent_len;
	struct mitm *mitm;

	/* HTTP */
	struct http_body reqb, respb;
	bool req_done, resp_head_done, resp_started, resp_done;
	bool client_keep, resp_keep, head_req;
	struct net_dest up_dest; /* what the open upstream is connected to */
	char up_addr[INET6_ADDRSTRLEN];

	uint64_t head_since; /* when it began waiting for a request head */
	/* ask mode */
	uint64_t ask_id; /* the question about this attempt, 0 = none */
	uint64_t ask_deadline;
	bool ask_allowed_once; /* answered "once": skip the name's rules */
	struct conn *prev, *next;
};

struct proxy {
	int epfd;
	struct net_policy pol;
	struct dns *dns;
	struct px_handle listeners[MAX_LISTENERS];
	int n_listeners;
	bool accept_paused;
	struct px_handle sweep; /* timerfd: closes clients too slow to send a head */
	struct conn *conns;
	struct conn *graveyard;
	struct proxy_stats stats;
	struct secrets secrets;
	struct tls_ctx *tls; /* only when there are secrets */
	struct buf_pool pool;
	/* Pipes take fds only while every connection can still have its two
	 * sockets (the budget is set from RLIMIT_NOFILE at the first pipe). */
	size_t pipe_fds, pipe_fd_budget;
	bool pipe_budget_known;
	/* splice() has no MSG_NOSIGNAL: a tunnel peer that went away raises
	 * SIGPIPE (even when the splice returns a partial count). A dispatch
	 * that splices out holds it blocked and discards the ones it caused,
	 * so the owner's disposition is left alone. */
	bool sigpipe_blocked;
	sigset_t sigmask_saved;
	bool ask;
	uint64_t ask_timeout_ns;
	uint64_t next_ask_id;
	size_t n_asking;
};

static void conn_close(struct conn *c);
static void conn_progress(struct conn *c);

/* ---- buffers ------------------------------------------------------------ */

static size_t buf_len(const struct buf *b) { return b->w - b->r; }

static size_t buf_room(struct buf *b)
{
	if (!b->d)
		b->d = b->pool && b->pool->n ? b->pool->spare[--b->pool->n] : xmalloc(BUF_SIZE);
	if (b->r && b->w == BUF_SIZE) {
		memmove(b->d, b->d + b->r, b->w - b->r);
		b->w -= b->r;
		b->r = 0;
	}
	return BUF_SIZE - b->w;
}

static bool buf_has_room(const struct buf *b) { return !b->d || b->w - b->r < BUF_SIZE; }

static void buf_consume(struct buf *b, size_t n)
{
	b->r += n;
	b->lim = b->lim > n ? b->lim - n : 0;
	if (b->r == b->w)
		b->r = b->w = 0;
}

static void buf_put(struct buf *b, const void *p, size_t n)
{
	if (buf_room(b) < n)
		n = buf_room(b);
	memcpy(b->d + b->w, p, n);
	b->w += n;
	b->lim += n;
}

static void buf_release(struct buf *b)
{
	struct buf_pool *pool = b->pool;
	if (b->d && pool && pool->n < BUF_SPARE)
		pool->spare[pool->n++] = b->d;
	else
		free(b->d);
	*b = (struct buf){ .pool = pool };
}

/* ---- tunnel pipes ------------------------------------------------------- */

static size_t pipe_fd_budget(void);

static bool relay_open(struct proxy *px, struct relay_pipe *p)
{
	if (p->on)
		return true;
	if (!px->pipe_budget_known) {
		px->pipe_fd_budget = pipe_fd_budget();
		px->pipe_budget_known = true;
	}
	int fds[2];
	if (p->failed || px->pipe_fds + 2 > px->pipe_fd_budget ||
	    pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
		p->failed = true;
		return false;
	}
	px->pipe_fds += 2;
	p->rd = fds[0];
	p->wr = fds[1];
	p->on = true;
	fcntl(p->wr, F_SETPIPE_SZ, RELAY_PIPE_SIZE); /* best effort: the default is 64 KiB */
	return true;
}

static void relay_close(struct proxy *px, struct relay_pipe *p)
{
	if (p->on) {
		close(p->rd);
		close(p->wr);
		px->pipe_fds -= 2;
	}
	memset(p, 0, sizeof *p);
}

/* May the source of this direction be read? (its pipe, or its buffer when
 * it has none) */
static bool relay_has_room(const struct relay_pipe *p, const struct buf *b)
{
	return p->on ? !p->full : buf_has_room(b);
}

/* ---- epoll interest ----------------------------------------------------- */

static void set_interest(struct proxy *px, struct px_handle *h, uint32_t mask)
{
	if (h->fd < 0 || h->mask == mask)
		return;
	struct epoll_event ev = { .events = mask, .data.ptr = h };
	if (!mask)
		epoll_ctl(px->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	else if (!h->mask)
		epoll_ctl(px->epfd, EPOLL_CTL_ADD, h->fd, &ev);
	else
		epoll_ctl(px->epfd, EPOLL_CTL_MOD, h->fd, &ev);
	h->mask = mask;
}

/* Only a forwarded request or a tunnel writes upstream: a request refused
 * on a keep-alive connection must not reach the upstream still open from
 * the previous one. */
static bool up_may_write(const struct conn *c)
{
	return c->up.fd >= 0 && (c->st == CS_HTTP_FWD || c->st == CS_TUNNEL);
}

static size_t echo_guard(struct conn *c, struct buf *b);
static void remember_sent(struct conn *c, const char *p, size_t n);

static void conn_arm(struct conn *c)
{
	if (c->dead)
		return;
	uint32_t cm = 0, um = 0;
	if (c->st == CS_MITM) {
		mitm_interest(c->mitm, &cm, &um);
		set_interest(c->px, &c->cli, cm);
		set_interest(c->px, &c->up, um);
		return;
	}
	if (c->st != CS_CLOSING && !c->cli_eof && relay_has_room(&c->c2u, &c->in))
		cm |= EPOLLIN;
	if (echo_guard(c, &c->out) || c->u2c.len)
		cm |= EPOLLOUT; /* (not for bytes held back: see echo_guard) */
	if (c->up.fd >= 0) {
		if (c->st == CS_CONNECTING) {
			um = EPOLLOUT;
		} else {
			if (!c->up_eof && relay_has_room(&c->u2c, &c->out))
				um |= EPOLLIN;
			if ((c->in.lim || c->c2u.len) && up_may_write(c))
				um |= EPOLLOUT;
		}
	}
	set_interest(c->px, &c->cli, cm);
	set_interest(c->px, &c->up, um);
}

/* ---- events ------------------------------------------------------------- */

/* Interception and secrets (names only) for the event; a readable suffix
 * for its message in msg. */
static void add_secret_fields(struct conn *c, cJSON *d, char *msg, size_t len)
{
	uint64_t used = c->secrets_used, withheld = c->secrets_withheld;
	uint64_t masked = c->secrets_masked;
	if (c->mitm) {
		struct mitm_report r;
		mitm_get_report(c->mitm, &r);
		used |= r.used;
		withheld |= r.withheld;
		masked += r.masked;
		cJSON_AddBoolToObject(d, "intercepted", true);
		cJSON_AddNumberToObject(d, "requests", r.requests);
	}
	size_t n = (size_t)snprintf(msg, len, "%s", c->mitm ? "; TLS intercepted" : "");
	secrets_report(&c->px->secrets, used, withheld, masked, d, msg + n, len - n);
}

static void emit_attempt(struct conn *c)
{
	if (!c->attempt_open)
		return;
	c->attempt_open = false;
	struct proxy *px = c->px;
	if (c->dec.allow && !c->error[0])
		px->stats.allowed++;
	else if (c->dec.allow)
		px->stats.failed++;
	else
		px->stats.denied++;
	double ms = (double)(now_mono_ns() - c->t0) / 1e6;
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "protocol", proto_names[c->proto]);
	cJSON_AddStringToObject(d, "method", c->method);
	cJSON_AddStringToObject(d, "host", c->dest.host);
	cJSON_AddNumberToObject(d, "port", c->dest.port);
	if (c->addr[0])
		cJSON_AddStringToObject(d, "address", c->addr);
	cJSON_AddStringToObject(d, "verdict", c->dec.allow ? "allow" : "deny");
	cJSON_AddStringToObject(d, "rule", c->dec.rule);
	if (!c->dec.allow) {
		cJSON_AddStringToObject(d, "reason", c->dec.reason);
		if (c->dec.hint[0])
			cJSON_AddStringToObject(d, "hint", c->dec.hint);
	}
	if (c->status)
		cJSON_AddNumberToObject(d, "status", c->status);
	cJSON_AddNumberToObject(d, "bytes_up", (double)c->bytes_up);
	cJSON_AddNumberToObject(d, "bytes_down", (double)c->bytes_down);
	cJSON_AddNumberToObject(d, "duration_ms", (double)(int64_t)(ms * 1000) / 1000);
	if (c->error[0])
		cJSON_AddStringToObject(d, "error", c->error);
	char sec[600] = "";
	add_secret_fields(c, d, sec, sizeof sec);

	char dest[NET_HOST_MAX + 16];
	net_dest_text(&c->dest, dest, sizeof dest);
	if (!c->dec.allow)
		event_emitf(EV_NETWORK, d, "%s %s %s deny: %s%s%s", proto_names[c->proto],
		            c->method, dest, c->dec.reason,
		            !c->dec.hint[0]                          ? ""
		            : strncmp(c->dec.hint, "remove", 6) == 0 ? "; to allow it, "
		                                                     : "; allow with ",
		            c->dec.hint);
	else
		event_emitf(EV_NETWORK, d, "%s %s %s [%s] allow (%s)%s%.0d%s%s, %llu up, %llu down, %.0f ms%s",
		            proto_names[c->proto], c->method, dest, c->addr[0] ? c->addr : "-",
		            c->dec.rule, c->status ? " status " : "", c->status,
		            c->error[0] ? " error: " : "", c->error,
		            (unsigned long long)c->bytes_up, (unsigned long long)c->bytes_down, ms, sec);
}

static void begin_attempt(struct conn *c, enum proto p, const char *method, size_t mlen)
{
	c->proto = p;
	if (mlen >= sizeof c->method)
		mlen = sizeof c->method - 1;
	memcpy(c->method, method, mlen);
	c->method[mlen] = '\0';
	c->attempt_open = true;
	c->t0 = now_mono_ns();
	c->bytes_up = c->bytes_down = 0;
	c->status = 0;
	c->error[0] = '\0';
	c->addr[0] = '\0';
	c->secrets_used = c->secrets_withheld = c->secrets_masked = 0;
	memset(&c->dec, 0, sizeof c->dec);
	memset(&c->dest, 0, sizeof c->dest);
}

/* ---- replies ------------------------------------------------------------ */

/* An answer from the proxy itself; the connection closes after it. */
static void reply_http(struct conn *c, int code, const char *phrase, const char *body)
{
	char head[512];
	size_t blen = strlen(body) + 1;
	int n = snprintf(head, sizeof head,
	                 "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	                 "Content-Length: %zu\r\nConnection: close\r\nProxy-Agent: glassbox\r\n\r\n",
	                 code, phrase, blen);
	c->out.r = c->out.w = c->out.lim = 0;
	buf_put(&c->out, head, (size_t)n);
	buf_put(&c->out, body, blen - 1);
	buf_put(&c->out, "\n", 1);
	c->status = code;
	c->st = CS_CLOSING;
}

static void reply_socks(struct conn *c, uint8_t rep)
{
	unsigned char r[10];
	size_t n = socks5_reply(r, rep);
	c->out.r = c->out.w = c->out.lim = 0;
	buf_put(&c->out, r, n);
	if (rep != SOCKS5_OK)
		c->st = CS_CLOSING;
}

static void refuse(struct conn *c)
{
	char dest[NET_HOST_MAX + 16];
	net_dest_text(&c->dest, dest, sizeof dest);
	if (c->proto == P_SOCKS5) {
		reply_socks(c, SOCKS5_NOT_ALLOWED);
	} else {
		char body[1024];
		if (c->dec.hint[0])
			snprintf(body, sizeof body, "glassbox: %s denied (%s); %s %s", dest,
			         c->dec.reason,
			         strncmp(c->dec.hint, "remove", 6) == 0 ? "to allow it," : "allow with",
			         c->dec.hint);
		else
			snprintf(body, sizeof body, "glassbox: %s denied (%s)", dest, c->dec.reason);
		reply_http(c, 403, "Forbidden", body);
	}
	emit_attempt(c);
}

/* An allowed attempt that could not be completed. */
static void fail_attempt(struct conn *c, uint8_t socks_rep, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail_attempt(struct conn *c, uint8_t socks_rep, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->error, sizeof c->error, fmt, ap);
	va_end(ap);
	if (c->proto == P_SOCKS5) {
		reply_socks(c, socks_rep);
	} else if (!c->resp_started) {
		char dest[NET_HOST_MAX + 16], body[512];
		net_dest_text(&c->dest, dest, sizeof dest);
		snprintf(body, sizeof body, "glassbox: cannot reach %s: %s", dest, c->error);
		reply_http(c, 502, "Bad Gateway", body);
	} else {
		c->st = CS_CLOSING; /* part of a response went out: just end it */
		c->out.lim = 0;
		c->out.r = c->out.w = 0;
	}
	emit_attempt(c);
}

/* ---- upstream ----------------------------------------------------------- */

static void close_upstream(struct conn *c)
{
	if (c->up.fd < 0)
		return;
	set_interest(c->px, &c->up, 0);
	close(c->up.fd);
	c->up.fd = -1;
	c->up_eof = c->up_wshut = false;
	c->up_addr[0] = '\0';
	memset(&c->up_dest, 0, sizeof c->up_dest);
}

static void upstream_ready(struct conn *c)
{
	int one = 1;
	setsockopt(c->up.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	snprintf(c->up_addr, sizeof c->up_addr, "%s", c->addr);
	c->up_dest = c->dest;
	switch (c->proto) {
	case P_CONNECT: {
		static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
		if (c->px->tls && !buf_len(&c->in) && secrets_any_host(&c->px->secrets, &c->dest)) {
			c->mitm = mitm_new(c->px->tls, &c->px->secrets, &c->dest, c->cli.fd,
			                   c->up.fd, ok);
			c->status = 200;
			c->st = CS_MITM;
			c->head_since = now_mono_ns();
			break;
		}
		buf_put(&c->out, ok, sizeof ok - 1);
		c->status = 200;
		c->st = CS_TUNNEL;
		break;
	}
	case P_SOCKS5:
		reply_socks(c, SOCKS5_OK);
		c->st = CS_TUNNEL;
		break;
	case P_HTTP:
		c->st = CS_HTTP_FWD;
		break;
	}
}

/* Dials the allowed addresses in order until one connects (or is pending). */
static void dial_next(struct conn *c)
{
	int last_err = ECONNREFUSED;
	while (c->ai < c->naddr) {
		struct sockaddr_storage *sa = &c->addrs[c->ai++];
		struct in6_addr a;
		net_addr_from_sockaddr((struct sockaddr *)sa, &a);
		net_addr_text(&a, c->addr, sizeof c->addr);
		socklen_t sl = sa->ss_family == AF_INET ? sizeof(struct sockaddr_in)
		                                        : sizeof(struct sockaddr_in6);
		int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			last_err = errno;
			continue;
		}
		c->up.fd = fd;
		c->up.mask = 0;
		if (connect(fd, (struct sockaddr *)sa, sl) == 0) {
			upstream_ready(c);
			return;
		}
		if (errno == EINPROGRESS) {
			c->st = CS_CONNECTING;
			return;
		}
		last_err = errno;
		close(fd);
		c->up.fd = -1;
	}
	fail_attempt(c,
	             last_err == ECONNREFUSED ? SOCKS5_REFUSED
	             : last_err == ENETUNREACH ? SOCKS5_NET_UNREACH
	                                       : SOCKS5_HOST_UNREACH,
	             "connect: %s", strerror(last_err));
}

static void connect_done(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(c->up.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0) {
		upstream_ready(c);
		return;
	}
	set_interest(c->px, &c->up, 0);
	close(c->up.fd);
	c->up.fd = -1;
	if (c->ai < c->naddr) {
		dial_next(c);
		return;
	}
	fail_attempt(c, err == ECONNREFUSED ? SOCKS5_REFUSED : SOCKS5_HOST_UNREACH,
	             "connect: %s", strerror(err));
}

/* Judges every resolved address (the ones actually dialled) and dials. */
static void dial(struct conn *c, const struct sockaddr_storage *addrs, size_t n)
{
	struct net_decision first_deny = { 0 };
	bool any_deny = false;
	struct net_decision keep = c->dec;
	c->naddr = c->ai = 0;
	for (size_t i = 0; i < n; i++) {
		struct net_decision d = keep;
		net_policy_check_addr(&c->px->pol, &c->dest, (const struct sockaddr *)&addrs[i], &d);
		if (!d.allow) {
			if (!any_deny) {
				first_deny = d;
				struct in6_addr a;
				net_addr_from_sockaddr((const struct sockaddr *)&addrs[i], &a);
				net_addr_text(&a, c->addr, sizeof c->addr);
			}
			any_deny = true;
			continue;
		}
		if (!c->naddr)
			c->dec = d; /* an explicit IP rule may have decided */
		c->addrs[c->naddr++] = addrs[i];
	}
	if (!c->naddr) {
		c->dec = first_deny;
		refuse(c);
		return;
	}
	dial_next(c);
}

static void on_resolved(void *arg, int status, const char *err,
                        const struct sockaddr_storage *addrs, size_t n)
{
	struct conn *c = arg;
	c->dq = NULL;
	if (status)
		fail_attempt(c, SOCKS5_HOST_UNREACH, "cannot resolve: %s", err);
	else
		dial(c, addrs, n);
	conn_progress(c);
}

static void fill_addr(struct sockaddr_storage *ss, const struct in6_addr *a, uint16_t port)
{
	memset(ss, 0, sizeof *ss);
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, &a->s6_addr[12], 4);
		s4->sin_port = htons(port);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = *a;
		s6->sin6_port = htons(port);
	}
}

static bool is_localhost(const char *h)
{
	size_t n = strlen(h);
	return strcmp(h, "localhost") == 0 || (n > 10 && strcmp(h + n - 10, ".localhost") == 0);
}

/* ---- ask mode ----------------------------------------------------------- */

#define ASK_MAX_PENDING 32

static void arm_sweep(struct proxy *px)
{
	/* Questions time out to the quarter second; otherwise a slow tick. */
	struct itimerspec its = { .it_interval = { .tv_sec = 5 }, .it_value = { .tv_sec = 5 } };
	if (px->n_asking)
		its = (struct itimerspec){ .it_interval = { .tv_nsec = 250000000 },
			                   .it_value = { .tv_nsec = 250000000 } };
	if (px->sweep.fd >= 0)
		timerfd_settime(px->sweep.fd, 0, &its, NULL);
}

static void ask_hold(struct conn *c)
{
	struct proxy *px = c->px;
	c->ask_id = ++px->next_ask_id;
	c->ask_deadline = now_mono_ns() + px->ask_timeout_ns;
	c->st = CS_ASKING;
	if (px->n_asking++ == 0)
		arm_sweep(px);
	char id[32], dest[NET_HOST_MAX + 16];
	snprintf(id, sizeof id, "net-%llu", (unsigned long long)c->ask_id);
	net_dest_text(&c->dest, dest, sizeof dest);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", id);
	cJSON_AddStringToObject(d, "state", "pending");
	cJSON_AddStringToObject(d, "category", "net");
	cJSON_AddStringToObject(d, "what", proto_names[c->proto]);
	cJSON_AddStringToObject(d, "method", c->method);
	cJSON_AddStringToObject(d, "target", dest);
	cJSON_AddStringToObject(d, "flag", c->dec.hint);
	cJSON_AddNumberToObject(d, "timeout_s", (double)(px->ask_timeout_ns / 1000000000ull));
	event_emitf(EV_DECISION, d,
	            "ask %s: %s %s %s (would need %s); denied in %llu s unless answered", id,
	            proto_names[c->proto], c->method, dest, c->dec.hint,
	            (unsigned long long)(px->ask_timeout_ns / 1000000000ull));
}

static void ask_close(struct conn *c, const char *state, const char *answer)
{
	struct proxy *px = c->px;
	char id[32];
	snprintf(id, sizeof id, "net-%llu", (unsigned long long)c->ask_id);
	c->ask_id = 0;
	if (--px->n_asking == 0)
		arm_sweep(px);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", id);
	cJSON_AddStringToObject(d, "state", state);
	cJSON_AddStringToObject(d, "category", "net");
	if (answer)
		cJSON_AddStringToObject(d, "answer", answer);
	event_emitf(EV_DECISION, d, "ask %s: %s%s%s", id, state, answer ? ": " : "",
	            answer ? answer : "");
}

static struct conn *find_question(const struct proxy *px, const char *id)
{
	if (strncmp(id, "net-", 4) != 0)
		return NULL;
	char *end;
	unsigned long long n = strtoull(id + 4, &end, 10);
	if (*end || !n)
		return NULL;
	for (struct conn *c = px->conns; c; c = c->next)
		if (!c->dead && c->st == CS_ASKING && c->ask_id == n)
			return c;
	return NULL;
}

static void ask_expire(struct proxy *px, uint64_t now)
{
	for (struct conn *c = px->conns, *next; c; c = next) {
		next = c->next;
		if (c->dead || c->st != CS_ASKING || now < c->ask_deadline)
			continue;
		ask_close(c, "timeout", "deny");
		snprintf(c->dec.reason, sizeof c->dec.reason,
		         "no --allow-net rule; not answered in time");
		refuse(c);
		conn_progress(c);
	}
}

/* Decides c->dest and starts reaching it (the attempt is open). */
static void start_attempt(struct conn *c)
{
	if (c->ask_allowed_once) {
		/* Answered "allow once": as if a rule named this host. */
		c->ask_allowed_once = false;
		memset(&c->dec, 0, sizeof c->dec);
		c->dec.allow = c->dec.explicit_rule = true;
		snprintf(c->dec.rule, sizeof c->dec.rule, "ask:once");
	} else {
		net_policy_check_dest(&c->px->pol, &c->dest, &c->dec);
	}
	/* At most ASK_MAX_PENDING questions wait at once: a sandbox cannot bury
	 * the user in them; past that, requests are refused as without --ask. */
	if (!c->dec.allow && c->px->ask && c->px->n_asking < ASK_MAX_PENDING &&
	    strcmp(c->dec.rule, "default") == 0 && c->dec.hint[0]) {
		ask_hold(c);
		return;
	}
	if (!c->dec.allow) {
		refuse(c);
		return;
	}
	if (c->proto == P_HTTP && c->up.fd >= 0 && !c->up_eof &&
	    strcmp(c->up_dest.host, c->dest.host) == 0 && c->up_dest.port == c->dest.port) {
		snprintf(c->addr, sizeof c->addr, "%s", c->up_addr);
		c->st = CS_HTTP_FWD; /* keep-alive: the upstream was judged when dialled */
		return;
	}
	close_upstream(c);
	struct sockaddr_storage a[2];
	if (c->dest.is_ip) {
		fill_addr(&a[0], &c->dest.ip, c->dest.port);
		dial(c, a, 1);
	} else if (is_localhost(c->dest.host)) {
		/* RFC 6761: localhost names are loopback, never asked of DNS. */
		struct in6_addr lo4 = { .s6_addr = { [10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1 } };
		fill_addr(&a[0], &lo4, c->dest.port);
		fill_addr(&a[1], &in6addr_loopback, c->dest.port);
		dial(c, a, 2);
	} else {
		c->st = CS_RESOLVING;
		c->dq = dns_lookup(c->px->dns, c->dest.host, c->dest.port, on_resolved, c);
	}
}

/* ---- HTTP --------------------------------------------------------------- */

static bool span_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static void deny_malformed(struct conn *c, int code, const char *phrase, const char *why)
{
	char body[512];
	snprintf(body, sizeof body, "glassbox: %s", why);
	reply_http(c, code, phrase, body);
}

/* Rewrites an absolute-form request head to origin-form in place (never
 * longer than the original), without the proxy's own headers. */
/* Rewrites the request head in the buffer to origin form without the
 * proxy-only headers. The result can be longer than the original (bare-LF
 * lines become CRLF, "a:b" becomes "a: b"): it is built apart, sized
 * exactly, and placed before the body bytes already buffered. false: it
 * does not fit in the buffer. */
static bool is_proxy_header(const struct http_header *x)
{
	return (x->name_len == 16 && strncasecmp(x->name, "proxy-connection", 16) == 0) ||
	       (x->name_len == 19 && strncasecmp(x->name, "proxy-authorization", 19) == 0);
}

static bool rewrite_head(struct conn *c, const struct http_head *h, const char *path,
                         size_t path_len)
{
	size_t hl = h->head_len;
	size_t need = h->method_len + 1 + path_len + sizeof " HTTP/1.x\r\n" + 2;
	/* Placeholders in header values become values for this host. */
	char *sub[HTTP_MAX_HEADERS] = { 0 };
	size_t sub_len[HTTP_MAX_HEADERS];
	secrets_scan(&c->px->secrets, path, path_len, &c->secrets_withheld);
	for (size_t i = 0; i < h->n_headers; i++) {
		if (c->px->secrets.n && !is_proxy_header(&h->h[i]))
			sub[i] = secrets_subst(&c->px->secrets, &c->dest, h->h[i].value,
			                       h->h[i].value_len, &sub_len[i], &c->secrets_used,
			                       &c->secrets_withheld);
		need += h->h[i].name_len + (sub[i] ? sub_len[i] : h->h[i].value_len) + 4;
	}
	char *tmp = xmalloc(need);
	size_t n = 0;
	memcpy(tmp + n, h->method, h->method_len);
	n += h->method_len;
	tmp[n++] = ' ';
	memcpy(tmp + n, path, path_len);
	n += path_len;
	n += (size_t)snprintf(tmp + n, need - n, " HTTP/1.%d\r\n", h->minor ? 1 : 0);
	for (size_t i = 0; i < h->n_headers; i++) {
		const struct http_header *x = &h->h[i];
		if (is_proxy_header(x))
			continue;
		memcpy(tmp + n, x->name, x->name_len);
		n += x->name_len;
		tmp[n++] = ':';
		tmp[n++] = ' ';
		if (sub[i]) {
			memcpy(tmp + n, sub[i], sub_len[i]);
			n += sub_len[i];
			explicit_bzero(sub[i], sub_len[i]);
			free(sub[i]);
			sub[i] = NULL;
		} else {
			memcpy(tmp + n, x->value, x->value_len);
			n += x->value_len;
		}
		tmp[n++] = '\r';
		tmp[n++] = '\n';
	}
	tmp[n++] = '\r';
	tmp[n++] = '\n';
	struct buf *b = &c->in;
	size_t rest = b->w - (b->r + hl); /* body bytes after the head */
	if (n <= hl || b->r >= n - hl) {
		b->r = b->r + hl - n; /* room before: place it there */
	} else if (n + rest <= BUF_SIZE) {
		memmove(b->d + n, b->d + b->r + hl, rest);
		b->r = 0;
		b->w = n + rest;
	} else {
		explicit_bzero(tmp, n);
		free(tmp);
		return false;
	}
	memcpy(b->d + b->r, tmp, n);
	b->lim = n;
	explicit_bzero(tmp, n);
	free(tmp);
	return true;
}

static void handle_request(struct conn *c, const struct http_head *h)
{
	if (span_is(h->method, h->method_len, "CONNECT")) {
		begin_attempt(c, P_CONNECT, h->method, h->method_len);
		bool ok = http_parse_authority(h->target, h->target_len, 0, &c->dest) == 0;
		buf_consume(&c->in, h->head_len);
		if (!ok) {
			snprintf(c->dest.host, sizeof c->dest.host, "(invalid)");
			snprintf(c->dec.rule, sizeof c->dec.rule, "malformed");
			snprintf(c->dec.reason, sizeof c->dec.reason,
			         "CONNECT needs a valid host:port");
			deny_malformed(c, 400, "Bad Request", "CONNECT needs a valid host:port");
			emit_attempt(c);
			return;
		}
		start_attempt(c);
		return;
	}
	begin_attempt(c, P_HTTP, h->method, h->method_len);
	const char *auth, *path;
	size_t auth_len, path_len;
	const char *why = NULL;
	if (http_split_absolute(h->target, h->target_len, &auth, &auth_len, &path, &path_len) < 0)
		why = h->target_len > 8 && strncasecmp(h->target, "https://", 8) == 0 ?
		              "https:// URLs go through CONNECT" :
		              "this is a proxy: send absolute-form requests (http://host/path)";
	else if (http_parse_authority(auth, auth_len, 80, &c->dest) < 0)
		why = "invalid host in the request URL";
	else if (http_request_framing(h, &c->reqb) < 0)
		why = "ambiguous or invalid request body framing";
	if (why) {
		snprintf(c->dest.host, sizeof c->dest.host, "%s",
		         c->dest.host[0] ? c->dest.host : "(invalid)");
		snprintf(c->dec.rule, sizeof c->dec.rule, "malformed");
		snprintf(c->dec.reason, sizeof c->dec.reason, "%s", why);
		deny_malformed(c, 400, "Bad Request", why);
		emit_attempt(c);
		return;
	}
	/* One canonical destination: the URL's authority, which the Host
	 * header (what the server will act on) must name too. */
	const struct http_header *host = http_header_find(h, "host");
	struct net_dest hd;
	if (host && (http_parse_authority(host->value, host->value_len, 80, &hd) < 0 ||
	             strcmp(hd.host, c->dest.host) != 0 || hd.port != c->dest.port)) {
		snprintf(c->dec.rule, sizeof c->dec.rule, "host-mismatch");
		snprintf(c->dec.reason, sizeof c->dec.reason,
		         "the Host header does not match the request URL");
		char dest[NET_HOST_MAX + 16], body[512];
		net_dest_text(&c->dest, dest, sizeof dest);
		snprintf(body, sizeof body,
		         "glassbox: %s denied (the Host header does not match the request URL)",
		         dest);
		reply_http(c, 403, "Forbidden", body);
		emit_attempt(c);
		return;
	}
	c->head_req = span_is(h->method, h->method_len, "HEAD");
	c->client_keep = !http_header_has_token(h, "connection", "close") &&
	                 !http_header_has_token(h, "proxy-connection", "close") &&
	                 (h->minor >= 1 || http_header_has_token(h, "connection", "keep-alive") ||
	                  http_header_has_token(h, "proxy-connection", "keep-alive"));
	c->req_done = c->reqb.done;
	c->resp_head_done = c->resp_started = c->resp_done = false;
	c->resp_keep = false;
	if (!rewrite_head(c, h, path, path_len)) {
		snprintf(c->dec.rule, sizeof c->dec.rule, "malformed");
		snprintf(c->dec.reason, sizeof c->dec.reason, "request head too large");
		deny_malformed(c, 431, "Request Header Fields Too Large", "request head too large");
		emit_attempt(c);
		return;
	}
	start_attempt(c);
}

/* Classifies newly arrived request-body bytes. */
static bool http_scan_request(struct conn *c)
{
	if (c->req_done)
		return true;
	size_t have = buf_len(&c->in) - c->in.lim;
	ssize_t n = http_body_consume(&c->reqb, c->in.d + c->in.r + c->in.lim, have);
	if (n < 0)
		return false;
	c->in.lim += (size_t)n;
	c->req_done = c->reqb.done;
	return true;
}

/* Parses response heads and classifies body bytes. false: give up. */
static bool http_scan_response(struct conn *c)
{
	for (;;) {
		char *p = c->out.d + c->out.r + c->out.lim;
		size_t have = buf_len(&c->out) - c->out.lim;
		if (!c->resp_head_done) {
			if (!have)
				return true;
			struct http_head *h = xmalloc(sizeof *h);
			ssize_t hl = http_parse_response(p, have, h);
			if (hl == 0 && have >= HTTP_MAX_HEAD - 1)
				hl = -1;
			if (hl <= 0) {
				free(h);
				if (hl < 0) {
					fail_attempt(c, 0, "invalid response from the server");
					return false;
				}
				return true;
			}
			c->resp_started = true;
			c->out.lim += (size_t)hl;
			c->status = h->status;
			if (h->status == 101) {
				free(h);
				c->st = CS_TUNNEL;
				return true;
			}
			if (h->status < 200) {
				free(h); /* interim (100 Continue): another head follows */
				continue;
			}
			int fr = http_response_framing(h, c->head_req, &c->respb);
			c->resp_keep = h->minor >= 1 ? !http_header_has_token(h, "connection", "close")
			                             : http_header_has_token(h, "connection", "keep-alive");
			free(h);
			if (fr < 0) {
				fail_attempt(c, 0, "invalid response framing from the server");
				return false;
			}
			if (c->respb.mode == BODY_CLOSE)
				c->resp_keep = false;
			c->resp_head_done = true;
			c->resp_done = c->respb.done;
			continue;
		}
		if (c->resp_done) {
			if (have) { /* bytes after the response: the upstream is confused */
				c->resp_keep = false;
				c->out.w -= have;
			}
			return true;
		}
		ssize_t n = http_body_consume(&c->respb, p, have);
		if (n < 0) {
			c->resp_keep = false;
			c->resp_done = true;
			return true;
		}
		c->out.lim += (size_t)n;
		c->resp_done = c->respb.done;
		return true;
	}
}

/* ---- the state machine -------------------------------------------------- */

/* One step; returns true when something changed and another step may do more. */
static bool conn_step(struct conn *c)
{
	switch (c->st) {
	case CS_SNIFF:
		if (!buf_len(&c->in)) {
			if (c->cli_eof)
				conn_close(c);
			return false;
		}
		c->st = (unsigned char)c->in.d[c->in.r] == 5 ? CS_SOCKS_GREET : CS_HTTP_HEAD;
		return true;
	case CS_HTTP_HEAD: {
		if (c->up.fd >= 0 && (c->up_eof || buf_len(&c->out)))
			close_upstream(c); /* an idle upstream spoke or hung up */
		c->out.r = c->out.w = c->out.lim = 0;
		size_t have = buf_len(&c->in);
		if (!have) {
			if (c->cli_eof)
				conn_close(c);
			return false;
		}
		struct http_head *h = xmalloc(sizeof *h);
		ssize_t hl = http_parse_request(c->in.d + c->in.r, have, h);
		if (hl > 0) {
			handle_request(c, h);
		} else if (hl < 0 || have >= HTTP_MAX_HEAD || c->cli_eof) {
			begin_attempt(c, P_HTTP, "-", 1);
			snprintf(c->dest.host, sizeof c->dest.host, "(invalid)");
			snprintf(c->dec.rule, sizeof c->dec.rule, "malformed");
			snprintf(c->dec.reason, sizeof c->dec.reason, "malformed request");
			if (hl == 0 && have >= HTTP_MAX_HEAD)
				deny_malformed(c, 431, "Request Header Fields Too Large",
				               "request head too large");
			else
				deny_malformed(c, 400, "Bad Request", "malformed request");
			emit_attempt(c);
		}
		free(h);
		return hl != 0;
	}
	case CS_SOCKS_GREET: {
		bool no_auth;
		ssize_t n = socks5_parse_greeting((unsigned char *)c->in.d + c->in.r,
		                                  buf_len(&c->in), &no_auth);
		if (n == 0) {
			if (c->cli_eof)
				conn_close(c);
			return false;
		}
		if (n < 0 || !no_auth) {
			static const unsigned char no[2] = { 5, 0xff };
			buf_put(&c->out, no, 2);
			c->st = CS_CLOSING;
			return true;
		}
		buf_consume(&c->in, (size_t)n);
		static const unsigned char yes[2] = { 5, 0 };
		buf_put(&c->out, yes, 2);
		c->st = CS_SOCKS_REQ;
		return true;
	}
	case CS_SOCKS_REQ: {
		struct socks5_req rq;
		ssize_t n = socks5_parse_request((unsigned char *)c->in.d + c->in.r,
		                                 buf_len(&c->in), &rq);
		if (n == 0) {
			if (c->cli_eof)
				conn_close(c);
			return false;
		}
		begin_attempt(c, P_SOCKS5, "CONNECT", 7);
		if (n < 0 || rq.cmd != 1 || (rq.atyp != 1 && rq.atyp != 3 && rq.atyp != 4) ||
		    !rq.dest_ok) {
			uint8_t rep = n < 0 ? SOCKS5_FAIL
			              : rq.cmd != 1 ? SOCKS5_CMD_UNSUPPORTED
			              : !rq.dest_ok && (rq.atyp == 1 || rq.atyp == 3 || rq.atyp == 4)
			                      ? SOCKS5_HOST_UNREACH
			                      : SOCKS5_ATYP_UNSUPPORTED;
			if (n > 0 && rq.cmd != 1)
				snprintf(c->method, sizeof c->method, "cmd-%u", rq.cmd);
			snprintf(c->dest.host, sizeof c->dest.host, "(invalid)");
			snprintf(c->dec.rule, sizeof c->dec.rule, "malformed");
			snprintf(c->dec.reason, sizeof c->dec.reason, "unsupported SOCKS5 request");
			reply_socks(c, rep);
			emit_attempt(c);
			return true;
		}
		buf_consume(&c->in, (size_t)n);
		c->dest = rq.dest;
		start_attempt(c);
		return true;
	}
	case CS_RESOLVING:
	case CS_CONNECTING:
		if (c->proto == P_HTTP && !http_scan_request(c)) {
			fail_attempt(c, 0, "invalid chunked request body");
			return true;
		}
		return false;
	case CS_HTTP_FWD: {
		if (!http_scan_request(c)) {
			fail_attempt(c, 0, "invalid chunked request body");
			return true;
		}
		if (c->cli_eof && !c->req_done) {
			snprintf(c->error, sizeof c->error, "client closed mid-request");
			conn_close(c);
			return false;
		}
		if (!http_scan_response(c))
			return true;
		if (c->st == CS_TUNNEL)
			return true;
		if (c->up_eof && !c->resp_done) {
			if (!c->resp_started) {
				fail_attempt(c, 0, "the server closed the connection without answering");
				return true;
			}
			if (c->respb.mode == BODY_CLOSE || c->resp_head_done) {
				if (c->respb.mode != BODY_CLOSE)
					snprintf(c->error, sizeof c->error, "response truncated");
				c->resp_done = true;
				c->resp_keep = false;
				c->out.lim = buf_len(&c->out);
			}
		}
		if (!c->resp_done || !c->req_done || buf_len(&c->out))
			return false;
		emit_attempt(c);
		if (!c->resp_keep || c->up_eof)
			close_upstream(c);
		if (!c->client_keep || (!c->resp_keep && c->cli_eof)) {
			conn_close(c);
			return false;
		}
		c->st = CS_HTTP_HEAD;
		c->head_since = now_mono_ns();
		return true;
	}
	case CS_TUNNEL:
		c->in.lim = buf_len(&c->in);
		c->out.lim = buf_len(&c->out);
		if (c->cli_eof && !c->in.lim && !c->c2u.len && !c->up_wshut && c->up.fd >= 0) {
			shutdown(c->up.fd, SHUT_WR);
			c->up_wshut = true;
		}
		if (c->up_eof && !c->out.lim && !c->u2c.len && !c->cli_wshut) {
			shutdown(c->cli.fd, SHUT_WR);
			c->cli_wshut = true;
		}
		if (c->up_wshut && c->cli_wshut) {
			conn_close(c);
			return false;
		}
		return false;
	case CS_MITM: {
		enum mitm_status ms = mitm_run(c->mitm);
		if (ms != MITM_RUNNING) {
			struct mitm_report r;
			mitm_get_report(c->mitm, &r);
			c->bytes_up = r.bytes_up;
			c->bytes_down = r.bytes_down;
			if (ms == MITM_FAILED)
				snprintf(c->error, sizeof c->error, "%s", r.error);
			conn_close(c);
		}
		return false;
	}
	case CS_ASKING:
		if (c->cli_eof) {
			ask_close(c, "abandoned", NULL);
			snprintf(c->error, sizeof c->error, "the client left while asked about");
			conn_close(c);
		}
		return false;
	case CS_CLOSING:
		if (!c->out.lim) {
			conn_close(c);
		}
		return false;
	}
	return false;
}

static bool conn_flush(struct conn *c);

static void conn_progress(struct conn *c)
{
	for (int round = 0; round < 4 && !c->dead; round++) {
		for (int guard = 0; guard < 1000 && !c->dead && conn_step(c); guard++)
			;
		if (c->dead || !conn_flush(c))
			break;
	}
	conn_arm(c);
}

/* ---- I/O ---------------------------------------------------------------- */

/* Reads from fd into b; returns false on a fatal error. */
static bool do_read(struct conn *c, int fd, struct buf *b, bool *eof, uint64_t *count)
{
	size_t room = buf_room(b);
	if (!room || *eof)
		return true;
	ssize_t n = recv(fd, b->d + b->w, room, 0);
	if (n > 0) {
		b->w += (size_t)n;
		if (count)
			*count += (uint64_t)n;
		return true;
	}
	if (n == 0) {
		*eof = true;
		return true;
	}
	if (errno == EAGAIN || errno == EINTR)
		return true;
	snprintf(c->error, sizeof c->error, "%s", strerror(errno));
	return false;
}

static bool do_write(struct conn *c, int fd, struct buf *b, uint64_t *count)
{
	size_t len = b == &c->out ? echo_guard(c, b) : b->lim;
	if (!len)
		return true;
	ssize_t n = send(fd, b->d + b->r, len, MSG_NOSIGNAL);
	if (n >= 0) {
		if (b == &c->out && c->sent)
			remember_sent(c, b->d + b->r, (size_t)n);
		buf_consume(b, (size_t)n);
		if (count)
			*count += (uint64_t)n;
		return true;
	}
	if (errno == EAGAIN || errno == EINTR)
		return true;
	snprintf(c->error, sizeof c->error, "%s", strerror(errno));
	return false;
}

/* A server echoing a secret's value back (plain HTTP) finds it masked in
 * what reaches the sandbox. A value split between two reads is caught by
 * echo_guard (as in proxy_tls.c releasable()). */
static void mask_echoed_secrets(struct conn *c, size_t had)
{
	struct buf *b = &c->out;
	size_t hold = secrets_max_value_len(&c->px->secrets) - 1;
	size_t from = had > hold ? had - hold : 0;
	if (b->d && buf_len(b) > from)
		c->secrets_masked += secrets_mask(&c->px->secrets, b->d + b->r + from,
		                                  buf_len(b) - from);
}

/* The sandbox can place an echo so that a value straddles two reads: of a
 * response still arriving, a tail of 4 bytes or more that begins a value is
 * held back until the rest comes, and the rest of a value whose first bytes
 * already went out is masked. Returns how much of b may go to the client. */
static size_t echo_guard(struct conn *c, struct buf *b)
{
	const struct secrets *s = &c->px->secrets;
	if (!s->n || c->proto != P_HTTP || c->st != CS_HTTP_FWD || !b->lim)
		return b->lim;
	if (!c->sent)
		c->sent = xmalloc(secrets_max_value_len(s) + 1);
	c->secrets_masked +=
	        secrets_mask_rest(s, c->sent, c->sent_len, b->d + b->r, buf_len(b));
	if (c->resp_done || c->up_eof || buf_len(b) > b->lim)
		return b->lim; /* the response is complete, or more follows at once */
	return b->lim - secrets_value_begins(s, b->d + b->r, b->lim, 4);
}

static void remember_sent(struct conn *c, const char *p, size_t n)
{
	size_t cap = secrets_max_value_len(&c->px->secrets);
	if (n >= cap) {
		memcpy(c->sent, p + n - cap, cap);
		c->sent_len = cap;
		return;
	}
	size_t keep = c->sent_len + n > cap ? cap - n : c->sent_len;
	memmove(c->sent, c->sent + c->sent_len - keep, keep);
	memcpy(c->sent + keep, p, n);
	c->sent_len = keep + n;
}

/* Sends what is cleared in either buffer to a socket not already waiting
 * for EPOLLOUT (it usually takes it: no epoll round trip). Returns whether
 * anything went out; a fatal error closes the connection. */
static bool conn_flush(struct conn *c)
{
	bool sent = false;
	size_t before;
	if (c->out.lim && !(c->cli.mask & EPOLLOUT)) {
		before = c->out.lim;
		if (!do_write(c, c->cli.fd, &c->out, NULL)) {
			conn_close(c);
			return false;
		}
		sent = c->out.lim != before;
	}
	if (c->in.lim && up_may_write(c) && !(c->up.mask & EPOLLOUT)) {
		before = c->in.lim;
		if (!do_write(c, c->up.fd, &c->in, &c->bytes_up)) {
			conn_close(c);
			return false;
		}
		sent = sent || c->in.lim != before;
	}
	return sent;
}

/* ---- tunnel relay ------------------------------------------------------- */

struct relay_dir {
	int src, dst;
	struct buf *b;          /* bytes from before the tunnel, sent first */
	struct relay_pipe *p;
	bool *eof;
	uint64_t *read_count, *write_count;
};

static struct relay_dir relay_dir(struct conn *c, bool from_upstream)
{
	if (from_upstream)
		return (struct relay_dir){ c->up.fd, c->cli.fd, &c->out, &c->u2c,
			                   &c->up_eof, &c->bytes_down, NULL };
	return (struct relay_dir){ c->cli.fd, c->up.fd, &c->in, &c->c2u,
		                   &c->cli_eof, NULL, &c->bytes_up };
}

static bool relay_failed(struct conn *c, const char *what)
{
	snprintf(c->error, sizeof c->error, "%s: %s", what, strerror(errno));
	return false;
}

static void sigpipe_block(struct proxy *px)
{
	if (px->sigpipe_blocked)
		return;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGPIPE);
	sigprocmask(SIG_BLOCK, &s, &px->sigmask_saved);
	px->sigpipe_blocked = true;
}

static void sigpipe_restore(struct proxy *px)
{
	if (!px->sigpipe_blocked)
		return;
	if (!sigismember(&px->sigmask_saved, SIGPIPE)) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGPIPE);
		/* Not blocked before: any pending SIGPIPE was raised here. */
		static const struct timespec zero = { 0 };
		while (sigtimedwait(&s, NULL, &zero) == SIGPIPE)
			;
		sigprocmask(SIG_SETMASK, &px->sigmask_saved, NULL);
	}
	px->sigpipe_blocked = false;
}

/* Moves one direction along: buffered bytes, then the pipe, out to dst;
 * then more from src, while both sides keep up. false on a fatal error. */
static bool relay_pump(struct conn *c, struct relay_dir d)
{
	struct relay_pipe *p = d.p;
	for (int i = 0; i < RELAY_BUDGET; i++) {
		if (d.b->lim) {
			if (!do_write(c, d.dst, d.b, d.write_count))
				return false;
			if (d.b->lim)
				return true; /* dst is full */
		}
		if (d.b->d && !buf_len(d.b) && p->on)
			buf_release(d.b); /* the pipe carries it from here */
		if (p->len) {
			sigpipe_block(c->px);
			ssize_t n = splice(p->rd, NULL, d.dst, NULL, p->len,
			                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return relay_failed(c, "splice");
			if (n > 0) {
				p->len -= (size_t)n;
				p->full = false;
				if (d.write_count)
					*d.write_count += (uint64_t)n;
			}
			if (p->len)
				return true;
		}
		if (*d.eof)
			return true;
		if (!p->on && (!p->bulk || !relay_open(c->px, p))) { /* through the buffer */
			size_t w = d.b->w;
			if (!do_read(c, d.src, d.b, d.eof, d.read_count))
				return false;
			d.b->lim = buf_len(d.b);
			if (d.b->w == w)
				return true;
			if (d.b->w - w >= RELAY_BULK)
				p->bulk = true;
			continue;
		}
		ssize_t n = splice(d.src, NULL, p->wr, NULL, RELAY_CHUNK,
		                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n == 0) {
			*d.eof = true;
			return true;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				return relay_failed(c, "splice");
			/* Either src is empty or every pipe slot is taken. */
			p->full = p->len > 0;
			return true;
		}
		p->len += (size_t)n;
		if (d.read_count)
			*d.read_count += (uint64_t)n;
	}
	return true;
}

static void relay_event(struct conn *c, struct px_handle *h, uint32_t ev)
{
	bool from_up = h == &c->up, ok = true;
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
		ok = relay_pump(c, relay_dir(c, from_up));
	if (ok && (ev & (EPOLLOUT | EPOLLERR)))
		ok = relay_pump(c, relay_dir(c, !from_up));
	if (!ok) {
		conn_close(c);
		return;
	}
	conn_progress(c);
}

static void conn_event(struct conn *c, struct px_handle *h, uint32_t ev)
{
	bool ok = true;
	if (c->st == CS_MITM) { /* proxy_tls.c does the I/O */
		conn_progress(c);
		return;
	}
	if (c->st == CS_TUNNEL) {
		relay_event(c, h, ev);
		return;
	}
	if (h == &c->up) {
		if (c->st == CS_CONNECTING) {
			connect_done(c);
		} else {
			size_t had = buf_len(&c->out);
			if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
				ok = do_read(c, c->up.fd, &c->out, &c->up_eof, &c->bytes_down);
			if (c->px->secrets.n && c->proto == P_HTTP)
				mask_echoed_secrets(c, had);
			if (ok && (ev & (EPOLLOUT | EPOLLERR)) && up_may_write(c))
				ok = do_write(c, c->up.fd, &c->in, &c->bytes_up);
		}
	} else {
		if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
			ok = do_read(c, c->cli.fd, &c->in, &c->cli_eof, NULL);
		if (ok && (ev & (EPOLLOUT | EPOLLERR)))
			ok = do_write(c, c->cli.fd, &c->out, NULL);
	}
	if (!ok) {
		conn_close(c);
		return;
	}
	conn_progress(c);
}

static void conn_close(struct conn *c)
{
	if (c->dead)
		return;
	struct proxy *px = c->px;
	if (c->ask_id)
		ask_close(c, "abandoned", NULL);
	if (c->attempt_open && !c->error[0] && c->st != CS_TUNNEL && c->st != CS_CLOSING &&
	    c->st != CS_MITM &&
	    !(c->proto == P_HTTP && c->resp_done))
		snprintf(c->error, sizeof c->error, "closed before completion");
	if (c->mitm) {
		struct mitm_report r;
		mitm_get_report(c->mitm, &r);
		c->bytes_up = r.bytes_up;
		c->bytes_down = r.bytes_down;
	}
	emit_attempt(c);
	mitm_free(c->mitm);
	c->mitm = NULL;
	free(c->sent);
	c->sent = NULL;
	c->sent_len = 0;
	dns_cancel(c->dq);
	c->dq = NULL;
	close_upstream(c);
	set_interest(px, &c->cli, 0);
	close(c->cli.fd);
	c->cli.fd = -1;
	buf_release(&c->in);
	buf_release(&c->out);
	relay_close(px, &c->c2u);
	relay_close(px, &c->u2c);
	if (c->prev)
		c->prev->next = c->next;
	else
		px->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->dead = true;
	c->next = px->graveyard;
	px->graveyard = c;
	px->stats.open_conns--;
	if (px->accept_paused) {
		px->accept_paused = false;
		for (int i = 0; i < px->n_listeners; i++)
			set_interest(px, &px->listeners[i], EPOLLIN);
	}
}

/* A session may hold this many connections at once; beyond that new ones
 * wait in the listen queue. Each can buffer 2 x 64 KiB, so this bounds what
 * the sandbox can make the supervisor hold. */
#define MAX_CONNS 1024

static size_t pipe_fd_budget(void)
{
	struct rlimit rl;
	size_t reserved = 2 * MAX_CONNS + 64; /* sockets, resolver, listeners */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY)
		return SIZE_MAX / 2;
	return rl.rlim_cur > reserved ? (size_t)rl.rlim_cur - reserved : 0;
}

static void accept_some(struct proxy *px, struct px_handle *l)
{
	for (int i = 0; i < 64; i++) {
		int fd = px->stats.open_conns >= MAX_CONNS
		                 ? (errno = EMFILE, -1)
		                 : accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* Out of fds: stop accepting until a connection closes
				 * (level-triggered, the listener would spin). */
				px->accept_paused = true;
				for (int k = 0; k < px->n_listeners; k++)
					set_interest(px, &px->listeners[k], 0);
			}
			return;
		}
		struct conn *c = xcalloc(1, sizeof *c);
		c->px = px;
		c->cli = (struct px_handle){ .kind = PX_CLIENT, .fd = fd };
		c->up = (struct px_handle){ .kind = PX_UPSTREAM, .fd = -1 };
		c->in.pool = c->out.pool = &px->pool;
		c->st = CS_SNIFF;
		c->head_since = now_mono_ns();
		c->next = px->conns;
		if (px->conns)
			px->conns->prev = c;
		px->conns = c;
		px->stats.accepted++;
		px->stats.open_conns++;
		conn_arm(c);
	}
}

/* ---- public API --------------------------------------------------------- */

struct proxy *proxy_new(const struct policy *p, char *err, size_t errlen)
{
	struct proxy *px = xcalloc(1, sizeof *px);
	if (net_policy_init(&px->pol, p, err, errlen) < 0) {
		free(px);
		return NULL;
	}
	if (secrets_load(p, &px->secrets, err, errlen) < 0) {
		net_policy_free(&px->pol);
		free(px);
		return NULL;
	}
	if (px->secrets.n && !(px->tls = tls_ctx_new(err, errlen))) {
		secrets_free(&px->secrets);
		net_policy_free(&px->pol);
		free(px);
		return NULL;
	}
	px->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (px->epfd < 0) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		tls_ctx_free(px->tls);
		secrets_free(&px->secrets);
		net_policy_free(&px->pol);
		free(px);
		return NULL;
	}
	px->dns = dns_new(px->epfd, err, errlen);
	if (!px->dns) {
		close(px->epfd);
		tls_ctx_free(px->tls);
		secrets_free(&px->secrets);
		net_policy_free(&px->pol);
		free(px);
		return NULL;
	}
	px->sweep = (struct px_handle){.kind = PX_SWEEP,
	                               .fd = timerfd_create(CLOCK_MONOTONIC,
	                                                    TFD_NONBLOCK | TFD_CLOEXEC)};
	struct itimerspec its = {.it_interval = {.tv_sec = 5}, .it_value = {.tv_sec = 5}};
	if (px->sweep.fd >= 0 && timerfd_settime(px->sweep.fd, 0, &its, NULL) == 0)
		set_interest(px, &px->sweep, EPOLLIN);
	return px;
}

int proxy_set_policy(struct proxy *px, const struct policy *p, char *err, size_t errlen)
{
	struct net_policy np;
	if (net_policy_init(&np, p, err, errlen) < 0)
		return -1;
	if (secrets_set_hosts(&px->secrets, p, err, errlen) < 0) {
		net_policy_free(&np);
		return -1;
	}
	net_policy_free(&px->pol);
	px->pol = np;
	return 0;
}

/* A client gets HEAD_DEADLINE to send a complete request head (or SOCKS5
 * handshake), also between keep-alive requests: a sandbox holding
 * connections open byte by byte cannot pin the supervisor's memory. */
#define HEAD_DEADLINE_NS (30ull * 1000000000ull)

static void sweep_slow_clients(struct proxy *px)
{
	uint64_t expired;
	if (read(px->sweep.fd, &expired, sizeof expired) < 0)
		return;
	uint64_t now = now_mono_ns();
	for (struct conn *c = px->conns, *next; c; c = next) {
		next = c->next;
		bool waiting = c->st == CS_SNIFF || c->st == CS_HTTP_HEAD ||
		               c->st == CS_SOCKS_GREET || c->st == CS_SOCKS_REQ;
		if (c->st == CS_MITM && !mitm_established(c->mitm)) {
			waiting = true; /* TLS handshakes get the same deadline */
			if (now - c->head_since > HEAD_DEADLINE_NS)
				snprintf(c->error, sizeof c->error, "TLS handshake timed out");
		}
		if (waiting && now - c->head_since > HEAD_DEADLINE_NS)
			conn_close(c);
	}
	if (px->n_asking)
		ask_expire(px, now);
}

void proxy_set_ask(struct proxy *px, bool on, unsigned timeout_s)
{
	px->ask = on;
	px->ask_timeout_ns = (uint64_t)(timeout_s ? timeout_s : 30) * 1000000000ull;
}

int proxy_question_rule(const struct proxy *px, const char *id, char *rule, size_t len)
{
	const struct conn *c = find_question(px, id);
	if (!c)
		return -ENOENT;
	const char *eq = strchr(c->dec.hint, '=');
	snprintf(rule, len, "%s", eq ? eq + 1 : c->dec.hint);
	return 0;
}

int proxy_answer(struct proxy *px, const char *id, const char *answer)
{
	bool once = strcmp(answer, "once") == 0, session = strcmp(answer, "session") == 0;
	if (!once && !session && strcmp(answer, "deny") != 0)
		return -EINVAL;
	struct conn *c = find_question(px, id);
	if (!c)
		return -ENOENT;
	ask_close(c, "answered", answer);
	if (once || session) {
		c->ask_allowed_once = once;
		start_attempt(c); /* "session": the new rule decides */
	} else {
		snprintf(c->dec.reason, sizeof c->dec.reason,
		         "no --allow-net rule; denied when asked");
		refuse(c);
	}
	conn_progress(c);
	return 0;
}

int proxy_add_listener(struct proxy *px, int fd)
{
	if (px->n_listeners == MAX_LISTENERS)
		return -ENOSPC;
	/* Thousands of connections need two fds each. Raised here, once the
	 * sandbox has started, so the command keeps its usual limit. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dup < 0)
		return -errno;
	int fl = fcntl(dup, F_GETFL);
	fcntl(dup, F_SETFL, fl | O_NONBLOCK);
	struct px_handle *l = &px->listeners[px->n_listeners++];
	*l = (struct px_handle){ .kind = PX_LISTENER, .fd = dup };
	set_interest(px, l, px->accept_paused ? 0 : EPOLLIN);
	return 0;
}

int proxy_fd(const struct proxy *px) { return px->epfd; }

void proxy_dispatch(struct proxy *px)
{
	struct epoll_event evs[MAX_EVENTS];
	int n = epoll_wait(px->epfd, evs, MAX_EVENTS, 0);
	for (int i = 0; i < n; i++) {
		struct px_handle *h = evs[i].data.ptr;
		switch (h->kind) {
		case PX_LISTENER:
			accept_some(px, h);
			break;
		case PX_CLIENT: {
			struct conn *c = (struct conn *)((char *)h - offsetof(struct conn, cli));
			if (!c->dead)
				conn_event(c, h, evs[i].events);
			break;
		}
		case PX_UPSTREAM: {
			struct conn *c = (struct conn *)((char *)h - offsetof(struct conn, up));
			if (!c->dead && c->up.fd >= 0)
				conn_event(c, h, evs[i].events);
			break;
		}
		case PX_DNS_SOCK:
		case PX_DNS_TIMER:
			dns_handle(px->dns, h, evs[i].events);
			break;
		case PX_SWEEP:
			sweep_slow_clients(px);
			break;
		}
	}
	while (px->graveyard) {
		struct conn *c = px->graveyard;
		px->graveyard = c->next;
		free(c);
	}
	dns_gc(px->dns);
	sigpipe_restore(px);
}

void proxy_get_stats(const struct proxy *px, struct proxy_stats *out) { *out = px->stats; }

void proxy_free(struct proxy *px)
{
	if (!px)
		return;
	while (px->conns)
		conn_close(px->conns);
	while (px->graveyard) {
		struct conn *c = px->graveyard;
		px->graveyard = c->next;
		free(c);
	}
	while (px->pool.n)
		free(px->pool.spare[--px->pool.n]);
	dns_free(px->dns);
	if (px->sweep.fd >= 0)
		close(px->sweep.fd);
	for (int i = 0; i < px->n_listeners; i++)
		close(px->listeners[i].fd);
	close(px->epfd);
	net_policy_free(&px->pol);
	tls_ctx_free(px->tls);
	secrets_free(&px->secrets);
	free(px);
}

const char *proxy_ca_cert_pem(const struct proxy *px)
{
	return px && px->tls ? tls_ctx_ca_pem(px->tls) : NULL;
}
