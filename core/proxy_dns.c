/* proxy_dns: name resolution for the proxy without blocking its loop. c-ares
 * (which reads /etc/hosts and resolv.conf like the host's resolver) runs on
 * sockets it reports through the sock-state callback; they go into the
 * proxy's epoll set, and one timerfd there drives c-ares's timeouts.
 *
 * Callbacks are delivered only from dns_handle, never from inside
 * dns_lookup: c-ares may answer synchronously (hosts file), so such answers
 * are queued and the timer is fired at once to deliver them. A cancelled
 * query stays allocated until c-ares lets go of it.
 *
 * The c-ares channel is created at the first lookup, not in dns_new: most
 * sessions never resolve a name, and initialising it (resolv.conf,
 * nsswitch.conf, hosts) and destroying it was a tenth of the supervisor's
 * start-up instructions. */
#include "proxy_internal.h"

#include <ares.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "util.h"

struct dns_sock {
	struct px_handle h; /* first: epoll data points here */
	struct dns_sock *next;
};

struct dns_query {
	struct dns *d;
	dns_cb cb;
	void *arg;
	uint16_t port;
	bool in_lookup, finished;
	int status;
	char err[96];
	struct sockaddr_storage addrs[DNS_MAX_ADDRS];
	size_t n;
	struct dns_query *next_done;
};

struct dns {
	int epfd;
	ares_channel ch;
	struct px_handle timer;
	struct dns_sock *socks;
	struct dns_sock *dead; /* removed during a dispatch; freed by dns_gc */
	struct dns_query *done_head, **done_tail;
};

static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns *d = data;
	struct dns_sock **pp = &d->socks;
	while (*pp && (*pp)->h.fd != fd)
		pp = &(*pp)->next;
	uint32_t mask = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	if (!mask) {
		if (*pp) {
			struct dns_sock *s = *pp;
			epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, NULL);
			*pp = s->next;
			/* An event for it may still be pending in this batch. */
			s->h.fd = -1;
			s->next = d->dead;
			d->dead = s;
		}
		return;
	}
	struct epoll_event ev = { .events = mask };
	if (*pp) {
		ev.data.ptr = &(*pp)->h;
		(*pp)->h.mask = mask;
		epoll_ctl(d->epfd, EPOLL_CTL_MOD, fd, &ev);
		return;
	}
	struct dns_sock *s = xcalloc(1, sizeof *s);
	s->h = (struct px_handle){ .kind = PX_DNS_SOCK, .fd = fd, .mask = mask };
	s->next = d->socks;
	d->socks = s;
	ev.data.ptr = &s->h;
	epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void arm_timer(struct dns *d, bool now)
{
	struct itimerspec its = { 0 };
	if (now) {
		its.it_value.tv_nsec = 1;
	} else if (d->ch) {
		struct timeval tv, *tvp = ares_timeout(d->ch, NULL, &tv);
		if (tvp) {
			its.it_value.tv_sec = tvp->tv_sec;
			its.it_value.tv_nsec = tvp->tv_usec * 1000L;
			if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
				its.it_value.tv_nsec = 1;
		}
	}
	timerfd_settime(d->timer.fd, 0, &its, NULL);
}

struct dns *dns_new(int epfd, char *err, size_t errlen)
{
	struct dns *d = xcalloc(1, sizeof *d);
	d->epfd = epfd;
	d->done_tail = &d->done_head;
	d->timer = (struct px_handle){ .kind = PX_DNS_TIMER, .mask = EPOLLIN };
	d->timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->timer.fd < 0) {
		snprintf(err, errlen, "timerfd_create: %s", strerror(errno));
		free(d);
		return NULL;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &d->timer };
	epoll_ctl(epfd, EPOLL_CTL_ADD, d->timer.fd, &ev);
	return d;
}

