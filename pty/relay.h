/* relay: copies bytes between the user's terminal and a pty master without
 * ever blocking: bounded buffers in each direction, read only while there is
 * room, POLLOUT only while something is queued. */
#ifndef GLASSBOX_RELAY_H
#define GLASSBOX_RELAY_H
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#define RELAY_BUF (64 * 1024)

struct relay_dir {
	int from, to;
	char buf[RELAY_BUF];
	size_t len;
	bool eof;       /* source closed */
};

struct relay {
	struct relay_dir in;  /* user -> master */
	struct relay_dir out; /* master -> user */
};

/* user_in may be -1: output only. */
void relay_init(struct relay *r, int user_in, int user_out, int master);
/* Fills up to 4 pollfds; returns how many. */
int relay_pollfds(struct relay *r, struct pollfd *p);
/* Handles the revents of the pollfds filled by relay_pollfds. */
void relay_handle(struct relay *r, const struct pollfd *p, int n);
/* After the command ended: copies what is left in the master to the user. */
void relay_drain(struct relay *r);

#endif
