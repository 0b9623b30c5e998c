/* headless: the face without a screen. Opens a session (core/session.h:
 * policy, jail, proxy, snapshots, --log), connects the user's stdio to the
 * command and waits for it, relaying a PTY when a std fd is a terminal.
 * Events go to --debug (readable lines on stderr); warnings always do.
 *
 * Pipe mode: the command gets our stdin/stdout/stderr fds themselves, so data
 * streams with no copy and no buffering. TTY mode: the command gets a fresh
 * pty (its own session and controlling terminal, so job control and /dev/tty
 * work) and we relay bytes and window-size changes; the user's terminal stays
 * out of the sandbox's reach. */
#include "headless.h"
#include "ask_tty.h"
#include "event.h"
#include "pty.h"
#include "relay.h"
#include "sanitize.h"
#include "session.h"
#include "snapshot_cmd.h"
#include "start_progress.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>

void headless_error(const char *msg)
{
	/* Messages quote user input and host paths: never write them raw. */
	cleanup_free char *safe = sanitize_str(msg);
	fprintf(stderr, "glassbox: %s\n", safe);
}

/* Without --debug the user still hears about warnings (a sandbox running
 * weaker than asked, a profile path refused). */
static void warning_sink(const struct event *ev, void *arg)
{
	(void)arg;
	if (ev->kind != EV_WARNING || !ev->message)
		return;
	char msg[1100];
	snprintf(msg, sizeof msg, "warning: %s", ev->message);
	headless_error(msg);
}

struct loop {
	struct session *session;
	int sfd;
	bool tty;
	int term_fd;  /* the user's terminal among our fds 0-2 */
	int master;
	struct relay relay;
	struct ask_tty *ask; /* --ask questions on our terminal, or NULL */
};

static void run_loop(struct loop *l)
{
	for (;;) {
		struct pollfd p[8];
		int n = 0;
		p[n++] = (struct pollfd){.fd = session_fd(l->session), .events = POLLIN};
		p[n++] = (struct pollfd){.fd = l->sfd, .events = POLLIN};
		if (l->tty && l->master < 0 && session_pty_master(l->session) >= 0) {
			/* The sandbox sent its pty: start relaying. */
			l->master = session_pty_master(l->session);
			relay_init(&l->relay, isatty(0) ? 0 : -1, isatty(1) ? 1 : 2, l->master);
			if (isatty(0))
				term_raw(0);
		}
		int ai = -1;
		if (ask_tty_fd(l->ask) >= 0) {
			ai = n;
			p[n++] = (struct pollfd){ .fd = ask_tty_fd(l->ask), .events = POLLIN };
		}
		int rn = l->master >= 0 ? relay_pollfds(&l->relay, p + n) : 0;
		if (poll(p, (nfds_t)(n + rn), -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(l->sfd, &si, sizeof si) == sizeof si) {
				if (si.ssi_signo == SIGWINCH) {
					if (l->master >= 0)
						pty_copy_winsize(l->term_fd, l->master);
				} else {
					session_signal(l->session, (int)si.ssi_signo);
				}
			}
		}
		if (ai >= 0 && p[ai].revents)
			ask_tty_handle(l->ask);
		if (rn)
			relay_handle(&l->relay, p + n, rn);
		if (p[0].revents && session_dispatch(l->session) != 0)
			return;
	}
}

/* A terminal fd is never handed to the sandbox: it could read the user's
 * keystrokes from it or change its modes. Every fd that is a terminal is
 * replaced by the sandbox's own pty, relayed. */
static void setup_stdio(struct session_io *io, struct loop *l)
{
	for (int i = 0; i < 3; i++) {
		io->stdio[i] = i;
		io->tty_fds[i] = isatty(i);
		if (io->tty_fds[i] && l->term_fd < 0)
			l->term_fd = i;
	}
	l->tty = l->term_fd >= 0;
	struct winsize ws;
	if (l->tty && ioctl(l->term_fd, TIOCGWINSZ, &ws) == 0) {
		io->rows = ws.ws_row;
		io->cols = ws.ws_col;
	}
}

int headless_run(const struct cli_options *o)
{
	char err[1024];
	if (o->debug)
		event_add_sink(event_sink_debug, stderr);
	else
		event_add_sink(warning_sink, NULL);

	struct loop l = {.master = -1, .term_fd = -1, .sfd = -1};
	struct start_progress progress;
	struct session_open_opts open_opts;
	start_progress_begin(&progress, START_PROGRESS_LINE, &open_opts);
	int status = session_open_with(o, &open_opts, &l.session, err, sizeof err);
	status = start_progress_finish(&progress, status, err, sizeof err);
	if (status) {
		headless_error(err);
		session_abandon(l.session);
		return status;
	}
	struct session_io io = {0};
	setup_stdio(&io, &l);

	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	sigset_t mask, old;
	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		sigaddset(&mask, sigs[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	l.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	/* Answers are read from the terminal only when the command's pty does
	 * not take the keyboard (stdin is not a terminal). */
	if (o->ask_net || o->ask_write)
		l.ask = ask_tty_open(l.session, !isatty(0));
	status = session_start(l.session, &io, err, sizeof err);
	if (status) {
		if (err[0])
			headless_error(err);
	} else {
		run_loop(&l);
		if (l.master >= 0)
			relay_drain(&l.relay);
		term_restore_saved();
		status = session_finish(l.session, err, sizeof err);
		if (err[0])
			headless_error(err);
	}
	struct snap_store *st;
	struct snap_session *sn;
	session_take_snapshot(l.session, &st, &sn);
	if (sn)
		snapshot_end(o, session_cwd(l.session), st, sn); /* keeps the command's status */
	if (l.sfd >= 0)
		close(l.sfd);
	ask_tty_close(l.ask);
	sigprocmask(SIG_SETMASK, &old, NULL);
	session_free(l.session);
	return status;
}