/* Creates the channel on first use. Returns 0, or -1 with one line in err. */
static int channel_start(struct dns *d, char *err, size_t errlen)
{
	static bool lib_ready;
	if (d->ch)
		return 0;
	if (!lib_ready) {
		if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
			return error_set(err, errlen, "cannot initialise c-ares");
		lib_ready = true;
	}
	struct ares_options o = { 0 };
	o.sock_state_cb = sock_state;
	o.sock_state_cb_data = d;
	o.timeout = 2000; /* ms: a sandbox waiting on a dead resolver is a hang */
	o.tries = 2;
	int r = ares_init_options(&d->ch, &o,
	                          ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (r != ARES_SUCCESS) {
		d->ch = NULL;
		return error_set(err, errlen, "cannot start the resolver: %s", ares_strerror(r));
	}
	return 0;
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	(void)timeouts;
	struct dns_query *q = arg;
	q->status = status == ARES_SUCCESS ? 0 : -1;
	if (status != ARES_SUCCESS)
		snprintf(q->err, sizeof q->err, "%s", ares_strerror(status));
	for (struct ares_addrinfo_node *n = res ? res->nodes : NULL; n && q->n < DNS_MAX_ADDRS;
	     n = n->ai_next) {
		if (n->ai_family != AF_INET && n->ai_family != AF_INET6)
			continue;
		if (n->ai_addrlen > sizeof q->addrs[0])
			continue;
		memcpy(&q->addrs[q->n], n->ai_addr, n->ai_addrlen);
		if (n->ai_family == AF_INET)
			((struct sockaddr_in *)&q->addrs[q->n])->sin_port = htons(q->port);
		else
			((struct sockaddr_in6 *)&q->addrs[q->n])->sin6_port = htons(q->port);
		q->n++;
	}
	if (res)
		ares_freeaddrinfo(res);
	if (q->status == 0 && q->n == 0) {
		q->status = -1;
		snprintf(q->err, sizeof q->err, "no IPv4 or IPv6 address");
	}
	q->finished = true;
	if (q->in_lookup) {
		/* Answered synchronously: deliver from dns_handle. */
		q->next_done = NULL;
		*q->d->done_tail = q;
		q->d->done_tail = &q->next_done;
		arm_timer(q->d, true);
		return;
	}
	if (q->cb)
		q->cb(q->arg, q->status, q->err, q->addrs, q->n);
	free(q);
}

struct dns_query *dns_lookup(struct dns *d, const char *host, uint16_t port, dns_cb cb,
                             void *arg)
{
	struct dns_query *q = xcalloc(1, sizeof *q);
	q->d = d;
	q->cb = cb;
	q->arg = arg;
	q->port = port;
	q->in_lookup = true;
	if (channel_start(d, q->err, sizeof q->err) < 0) {
		/* delivered from dns_handle like any synchronous answer */
		q->status = -1;
		q->finished = true;
		*d->done_tail = q;
		d->done_tail = &q->next_done;
		arm_timer(d, true);
		return q;
	}
	struct ares_addrinfo_hints hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	ares_getaddrinfo(d->ch, host, NULL, &hints, on_addrinfo, q);
	if (!q->finished) {
		q->in_lookup = false;
		arm_timer(d, false);
	}
	return q;
}

void dns_cancel(struct dns_query *q)
{
	if (q)
		q->cb = NULL;
}

static void deliver_done(struct dns *d)
{
	struct dns_query *q = d->done_head;
	d->done_head = NULL;
	d->done_tail = &d->done_head;
	while (q) {
		struct dns_query *next = q->next_done;
		if (q->cb)
			q->cb(q->arg, q->status, q->err, q->addrs, q->n);
		free(q);
		q = next;
	}
}

void dns_handle(struct dns *d, struct px_handle *h, uint32_t events)
{
	if (h->kind == PX_DNS_TIMER) {
		uint64_t exp;
		while (read(h->fd, &exp, sizeof exp) > 0)
			;
		deliver_done(d);
		if (d->ch)
			ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	} else if (h->fd >= 0 && d->ch) {
		int fd = h->fd; /* h may be retired by sock_state during processing */
		bool rd = events & (EPOLLIN | EPOLLERR | EPOLLHUP);
		bool wr = events & EPOLLOUT;
		ares_process_fd(d->ch, rd ? fd : ARES_SOCKET_BAD, wr ? fd : ARES_SOCKET_BAD);
	}
	if (!d->done_head)
		arm_timer(d, false);
}

void dns_gc(struct dns *d)
{
	while (d->dead) {
		struct dns_sock *s = d->dead;
		d->dead = s->next;
		free(s);
	}
}

void dns_free(struct dns *d)
{
	if (!d)
		return;
	/* Queued answers are dropped; in-flight ones come back with
	 * ARES_EDESTRUCTION from ares_destroy and are freed there. */
	for (struct dns_query *q = d->done_head, *next; q; q = next) {
		next = q->next_done;
		free(q);
	}
	d->done_head = NULL;
	if (d->ch)
		ares_destroy(d->ch);
	/* sock_state has removed every socket; anything left is freed here. */
	while (d->socks) {
		struct dns_sock *s = d->socks;
		d->socks = s->next;
		free(s);
	}
	dns_gc(d);
	close(d->timer.fd);
	free(d);
}
