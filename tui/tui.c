/* tui: the loop of the terminal UI, in the redis-ae shape — one poll() over
 * the terminal (keys, mouse, paste), a signalfd (SIGWINCH, SIGTERM, SIGINT,
 * SIGHUP, SIGCHLD), the shells' pty masters (shells.c; POLLOUT only while
 * bytes wait), session_fd() (jail, proxy), the eventfd of the Changes
 * worker (rescan.c) and two timerfds: the frame timer, armed only when
 * something is dirty and the last frame was under 16 ms ago, and the tick
 * timer for delayed work (the snapshot rescan after shell activity, CPU
 * sampling while the sandbox is busy, the quit escalation). Idle means no
 * wakeups at all.
 *
 * Data flow: pty bytes -> term_write (screen model, dirty rows); session
 * events -> the panes' lists (through an event sink, on this thread); keys
 * (input.c) -> keymap -> an action, or term's encoder -> the pty master.
 * Before each sleep the frame is drawn if due: one refresh (doupdate) per
 * frame.
 *
 * The terminal is restored on every way out: normal exit, a fatal signal
 * (SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGABRT: the handler writes the reset
 * sequences and the saved termios, then re-raises), or SIGTERM/SIGINT/SIGHUP
 * (the shell is hung up and the loop ends normally). Nothing is printed while
 * curses owns the screen: diagnostics are events (--log). */
#include "tui.h"
#include "event.h"
#include "headless.h"
#include "sanitize.h"
#include "session.h"
#include "snapshot.h"
#include "snapshot_cmd.h"
#include "start_progress.h"
#include "term.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <termios.h>

#define FRAME_NS 16000000ull          /* at most ~60 frames a second */
#define SAMPLE_NS 1000000000ull
#define QUIT_KILL_NS 3000000000ull

static const char reset_seq[] =
	"\033[?1049l\033[?1000l\033[?1002l\033[?1003l\033[?1006l\033[?2004l\033[?25h\033[0m\r\n";

/* For the fatal-signal handler only. */
static struct termios saved_termios;
static bool saved_termios_ok;

