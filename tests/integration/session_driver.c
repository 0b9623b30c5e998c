/* session_driver: drives core/session.h the way the TUI does, without a
 * screen, so the integration tests can exercise what only the TUI reaches:
 * extra shells in a running session.
 *
 *   DRIVER_SPAWN='shell command' gb-session-driver [glassbox options] -- CMD...
 *
 * Runs CMD in pipe mode; as soon as the sandbox is up, starts
 * `/bin/sh -c "$DRIVER_SPAWN"` as another shell on its own pty and copies
 * that pty's output to stdout. Prints "driver: shell N exited" for each extra
 * shell and exits with the session's status. */
#include "cli.h"
#include "event.h"
#include "session.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int spawned = -1;

static void on_event(const struct event *ev, void *arg)
{
	(void)arg;
	const cJSON *sh = ev->data ? cJSON_GetObjectItemCaseSensitive(ev->data, "shell") : NULL;
	if (ev->kind == EV_EXIT && cJSON_IsNumber(sh) && sh->valueint > 0)
		printf("driver: shell %d exited\n", sh->valueint), fflush(stdout);
}

int main(int argc, char **argv)
{
	struct cli_options o;
	char err[1024];
	if (cli_parse(argc, argv, &o, err, sizeof err) < 0) {
		fprintf(stderr, "driver: %s\n", err);
		return 2;
	}
	event_add_sink(on_event, NULL);
	struct session *s;
	int rc = session_open(&o, &s, err, sizeof err);
	struct session_io io = {.stdio = {0, 1, 2}};
	if (rc == 0)
		rc = session_start(s, &io, err, sizeof err);
	if (rc) {
		fprintf(stderr, "driver: %s\n", err);
		session_free(s);
		return rc;
	}
	const char *cmd = getenv("DRIVER_SPAWN");
	int master = -1;
	bool ended = false;
	while (!ended || (master >= 0)) {
		if (cmd && spawned < 0) {
			struct strlist a = {0};
			strlist_push(&a, "/bin/sh");
			strlist_push(&a, "-c");
			strlist_push(&a, cmd);
			spawned = session_spawn(s, &a, 24, 80, err, sizeof err);
			strlist_clear(&a);
			if (spawned < 0) {
				fprintf(stderr, "driver: spawn: %s\n", err);
				cmd = NULL;
			}
		}
		if (master < 0 && spawned > 0)
			master = session_shell_master(s, spawned);
		struct pollfd p[2] = {{.fd = session_fd(s), .events = POLLIN},
		                      {.fd = master, .events = POLLIN}};
		if (poll(p, 2, ended ? 100 : -1) < 0 && errno != EINTR)
			break;
		if (master >= 0 && p[1].revents) {
			char buf[4096];
			ssize_t n = read(master, buf, sizeof buf);
			if (n > 0)
				fwrite(buf, 1, (size_t)n, stdout), fflush(stdout);
			else if (n == 0 || errno == EIO)
				master = -1; /* every holder of the slave is gone */
		}
		if (!ended && p[0].revents)
			ended = session_dispatch(s) != 0;
		if (ended && master < 0)
			break;
	}
	rc = session_finish(s, err, sizeof err);
	if (err[0])
		fprintf(stderr, "driver: %s\n", err);
	session_free(s);
	cli_options_free(&o);
	return rc;
}
