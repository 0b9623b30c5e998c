/* relay: the byte pump of a headless PTY session (see relay.h). Output from
 * the sandbox goes to the user's terminal unchanged: the sandbox owns its own
 * pty, so it can draw, but it cannot push input into the user's terminal. */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void relay_init(struct relay *r, int user_in, int user_out, int master)
{
	memset(r, 0, sizeof *r);
	r->in.from = user_in;
	r->in.to = master;
	r->in.eof = user_in < 0; /* no input to relay */
	r->out.from = master;
	r->out.to = user_out;
}

static int add(struct pollfd *p, int n, int fd, short ev)
{
	for (int i = 0; i < n; i++)
		if (p[i].fd == fd) {
			p[i].events |= ev;
			return n;
		}
	p[n] = (struct pollfd){.fd = fd, .events = ev};
	return n + 1;
}

int relay_pollfds(struct relay *r, struct pollfd *p)
{
	int n = 0;
	struct relay_dir *d[2] = {&r->in, &r->out};
	for (int i = 0; i < 2; i++) {
		if (!d[i]->eof && d[i]->len < RELAY_BUF)
			n = add(p, n, d[i]->from, POLLIN);
		if (d[i]->len > 0)
			n = add(p, n, d[i]->to, POLLOUT);
	}
	return n;
}

static short revents_of(const struct pollfd *p, int n, int fd)
{
	short ev = 0;
	for (int i = 0; i < n; i++)
		if (p[i].fd == fd)
			ev |= p[i].revents;
	return ev;
}

static void pump(struct relay_dir *d, short in_ev, short out_ev)
{
	if (!d->eof && d->len < RELAY_BUF && (in_ev & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n = read(d->from, d->buf + d->len, RELAY_BUF - d->len);
		if (n > 0)
			d->len += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			d->eof = true; /* EIO on a master: every slave closed */
	}
	if (d->len > 0 && (out_ev & (POLLOUT | POLLERR))) {
		ssize_t n = write(d->to, d->buf, d->len);
		if (n > 0) {
			memmove(d->buf, d->buf + n, d->len - (size_t)n);
			d->len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			d->len = 0; /* destination gone: drop */
		}
	}
}

void relay_handle(struct relay *r, const struct pollfd *p, int n)
{
	pump(&r->in, revents_of(p, n, r->in.from), revents_of(p, n, r->in.to));
	pump(&r->out, revents_of(p, n, r->out.from), revents_of(p, n, r->out.to));
}

void relay_drain(struct relay *r)
{
	while (!r->out.eof || r->out.len) {
		struct pollfd p[2] = {{.fd = r->out.from, .events = r->out.eof ? 0 : POLLIN},
		                      {.fd = r->out.to, .events = r->out.len ? POLLOUT : 0}};
		if (poll(p, 2, 1000) <= 0)
			break;
		pump(&r->out, p[0].revents, p[1].revents);
		if (r->out.eof && !(p[1].revents & POLLOUT) && r->out.len)
			continue;
	}
}