static void fatal_handler(int sig)
{
	ssize_t unused = write(STDOUT_FILENO, reset_seq, sizeof reset_seq - 1);
	(void)unused;
	if (saved_termios_ok)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_fatal_handlers(void)
{
	saved_termios_ok = tcgetattr(STDIN_FILENO, &saved_termios) == 0;
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa = { .sa_handler = fatal_handler, .sa_flags = SA_RESETHAND };
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

/* ---- timers -------------------------------------------------------------- */

static void arm(int fd, uint64_t delay_ns)
{
	struct itimerspec its = { 0 };
	if (delay_ns == 0)
		delay_ns = 1;
	its.it_value.tv_sec = (time_t)(delay_ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(delay_ns % 1000000000ull);
	timerfd_settime(fd, 0, &its, NULL);
}

static void disarm(int fd)
{
	struct itimerspec its = { 0 };
	timerfd_settime(fd, 0, &its, NULL);
}

/* The tick timer: the earliest pending piece of delayed work, or nothing. */
static void arm_tick(struct tui *t, bool busy)
{
	uint64_t now = now_mono_ns(), when = UINT64_MAX;
	if (t->rescan_due)
		when = t->rescan_at_ns;
	if (busy && t->cpu_sample_ns + SAMPLE_NS < when)
		when = t->cpu_sample_ns + SAMPLE_NS;
	if (t->quitting && !t->ended && t->quit_ns + QUIT_KILL_NS < when)
		when = t->quit_ns + QUIT_KILL_NS;
	if (ask_queue_next_tick(t) < when)
		when = ask_queue_next_tick(t);
	if (when == UINT64_MAX)
		disarm(t->tickfd);
	else
		arm(t->tickfd, when > now ? when - now : 1);
}

/* ---- layout and resize --------------------------------------------------- */

static void fit_shell(struct tui *t)
{
	const struct rect *r = &t->panes[PANE_SHELL].inner;
	int rows = r->h > 1 ? r->h : 1, cols = r->w > 2 ? r->w : 2;
	if (rows == t->term_rows && cols == t->term_cols)
		return;
	t->term_rows = rows;
	t->term_cols = cols;
	for (int i = 0; i < t->nshells; i++) {
		term_resize(t->shells[i]->term, rows, cols);
		session_resize_shell(t->s, t->shells[i]->id, (unsigned short)rows, (unsigned short)cols);
	}
}

void tui_relayout(struct tui *t)
{
	layout_compute(t);
	fit_shell(t);
}

static void on_winch(struct tui *t)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	tui_relayout(t);
}

/* ---- pty, session, signals --------------------------------------------------- */

static void on_signal(struct tui *t)
{
	struct signalfd_siginfo si;
	while (read(t->sigfd, &si, sizeof si) == sizeof si) {
		switch (si.ssi_signo) {
		case SIGWINCH: on_winch(t); break;
		case SIGTERM:
		case SIGINT:
		case SIGHUP: tui_request_quit(t); break;
		default: break; /* SIGCHLD: the session reaps through its own fds */
		}
	}
}

static void on_tick(struct tui *t)
{
	uint64_t exp;
	ssize_t unused = read(t->tickfd, &exp, sizeof exp);
	(void)unused;
	uint64_t now = now_mono_ns();
	if (t->rescan_due && now >= t->rescan_at_ns)
		rescan_start(t);
	if (t->quitting && !t->ended && now >= t->quit_ns + QUIT_KILL_NS)
		session_signal(t->s, SIGKILL);
	ask_queue_poll(t);
}

/* ---- drawing ------------------------------------------------------------------ */

static bool anything_dirty(struct tui *t)
{
	if (t->full_redraw || t->status_dirty)
		return true;
	for (int i = 0; i < PANE__COUNT; i++)
		if (t->panes[i].visible && t->panes[i].ops->dirty(&t->panes[i], t))
			return true;
	return false;
}

static void draw_frame(struct tui *t)
{
	bool full = t->full_redraw;
	if (full)
		erase();
	layout_draw_frames(t);
	for (int i = 0; i < PANE__COUNT; i++) {
		struct pane *p = &t->panes[i];
		if (p->visible && (full || p->ops->dirty(p, t)))
			p->ops->draw(p, t, &p->inner, full);
	}
	if (!t->panes[PANE_SHELL].visible)
		term_clear_dirty(t->term); /* drawn in full when it shows again */
	status_draw(t);
	fkeys_draw(t);
	if (t->view)
		view_draw(t, t->view);
	shell_place_cursor(t);
	refresh();
	t->full_redraw = false;
	t->last_frame_ns = now_mono_ns();
}

/* The before-sleep hook: a frame when one is due, else the frame timer. */
static void maybe_draw(struct tui *t)
{
	if (t->frame_armed || !anything_dirty(t))
		return;
	uint64_t now = now_mono_ns();
	if (now - t->last_frame_ns >= FRAME_NS) {
		draw_frame(t);
	} else {
		arm(t->framefd, t->last_frame_ns + FRAME_NS - now);
		t->frame_armed = true;
	}
}

/* ---- set-up --------------------------------------------------------------------- */

/* ~/.config/glassbox/config: "prefix = C-a" (the only setting so far). */
static int config_prefix(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	cleanup_free char *path = xdg && xdg[0] == '/' ? xasprintf("%s/glassbox/config", xdg)
	                          : home               ? xasprintf("%s/.config/glassbox/config", home)
	                                               : NULL;
	char *text = NULL;
	size_t len;
	if (!path || read_file(path, 65536, &text, &len) < 0)
		return KM_CTRL('g');
	int key = KM_CTRL('g');
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[32], value[32];
		if (sscanf(line, " %31[a-z] = %31s", name, value) == 2 && strcmp(name, "prefix") == 0) {
			int k = keymap_parse_key(value);
			if (k > 0)
				key = k;
		}
	}
	free(text);
	return key;
}

static void event_to_panes(const struct event *ev, void *arg)
{
	kinds_event(arg, ev->kind, ev->time_ns, ev->message, ev->data);
}

static void init_panes(struct tui *t)
{
	static const char *const names[PANE__COUNT] = { "Shell", "Network", "Denied", "Changes" };
	for (int i = 0; i < PANE__COUNT; i++) {
		t->panes[i].id = (enum pane_id)i;
		t->panes[i].name = names[i];
		t->panes[i].ops = i == PANE_SHELL ? &pane_shell_ops : &pane_list_ops;
		if (i != PANE_SHELL)
			t->panes[i].list = &t->lists[i];
	}
	list_init(&t->lists[PANE_NETWORK], PANE_NETWORK, "no network activity yet");
	list_init(&t->lists[PANE_DENIED], PANE_DENIED, "nothing denied yet");
	list_init(&t->lists[PANE_CHANGES], PANE_CHANGES,
	          session_snapshot(t->s) ? "no changes yet" : "snapshots off (start with --snapshot)");
}

static int start_curses(struct tui *t)
{
	setlocale(LC_ALL, "");
	if (!newterm(t->outer_term, stdout, stdin))
		return -1;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	/* no deferred updates on pending input: nothing would redraw them later */
	typeahead(-1);
	mousemask(ALL_MOUSE_EVENTS, NULL);
	mouseinterval(0);
	define_key("\033[200~", KEY_PASTE_BEGIN);
	define_key("\033[201~", KEY_PASTE_END);
	theme_curses_init(&t->theme, t->no_color);
	/* bracketed paste, passed to the shell when it asked for it */
	fputs("\033[?2004h", stdout);
	fflush(stdout);
	return 0;
}

static void stop_curses(void)
{
	endwin();
	fputs("\033[?2004l", stdout);
	fflush(stdout);
}

static int make_fds(struct tui *t, sigset_t *old)
{
	sigset_t mask;
	sigemptyset(&mask);
	static const int sigs[] = { SIGWINCH, SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&mask, sigs[i]);
	sigprocmask(SIG_BLOCK, &mask, old);
	t->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	t->framefd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	t->tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (t->sigfd < 0 || t->framefd < 0 || t->tickfd < 0)
		return -1;
	return rescan_init(t);
}

enum { FD_STDIN, FD_SIG, FD_SESSION, FD_FRAME, FD_TICK, FD_RESCAN, FD_SHELLS };

static void run_loop(struct tui *t)
{
	char *buf = xmalloc(READ_CHUNK);
	for (;;) {
		adopt_masters(t);
		bool any_open = false;
		for (int i = 0; i < t->nshells; i++)
			any_open |= t->shells[i]->open && t->shells[i]->master >= 0;
		if (t->ended && !any_open)
			break;
		ask_queue_poll(t); /* every turn: a tick re-armed late may not fire */
		maybe_draw(t);
		struct pollfd pfd[FD_SHELLS + TUI_MAX_SHELLS] = {
			[FD_STDIN] = { STDIN_FILENO, POLLIN, 0 },
			[FD_SIG] = { t->sigfd, POLLIN, 0 },
			[FD_SESSION] = { t->ended ? -1 : session_fd(t->s), POLLIN, 0 },
			[FD_FRAME] = { t->framefd, POLLIN, 0 },
			[FD_TICK] = { t->tickfd, POLLIN, 0 },
			[FD_RESCAN] = { rescan_fd(t), POLLIN, 0 },
		};
		for (int i = 0; i < t->nshells; i++) {
			struct shell *sh = t->shells[i];
			pfd[FD_SHELLS + i] = (struct pollfd){ sh->open ? sh->master : -1,
			                                      (short)(POLLIN | (sh->wq_len ? POLLOUT : 0)), 0 };
		}
		/* after the end: drain what is left without waiting */
		int n = poll(pfd, (nfds_t)(FD_SHELLS + t->nshells), t->ended ? 0 : -1);
		if (n < 0 && errno != EINTR)
			break;
		if (pfd[FD_SIG].revents & POLLIN)
			on_signal(t);
		if (pfd[FD_STDIN].revents & POLLIN)
			input_on_stdin(t);
		if (pfd[FD_STDIN].revents & (POLLHUP | POLLERR))
			tui_request_quit(t);
		bool dropped = false;
		for (int i = 0; i < t->nshells; i++) {
			struct shell *sh = t->shells[i];
			short re = pfd[FD_SHELLS + i].revents;
			if (re & POLLOUT)
				flush_queue(sh);
			if (re & (POLLIN | POLLHUP | POLLERR))
				sh->open = shell_read(t, sh, buf);
			if (t->ended && !(re & POLLIN))
				sh->open = false; /* drained */
			dropped |= !sh->open;
		}
		if (dropped && !t->ended)
			drop_ended_shells(t);
		if (pfd[FD_SESSION].revents & POLLIN && session_dispatch(t->s) == 1)
			t->ended = true;
		if (pfd[FD_FRAME].revents & POLLIN) {
			uint64_t exp;
			ssize_t unused = read(t->framefd, &exp, sizeof exp);
			(void)unused;
			t->frame_armed = false;
		}
		if (pfd[FD_TICK].revents & POLLIN)
			on_tick(t);
		if (pfd[FD_RESCAN].revents & POLLIN)
			rescan_done(t);
		bool busy = n > 0 && status_sample(t);
		arm_tick(t, busy);
	}
	free(buf);
}

int tui_run(const struct cli_options *o)
{
	struct tui t = { .o = o, .zoom = -1, .focus = PANE_SHELL, .sigfd = -1,
	                 .framefd = -1, .tickfd = -1 };
	char err[1024];
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		headless_error("--tui needs a terminal on stdin and stdout");
		return 2;
	}
	const char *theme = o->theme ? o->theme : "dark";
	if (theme_load(theme, &t.theme, err, sizeof err) < 0) {
		headless_error(err);
		return 2;
	}
	const char *nc = getenv("NO_COLOR");
	t.no_color = (nc && nc[0]) || strcmp(theme, "mono") == 0;
	t.prefix_key = config_prefix();

	/* The shell pane is an xterm-like emulator (libvterm) whatever the outer
	 * terminal is: programs in the sandbox get TERM=xterm-256color (an
	 * explicit --env TERM=... still wins); curses keeps the outer type. */
	const char *outer = getenv("TERM");
	t.outer_term = outer && outer[0] ? xstrdup(outer) : NULL;
	setenv("TERM", "xterm-256color", 1);

	/* warnings while the session opens reach the status line */
	event_add_sink(event_to_panes, &t);
	struct start_progress progress;
	struct session_open_opts open_opts;
	start_progress_begin(&progress, START_PROGRESS_SCREEN, &open_opts);
	int rc = session_open_with(o, &open_opts, &t.s, err, sizeof err);
	rc = start_progress_finish(&progress, rc, err, sizeof err);
	if (rc != 0) {
		session_abandon(t.s);
		event_remove_sink(event_to_panes, &t);
		headless_error(err);
		free(t.outer_term);
		return rc;
	}
	init_panes(&t);
	sigset_t old;
	if (make_fds(&t, &old) < 0) {
		headless_error("cannot create the event loop's fds");
		event_remove_sink(event_to_panes, &t);
		session_free(t.s);
		free(t.outer_term);
		return 125;
	}
	install_fatal_handlers();
	if (start_curses(&t) < 0) {
		headless_error("cannot initialise the terminal (is TERM right?)");
		rescan_free(&t);
		event_remove_sink(event_to_panes, &t);
		session_free(t.s);
		free(t.outer_term);
		return 125;
	}
	layout_compute(&t);
	const struct rect *r = &t.panes[PANE_SHELL].inner;
	t.term_rows = r->h > 1 ? r->h : 1;
	t.term_cols = r->w > 2 ? r->w : 2;
	t.shells[t.nshells++] = shell_new(&t, 0);
	show_shell(&t, 0);
	struct session_io io = { .pty_only = true, .rows = (unsigned short)t.term_rows,
	                         .cols = (unsigned short)t.term_cols };
	rc = session_start(t.s, &io, err, sizeof err);
	if (rc == 0) {
		status_sample(&t);
		run_loop(&t);
	}
	stop_curses();
	rescan_free(&t); /* the worker is done with the snapshot */
	char ferr[1024] = "";
	int status = session_finish(t.s, ferr, sizeof ferr);
	if (rc != 0) {
		headless_error(err);
		status = rc;
	} else if (ferr[0]) {
		headless_error(ferr);
	}
	event_remove_sink(event_to_panes, &t);
	struct snap_store *st = NULL;
	struct snap_session *sn = NULL;
	session_take_snapshot(t.s, &st, &sn);
	if (sn)
		snapshot_end(o, session_cwd(t.s), st, sn);
	session_free(t.s);
	sigprocmask(SIG_SETMASK, &old, NULL);
	view_free(t.view);
	perms_free(&t);
	ask_queue_free(&t);
	for (int i = 1; i < PANE__COUNT; i++)
		list_free(&t.lists[i]);
	if (t.changes) {
		snap_changes_free(t.changes);
		free(t.changes);
	}
	for (int i = 0; i < t.nshells; i++)
		shell_free(t.shells[i]);
	free(t.outer_term);
	free(t.paste);
	close(t.sigfd);
	close(t.framefd);
	close(t.tickfd);
	return status;
}
